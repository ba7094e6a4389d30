# anionscan scan end to end on the toy of tests/scan/toy.in (3 configurations, ~40 s on one rank):
#   1. an uninterrupted run: exit 0, every configuration planned and done once, the ranking files, a
#      progress line per configuration, ranking.json's energies equal each configuration's result.json,
#      every relaxation at the full cutoff started from its prerelaxation's BFGS Hessian, and a Frenkel pair
#      that recombined in its prerelaxation (Br_i2_v4) or its relaxation at the full cutoff (Br_i2_v5: the
#      relaxation stops at the first structure with its vacancy refilled, every atom within 1 angstrom of a
#      host atom) has the relaxed host's
#      final.cif and energy and is 'recombined'; the multiplicity of every ok or moved configuration is the
#      order of the host's space group over that of its final structure, both by spglib through pymatgen;
#   2. killed with SIGKILL inside a relaxation, between configurations, and with a torn journal line,
#      then run again: every configuration is done exactly once and the ranking equals the
#      uninterrupted run's (1e-8 Ha; FFT plans chosen without timing so runs are bit-reproducible);
#   3. running a finished scan again computes nothing; a new temperature only re-ranks;
#   4. a changed cutoff is refused, naming the key (exit 2); 'check' builds the configurations and names the
#      deck line of a site the host does not have;
#   5. with prerelax = false and fmax 0.03 eV/angstrom the scan's energy of the extra anion equals a separate
#      'anionscan relax' of its initial.cif (2 meV; 0.004 seen), and the gap too within 10 meV (the two runs
#      start their SCFs from different bands, so on the toy's flat energy surface they stop at slightly
#      different points within fmax, and the gap is first order in that difference: 2.9 meV seen; at fmax
#      0.1, 4.5-13 meV, depending on the mixing); the scan's energy
#      and gap equal a separate 'anionscan scf' of its final.cif (1e-5 Ha, 0.5 meV).  With the
#      prerelaxation (the default) the path differs and on this toy it ends in another, lower minimum:
#      that is measured by make bench;
#   6. a Frenkel pair started 1 angstrom from its vacancy is 'recombined' (tests/scan/toy_recombine.in);
#   7. configurations that cannot converge (max_steps = 2) are 'failed', listed with the reason, not
#      ranked, and the exit status is 3;
#   8. a prerelaxation whose SCF fails at step 3 (injected with ANIONSCAN_TEST_SCF_FAIL=3@4.8, the toy's
#      prerelaxation cutoff) hands that step's structure and its BFGS Hessian to the relaxation at the full
#      cutoff: that relaxation's first structure is the one the uninterrupted prerelaxation of run 1
#      computed at its step 3 (1e-6 angstrom), not initial.cif, and the configuration ends done;
#   9. the corrected prerelaxation: its probe's forces equal a separate 'anionscan scf' of the prerelaxed
#      structure at the full cutoff (1e-3 eV/angstrom), and the relaxation at the full cutoff starts from
#      the last corrected prerelaxation's final structure (the shifted surface itself: test_relax's
#      shifted_surface, a finite-difference check);
#  10. merging after the prerelaxation (scan/merge.h; tests/scan/toy_merge.in: two starts 0.002 apart):
#      the higher of the two in energy is 'merged' into the other, its prerelaxed structure within 0.3
#      angstrom of it by pymatgen's StructureMatcher too, it is not relaxed further (no probe, no
#      relaxation at the full cutoff) and is listed 'same' without energies (that the representative's
#      results equal a scan with merge_tol = 0 is in make validate: tests/validate/t_scan_merge_invariance.sh);
#      the same command again computes nothing
#      and merges the same way; a representative that fails (step 2 at the full cutoff made to fail)
#      hands its merged configuration back, which is then relaxed itself.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export ANIONSCAN_FFTW_PLANNER=estimate
DECK="$TOP/tests/scan/toy.in"
NAMES="Br_i2_v4 Br_i2_v5 Br_i2_q-1"

energies() { # DIR -> "name energy gap status" lines from ranking.json
  "$PY" - "$1" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1] + "/ranking.json"))
