#!/usr/bin/env bash
# make validate: anionscan scf against every reference calculation the project holds, then the fast test set.
#   1. the full-size Quantum ESPRESSO cases of the shared reference set (tests/validate/reference/qe: Si 25 Ha 3x3x3,
#      displaced Si, cubic CsPbBr3 20 Ha 2x2x2 and 25 Ha 3x3x3, Pnma CsPbBr3 25 Ha Gamma);
#   2. every ABINIT case (tests/reference/abinit/results; the full ones included), with the shipped potentials;
#   3. every other QE case (tests/reference/qe/results: the fast set, cutoff convergence, E(V), charged, smeared and
#      spin-polarised cells, the special-point band edges);
#   4. the fast e2e tests (tests/e2e/t_scf_*.sh, t_bandgaps.sh) and the plane-wave unit tests;
#   5. every tests/validate/t_*.sh (relaxations against QE, E(V) fits, restarts; each prints its numbers).
# Each reference's deck is written from its JSON record by tests/validate/ref_deck.py (Cs cells against QE with the
# QE-6.7-compatible potentials, tests/reference/qe/potentials_qe67); cases it cannot repeat (a relaxation, LDA with
# GGA potentials, ...) are listed as skipped with the reason.  Comparisons: tests/tools/compare_result.py defaults
# (total energy 1e-5 Ha/atom, gaps and band edges 1 meV, energy terms 1e-5 Ha/atom).
# Environment: VALIDATE_ONLY=REGEX runs only the reference cases whose name matches; VALIDATE_SKIP=REGEX leaves
# matching ones out (e.g. VALIDATE_SKIP='_(30|35|40)_|5\.[0-9]{4}_30' skips the slow cutoff-convergence cases).
# Output: build/validate/ (decks, runs, logs), summary in build/validate/summary.txt.  Exit 1 if anything failed.
cd "$(dirname "$0")/../.." || exit 1
export ANIONSCAN="$PWD/bin/anionscan" TOP="$PWD"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
PY=/usr/bin/python3
OUT=build/validate
rm -rf "$OUT"
mkdir -p "$OUT/decks" "$OUT/runs" "$OUT/logs"
LIST="$OUT/cases.tsv"   # name, code, result.json, ref.json, status, seconds
: > "$LIST"
fail=0
T0=$(date +%s)

run_ref() { # code ref.json
  local code=$1 ref=$2 name deck t0 t1 st opts=""
  name="$code:$(basename "$ref" .json)"
  if [ -n "${VALIDATE_ONLY:-}" ] && ! [[ $name =~ $VALIDATE_ONLY ]]; then return; fi
  if [ -n "${VALIDATE_SKIP:-}" ] && [[ $name =~ $VALIDATE_SKIP ]]; then return; fi
  local base=${name/:/_}
  deck="$OUT/decks/$base.in"
  if ! "$PY" tests/validate/ref_deck.py "$ref" "$TOP/$OUT/decks" > "$deck" 2> "$OUT/logs/$base.deck.err"; then
    printf '%s\t%s\t-\t%s\tskipped: %s\t0\n' "$name" "$code" "$ref" "$(head -1 "$OUT/logs/$base.deck.err")" >> "$LIST"
    printf 'SKIP  %-48s %s\n' "$name" "$(head -1 "$OUT/logs/$base.deck.err")"
    return
  fi
  grep -q '^band_edges = special' "$deck" && opts="--special"
  t0=$(date +%s.%N)
  "$ANIONSCAN" scf "$deck" -o "$OUT/runs/$base" > "$OUT/logs/$base.out" 2>&1
  st=$?
  t1=$(date +%s.%N)
  local secs
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  if [ $st -ne 0 ]; then
    printf '%s\t%s\t-\t%s\tFAIL: anionscan exited %s\t%s\n' "$name" "$code" "$ref" "$st" "$secs" >> "$LIST"
    printf 'FAIL  %-48s anionscan exited %s (%s s): %s\n' "$name" "$st" "$secs" "$(tail -1 "$OUT/logs/$base.out")"
    fail=1
    return
  fi
  if "$PY" tests/tools/compare_result.py "$OUT/runs/$base/result.json" "$ref" $opts --label "$name" \
       > "$OUT/logs/$base.compare" 2>&1; then
    printf '%s\t%s\t%s\t%s\tok\t%s\n' "$name" "$code" "$OUT/runs/$base/result.json" "$ref" "$secs" >> "$LIST"
    printf 'PASS  %-48s %7s s\n' "$name" "$secs"
  else
    printf '%s\t%s\t%s\t%s\tFAIL: %s\t%s\n' "$name" "$code" "$OUT/runs/$base/result.json" "$ref" \
      "$(grep '^FAILED' "$OUT/logs/$base.compare" | cut -c9-)" "$secs" >> "$LIST"
    printf 'FAIL  %-48s %7s s\n' "$name" "$secs"
    cat "$OUT/logs/$base.compare"
    fail=1
  fi
}

