# anionscan report: the ranking of finished runs from their files, recomputing nothing (scan/gather.h).
#   1. Two scans run as separate jobs (the extra-anion family of tests/scan/toy_interstitial.in, the Frenkel
#      family of tests/scan/toy_recombine.in; same host and settings) reported together: every configuration
#      with the numbers, status and Δgap of its own scan's ranking.json (1e-12), both families present;
#      --temperature and --reference are applied and written.
#   2. Plain relax directories (the scan's configs/NAME) with --host: the family "runs ...", energies and Δgap
#      equal to the scan's; without --host, no Δgap.
#   3. Refused with exit status 2, a message naming both runs and the key, and nothing written: runs with
#      another cutoff; the same configuration twice.  A directory that is not a run, a truncated
#      ranking.json or result.json: exit 2 naming the path.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export ANIONSCAN_FFTW_PLANNER=estimate
"$ANIONSCAN" scan "$TOP/tests/scan/toy_interstitial.in" -o "$TMP/int" > "$TMP/int.log" 2>&1 || die "scan int: exit $?"
"$ANIONSCAN" scan "$TOP/tests/scan/toy_recombine.in" -o "$TMP/rec" > "$TMP/rec.log" 2>&1 || die "scan rec: exit $?"

"$ANIONSCAN" report "$TMP/int" "$TMP/rec" -o "$TMP/both" --temperature 600 --no-figures > "$TMP/both.log" 2>&1 \
  || die "report: exit $?: $(tail -3 "$TMP/both.log")"
for f in ranking.csv ranking.json report.md; do [ -s "$TMP/both/$f" ] || die "report wrote no $f"; done
"$PY" - "$TMP" <<'PYEOF' || die "the report differs from the scans' own rankings"
import json, sys
t = sys.argv[1]
load = lambda p: json.load(open(p))
rows = lambda j: {c["name"]: c for f in j["families"] for c in f["configurations"]}
both = load(t + "/both/ranking.json")
assert both["temperature_K"] == 600, both["temperature_K"]
assert {f["name"] for f in both["families"]} == {"interstitial Br q-1", "frenkel Br q0"}, [f["name"] for f in both["families"]]
assert both["settings"]["ecut_ha"] == 8 and both["sources"][0].endswith("/int")
b = rows(both)
for scan in ("int", "rec"):
    own = load(t + "/" + scan + "/ranking.json")
    assert abs(own["host"]["energy_ha"] - both["host"]["energy_ha"]) < 1e-12
    for n, c in rows(own).items():
        d = b[n]
        for k in ("status", "family", "multiplicity", "site", "final_site"):
            assert c[k] == d[k], (n, k, c[k], d[k])
        for k in ("energy_ha", "gap_ev", "dgap_mev", "displacement_ang", "de_host_ev"):
            assert (c[k] is None and d[k] is None) or abs(c[k] - d[k]) < 1e-9, (n, k, c[k], d[k])
        print(f"{n}: {d['status']}, E {d['energy_ha']:.8f} Ha, dgap {d['dgap_mev']:+.1f} meV: as in {scan}/ranking.json")
PYEOF
grep -q "^ *1  Br_i2_q-1" "$TMP/both.log" || die "the report's table lacks Br_i2_q-1 ranked 1"

# plain relax directories, with and without the host
cfg="$TMP/int/configs/Br_i2_q-1"
"$ANIONSCAN" report "$cfg" -o "$TMP/runs" --host "$TMP/int/host" --no-figures > "$TMP/runs.log" 2>&1 || die "report of runs: exit $?"
"$ANIONSCAN" report "$cfg" -o "$TMP/nohost" --no-figures > "$TMP/nohost.log" 2>&1 || die "report without host: exit $?"
"$PY" - "$TMP" <<'PYEOF' || die "the report of relax directories differs from the scan"
import json, sys
t = sys.argv[1]
own = {c["name"]: c for f in json.load(open(t + "/int/ranking.json"))["families"] for c in f["configurations"]}["Br_i2_q-1"]
j = json.load(open(t + "/runs/ranking.json"))
(fam,) = j["families"]
(c,) = fam["configurations"]
assert fam["name"] == "runs CsPbBr4 q-1", fam["name"]
assert c["name"] == "Br_i2_q-1" and c["status"] == "ok"
assert abs(c["energy_ha"] - own["energy_ha"]) < 1e-12 and abs(c["dgap_mev"] - own["dgap_mev"]) < 1e-9
(c2,) = json.load(open(t + "/nohost/ranking.json"))["families"][0]["configurations"]
assert c2["dgap_mev"] is None, c2["dgap_mev"]
print(f"relax directory: E {c['energy_ha']:.8f} Ha, dgap {c['dgap_mev']:+.1f} meV as in the scan; without --host no dgap")
PYEOF

# refusals: another cutoff; the same configuration twice; not a run; a truncated ranking.json
sed 's/^ecut = 8 Ha/ecut = 9 Ha/' "$TOP/tests/scan/toy_interstitial.in" > "$TMP/e9.in"
"$ANIONSCAN" relax "$TMP/e9.in" -o "$TMP/e9" > /dev/null 2>&1 || die "relax e9: exit $?"
expect_status 2 "$ANIONSCAN" report "$TMP/int" "$TMP/e9" -o "$TMP/bad1"
expect_stderr_has "ecut_ha"
expect_stderr_has "$TMP/int and $TMP/e9"
[ ! -e "$TMP/bad1" ] || die "a refused report wrote $TMP/bad1"
expect_status 2 "$ANIONSCAN" report "$TMP/int" "$TMP/int" -o "$TMP/bad2"
expect_stderr_has "Br_i2_q-1 is in both"
expect_status 2 "$ANIONSCAN" report "$TMP" -o "$TMP/bad3"
expect_stderr_has "$TMP is not a finished run"
mkdir -p "$TMP/trunc" && head -c 300 "$TMP/int/ranking.json" > "$TMP/trunc/ranking.json"
expect_status 2 "$ANIONSCAN" report "$TMP/trunc" -o "$TMP/bad4"
expect_stderr_has "$TMP/trunc/ranking.json is not a ranking"
mkdir -p "$TMP/trunc2" && head -c 200 "$cfg/result.json" > "$TMP/trunc2/result.json"
expect_status 2 "$ANIONSCAN" report "$TMP/trunc2" -o "$TMP/bad5"
expect_stderr_has "$TMP/trunc2/result.json is not valid JSON"
for b in bad2 bad3 bad4 bad5; do [ ! -e "$TMP/$b" ] || die "a refused report wrote $TMP/$b"; done
echo ok