for f in j["families"]:
    for c in f["configurations"]:
        print(c["name"], repr(c["energy_ha"]), repr(c["gap_ev"]), c["status"])
PYEOF
}
same_ranking() { # A B TOL
  "$PY" - "$1" "$2" "$3" <<'PYEOF' || die "rankings differ: $1 vs $2"
import json, sys
def load(d):
    j = json.load(open(d + "/ranking.json"))
    return {c["name"]: c for f in j["families"] for c in f["configurations"]}
a, b, tol = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
assert set(a) == set(b), (sorted(a), sorted(b))
worst = 0.0
for n in a:
    assert a[n]["status"] == b[n]["status"], (n, a[n]["status"], b[n]["status"])
    d = abs(a[n]["energy_ha"] - b[n]["energy_ha"])
    worst = max(worst, d)
    assert d <= tol, (n, a[n]["energy_ha"], b[n]["energy_ha"])
print("same ranking: largest energy difference %.2e Ha" % worst)
PYEOF
}
done_once() { # DIR: every configuration has exactly one 'done' in the journal
  for n in $NAMES; do
    c=$(awk -F'\t' -v n="$n" '$3 == "done" && $4 == n' "$1/scan.journal" | wc -l)
    [ "$c" = 1 ] || die "$n is done $c times in $1/scan.journal"
  done
}

# 1. uninterrupted
"$ANIONSCAN" scan "$DECK" -o "$TMP/ref" > "$TMP/ref.log" 2>&1 || die "scan exited $?: $(tail -5 "$TMP/ref.log")"
for f in ranking.csv ranking.json report.md plan.json host.cif sites.json host/result.json; do
  [ -s "$TMP/ref/$f" ] || die "no $f"
done
recombined_early=
for n in $NAMES; do
  grep -q "done   $n" "$TMP/ref.log" || die "no progress line for $n"
  [ -s "$TMP/ref/configs/$n/final.cif" ] && [ -s "$TMP/ref/configs/$n/result.json" ] || die "no files for $n"
  if grep -q "prerelax: the pair recombined" "$TMP/ref/configs/$n/relax.log"; then
    # recombined in the prerelaxation: no relaxation at the full cutoff, the relaxed host's results
    cmp -s "$TMP/ref/configs/$n/final.cif" "$TMP/ref/host/final.cif" || die "$n: recombined, but not the host's final.cif"
    "$PY" -c "import json, sys; r = json.load(open(sys.argv[1])); h = json.load(open(sys.argv[2]));
assert r['recombined_in_prerelaxation'] is True and r['relax']['steps'] == 0 and r['energy_ha'] == h['energy_ha']" \
      "$TMP/ref/configs/$n/result.json" "$TMP/ref/host/result.json" || die "$n: recombined, result.json"
    recombined_early="$recombined_early $n"
  else
    [ -s "$TMP/ref/configs/$n/trajectory.extxyz" ] || die "no trajectory for $n"
    # the relaxation at the full cutoff starts from the prerelaxation's structure and BFGS curvature
    grep -q "starts from its structure and its BFGS Hessian" "$TMP/ref/configs/$n/relax.log" ||
      die "$n: stage 2 did not start from the prerelaxation's Hessian"
    if grep -q "the pair recombined before step" "$TMP/ref/configs/$n/relax.log"; then
      # recombined at the full cutoff: the relaxation stopped there (its steps counted), the host's results
      cmp -s "$TMP/ref/configs/$n/final.cif" "$TMP/ref/host/final.cif" || die "$n: recombined, but not the host's final.cif"
      "$PY" -c "import json, sys; r = json.load(open(sys.argv[1])); h = json.load(open(sys.argv[2]));
assert r['recombined_during_relaxation'] is True and r['relax']['steps'] > 0 and r['energy_ha'] == h['energy_ha']" \
        "$TMP/ref/configs/$n/result.json" "$TMP/ref/host/result.json" || die "$n: recombined in stage 2, result.json"
      recombined_late="${recombined_late:-} $n"
    fi
  fi
done
echo "recombined in the prerelaxation:${recombined_early:- none}; at the full cutoff:${recombined_late:- none}"
for n in $recombined_early ${recombined_late:-}; do
  "$PY" -c "import json, sys; j = json.load(open(sys.argv[1]));
