# Numerical faults are reported, never ranked silently (issue 13; docs/theory.md "When the SCF diverges",
# docs/relax.md "When a relaxation stops making progress"):
#   1. an SCF that diverges (the scan toy's cell with a hole, smeared, mixing_beta = 1 and a history of 1: the
#      residual sloshes, 2e-4 at iteration 15, 0.1 at 25) is caught by the guard, retried with safer mixing and
#      converges to the energy of the default mixing; the log and result.json (scf_guard) say so;
#   2. an SCF that cannot converge (max_scf = 4) exits 3 with its iteration history, and writes no result.json;
#      one whose fixed occupations oscillate (two holes) diverges and is retried smeared, to the energy of the
#      same smearing given in the deck; a relaxation so retried continues from its relax.chk (--restart) to
#      where the uninterrupted one ends;
#   3. a scan whose SCFs cannot converge lists every configuration as failed with the reason (exit 3), the
#      journal keeps the whole message with the history, nothing is ranked;
#   4. a relaxation that stops making progress (max_step = 2e-6 angstrom) stops with exit 3 saying so, its
#      results written with relax.converged = false and relax.stalled = true.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
# the toy of tests/scan/toy.in as an scf deck: its [structure] and [dft]
sed '/^\[relax\]/,$d' "$TOP/tests/scan/toy.in" > "$TMP/toy.in"
sed 's/^stress = false/&\ncharge = 1\nsmearing = gaussian 0.01 Ry\nmax_scf = 40/' "$TMP/toy.in" > "$TMP/hole.in"
sed 's/^max_scf = 40/&\nmixing_beta = 1\nmixing_history = 1/' "$TMP/hole.in" > "$TMP/slosh.in"
grep -q '^mixing_history = 1' "$TMP/slosh.in" || die "could not make the sloshing deck"

# 1. diverges, retried, converges
"$ANIONSCAN" scf "$TMP/hole.in" -o "$TMP/ref" > "$TMP/ref.log" 2>&1 || die "the default mixing failed: $(tail -3 "$TMP/ref.log")"
! grep -q "SCF guard" "$TMP/ref.log" || die "the guard acted on a converging SCF"
"$ANIONSCAN" scf "$TMP/slosh.in" -o "$TMP/slosh" > "$TMP/slosh.log" 2>&1 || die "the sloshing SCF exited $?: $(tail -3 "$TMP/slosh.log")"
grep -q "SCF guard .*the SCF diverges (the residual" "$TMP/slosh.log" || die "the divergence was not reported: $(tail "$TMP/slosh.log")"
grep -q "retrying once with safer mixing: mixing_beta 0.2, mixing_history 12" "$TMP/slosh.log" || die "no retry in the log"
grep -q "SCF guard .*converged with the safer mixing" "$TMP/slosh.log" || die "the retry's success was not reported"
$PY - "$TMP/ref/result.json" "$TMP/slosh/result.json" <<'EOF' || die "result.json of the retried SCF"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
g = b["scf_guard"]
print(f"diverged at iteration {g['diverged_at_iteration']}, retried with beta {g['retry_mixing_beta']}, "
      f"history {g['retry_mixing_history']}: {b['scf_iterations']} iterations; E = {b['energy_ha']:.10f} Ha "
      f"(default mixing: {a['energy_ha']:.10f} Ha in {a['scf_iterations']})")
assert "scf_guard" not in a
assert g["retried"] and g["diverged_at_iteration"] > 5 and g["retry_mixing_beta"] < 1 and b["converged"]
assert abs(a["energy_ha"] - b["energy_ha"]) < 1e-6
EOF

# 2. cannot converge: exit 3 with the history, no result
sed 's/^max_scf = 40/max_scf = 4/' "$TMP/hole.in" > "$TMP/short.in"
expect_status 3 "$ANIONSCAN" scf "$TMP/short.in" -o "$TMP/short"
expect_stderr_has "SCF not converged after 4 iterations"
expect_stderr_has "iteration history (dE/residual in Ha): 1: "
expect_stderr_has " 4: "
[ ! -e "$TMP/short/result.json" ] || die "an unconverged SCF wrote result.json"
[ -s "$TMP/short/density.dat" ] || die "an unconverged SCF kept no density for --restart"

# 2b. fixed occupations that oscillate (two holes in the toy cell): the SCF diverges, is retried once with safer
# mixing and, as its occupied and empty levels cross, with Marzari-Vanderbilt smearing of 0.005 Ha; it converges
# to the energy and gap of the same deck given that smearing itself, and result.json says it was switched on
sed 's/^stress = false/&\ncharge = 2\nmax_scf = 60/' "$TMP/toy.in" > "$TMP/holes.in"
"$ANIONSCAN" scf "$TMP/holes.in" -o "$TMP/holes" > "$TMP/holes.log" 2>&1 \
  || die "the oscillating SCF was not rescued by the smeared retry: $(tail -3 "$TMP/holes.log")"
grep -q "SCF guard .*the SCF diverges .*Marzari-Vanderbilt smearing of 0.005 Ha.*levels cross" "$TMP/holes.log" \
  || die "the log does not say the retry is smeared: $(grep 'SCF guard' "$TMP/holes.log")"
