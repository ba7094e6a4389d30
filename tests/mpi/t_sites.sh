# anionscan sites under 2 ranks: rank 0 works and prints once, the files equal a
# serial run's, and a failure gives every rank the same exit status.
source "$(dirname "$0")/../e2e/lib.sh"
out=$($MPIRUN -np 2 "$ANIONSCAN" sites "$TOP/input/cspbbr3_pnma.in" -o "$TMP/np2") || die "np 2 sites failed"
[ "$(grep -c 'irreducible site' <<<"$out")" = 1 ] || die "expected the summary once: $out"
"$ANIONSCAN" sites "$TOP/input/cspbbr3_pnma.in" -o "$TMP/np1" > /dev/null || die "serial sites failed"
for f in sites.json sites.csv sites.cif; do cmp -s "$TMP/np1/$f" "$TMP/np2/$f" || die "$f differs between 1 and 2 ranks"; done
printf '[structure]\nfile = missing.cif\n' > "$TMP/bad.in"
$MPIRUN -np 2 "$ANIONSCAN" sites "$TMP/bad.in" -o "$TMP/bad" 2> "$TMP/err"; st=$?
[ "$st" = 2 ] || die "np 2 with a missing CIF exited $st: $(cat "$TMP/err")"
echo ok