c = [c for f in j['families'] for c in f['configurations'] if c['name'] == sys.argv[2]]
assert c and c[0]['status'] == 'recombined', c" "$TMP/ref/ranking.json" "$n" || die "$n should be ranked 'recombined'"
done
done_once "$TMP/ref"
[ "$(wc -l < "$TMP/ref/ranking.csv")" = 4 ] || die "ranking.csv should have a header and 3 rows"
"$PY" - "$TMP/ref" <<'PYEOF' || die "ranking.json against the result.json files"
import json, sys
from pymatgen.core import Structure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer
def order(path, prec): # the order of the space group spglib finds (through pymatgen)
    return len(SpacegroupAnalyzer(Structure.from_file(path), symprec=prec).get_symmetry_operations())
d = sys.argv[1]
j = json.load(open(d + "/ranking.json"))
host = json.load(open(d + "/host/result.json"))
host_order = order(d + "/host.cif", 1e-3)
HA = 27.211386245988
assert abs(j["host"]["energy_ev"] - host["energy_ha"] * HA) < 1e-6
for f in j["families"]:
    for c in f["configurations"]:
        r = json.load(open("%s/configs/%s/result.json" % (d, c["name"])))
        assert abs(c["energy_ha"] - r["energy_ha"]) < 1e-10, c["name"]
        assert abs(c["gap_ev"] - r["gap_ev"]) < 1e-9, c["name"]
        if c["status"] in ("ok", "moved"):
            assert abs(c["dgap_mev"] - 1000 * (host["gap_ev"] - r["gap_ev"])) < 1e-6, c["name"]
        # the cell's electrons: a Frenkel pair keeps the host's; Br- adds its 7 valence electrons and one more
        extra = 8 if c["name"].endswith("_q-1") else 0
        assert r["nelectrons"] == host["nelectrons"] + extra, (c["name"], r["nelectrons"], host["nelectrons"])
        assert r["natoms"] == host["natoms"] + (1 if extra else 0), c["name"]
        if c["status"] in ("ok", "moved"):
            # the copies of the final structure in the host cell: the order of the host's space group over the
            # order of the final structure's, the final one at the 0.3 angstrom of the scan's structure match
            g = host_order // order("%s/configs/%s/final.cif" % (d, c["name"]), 0.3)
            assert c["multiplicity"] == g, (c["name"], c["multiplicity"], g)
            print("%s: multiplicity %d, as spglib's orders say" % (c["name"], g))
print("ranking.json agrees with the result.json files; electrons and atoms as the configurations' charges say")
PYEOF
echo "uninterrupted:"; energies "$TMP/ref"

# 2. killed at three points, then continued
kill_when() { # DIR CONDITION-COMMAND: start the scan, SIGKILL it once the condition holds
  local dir=$1; shift
  "$ANIONSCAN" scan "$DECK" -o "$dir" >> "$dir.log" 2>&1 &
  local pid=$! t=0
  until "$@" 2>/dev/null; do
    sleep 0.05; t=$((t + 1))
    kill -0 $pid 2>/dev/null || die "the scan finished before the kill point ($*)"
    [ $t -lt 2400 ] || { kill -9 $pid; die "kill point never reached: $*"; }
  done
  kill -9 $pid; wait $pid 2>/dev/null
}
R="$TMP/restart"
# inside the first relaxation: after the third step's checkpoint of its corrected prerelaxation (the
# shifted surface must be rebuilt the same from the files on the restart)
P2="$R/configs/Br_i2_q-1/prerelax2/trajectory.extxyz"
steps_in_chk() { [ -s "$P2" ] && [ "$(grep -c Lattice "$P2")" -ge 3 ]; }
kill_when "$R" steps_in_chk
grep -q "started	Br_i2_q-1" "$R/scan.journal" || die "no 'started' before the kill"
! grep -q "done	Br_i2_q-1" "$R/scan.journal" || die "killed too late"
# between configurations: as soon as the first one is done
first_done() { grep -q "	done	Br_i2_" "$R/scan.journal"; }
kill_when "$R" first_done
# a journal line torn by the kill
printf '99\t2026-12-03T00:00:00Z\tdone\tBr_i2_v5\tenergy_ha=-1' >> "$R/scan.journal"
"$ANIONSCAN" scan "$DECK" -o "$R" --restart > "$R.final.log" 2>&1 || die "the continued scan exited $?: $(tail -5 "$R.final.log")"
done_once "$R"
[ "$(awk -F'\t' '$3 == "started" && $4 == "Br_i2_q-1"' "$R/scan.journal" | wc -l)" = 2 ] || die "Br_i2_q-1 should have been started twice (killed once)"
same_ranking "$TMP/ref" "$R" 1e-8

