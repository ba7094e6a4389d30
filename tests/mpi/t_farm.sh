# Configuration groups: `mpirun -np 2 anionscan scf a.in b.in c.in` runs the decks two at a time,
# each writing its own directory and scf.log; the results equal single runs of the same decks;
# a deck that fails is reported and sets the exit status while the others still finish.  The same for
# `anionscan relax a.in b.in`.
source "$(dirname "$0")/../e2e/lib.sh"
cmp="/usr/bin/python3 $TOP/tests/tools/compare_runs.py"
for n in a b c; do
    sed "s|^\[dft\]|[output]\ndir = $TMP/$n\n[dft]|" "$TOP/tests/mpi/decks/si_displaced.in" > "$TMP/$n.in"
done
sed -i 's/^ecut = 6 Ha/ecut = 7 Ha/' "$TMP/b.in"
sed -i 's/^scf_tol = 1e-14/scf_tol = 1e-14\nmax_scf = 2/' "$TMP/c.in"   # c cannot converge in 2 iterations
$MPIRUN -np 2 "$ANIONSCAN" scf "$TMP/a.in" "$TMP/b.in" "$TMP/c.in" > "$TMP/farm.out" 2> "$TMP/farm.err"; st=$?
[ "$st" = 3 ] || die "farm exit status $st, expected 3 (deck c does not converge): $(cat "$TMP/farm.err")"
grep -q "2 configuration groups" "$TMP/farm.out" || die "no group summary: $(cat "$TMP/farm.out")"
grep -q "c.in .*FAILED" "$TMP/farm.out" || die "deck c not reported as failed"
for n in a b; do
    [ -s "$TMP/$n/scf.log" ] || die "no $n/scf.log"
    "$ANIONSCAN" scf "$TMP/$n.in" -o "$TMP/single_$n" > /dev/null 2>&1 || die "single run of $n failed"
    $cmp "$TMP/single_$n/result.json" "$TMP/$n/result.json" || die "deck $n in the farm differs from its single run"
done
# -o with several decks is ambiguous: refused
"$ANIONSCAN" scf "$TMP/a.in" "$TMP/b.in" -o "$TMP/x" 2> "$TMP/o.err"; [ $? = 2 ] || die "-o with several decks accepted"

# relax with several decks: the same groups; each relaxation equals its single run, each has relax.log
for n in ra rb; do
    sed "s|^\[dft\]|[output]\ndir = $TMP/$n\n[dft]|" "$TOP/tests/relax/si_displaced_10_k222.in" > "$TMP/$n.in"
done
sed -i 's/^ecut = 10 Ha/ecut = 9 Ha/' "$TMP/rb.in"
$MPIRUN -np 2 "$ANIONSCAN" relax "$TMP/ra.in" "$TMP/rb.in" > "$TMP/rfarm.out" 2> "$TMP/rfarm.err" \
  || die "relax farm: exit $?: $(cat "$TMP/rfarm.err")"
grep -q "anionscan relax: 2 decks on 2 ranks in 2 configuration groups" "$TMP/rfarm.out" || die "relax farm: $(cat "$TMP/rfarm.out")"
for n in ra rb; do
    grep -q "$n.in .* ok " "$TMP/rfarm.out" || die "relax farm: $n not ok: $(cat "$TMP/rfarm.out")"
    grep -q "relaxation converged" "$TMP/$n/relax.log" || die "no $n/relax.log"
    "$ANIONSCAN" relax "$TMP/$n.in" -o "$TMP/rsingle_$n" > /dev/null 2>&1 || die "single relax of $n failed"
    /usr/bin/python3 -c "
import json
a, b = json.load(open('$TMP/rsingle_$n/result.json')), json.load(open('$TMP/$n/result.json'))
assert abs(a['energy_ha'] - b['energy_ha']) < 1e-8 and a['relax']['steps'] == b['relax']['steps']" \
      || die "relax $n in the farm differs from its single run"
done
echo ok
