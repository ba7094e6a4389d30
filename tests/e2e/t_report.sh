# anionscan report: the ranking of finished runs from their files, recomputing nothing (scan/gather.h).
#   1. Two scans run as separate jobs (the extra-anion family of tests/scan/toy_interstitial.in, the Frenkel
#      family of tests/scan/toy_recombine.in; same host and settings) reported together: every configuration
#      with the numbers, status and Δgap of its own scan's ranking.json (1e-12), both families present;
#      --temperature and --reference are applied and written.
#   2. Plain relax directories (the scan's configs/NAME) with --host: the family "runs ...", energies, Δgap and
#      multiplicity equal to the scan's; without --host, no Δgap and multiplicity 1.
#   3. The figures (analysis/plot_scan.py, drawn by the report and again by the script): every figure in PNG
#      and PDF, each path printed once; figures.json's numbers equal ranking.json's (1e-9): fig3 (dE per f.u.,
#      dgap), the scatter, the populations; the relaxation traces agree with the ionic steps and SCF iterations,
#      and their gaps with each trajectory.extxyz (read by ASE) and, at the last step, with result.json's;
#      the structure figure's interstitial is the atom at final_frac.  Bad input to the script (no directory,
#      no ranking.json, a truncated or a foreign one): exit 2 naming the path, nothing written.
#   4. Refused with exit status 2, a message naming both runs and the key, and nothing written: runs with
#      another cutoff; the same configuration twice.  A directory that is not a run, a truncated
#      ranking.json or result.json: exit 2 naming the path.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export ANIONSCAN_FFTW_PLANNER=estimate
"$ANIONSCAN" scan "$TOP/tests/scan/toy_interstitial.in" -o "$TMP/int" > "$TMP/int.log" 2>&1 || die "scan int: exit $?"
"$ANIONSCAN" scan "$TOP/tests/scan/toy_recombine.in" -o "$TMP/rec" > "$TMP/rec.log" 2>&1 || die "scan rec: exit $?"

"$ANIONSCAN" report "$TMP/int" "$TMP/rec" -o "$TMP/both" --temperature 600 > "$TMP/both.log" 2>&1 \
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
assert own["multiplicity"] > 1, own["multiplicity"]  # else the next line could not fail
assert c["multiplicity"] == own["multiplicity"], (c["multiplicity"], own["multiplicity"])
(c2,) = json.load(open(t + "/nohost/ranking.json"))["families"][0]["configurations"]
assert c2["dgap_mev"] is None, c2["dgap_mev"]
assert c2["multiplicity"] == 1, c2["multiplicity"]
print(f"relax directory: E {c['energy_ha']:.8f} Ha, dgap {c['dgap_mev']:+.1f} meV, multiplicity {c['multiplicity']} "
      "as in the scan; without --host no dgap, multiplicity 1")
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