# 3. a finished scan computes nothing; a new temperature re-ranks
"$ANIONSCAN" scan "$DECK" -o "$TMP/ref" > "$TMP/again.log" 2>&1 || die "re-running a finished scan exited $?"
grep -q "every configuration is finished" "$TMP/again.log" || die "a finished scan was computed again"
[ "$(grep -c "	started	Br_" "$TMP/ref/scan.journal")" = 3 ] || die "new 'started' records after re-running a finished scan"
sed 's/^\[scan\]/[scan]\ntemperature = 900/' "$DECK" > "$TMP/t900.in"
"$ANIONSCAN" scan "$TMP/t900.in" -o "$TMP/ref" > "$TMP/t900.log" 2>&1 || die "re-ranking at 900 K exited $?"
grep -q "ranking at 900.0 K" "$TMP/t900.log" || die "no ranking at 900 K"

# 4. a changed cutoff is refused
sed 's/^ecut = 8 Ha/ecut = 9 Ha/' "$DECK" > "$TMP/ecut.in"
expect_status 2 "$ANIONSCAN" scan "$TMP/ecut.in" -o "$TMP/ref"
expect_stderr_has "'ecut' changed"

# 4b. check builds the configurations: their number, and a site the host does not have (deck line)
"$ANIONSCAN" check "$DECK" > "$TMP/check.out" 2>&1 || die "check of the toy deck exited $?"
grep -q "scan: 3 configurations" "$TMP/check.out" || die "check: $(cat "$TMP/check.out")"
sed 's/^sites = i2/sites = i9/' "$DECK" > "$TMP/badsite.in"
line=$(grep -n '^sites = i9' "$TMP/badsite.in" | cut -d: -f1)
expect_status 2 "$ANIONSCAN" check "$TMP/badsite.in"
expect_stderr_has "badsite.in:$line: 'sites' names i9"

# 5. the extra anion against a separate relax of its starting structure
sed 's/^\[scan\]/[scan]\nprerelax = false\nmode = interstitial/; s/^fmax = 0.1 eV\/angstrom/fmax = 0.03 eV\/angstrom/' "$DECK" |
  grep -v '^mode = both' > "$TMP/nopre.in"
grep -q '^fmax = 0.03' "$TMP/nopre.in" || die "could not make nopre.in"
"$ANIONSCAN" scan "$TMP/nopre.in" -o "$TMP/nopre" > "$TMP/nopre.log" 2>&1 || die "scan without prerelax exited $?"
# write_deck CIF DECK : a deck with the CIF's cell and atoms and the toy's [dft] (and [relax])
write_deck() {
"$PY" - "$1" "$2" <<'PYEOF' || die "cannot write a deck from $1"
import sys, ase.io
a = ase.io.read(sys.argv[1])
with open(sys.argv[2], "w") as f:
    f.write("[structure]\ncell = angstrom\n")
    for v in a.cell:
        f.write("    %.12f %.12f %.12f\n" % tuple(v))
    f.write("atoms = crystal\n")
    for s, p in zip(a.get_chemical_symbols(), a.get_scaled_positions(wrap=False)):
        f.write("    %s %.12f %.12f %.12f\n" % (s, p[0], p[1], p[2]))
    f.write("[dft]\necut = 8 Ha\nkpoints = gamma\nband_edges = mesh\nstress = false\ncharge = -1\n")
    f.write("[relax]\nfmax = 0.03 eV/angstrom\nkeep_symmetry = false\n")
PYEOF
}
write_deck "$TMP/nopre/configs/Br_i2_q-1/initial.cif" "$TMP/sep.in"
write_deck "$TMP/nopre/configs/Br_i2_q-1/final.cif" "$TMP/fin.in"
"$ANIONSCAN" relax "$TMP/sep.in" -o "$TMP/sep" > "$TMP/sep.log" 2>&1 || die "separate relax exited $?"
"$ANIONSCAN" scf "$TMP/fin.in" -o "$TMP/fin" > "$TMP/fin.log" 2>&1 || die "scf of the scan's final.cif exited $?"
"$PY" - "$TMP/nopre/configs/Br_i2_q-1/result.json" "$TMP/sep/result.json" "$TMP/fin/result.json" <<'PYEOF' \
  || die "scan vs separate relax and scf"