grep -q "SCF guard .*converged .*the energies and the gap below are the smeared ones" "$TMP/holes.log" \
  || die "the log does not say the results are smeared"
sed 's/^charge = 2/&\nsmearing = marzari-vanderbilt 0.005 Ha/' "$TMP/holes.in" > "$TMP/holes_smeared.in"
"$ANIONSCAN" scf "$TMP/holes_smeared.in" -o "$TMP/holes_smeared" > "$TMP/holes_smeared.log" 2>&1 \
  || die "with the smearing given in the deck the SCF fails: $(tail -2 "$TMP/holes_smeared.log")"
$PY - "$TMP/holes/result.json" "$TMP/holes_smeared/result.json" <<'EOF' || die "the auto-smeared result"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
print(f"auto-smeared retry: E = {a['energy_ha']:.10f} Ha, gap {a['gap_ev']:.4f} eV; smearing in the deck: "
      f"E = {b['energy_ha']:.10f} Ha, gap {b['gap_ev']:.4f} eV")
assert a.get("auto_smearing") is True and "auto_smearing" not in b
assert a["scf_guard"]["retried"] and a["scf_guard"]["retry_smeared"] and a["converged"]
assert a["smearing"] == {"kind": "marzari-vanderbilt", "width_ha": 0.005}, a["smearing"]
assert abs(a["energy_ha"] - b["energy_ha"]) < 1e-6
assert abs(a["gap_ev"] - b["gap_ev"]) < 1e-3
EOF
# 2c. a relaxation whose first SCF the guard retried smeared (2b's deck, one step) continues from its relax.chk
# with --restart (the smeared retry keeps the fixed occupations' 20 bands, fewer than a smeared start chooses; the
# checkpoint carries them) and ends where an uninterrupted two-step relaxation ends
{ cat "$TMP/holes.in"; printf '\n[relax]\nfmax = 0.001 eV/angstrom\nmax_steps = 1\n'; } > "$TMP/hrelax1.in"
sed 's/^max_steps = 1/max_steps = 2/' "$TMP/hrelax1.in" > "$TMP/hrelax2.in"
st=0; "$ANIONSCAN" relax "$TMP/hrelax1.in" -o "$TMP/hr" > "$TMP/hr.log" 2>&1 || st=$?
[ "$st" = 3 ] || die "the one-step relaxation exited $st, expected 3: $(tail -3 "$TMP/hr.log")"
grep -q "SCF guard .*Marzari-Vanderbilt smearing" "$TMP/hr.log" || die "the one-step relaxation was not retried smeared"
expect_status 3 "$ANIONSCAN" relax "$TMP/hrelax2.in" -o "$TMP/hr" --restart
expect_stderr_has "not converged after 2 steps"
expect_status 3 "$ANIONSCAN" relax "$TMP/hrelax2.in" -o "$TMP/hf"
$PY - "$TMP/hr/result.json" "$TMP/hf/result.json" <<'EOF' || die "the restarted smeared relaxation"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
print(f"smeared by the guard, restarted after step 1: E = {a['energy_ha']:.10f} Ha; uninterrupted: {b['energy_ha']:.10f}")
assert abs(a["energy_ha"] - b["energy_ha"]) < 1e-8 and a["nbands"] == b["nbands"]
EOF

# 3. a scan whose SCFs cannot converge: every configuration listed as failed with the reason, none ranked
sed 's/^stress = false/&\nmax_scf = 10/' "$TOP/tests/scan/toy.in" > "$TMP/scan10.in"
expect_status 3 "$ANIONSCAN" scan "$TMP/scan10.in" -o "$TMP/scan"
expect_stderr_has "configurations failed (the ranking lists them with the reason"
$PY - "$TMP/scan/ranking.json" <<'EOF' || die "the ranking of failed configurations"
import json, sys
d = json.load(open(sys.argv[1]))
confs = [c for f in d["families"] for c in f["configurations"]]
assert len(confs) == 3, len(confs)
for c in confs:
    assert c["status"] == "failed" and not c["ranked"] and c["energy_ha"] is None, c
    assert "SCF did not converge" in c["detail"], c["detail"]
print("failed, not ranked:", ", ".join(c["name"] for c in confs))
EOF
[ "$(awk -F'\t' '$3 == "failed"' "$TMP/scan/scan.journal" | grep -c "iteration history")" = 3 ] \
  || die "the journal's failed records lack the SCF history"

# 4. a relaxation that stops making progress
sed -e 's/^fmax = .*/fmax = 0.01 eV\/angstrom\nmax_step = 2e-6 angstrom\nmax_steps = 30/' -e 's/^kpoints = 2 2 2/kpoints = gamma/' \
  "$TOP/tests/relax/si_displaced_10_k222.in" > "$TMP/creep.in"
expect_status 3 "$ANIONSCAN" relax "$TMP/creep.in" -o "$TMP/creep"
expect_stderr_has "no progress in the last 8 steps"
expect_stderr_has "max_step"
$PY - "$TMP/creep/result.json" <<'EOF' || die "result.json of the stalled relaxation"
import json, sys
r = json.load(open(sys.argv[1]))["relax"]
assert r["stalled"] and not r["converged"] and r["steps"] < 30, r
print(f"stalled after {r['steps']} steps")
EOF
echo "t_scf_guard: all checks passed"
