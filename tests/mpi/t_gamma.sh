# The Gamma (real, half-sphere) path equals the complex path at Gamma to 1e-8 Ha, on one rank and
# with the plane waves distributed over two.
source "$(dirname "$0")/../e2e/lib.sh"
cmp="/usr/bin/python3 $TOP/tests/tools/compare_runs.py"
real="$TOP/tests/mpi/decks/pnma_gamma.in" cplx="$TOP/tests/mpi/decks/pnma_gamma_complex.in"
"$ANIONSCAN" scf "$real" -o "$TMP/r1" > "$TMP/r1.log" 2>&1 || die "real path failed: $(tail -3 "$TMP/r1.log")"
"$ANIONSCAN" scf "$cplx" -o "$TMP/c1" > "$TMP/c1.log" 2>&1 || die "complex path failed: $(tail -3 "$TMP/c1.log")"
$cmp "$TMP/c1/result.json" "$TMP/r1/result.json" || die "Gamma path differs from the complex path"
$MPIRUN -np 2 "$ANIONSCAN" scf "$real" -o "$TMP/r2" > "$TMP/r2.log" 2>&1 || die "np 2 failed: $(tail -3 "$TMP/r2.log")"
$cmp "$TMP/r1/result.json" "$TMP/r2/result.json" || die "Gamma path on 2 ranks differs from 1 rank"
echo ok