import json, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
de = abs(a["energy_ha"] - b["energy_ha"]) * 27.211386245988 * 1000
dg = abs(a["gap_ev"] - b["gap_ev"]) * 1000
print("scan vs separate relax: energy %.3f meV, gap %.2f meV; SCF iterations %d vs %d"
      % (de, dg, a["relax"]["total_scf_iterations"], b["relax"]["total_scf_iterations"]))
assert de < 2.0 and dg < 10.0
fe, fg = abs(a["energy_ha"] - c["energy_ha"]), abs(a["gap_ev"] - c["gap_ev"]) * 1000
print("scan vs scf of its final.cif: energy %.1e Ha, gap %.3f meV" % (fe, fg))
assert fe < 1e-5 and fg < 0.5
PYEOF

# 6. recombination
"$ANIONSCAN" scan "$TOP/tests/scan/toy_recombine.in" -o "$TMP/rec" > "$TMP/rec.log" 2>&1 || die "recombination scan exited $?"
grep -q "Br_u1_v3 .* recombined" "$TMP/rec.log" || die "Br_u1_v3 not recombined: $(grep Br_u1 "$TMP/rec.log")"

# 7. failures
sed 's/^fmax = 0.1 eV\/angstrom/fmax = 0.1 eV\/angstrom\nmax_steps = 2/' "$DECK" > "$TMP/fail.in"
"$ANIONSCAN" scan "$TMP/fail.in" -o "$TMP/fail" > "$TMP/fail.log" 2> "$TMP/fail.err"; st=$?
[ "$st" = 3 ] || die "failing configurations: exit status $st, expected 3"
grep -q "3 of 3 configurations failed" "$TMP/fail.err" || die "no failure summary: $(cat "$TMP/fail.err")"
"$PY" - "$TMP/fail" <<'PYEOF' || die "failed configurations in the ranking"
import json, sys
j = json.load(open(sys.argv[1] + "/ranking.json"))
cs = [c for f in j["families"] for c in f["configurations"]]
assert len(cs) == 3 and all(c["status"] == "failed" for c in cs), [c["status"] for c in cs]
assert all(c["rank"] in (0, None) and "not converged" in c["detail"] for c in cs), cs[0]
print("failed configurations listed, not ranked")
PYEOF

# 8. a prerelaxation whose SCF fails at step 3
sed 's/^mode = both/mode = interstitial/' "$DECK" > "$TMP/fail3.in"
ANIONSCAN_TEST_SCF_FAIL=3@4.8 "$ANIONSCAN" scan "$TMP/fail3.in" -o "$TMP/fail3" > "$TMP/fail3.log" 2>&1 ||
  die "scan with the prerelaxation's SCF failing at step 3 exited $?: $(tail -3 "$TMP/fail3.log")"
c3="$TMP/fail3/configs/Br_i2_q-1"
grep -q "the relaxation at 8 Ha goes on from the structure of step 3" "$c3/relax.log" ||
  die "stage 2 did not go on from the failed step: $(grep prerelax "$c3/relax.log")"
