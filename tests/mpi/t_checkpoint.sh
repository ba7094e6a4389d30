# A density checkpoint written with N ranks restarts with M ranks (and the same energy), and a
# truncated or corrupt checkpoint is refused with a clear message.
source "$(dirname "$0")/../e2e/lib.sh"
deck="$TOP/tests/mpi/decks/si_displaced.in"
$MPIRUN -np 2 "$ANIONSCAN" scf "$deck" -o "$TMP/run" --pools 1 > "$TMP/a.log" 2>&1 || die "np 2 run failed"
e1=$(/usr/bin/python3 -c "import json;print(json.load(open('$TMP/run/result.json'))['energy_ha'])")
$MPIRUN -np 3 "$ANIONSCAN" scf "$deck" -o "$TMP/run" --restart --pools 1 > "$TMP/b.log" 2>&1 || die "np 3 restart failed"
grep -q "restart          density from" "$TMP/b.log" || die "the restart did not read the density"
it=$(/usr/bin/python3 -c "import json;print(json.load(open('$TMP/run/result.json'))['scf_iterations'])")
e2=$(/usr/bin/python3 -c "import json;print(json.load(open('$TMP/run/result.json'))['energy_ha'])")
/usr/bin/python3 -c "import sys; sys.exit(0 if abs($e1 - ($e2)) < 1e-9 else 1)" || die "energy after restart $e2 != $e1"
[ "$it" -le 6 ] || die "restart from a converged density took $it iterations (from scratch: 14)"
# truncate: refused, exit 4 (a damaged file, docs/design.md), says what to do
head -c 1000 "$TMP/run/density.dat" > "$TMP/run/d" && mv "$TMP/run/d" "$TMP/run/density.dat"
$MPIRUN -np 2 "$ANIONSCAN" scf "$deck" -o "$TMP/run" --restart > /dev/null 2> "$TMP/c.err"; st=$?
[ "$st" = 4 ] || die "truncated checkpoint: exit $st"
grep -q "truncated or corrupt" "$TMP/c.err" || die "no clear message: $(cat "$TMP/c.err")"
echo ok
