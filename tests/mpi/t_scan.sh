# The scan's ranking does not depend on the layout: tests/scan/toy.in on 1 rank, on 2 ranks in one
# configuration group (plane waves shared) and on 2 groups of 1 rank (the task farm) agrees to
# 1e-6 Ha, with the same classification; each configuration is done once in every journal.
source "$(dirname "$0")/../e2e/lib.sh"
export ANIONSCAN_FFTW_PLANNER=estimate
DECK="$TOP/tests/scan/toy.in"
"$ANIONSCAN" scan "$DECK" -o "$TMP/one" > "$TMP/one.log" 2>&1 || die "1 rank: exit $?"
$MPIRUN -np 2 "$ANIONSCAN" scan "$DECK" -o "$TMP/pw" --groups 1 > "$TMP/pw.log" 2>&1 || die "2 ranks, 1 group: exit $?"
$MPIRUN -np 2 "$ANIONSCAN" scan "$DECK" -o "$TMP/farm" --groups 2 > "$TMP/farm.log" 2>&1 || die "2 groups: exit $?"
grep -q "in 2 groups" "$TMP/farm.log" || die "no 2 groups: $(grep relaxing "$TMP/farm.log")"
for d in one pw farm; do
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
PYEOF
echo ok