grep -q "starts from its structure and its BFGS Hessian" "$c3/relax.log" || die "stage 2 without the Hessian"
"$PY" - "$TMP/ref/configs/Br_i2_q-1" "$c3" <<'PYEOF' || die "stage 2's start after the failed step"
import sys, ase.io, numpy as np
ref, c3 = sys.argv[1], sys.argv[2]
full = ase.io.read(ref + "/prerelax/trajectory.extxyz", index=":")
cut = ase.io.read(c3 + "/prerelax/trajectory.extxyz", index=":")
stage2 = ase.io.read(c3 + "/trajectory.extxyz", index=0)
init = ase.io.read(c3 + "/initial.cif")
assert len(full) >= 3, "run 1's prerelaxation took %d steps: the test needs 3" % len(full)
assert len(cut) == 2, "the failed prerelaxation kept %d steps, not 2" % len(cut)
d = lambda a, b: np.abs(a.get_positions() - b.get_positions()).max()
print("stage 2 starts %.2e angstrom from run 1's prerelaxation step 3, %.3f from initial.cif" % (d(stage2, full[2]), d(stage2, init)))
assert d(stage2, full[2]) < 1e-6 and d(stage2, init) > 1e-3
PYEOF
"$PY" - "$TMP/fail3" <<'PYEOF' || die "the configuration after a failed prerelaxation step"
import json, sys
cs = [c for f in json.load(open(sys.argv[1] + "/ranking.json"))["families"] for c in f["configurations"]]
assert [c["status"] for c in cs] != ["failed"] and len(cs) == 1, cs
PYEOF
# 9. the corrected prerelaxation (scan/correction.h) of the extra anion in run 1: its probe's forces are
#    those of a separate 'anionscan scf' of the prerelaxed structure at the full cutoff, and the
#    relaxation at the full cutoff starts from the last corrected prerelaxation's final structure
c1="$TMP/ref/configs/Br_i2_q-1"
[ -s "$c1/probe1/result.json" ] && [ -s "$c1/prerelax2/final.cif" ] || die "no corrected prerelaxation in $c1"
last=$(ls -d "$c1"/prerelax[0-9] | sort | tail -1)
write_deck "$c1/prerelax/final.cif" "$TMP/probe.in"
"$ANIONSCAN" scf "$TMP/probe.in" -o "$TMP/probe" > "$TMP/probe.log" 2>&1 || die "scf of the prerelaxed structure exited $?"
"$PY" - "$c1" "$TMP/probe" "$last" <<'PYEOF' || die "the corrected prerelaxation"
import json, sys, ase.io, numpy as np
c1, probe, last = sys.argv[1:4]
a = np.array(json.load(open(c1 + "/probe1/result.json"))["forces_ev_per_ang"])
b = np.array(json.load(open(probe + "/result.json"))["forces_ev_per_ang"])
print("probe1 vs a separate scf at 8 Ha: forces %.1e eV/angstrom apart" % np.abs(a - b).max())
assert np.abs(a - b).max() < 1e-3
s2 = ase.io.read(c1 + "/trajectory.extxyz", index=0)
fin = ase.io.read(last + "/trajectory.extxyz", index=-1)
d = np.abs(s2.get_positions() - fin.get_positions()).max()
print("the relaxation at 8 Ha starts %.1e angstrom from %s's last structure" % (d, last.split("/")[-1]))
assert d < 1e-6
PYEOF

# 10. merging after the prerelaxation
MDECK="$TOP/tests/scan/toy_merge.in"
"$ANIONSCAN" scan "$MDECK" -o "$TMP/merge" > "$TMP/merge.log" 2>&1 || die "merge scan exited $?: $(tail -3 "$TMP/merge.log")"
line=$(awk -F'\t' '$3 == "merged"' "$TMP/merge/scan.journal")
[ "$(printf '%s\n' "$line" | grep -c .)" = 1 ] || die "expected one 'merged' line: $line"
gone=$(printf '%s\n' "$line" | cut -f4)
into=$(printf '%s\n' "$line" | sed 's/.*into=\([^ ]*\).*/\1/')
dev=$(printf '%s\n' "$line" | sed 's/.*max_dev_ang=\([^ ]*\).*/\1/')
echo "merged: $gone into $into (every atom within $dev angstrom)"
[ ! -e "$TMP/merge/configs/$gone/probe1" ] && [ ! -e "$TMP/merge/configs/$gone/result.json" ] ||
  die "$gone was relaxed further after it was merged"
