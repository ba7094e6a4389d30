# Merging (scan/merge.h) changes which configurations are relaxed, never the result of one that is: the toy of
# tests/scan/toy_merge.in (two starts 0.002 angstrom apart, one merged into the other after the prerelaxation)
# scanned with merging and with merge_tol = 0 gives the representative the same energy (1e-8 Ha) and gap (1e-6 eV),
# and merge_tol = 0 merges nothing.  Moved here from tests/e2e/t_scan.sh section 10 (about 20 s of make check);
# the rest of the merging checks stay there.
source "$(dirname "$0")/../e2e/lib.sh"
PY=/usr/bin/python3
export ANIONSCAN_FFTW_PLANNER=estimate # bit-reproducible runs (docs/scan.md, "Reproducibility")
MDECK="$TOP/tests/scan/toy_merge.in"
"$ANIONSCAN" scan "$MDECK" -o "$TMP/merge" > "$TMP/merge.log" 2>&1 || die "merge scan exited $?: $(tail -3 "$TMP/merge.log")"
line=$(awk -F'\t' '$3 == "merged"' "$TMP/merge/scan.journal")
[ "$(printf '%s\n' "$line" | grep -c .)" = 1 ] || die "expected one 'merged' line: $line"
into=$(printf '%s\n' "$line" | sed 's/.*into=\([^ ]*\).*/\1/')
sed 's/^frenkel_radius = .*/&\nmerge_tol = 0 angstrom/' "$MDECK" > "$TMP/nomerge.in"
"$ANIONSCAN" scan "$TMP/nomerge.in" -o "$TMP/nomerge" > "$TMP/nomerge.log" 2>&1 || die "scan with merge_tol = 0 exited $?"
! grep -q "merged" "$TMP/nomerge/scan.journal" || die "merge_tol = 0 merged"
"$PY" - "$TMP/merge" "$TMP/nomerge" "$into" <<'PYEOF' || die "the representative with and without merging"
import json, sys
load = lambda d: {c["name"]: c for f in json.load(open(d + "/ranking.json"))["families"] for c in f["configurations"]}
a, b, n = load(sys.argv[1])[sys.argv[3]], load(sys.argv[2])[sys.argv[3]], sys.argv[3]
print("%s: %.10f Ha merged, %.10f Ha without merging" % (n, a["energy_ha"], b["energy_ha"]))
assert abs(a["energy_ha"] - b["energy_ha"]) < 1e-8 and abs(a["gap_ev"] - b["gap_ev"]) < 1e-6
PYEOF
echo ok
