# Rank 0 reads the deck and broadcasts it: every rank sees the same deck or the same error,
# and the console shows each line once.
source "$(dirname "$0")/../e2e/lib.sh"
printf '[structure]\nhost = CsPbBr3\n' > "$TMP/ok.in"
out=$($MPIRUN -np 2 "$ANIONSCAN" check "$TMP/ok.in") || die "np 2 check failed"
[ "$(grep -c ': ok' <<<"$out")" = 1 ] || die "expected one line, got: $out"
printf '[structure]\nhost = CsPbBr3\n[dft]\necut = 0\n' > "$TMP/bad.in"
$MPIRUN -np 2 "$ANIONSCAN" check "$TMP/bad.in" 2> "$TMP/err"; st=$?
[ "$st" = 2 ] || die "np 2 bad deck exited $st"
[ "$(grep -c 'bad.in:4:' "$TMP/err")" = 1 ] || die "expected one error line: $(cat "$TMP/err")"
echo ok
