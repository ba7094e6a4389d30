# The memory estimate on 2 ranks sharing the plane waves (the 1-rank case: tests/e2e/t_memory_estimate.sh): the
# per-rank figure of the scf header against the peak resident memory of the largest rank (GNU time over mpirun
# reports its largest child) on the 20-atom Pnma cell at 25 Ha, Gamma: within 0.9-1.4x.  About 8 s.
source "$(dirname "$0")/../e2e/lib.sh"
case "$ANIONSCAN" in *bin-san*) echo "t_memory_estimate: skipped under the sanitizers"; exit 0 ;; esac
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
/usr/bin/time -v -o "$TMP/time" $MPIRUN -np 2 "$ANIONSCAN" scf "$TOP/bench/decks/pnma_25_gamma_default.in" \
  -o "$TMP/run" > "$TMP/log" 2>&1 || die "scf on 2 ranks failed: $(tail -3 "$TMP/log")"
grep -q "2 ranks sharing plane waves" "$TMP/log" || die "expected 2 ranks sharing plane waves: $(grep parallel "$TMP/log")"
peak=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$TMP/time")
head=$(sed -n 's/^  memory per rank  \([0-9]*\) MB.*/\1/p' "$TMP/log")
[ -n "$peak" ] && [ -n "$head" ] || die "no peak ($peak) or header estimate ($head)"
awk -v e="$head" -v p="$peak" 'BEGIN { r = e / p; exit !(r >= 0.9 && r <= 1.4) }' ||
  die "header estimate $head MB per rank against a measured peak of $peak MB (outside 0.9-1.4x)"
echo "t_memory_estimate (2 ranks): header $head MB per rank, measured peak $peak MB"