PLOT="$TOP/analysis/plot_scan.py"
NAMES="Br_i2_q-1 Br_u1_v3"
S="$TMP/both"
# figures: drawn by the report itself, and again by analysis/plot_scan.py into another directory
[ -s "$S/figures/fig3_energy_gap.png" ] || die "anionscan report drew no figures: $(grep -i figure "$TMP/both.log")"
t0=$(date +%s)
"$PY" "$PLOT" "$S" -o "$TMP/figs" > "$TMP/plot.out" 2> "$TMP/plot.err" || die "plot_scan.py exited $?: $(cat "$TMP/plot.err")"
echo "plot_scan.py: $(( $(date +%s) - t0 )) s, $(wc -l < "$TMP/plot.out") files"
F="$TMP/figs"
stems="fig3_energy_gap energy_vs_dgap populations"
for n in $NAMES; do stems="$stems relax_$n structure_$n"; done
want=""
for s in $stems; do
  for ext in png pdf; do
    f="$F/$s.$ext"
    [ -s "$f" ] || die "no $f"
    want="$want$f"$'\n'
  done
  [ "$(head -c 8 "$F/$s.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || die "$F/$s.png is not a PNG"
  [ "$(head -c 5 "$F/$s.pdf")" = "%PDF-" ] || die "$F/$s.pdf is not a PDF"
done
want="$want$F/figures.json"$'\n'
[ "$(sort "$TMP/plot.out")" = "$(printf '%s' "$want" | sort)" ] || die "printed paths differ from the expected files: $(cat "$TMP/plot.out")"
ls -a "$F" | grep -q '\.tmp$' && die "temporary files left in $F: $(ls -a "$F")"

# the numbers plotted
"$PY" - "$S" <<'PYEOF' || die "figures.json against ranking.json"
import json, math, os, sys
d = sys.argv[1]
r = json.load(open(d + "/ranking.json"))
g = json.load(open(d + "/../figs/figures.json"))["figures"]
cs = {c["name"]: c for f in r["families"] for c in f["configurations"]}
def same(a, b, what):
    assert (a is None) == (b is None), (what, a, b)
    assert a is None or abs(a - b) <= 1e-9, (what, a, b)
fig3 = g["fig3_energy_gap"]["values"]
assert set(fig3) == set(cs), (sorted(fig3), sorted(cs))
for n, c in cs.items():
    de, dg = fig3[n]
    if c["status"] == "failed":
        assert de is None and dg is None, n
    else:
        same(de, c["de_mev_per_fu"], n + " fig3 dE"); same(dg, c["dgap_mev"], n + " fig3 dgap")
assert [f["name"] for f in g["fig3_energy_gap"]["families"]] == [f["name"] for f in r["families"]]
pts = g["energy_vs_dgap"]["points"]
for n, c in cs.items():
    if c["de_mev_per_fu"] is not None and c["dgap_mev"] is not None and c["status"] != "failed":
        same(pts[n][0], c["de_mev_per_fu"], n + " scatter dE"); same(pts[n][1], c["dgap_mev"], n + " scatter dgap")
    else:
        assert n not in pts and any(m.startswith(n + " ") for m in g["energy_vs_dgap"]["not_plotted"]), n
pop = g["populations"]
assert pop["temperature_K"] == r["temperature_K"]
assert set(pop["values"]) == set(cs)
for n, c in cs.items():
    same(pop["values"][n], c["population"], n + " population")
for n, c in cs.items():
    st = g["relax"][n]["stages"]
    if c["status"] == "recombined" and c["ionic_steps"] == 0:
        # recombined in its prerelaxation: no relaxation at the full cutoff, the host's results (docs/scan.md)
        names = [s["stage"] for s in st]
        assert names == ["prerelax%s" % ("" if k == 1 else k) for k in range(1, len(names) + 1)], (n, names)
        continue
    # prerelax, its corrected rounds prerelax2, prerelax3, ... in order (docs/scan.md), then the main stage
    names = [s["stage"] for s in st]
    assert names[0] == "prerelax" and names[-1] == "main", (n, names)
    assert names[1:-1] == ["prerelax%d" % k for k in range(2, len(names))], (n, names)
    main = st[-1]
    assert len(main["step"]) == c["ionic_steps"], (n, len(main["step"]), c["ionic_steps"])
    assert sum(main["scf_iterations"]) == c["scf_iterations"], (n, sum(main["scf_iterations"]), c["scf_iterations"])
    assert main["energy_rel_mev"][-1] == 0.0 and abs(main["energy_ev"][-1] - c["energy_ev"]) < 1e-6, n
    assert main["fmax_ev_ang"] == 0.1 and main["max_force_ev_ang"][-1] < 0.1, n
    # the gap at every step: each stage's as ASE reads its trajectory.extxyz ("gap" in each frame's info),
    # and the main stage's last step the configuration's own gap on the mesh (result.json gap_mesh_ev)
    import ase.io
    base = [b for b in (d + "/../int/configs/" + n, d + "/../rec/configs/" + n) if os.path.isdir(b)][0]
    for stg in st:
        frames = ase.io.read(os.path.join(base, "" if stg["stage"] == "main" else stg["stage"], "trajectory.extxyz"),
                             index=":")
        want = {int(a.info["step"]): float(a.info["gap"]) for a in frames}
        assert len(stg["gap_ev"]) == len(stg["step"]) and all(
            abs(gv - want[k]) < 1e-9 for gv, k in zip(stg["gap_ev"], stg["step"])), (n, stg["stage"], stg["gap_ev"], want)
        assert stg["gap_rel_mev"][-1] == 0.0, (n, stg["stage"])
    res = json.load(open(base + "/result.json"))
    assert abs(main["gap_ev"][-1] - res["gap_mesh_ev"]) < 1e-6, (n, main["gap_ev"][-1], res["gap_mesh_ev"])
    s = g["structure"][n]
    assert s["symbol"] == "Br" and s["distance_to_final_frac_ang"] < 1e-3, (n, s["distance_to_final_frac_ang"])
    assert s["neighbours"] and all(x["distance_ang"] <= 4.0 for x in s["neighbours"]), n
print("figures.json: %d configurations, every number equals ranking.json's" % len(cs))
PYEOF

# plot_scan.py on bad input: exit 2, the path named, nothing written
expect_status 2 "$PY" "$PLOT" "$TMP/nosuchdir" -o "$TMP/out1"
expect_stderr_has "$TMP/nosuchdir"
[ -e "$TMP/out1" ] && die "a figure directory was made for a missing scan directory"
mkdir "$TMP/empty"
expect_status 2 "$PY" "$PLOT" "$TMP/empty"
expect_stderr_has "$TMP/empty/ranking.json"
[ -e "$TMP/empty/figures" ] && die "figures written for a directory without ranking.json"
mkdir "$TMP/ftrunc"
head -c 1500 "$S/ranking.json" > "$TMP/ftrunc/ranking.json"
expect_status 2 "$PY" "$PLOT" "$TMP/ftrunc"
expect_stderr_has "$TMP/ftrunc/ranking.json"
expect_stderr_has "truncated"
[ -e "$TMP/ftrunc/figures" ] && die "figures written for a truncated ranking.json"
mkdir "$TMP/foreign"
echo '{"schema": "something-else/1", "families": []}' > "$TMP/foreign/ranking.json"
expect_status 2 "$PY" "$PLOT" "$TMP/foreign" -o "$TMP/out2"
expect_stderr_has "$TMP/foreign/ranking.json"
[ -e "$TMP/out2" ] && die "figures written for a foreign ranking.json"
echo ok
