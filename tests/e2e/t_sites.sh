# anionscan sites on the shipped Pnma and cubic decks: exit status, the printed
# header and table, sites.json with the keys issue 2 specifies (parsed by Python),
# sites.csv with one line per site, sites.cif read back by ASE (host + one dummy
# per orbit member), [scan] keys taking effect, usage errors.
source "$(dirname "$0")/lib.sh"
set -o pipefail
PY=/usr/bin/python3
run() { # deck outdir -> stdout in $OUT
  OUT=$("$ANIONSCAN" sites "$1" -o "$2" 2>"$TMP/stderr") || die "sites $1 failed: $(cat "$TMP/stderr")"
  for f in sites.json sites.csv sites.cif; do [ -s "$2/$f" ] || die "$1: $2/$f missing"; done
}
has() { grep -qF -- "$1" <<<"$OUT" || die "output lacks '$1': $OUT"; }

# JSON: keys, host block, multiplicities = orbit members in the CIF, CSV lines.
check_files() { # dir spacegroup number natoms
  "$PY" - "$1" "$2" "$3" "$4" <<'EOF' || die "file check failed for $1"
import json, sys, csv
d, sg, num, nat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
j = json.load(open(d + "/sites.json"))
assert j["host"] == {"spacegroup": sg, "number": num, "natoms": nat}, j["host"]
sites = j["sites"]
assert sites, "no sites"
keys = {"name", "frac", "cart_ang", "multiplicity", "site_symmetry", "min_dist_ang", "nearest"}
for i, s in enumerate(sites):
    assert keys <= set(s), (i, set(s))
    assert s["name"] == "i%d" % (i + 1)
    assert len(s["frac"]) == 3 and all(0 <= x < 1 for x in s["frac"])
    assert s["multiplicity"] >= 1 and s["min_dist_ang"] > 0
    assert s["nearest"] in ("Cs", "Pb", "Br", "Cl", "I")
r = [s["min_dist_ang"] for s in sites]
assert r == sorted(r, reverse=True), "not sorted by free radius"
rows = list(csv.DictReader(open(d + "/sites.csv")))
assert [x["name"] for x in rows] == [s["name"] for s in sites]
try:
    import ase.io
except ImportError:
    sys.exit(0)
a = ase.io.read(d + "/sites.cif")
n_dummy = sum(1 for z in a.numbers if z == 0)
assert len(a) == nat + n_dummy and n_dummy == sum(s["multiplicity"] for s in sites), (len(a), n_dummy)
# Free radii and nearest elements recomputed by ASE from the host in sites.cif.
from ase.geometry import get_distances
host = a[[i for i, z in enumerate(a.numbers) if z != 0]]
for s in sites:
    _, dist = get_distances([list(a.cell.cartesian_positions([s["frac"]])[0])], host.positions,
                            cell=a.cell, pbc=True)
    r = dist[0].min()
    assert abs(r - s["min_dist_ang"]) < 2e-3, (s["name"], r, s["min_dist_ang"])
    assert s["nearest"] in {host[i].symbol for i in range(len(host)) if dist[0][i] < r + 2e-3}, s
EOF
}

run "$TOP/input/cspbbr3_pnma.in" "$TMP/pnma"
has "anionscan sites"; has "Pnma (No. 62)"; has "Pb4Cs4Br12 (20 atoms)"
has "0.60 x (r_atom + r_anion), r_anion 1.96 angstrom"; has "cluster_tol      1.000 angstrom"
has "8 fixed Wyckoff points"
check_files "$TMP/pnma" Pnma 62 20

# Merging within 0.5 angstrom keeps 4a (0,0,0), a free inversion centre, as a site.
cp "$TOP/input/cspbbr3_pnma.in" "$TMP/p05.in"
printf '\n[scan]\ncluster_tol = 0.5 angstrom\n' >> "$TMP/p05.in"
run "$TMP/p05.in" "$TMP/p05"
has "cluster_tol      0.500 angstrom"
grep -qE '^  i[0-9]+ +4a +-1 +4 +0\.00000 +0\.00000 +0\.00000' <<<"$OUT" || die "no 4a site at the origin: $OUT"
check_files "$TMP/p05" Pnma 62 20

# Cubic, defaults: the two roomiest textbook voids, 3d (a/2 from Cs) and 8g.
run "$TOP/input/cspbbr3_cubic.in" "$TMP/cub"
has "Pm-3m (No. 221)"; has "2 irreducible sites"
for w in "3d     4/mm.m     3" "8g     .3m        8"; do has "$w"; done
check_files "$TMP/cub" Pm-3m 221 5

# Cubic, 2.0 angstrom from every atom and 0.5 angstrom merging: all five textbook orbits.
cp "$TOP/input/cspbbr3_cubic.in" "$TMP/cub5.in"
printf '\n[scan]\nmin_dist = 2.0 angstrom\ncluster_tol = 0.5 angstrom\n' >> "$TMP/cub5.in"
run "$TMP/cub5.in" "$TMP/cub5"
has "5 irreducible sites"
for w in "3d     4/mm.m" "8g     .3m" "24m    ..m" "12i    m.m2" "12j    m.m2"; do has "$w"; done
check_files "$TMP/cub5" Pm-3m 221 5

# [scan] keys: max_sites and a larger min_dist shorten the list; -o is optional.
cp "$TOP/input/cspbbr3_pnma.in" "$TMP/few.in"
printf '\n[scan]\nmax_sites = 2\n' >> "$TMP/few.in"
run "$TMP/few.in" "$TMP/few"
"$PY" -c "import json,sys; assert len(json.load(open('$TMP/few/sites.json'))['sites']) == 2" || die "max_sites ignored"
cp "$TOP/input/cspbbr3_pnma.in" "$TMP/far.in"
printf '\n[scan]\nmin_dist = 2.7 angstrom\n' >> "$TMP/far.in"
run "$TMP/far.in" "$TMP/far"
has "2.700 angstrom from every atom"
"$PY" -c "
import json
s = json.load(open('$TMP/far/sites.json'))['sites']
assert s and all(x['min_dist_ang'] >= 2.7 for x in s), s
" || die "min_dist not applied"

expect_status 2 "$ANIONSCAN" sites
expect_stderr_has "no deck given"
expect_status 2 "$ANIONSCAN" sites "$TMP/missing.in"
echo ok