[ -s "$TMP/merge/configs/$into/result.json" ] || die "no results for the representative $into"
"$PY" - "$TMP/merge" "$gone" "$into" "$dev" <<'PYEOF' || die "the merge against pymatgen and the ranking"
import json, sys, warnings
warnings.filterwarnings("ignore")
from pymatgen.core import Structure
from pymatgen.analysis.structure_matcher import StructureMatcher
d, gone, into, dev = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
a = Structure.from_file("%s/configs/%s/prerelax/final.cif" % (d, into))
b = Structure.from_file("%s/configs/%s/prerelax/final.cif" % (d, gone))
sm = StructureMatcher(ltol=0.05, stol=1.0, angle_tol=2, primitive_cell=False, scale=False, attempt_supercell=False)
t = sm.get_s2_like_s1(a, b)
assert t is not None, "pymatgen finds no match"
worst = max(a[i].distance(t[i]) for i in range(len(a)))
print("pymatgen: every atom within %.4f angstrom (the scan: %.4f)" % (worst, dev))
# pymatgen tries every operation of the lattice, the scan only the host's: never a worse match
assert worst <= 0.3 and worst <= dev + 1e-3, (worst, dev)
ea = json.load(open("%s/configs/%s/prerelax/result.json" % (d, into)))["energy_ha"]
eb = json.load(open("%s/configs/%s/prerelax/result.json" % (d, gone)))["energy_ha"]
assert ea <= eb, "the representative is not the lower in energy"
cs = {c["name"]: c for f in json.load(open(d + "/ranking.json"))["families"] for c in f["configurations"]}
g = cs[gone]
assert g["status"] == "same" and g["energy_ha"] is None and "same as " + into in g["detail"] \
    and "merged after the prerelaxation" in g["detail"], g
assert cs[into]["status"] in ("ok", "moved"), cs[into]
PYEOF
cp "$TMP/merge/ranking.json" "$TMP/merge.ranking.json"
"$ANIONSCAN" scan "$MDECK" -o "$TMP/merge" > "$TMP/merge2.log" 2>&1 || die "merge scan run again exited $?"
grep -q "every configuration is finished" "$TMP/merge2.log" || die "the finished merge scan computed again"
[ "$(awk -F'\t' '$3 == "merged"' "$TMP/merge/scan.journal" | wc -l)" = 1 ] || die "merged again"
cmp -s "$TMP/merge/ranking.json" "$TMP/merge.ranking.json" || die "the ranking changed when the finished scan ran again"
# a representative that fails hands its merged configuration back: the SCF of every relaxation's step 2 at the full
# cutoff (8 Ha) fails, so the representative fails after the merging, and the merged one is then relaxed itself (and
# fails the same way): both listed failed with the reason, exit 3
st=0; ANIONSCAN_TEST_SCF_FAIL=2@8 "$ANIONSCAN" scan "$MDECK" -o "$TMP/mfail" > "$TMP/mfail.log" 2>&1 || st=$?
[ "$st" = 3 ] || die "merge scan with failing representatives: exit $st, expected 3: $(tail -3 "$TMP/mfail.log")"
grep -q "merged     $gone" "$TMP/mfail.log" || die "no merge before the failure: $(grep -E 'merged|FAILED' "$TMP/mfail.log")"
grep -q "unmerged   $gone .*its representative $into failed" "$TMP/mfail.log" || die "the merged one was not handed back"
[ "$(awk -F'\t' -v n="$gone" '$3 == "failed" && $4 == n' "$TMP/mfail/scan.journal" | wc -l)" = 1 ] ||
  die "$gone was not relaxed itself after its representative failed"
"$PY" - "$TMP/mfail" <<'PYEOF' || die "failed representatives in the ranking"
import json, sys
cs = [c for f in json.load(open(sys.argv[1] + "/ranking.json"))["families"] for c in f["configurations"]]
assert len(cs) == 2 and all(c["status"] == "failed" for c in cs), [(c["name"], c["status"]) for c in cs]
print("a failed representative: its merged configuration relaxed itself, both listed failed")
PYEOF

echo "t_scan: all checks passed"
