# The scan's ranking does not depend on the layout: tests/scan/toy.in on 1 rank, on 2 ranks in one
# configuration group (plane waves shared) and on 2 groups of 1 rank (the task farm) agrees to
# 1e-6 Ha, with the same classification; each configuration is done once in every journal.
# A graceful stop: SIGUSR1 to mpirun (which passes it to both ranks) in the middle of the 2-group
# scan gives exit status 5 and "stopped" journal lines; the same command again finishes the scan
# with the uninterrupted 2-group run's ranking (1e-8 Ha) and every configuration done once.
# Merging after the prerelaxation (tests/scan/toy_merge.in) in 2 groups: the same configuration merged
# into the same one as on 1 rank, the representative's energy within 1e-6 Ha.
# Automatic groups: one group of 2 ranks (2 k-point pools) for a 2x2x2 mesh, 2 groups of 1 at Gamma.
source "$(dirname "$0")/../e2e/lib.sh"
export ANIONSCAN_FFTW_PLANNER=estimate
DECK="$TOP/tests/scan/toy.in"
"$ANIONSCAN" scan "$DECK" -o "$TMP/one" > "$TMP/one.log" 2>&1 || die "1 rank: exit $?"
$MPIRUN -np 2 "$ANIONSCAN" scan "$DECK" -o "$TMP/pw" --groups 1 > "$TMP/pw.log" 2>&1 || die "2 ranks, 1 group: exit $?"
$MPIRUN -np 2 "$ANIONSCAN" scan "$DECK" -o "$TMP/farm" --groups 2 > "$TMP/farm.log" 2>&1 || die "2 groups: exit $?"
grep -q "in 2 groups" "$TMP/farm.log" || die "no 2 groups: $(grep relaxing "$TMP/farm.log")"
$MPIRUN -np 2 "$ANIONSCAN" scan "$DECK" -o "$TMP/stop" --groups 2 > "$TMP/stop.log" 2>&1 &
pid=$!
# the stop comes once a configuration has started (not after a fixed time: on a loaded machine the
# host alone can take longer than any fixed wait)
end=$(( $(date +%s) + 300 ))
until awk -F'\t' '$3 == "started" && $4 != "host"' "$TMP/stop/scan.journal" 2>/dev/null | grep -q .; do
  kill -0 $pid 2>/dev/null || die "the scan to stop ended before a configuration started: $(tail -5 "$TMP/stop.log")"
  [ "$(date +%s)" -lt "$end" ] || die "no configuration started within 300 s"
  sleep 0.2
done
kill -USR1 $pid
st=0; wait $pid || st=$?
[ "$st" = 5 ] || die "stopped scan: exit status $st, expected 5: $(tail -5 "$TMP/stop.log")"
grep -q "STOPPED\|stopped" "$TMP/stop.log" || die "no stop message: $(tail -5 "$TMP/stop.log")"
grep -q "run the same command again" "$TMP/stop.log" || die "the stop does not say how to go on"
awk -F'\t' '$3 == "stopped"' "$TMP/stop/scan.journal" | grep -q . || die "no 'stopped' line in the journal"
[ ! -f "$TMP/stop/ranking.json" ] || die "a stopped scan wrote a ranking"
$MPIRUN -np 2 "$ANIONSCAN" scan "$DECK" -o "$TMP/stop" --groups 2 --restart > "$TMP/stop2.log" 2>&1 \
  || die "restart after the stop: exit $?: $(tail -5 "$TMP/stop2.log")"
for d in one pw farm stop; do
  for n in Br_i2_v4 Br_i2_v5 Br_i2_q-1; do
    c=$(awk -F'\t' -v n="$n" '$3 == "done" && $4 == n' "$TMP/$d/scan.journal" | wc -l)
    [ "$c" = 1 ] || die "$d: $n done $c times"
  done
done
/usr/bin/python3 - "$TMP" <<'PYEOF' || die "layouts disagree"
import json, sys
def load(d):
    j = json.load(open(d + "/ranking.json"))
    return {c["name"]: c for f in j["families"] for c in f["configurations"]}
one = load(sys.argv[1] + "/one")
for lay in ("pw", "farm"):
    other = load(sys.argv[1] + "/" + lay)
    assert set(one) == set(other)
    worst = max(abs(one[n]["energy_ha"] - other[n]["energy_ha"]) for n in one)
    gap = max(abs(one[n]["gap_ev"] - other[n]["gap_ev"]) for n in one)
    for n in one:
        assert one[n]["status"] == other[n]["status"], (lay, n)
    print("%s vs 1 rank: energies %.2e Ha, gaps %.2e eV" % (lay, worst, gap))
    assert worst < 1e-6, lay
farm, stop = load(sys.argv[1] + "/farm"), load(sys.argv[1] + "/stop")
assert set(farm) == set(stop)
worst = max(abs(farm[n]["energy_ha"] - stop[n]["energy_ha"]) for n in farm)
for n in farm:
    assert farm[n]["status"] == stop[n]["status"], n
print("stopped and restarted vs uninterrupted: energies %.2e Ha" % worst)
assert worst < 1e-8
PYEOF
# The automatic configuration groups (docs/scan.md, step 5): each group as many ranks as its k-point pools use
# in full.  A 2x2x2 mesh keeps 8 points under time reversal alone (all of them their own inverse), so the 2
# ranks make one group of 2 pools; at Gamma one point, so 2 groups of 1 rank.
$MPIRUN -np 2 "$ANIONSCAN" scan "$TOP/tests/scan/cubic_tiny.in" --dry-run -o "$TMP/dry_k" > "$TMP/dry_k.log" 2>&1 ||
  die "dry run, 2x2x2: exit $?"
grep -q "in 1 group," "$TMP/dry_k.log" || die "2x2x2 mesh on 2 ranks: not 1 group: $(grep group "$TMP/dry_k.log")"
$MPIRUN -np 2 "$ANIONSCAN" scan "$DECK" --dry-run -o "$TMP/dry_g" > "$TMP/dry_g.log" 2>&1 || die "dry run, Gamma: exit $?"
grep -q "in 2 groups," "$TMP/dry_g.log" || die "Gamma on 2 ranks: not 2 groups: $(grep group "$TMP/dry_g.log")"
# merging on 2 groups: the merging pass, then the representative alone
MDECK="$TOP/tests/scan/toy_merge.in"
"$ANIONSCAN" scan "$MDECK" -o "$TMP/m1" > "$TMP/m1.log" 2>&1 || die "merge, 1 rank: exit $?"
$MPIRUN -np 2 "$ANIONSCAN" scan "$MDECK" -o "$TMP/m2" --groups 2 > "$TMP/m2.log" 2>&1 || die "merge, 2 groups: exit $?"
/usr/bin/python3 - "$TMP" <<'PYEOF' || die "merging differs between layouts"
import json, sys
def load(d):
    j = json.load(open(d + "/ranking.json"))
    return {c["name"]: c for f in j["families"] for c in f["configurations"]}
a, b = load(sys.argv[1] + "/m1"), load(sys.argv[1] + "/m2")
assert set(a) == set(b)
merged = [n for n in a if "merged after the prerelaxation" in (a[n]["detail"] or "")]
assert len(merged) == 1, merged
for n in a:
    assert a[n]["status"] == b[n]["status"] and a[n]["detail"] == b[n]["detail"], (n, a[n], b[n])
    if a[n]["energy_ha"] is not None:
        assert abs(a[n]["energy_ha"] - b[n]["energy_ha"]) < 1e-6, n
print("merging: %s merged the same way on 1 rank and on 2 groups" % merged[0])
PYEOF
echo ok
