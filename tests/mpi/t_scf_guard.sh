# The SCF divergence guard on 2 ranks (pw/scf_guard.h): every rank takes the same decision (the loop broadcasts
# the residual), so the sloshing deck of tests/e2e/t_scf_guard.sh is caught at the same iteration, retried, and
# converges to the serial energy, without a rank left waiting in a collective.
source "$(dirname "$0")/../e2e/lib.sh"
sed '/^\[relax\]/,$d' "$TOP/tests/scan/toy.in" |
  sed 's/^stress = false/&\ncharge = 1\nsmearing = gaussian 0.01 Ry\nmax_scf = 40\nmixing_beta = 1\nmixing_history = 1/' > "$TMP/slosh.in"
"$ANIONSCAN" scf "$TMP/slosh.in" -o "$TMP/np1" > "$TMP/np1.log" 2>&1 || die "np 1 exited $?"
$MPIRUN -np 2 "$ANIONSCAN" scf "$TMP/slosh.in" -o "$TMP/np2" --pools 1 > "$TMP/np2.log" 2>&1 || die "np 2 exited $?: $(tail -3 "$TMP/np2.log")"
[ "$(grep -c "SCF guard" "$TMP/np2.log")" = 2 ] || die "np 2: the guard's two lines are not printed once each"
/usr/bin/python3 - "$TMP/np1/result.json" "$TMP/np2/result.json" <<'PY' || die "np 2 differs from np 1"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["scf_guard"]["diverged_at_iteration"] == b["scf_guard"]["diverged_at_iteration"], (a["scf_guard"], b["scf_guard"])
assert abs(a["energy_ha"] - b["energy_ha"]) < 1e-7, (a["energy_ha"], b["energy_ha"])
print("np 2: diverged at", b["scf_guard"]["diverged_at_iteration"], "retried, E =", b["energy_ha"])
PY
echo ok
