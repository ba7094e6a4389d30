# FFTW wisdom kept between runs (pw/fft_wisdom.h), on the Si cell at Gamma:
#   1. the first run writes FFTW's wisdom to $ANIONSCAN_FFTW_WISDOM; the second reads it, does not rewrite it
#      (it holds no new plans) and gives the same energy (1e-9 Ha);
#   2. a damaged wisdom file is ignored (same energy) and replaced by FFTW's wisdom;
#   3. a run on 2 ranks adds its plans (the file grows) and agrees with one rank (1e-8 Ha);
#   4. no file with ANIONSCAN_FFTW_WISDOM=none, nor with the bit-reproducible planner (estimate).
source "$(dirname "$0")/../e2e/lib.sh"
PY=/usr/bin/python3
DECK="$TOP/tests/scf/si_10_gamma.in"
export ANIONSCAN_FFTW_WISDOM="$TMP/cache/fftw.wisdom"
unset ANIONSCAN_FFTW_PLANNER
energy() { "$PY" -c "import json,sys; print(repr(json.load(open(sys.argv[1]))['energy_ha']))" "$1/result.json"; }
same() { "$PY" -c "import sys; a, b, t = map(float, sys.argv[1:4]); assert abs(a - b) < t, (a, b)" "$1" "$2" "$3" ||
           die "$4: $1 vs $2"; }

# 1. written, read, not rewritten
"$ANIONSCAN" scf "$DECK" -o "$TMP/a" > "$TMP/a.log" 2>&1 || die "first run exited $?"
[ -s "$ANIONSCAN_FFTW_WISDOM" ] || die "no wisdom file after the first run"
head -c 7 "$ANIONSCAN_FFTW_WISDOM" | grep -q '^(fftw-3' || die "the wisdom file is not FFTW's: $(head -c 80 "$ANIONSCAN_FFTW_WISDOM")"
before=$(stat -c %Y.%s "$ANIONSCAN_FFTW_WISDOM"); sleep 1
"$ANIONSCAN" scf "$DECK" -o "$TMP/b" > "$TMP/b.log" 2>&1 || die "second run exited $?"
[ "$(stat -c %Y.%s "$ANIONSCAN_FFTW_WISDOM")" = "$before" ] || die "the second run rewrote the wisdom (nothing new)"
same "$(energy "$TMP/a")" "$(energy "$TMP/b")" 1e-9 "with and without wisdom"

# 2. a damaged file
printf '(fftw-3.3.10 fftw_wisdom #x0 garbage %.0s' $(seq 1 2000) > "$ANIONSCAN_FFTW_WISDOM"
"$ANIONSCAN" scf "$DECK" -o "$TMP/c" > "$TMP/c.log" 2>&1 || die "a damaged wisdom file: exit $?"
same "$(energy "$TMP/a")" "$(energy "$TMP/c")" 1e-9 "a damaged wisdom file"
grep -q garbage "$ANIONSCAN_FFTW_WISDOM" && die "the damaged wisdom file was not replaced"
[ -s "$ANIONSCAN_FFTW_WISDOM" ] || die "no wisdom after the damaged file"

# 3. two ranks add their plans
size1=$(stat -c %s "$ANIONSCAN_FFTW_WISDOM")
$MPIRUN -np 2 "$ANIONSCAN" scf "$DECK" -o "$TMP/d" > "$TMP/d.log" 2>&1 || die "2 ranks: exit $?"
[ "$(stat -c %s "$ANIONSCAN_FFTW_WISDOM")" -gt "$size1" ] || die "the 2-rank run added no plans to the wisdom"
same "$(energy "$TMP/a")" "$(energy "$TMP/d")" 1e-8 "2 ranks with wisdom"

# 4. off
rm -rf "$TMP/cache"
ANIONSCAN_FFTW_WISDOM=none "$ANIONSCAN" scf "$DECK" -o "$TMP/e" > /dev/null 2>&1 || die "wisdom off: exit $?"
ANIONSCAN_FFTW_PLANNER=estimate "$ANIONSCAN" scf "$DECK" -o "$TMP/f" > /dev/null 2>&1 || die "estimate: exit $?"
[ ! -e "$ANIONSCAN_FFTW_WISDOM" ] || die "a wisdom file was written with wisdom off"
echo ok
