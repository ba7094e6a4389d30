#!/usr/bin/env bash
# Speed of `anionscan sites` on a 2x2x2 Pnma CsPbBr3 supercell (160 atoms); the
# target (issue 2) is under 2 s for the whole command.  Prints wall time and peak
# memory from /usr/bin/time, and the program's own timing line.
#   bench/sites.sh [REPEATS]     (default 3; the best run is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=./bin/anionscan
[ -x "$BIN" ] || { echo "build first: make" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/sites.sh needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
n=${1:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
sed 's/^supercell *=.*/supercell = 2 2 2/' input/cspbbr3_pnma.in > "$tmp/super.in"
grep -q '^supercell = 2 2 2' "$tmp/super.in" || printf '\n[structure]\nsupercell = 2 2 2\n' >> "$tmp/super.in"
best=""
for i in $(seq "$n"); do
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$BIN" sites "$tmp/super.in" -o "$tmp/out" > "$tmp/log"
  read -r wall mem < "$tmp/time"
  echo "run $i: wall ${wall} s, peak memory ${mem} kB"
  if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; bestmem=$mem; fi
done
grep -E 'formula|candidates|kept' "$tmp/log"
echo "sites, 2x2x2 Pnma CsPbBr3 (160 atoms): best of $n: ${best} s wall, ${bestmem} kB (target < 2 s)"