echo "== 1. full-size QE references (tests/validate/reference/qe)"
# named qe-full: tests/reference/qe/results holds smaller cases of the same file names (another run directory each)
for f in tests/validate/reference/qe/*.json; do run_ref qe-full "$f"; done
echo "== 2. ABINIT references (tests/reference/abinit/results)"
ls tests/reference/abinit/results/*.json > /dev/null 2>&1 || echo "  (none yet)"
for f in tests/reference/abinit/results/*.json; do [ -e "$f" ] && run_ref abinit "$f"; done
echo "== 3. QE references (tests/reference/qe/results)"
for f in tests/reference/qe/results/*.json; do run_ref qe "$f"; done

echo "== 4. fast tests"
make --no-print-directory -s build/tests/test_pw_hamiltonian build/tests/test_pw_derivatives > "$OUT/logs/make.log" 2>&1 ||
  { echo "FAIL  building the unit tests"; cat "$OUT/logs/make.log"; fail=1; }
for t in build/tests/test_pw_hamiltonian build/tests/test_pw_derivatives; do
  [ -x "$t" ] || continue
  if ./"$t" > "$OUT/logs/$(basename "$t").log" 2>&1; then echo "PASS  $t"; else echo "FAIL  $t"; cat "$OUT/logs/$(basename "$t").log"; fail=1; fi
done
for t in tests/e2e/t_bandgaps.sh tests/e2e/t_scf_*.sh; do
  t0=$(date +%s)
  if bash "$t" > "$OUT/logs/$(basename "$t" .sh).log" 2>&1; then
    echo "PASS  $t ($(( $(date +%s) - t0 )) s)"
  else
    echo "FAIL  $t"; tail -30 "$OUT/logs/$(basename "$t" .sh).log"; fail=1
  fi
done
echo "== 5. validation scripts (tests/validate/t_*.sh: relaxations and other long end-to-end checks)"
for t in tests/validate/t_*.sh; do
  [ -e "$t" ] || continue
  t0=$(date +%s)
  if bash "$t" > "$OUT/logs/$(basename "$t" .sh).log" 2>&1; then
    echo "PASS  $t ($(( $(date +%s) - t0 )) s)"; grep -h '^  ' "$OUT/logs/$(basename "$t" .sh).log" | head -20
  else
    echo "FAIL  $t"; tail -30 "$OUT/logs/$(basename "$t" .sh).log"; fail=1
  fi
done
# the non-fast rows of the band-gap table (full-size; their references were run above)
"$PY" - "$LIST" > "$OUT/bandgaps_full.txt" <<'EOF' || fail=1
import json, sys
sys.path.insert(0, "tests/tools")
import compare_result
runs = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) == 6 and f[2] != "-":
        runs[f[3]] = f[2]
bad = 0
head = None
for line in open("tests/regression/bandgaps.tsv"):
    if line.startswith("#") or not line.strip():
        continue
    f = line.rstrip("\n").split("\t")
    if head is None:
        head = f
        continue
    r = dict(zip(head, f))
    if r["fast"] == "yes":
        continue
    res = runs.get(r["qe_reference"])
    if not res:
        # the same reference under tests/reference/qe/results was run as qe:<name>; the deck row may differ (LDA ...)
        print(f"bandgaps.tsv: {r['system']} {r['ecut_ha']} Ha {r['kpoints']}: no run of {r['qe_reference']} (skipped?)")
        continue
    d = json.load(open(res))
    g = d["gap_ev"] if r["gap_kind"] == "special" else d["gap_mesh_ev"]
    q = float(r["qe_gap_ev"])
    ok = abs(g - q) <= 1e-3
    bad += not ok
    print(f"bandgaps.tsv: {r['system']:<14} {r['xc']:<8} {r['ecut_ha']:>3} Ha {r['kpoints']:<8} ours {g:.5f}  QE {q:.5f}"
          f"  difference {g - q:+.2e} eV  {'ok' if ok else 'FAIL'}")
sys.exit(1 if bad else 0)
EOF
cat "$OUT/bandgaps_full.txt"

# ---- summary ----------------------------------------------------------------------------------------------------
"$PY" - "$LIST" <<'EOF' | tee "$OUT/summary.txt"
import json, sys
sys.path.insert(0, "tests/tools")
import compare_result
print()
print(f"{'case':<46} {'E ours (Ha)':>17} {'E ref (Ha)':>17} {'dE/atom':>9} {'gap ours':>9} {'gap ref':>9} "
      f"{'dgap':>9} {'t ours':>7} {'t ref':>7}  status")
n = {"ok": 0, "FAIL": 0, "skipped": 0}
for line in open(sys.argv[1]):
    name, code, res, ref, status, secs = line.rstrip("\n").split("\t")
    key = "ok" if status == "ok" else ("skipped" if status.startswith("skipped") else "FAIL")
    n[key] += 1
    if res == "-":
        print(f"{name:<46} {'':>17} {'':>17} {'':>9} {'':>9} {'':>9} {'':>9} {secs:>7} {'':>7}  {status}")
        continue
    d, r = json.load(open(res)), json.load(open(ref))
    kind = compare_result.kind_of(r)
    special = d.get("special_points") and r.get("points")
    eref = r.get("energy_ha")
    if kind == "abinit" and r.get("charge") and r.get("energy_ha_qe_g0_convention") is not None:
        eref = r["energy_ha_qe_g0_convention"]
    g = d["gap_ev"] if special else d.get("gap_mesh_ev")
    gr = compare_result.ref_edges(r, kind, bool(special))[2]
    tref = r.get("wall_s") or r.get("qe_wall_s") or r.get("abinit_wall_s")
    fmt = lambda v, f: (f % v) if isinstance(v, (int, float)) else "-"
    de = (d["energy_ha"] - eref) / d["natoms"] if eref is not None else None
    dg = (g - gr) if (g is not None and gr is not None) else None
    print(f"{name:<46} {d['energy_ha']:17.9f} {fmt(eref, '%17.9f'):>17} {fmt(de, '%9.1e'):>9} {fmt(g, '%9.5f'):>9} "
          f"{fmt(gr, '%9.5f'):>9} {fmt(dg, '%9.1e'):>9} {secs:>7} {fmt(tref, '%7.1f'):>7}  {status}")
print(f"\n{n['ok']} agree, {n['FAIL']} failed, {n['skipped']} skipped")
EOF
echo "make validate: $(( $(date +%s) - T0 )) s in all; logs in $OUT"
[ $fail -eq 0 ] && grep -q "0 failed" "$OUT/summary.txt" && echo "VALIDATE PASSED" && exit 0
echo "VALIDATE FAILED"
exit 1
