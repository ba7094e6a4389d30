# Results do not depend on how many ranks ran them or how they were laid out: pools only, plane
# waves only, both, and odd rank counts (oversubscribed on small machines), against one rank:
# energies to 1e-8 Ha, eigenvalues to 1e-7 Ha, forces to 1e-6 Ha/bohr (issue 5).
source "$(dirname "$0")/../e2e/lib.sh"
deck="$TOP/tests/mpi/decks/si_displaced.in"
cmp="/usr/bin/python3 $TOP/tests/tools/compare_runs.py"
"$ANIONSCAN" scf "$deck" -o "$TMP/np1" > "$TMP/np1.log" 2>&1 || die "1 rank failed: $(tail -3 "$TMP/np1.log")"
for layout in "2 1" "2 2" "3 1" "3 3" "4 2"; do
    set -- $layout
    $MPIRUN -np "$1" "$ANIONSCAN" scf "$deck" -o "$TMP/np$1p$2" --pools "$2" > "$TMP/np$1p$2.log" 2>&1 ||
        die "$1 ranks, $2 pools failed: $(tail -3 "$TMP/np$1p$2.log")"
    grep -q "$1 ranks: $2 k-point pool" "$TMP/np$1p$2.log" || die "layout not reported for $1 ranks, $2 pools"
    $cmp "$TMP/np1/result.json" "$TMP/np$1p$2/result.json" || die "$1 ranks, $2 pools differ from 1 rank"
done
# more pools than k-points is refused with a clear message
$MPIRUN -np 2 "$ANIONSCAN" scf "$TOP/tests/mpi/decks/pnma_gamma.in" -o "$TMP/bad" --pools 2 2> "$TMP/bad.err"
[ $? = 2 ] || die "2 pools for 1 k-point should exit 2"
grep -q "pools for 1 k-points" "$TMP/bad.err" || die "no clear message: $(cat "$TMP/bad.err")"
echo ok
