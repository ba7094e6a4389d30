# Subspace problems through ScaLAPACK (forced on small problems with ANIONSCAN_SCALAPACK_MIN=1)
# give the LAPACK results: real (pdsygvx, Gamma path, 1x2 grid) and complex (pzhegvx, 2x2 grid).
source "$(dirname "$0")/../e2e/lib.sh"
cmp="/usr/bin/python3 $TOP/tests/tools/compare_runs.py"
for d in pnma_gamma si_displaced; do
    "$ANIONSCAN" scf "$TOP/tests/mpi/decks/$d.in" -o "$TMP/${d}_1" > /dev/null 2>&1 || die "$d on 1 rank failed"
done
ANIONSCAN_SCALAPACK_MIN=1 $MPIRUN -x ANIONSCAN_SCALAPACK_MIN -np 2 "$ANIONSCAN" scf "$TOP/tests/mpi/decks/pnma_gamma.in" \
    -o "$TMP/pnma_sl" --pools 1 > "$TMP/a.log" 2>&1 || die "ScaLAPACK real path failed: $(tail -3 "$TMP/a.log")"
$cmp "$TMP/pnma_gamma_1/result.json" "$TMP/pnma_sl/result.json" || die "pdsygvx path differs"
ANIONSCAN_SCALAPACK_MIN=1 $MPIRUN -x ANIONSCAN_SCALAPACK_MIN -np 4 "$ANIONSCAN" scf "$TOP/tests/mpi/decks/si_displaced.in" \
    -o "$TMP/si_sl" --pools 1 > "$TMP/b.log" 2>&1 || die "ScaLAPACK complex path failed: $(tail -3 "$TMP/b.log")"
$cmp "$TMP/si_displaced_1/result.json" "$TMP/si_sl/result.json" || die "pzhegvx path differs"
echo ok
