# The memory estimate (pw/memory.h) against the peak resident memory the OS measures (GNU time's "Maximum
# resident set size") on the 20-atom Pnma CsPbBr3 cell at 25 Ha, Gamma, one rank: what `check` prints before
# anything is allocated and what the scf header prints must both lie within 0.9-1.4x of the measured peak.
# The estimate decides whether scf, relax and scan refuse to start (exit 6), so it must neither refuse a run that
# fits (the old estimate was 3.3x the peak of the 80-atom cell and refused the 160-atom cell on 2 x 12 GB) nor let
# through one that does not.  About 15 s.  An ASan build's memory is not the program's: skipped there.
source "$(dirname "$0")/lib.sh"
case "$ANIONSCAN" in *bin-san*) echo "t_memory_estimate: skipped under the sanitizers"; exit 0 ;; esac
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
deck="$TOP/bench/decks/pnma_25_gamma_default.in"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
check=$("$ANIONSCAN" check "$deck" 2>&1) || die "check failed: $check"
est=$(sed -n 's/.*about \([0-9]*\) MB.*/\1/p' <<<"$check")
[ -n "$est" ] || die "no estimate in: $check"
/usr/bin/time -v -o "$TMP/time" "$ANIONSCAN" scf "$deck" -o "$TMP/run" > "$TMP/log" 2>&1 ||
  die "scf failed: $(tail -3 "$TMP/log")"
peak=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$TMP/time")
head=$(sed -n 's/^  memory per rank  \([0-9]*\) MB.*/\1/p' "$TMP/log")
[ -n "$peak" ] && [ -n "$head" ] || die "no peak ($peak) or header estimate ($head)"
for pair in "check:$est" "header:$head"; do
  awk -v e="${pair#*:}" -v p="$peak" 'BEGIN { r = e / p; exit !(r >= 0.9 && r <= 1.4) }' ||
    die "${pair%%:*} estimate ${pair#*:} MB against a measured peak of $peak MB (outside 0.9-1.4x)"
done
echo "t_memory_estimate: check $est MB, header $head MB, measured peak $peak MB"
