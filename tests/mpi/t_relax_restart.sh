# anionscan relax on 2 ranks (2 k-point pools): the checkpoint holds every rank's share of the wavefunctions;
# a relaxation stopped by max_steps and continued with --restart on 2 ranks ends where an uninterrupted 2-rank
# run ends (positions 1e-6 bohr, energy 1e-8 Ha, same steps and SCF iterations) and where the 1-rank run ends
# (1e-5 bohr, 1e-7 Ha: a different summation order); restarting on another rank count is refused with a message.
source "$(dirname "$0")/../e2e/lib.sh"
DECK="$TOP/tests/relax/si_displaced_10_k222.in"
sed 's/^fmax = .*/&\nmax_steps = 2/' "$DECK" > "$TMP/si_2.in"
$MPIRUN -np 2 "$ANIONSCAN" relax "$DECK" -o "$TMP/full" > "$TMP/full.log" 2>&1 || die "np 2 relax failed: $(tail -3 "$TMP/full.log")"
"$ANIONSCAN" relax "$DECK" -o "$TMP/serial" > "$TMP/serial.log" 2>&1 || die "np 1 relax failed"
$MPIRUN -np 2 "$ANIONSCAN" relax "$TMP/si_2.in" -o "$TMP/part" > "$TMP/part.log" 2>&1; st=$?
[ "$st" = 3 ] || die "max_steps stop exited $st, expected 3"
expect_status 2 "$ANIONSCAN" relax "$DECK" -o "$TMP/part" --restart
expect_stderr_has "written by 2 MPI ranks"
$MPIRUN -np 2 "$ANIONSCAN" relax "$DECK" -o "$TMP/part" --restart > "$TMP/restart.log" 2>&1 || die "np 2 restart failed"
/usr/bin/python3 - "$TMP/full/result.json" "$TMP/part/result.json" "$TMP/serial/result.json" <<'PY' || die "restart differs"
import json, sys
import numpy as np
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
cell = np.array(a["relax"]["lattice_angstrom"]) / 0.529177210903
pos = lambda d: np.array(d["relax"]["positions_frac"])
d_ab = np.abs((pos(a) - pos(b)) @ cell).max()
d_ac = np.abs((pos(a) - pos(c)) @ cell).max()
print(f"2 ranks restarted vs uninterrupted: {d_ab:.1e} bohr, {abs(a['energy_ha'] - b['energy_ha']):.1e} Ha; "
      f"vs 1 rank: {d_ac:.1e} bohr, {abs(a['energy_ha'] - c['energy_ha']):.1e} Ha")
assert d_ab < 1e-6 and abs(a["energy_ha"] - b["energy_ha"]) < 1e-8
assert a["relax"]["steps"] == b["relax"]["steps"]
assert a["relax"]["total_scf_iterations"] == b["relax"]["total_scf_iterations"]
assert d_ac < 1e-5 and abs(a["energy_ha"] - c["energy_ha"]) < 1e-7
PY
echo ok
