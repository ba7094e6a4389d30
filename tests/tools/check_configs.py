#!/usr/bin/env python3
"""Independent check of the configurations of `anionscan scan DECK -o DIR --dry-run`
(tests/e2e/t_scan_configs.sh).

Everything expected is recomputed here from DIR/host.cif and DIR/sites.json with ASE, numpy and
spglib, without anything of anionscan's own: the host's space-group operations (spglib), each
site's orbit and stabiliser, the Frenkel candidates (the species' atoms within frenkel_radius of the
site, by default the nearest two distance shells, shells split where consecutive distances differ
by 0.3 angstrom or more), their orbits under the stabiliser, the multiplicity of every (site,
vacancy) pair by brute force (distinct images of the pair under all operations, modulo lattice
translations) and by the formula (site multiplicity x orbit size).  Then DIR/plan.json and every
DIR/configs/NAME/initial.cif are compared with that: one configuration per (site, species, orbit
or charge, distortion), names, order, multiplicities, compositions, the interstitial placed on its
site within the rattle, bond distortions of the two nearest neighbours, the rattle only near the
site, no two atoms closer than 0.5 angstrom; --same DIR2 (another dry run of the same deck) must
give byte-identical starts, --other-seed DIR3 (another seed) different ones.

Exit status 0 when everything agrees; otherwise every disagreement is printed (configuration,
expected, got) and the status is 1.  Usage: see --help.
"""
import argparse
import collections
import filecmp
import json
import os
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import ase.io  # noqa: E402
import spglib  # noqa: E402

SHELL_TOL = 0.3        # angstrom: config.h AS_SCAN_SHELL_TOL_ANG
RATTLE_RADIUS = 3.5    # angstrom: AS_SCAN_RATTLE_RADIUS_ANG
N_DISTORT = 2          # AS_SCAN_DISTORT_NEIGHBOURS
MIN_DIST = 0.5         # angstrom: AS_SCAN_MIN_DIST_ANG
SITE_TOL = 0.05        # angstrom: a site image is the site (stabiliser, orbit, pair orbit)
ATOM_TOL = 0.01        # angstrom: an operation maps an atom onto an atom
SYMPREC = 1e-3         # angstrom: spglib on the unrelaxed host
EPS = 1e-3             # angstrom: "a little" (the CIFs have 10 decimals)
HALIDES = ("F", "Cl", "Br", "I")

SHIFTS = np.array([[i, j, k] for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)], float)


class Checker:
    def __init__(self, label):
        self.label = label
        self.errors = []
        self.nchecks = 0

    def ok(self, cond, what):
        self.nchecks += 1
        if not cond:
            self.errors.append(what)
        return cond


def mic(lat, df):
    """Minimum-image cartesian vectors and lengths of fractional differences df (..., 3)."""
    df = np.asarray(df, float)
    shape = df.shape[:-1]
    d = df.reshape(-1, 3)
    d = d - np.round(d)
    cand = (d[:, None, :] + SHIFTS[None, :, :]) @ lat          # (n, 27, 3)
    r = np.linalg.norm(cand, axis=2)
    k = np.argmin(r, axis=1)
    idx = np.arange(len(d))
    return cand[idx, k].reshape(shape + (3,)), r[idx, k].reshape(shape)


def dist(lat, a, b):
    return float(mic(lat, np.asarray(b, float) - np.asarray(a, float))[1])


def read_cif(path):
    at = ase.io.read(path, format="cif")
    return (np.array(at.cell.array, float), np.array(at.get_scaled_positions(wrap=False), float),
            list(at.get_chemical_symbols()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", help="the dry run's output directory")
    ap.add_argument("--label", default=None, help="name of the deck in the summary")
    ap.add_argument("--species", nargs="+", default=None, help="[scan] species (default: the host's halides)")
    ap.add_argument("--mode", default="frenkel", choices=("frenkel", "interstitial", "both"))
    ap.add_argument("--charges", nargs="+", type=int, default=[-1])
    ap.add_argument("--distortions", nargs="+", type=float, default=[0.0])
    ap.add_argument("--radius", type=float, default=None, help="explicit frenkel_radius, angstrom")
    ap.add_argument("--sites", nargs="+", default=None, help="[scan] sites (default: all)")
    ap.add_argument("--rattle", type=float, default=0.03, help="angstrom (the default rattle)")
    ap.add_argument("--seed", type=int, default=20261203, help="the default seed")
    ap.add_argument("--spacegroup", type=int, default=None, help="the host's expected space group number")
    ap.add_argument("--same", default=None, help="a second dry run of the same deck: identical starts")
    ap.add_argument("--other-seed", default=None, help="a dry run with another seed: different starts")
    a = ap.parse_args()
    C = Checker(a.label or a.dir)
    d = a.dir

    # ---------------------------------------------------------------- the host and its group
    lat, hfrac, hsym = read_cif(os.path.join(d, "host.cif"))
    n = len(hsym)
    sj = json.load(open(os.path.join(d, "sites.json")))
    plan = json.load(open(os.path.join(d, "plan.json")))
    C.ok(sj["host"]["natoms"] == n, "sites.json host natoms %s, host.cif has %d" % (sj["host"]["natoms"], n))
    znum = {s: i + 1 for i, s in enumerate(sorted(set(hsym)))}
    cell = (lat, hfrac, [znum[s] for s in hsym])
    symd = spglib.get_symmetry(cell, symprec=SYMPREC)
    rots, trans = symd["rotations"], symd["translations"]
    nops = len(rots)
    sg = spglib.get_symmetry_dataset(cell, symprec=SYMPREC)
    sgnum = sg["number"] if isinstance(sg, dict) else sg.number
    C.ok(sgnum == sj["host"]["number"], "space group: spglib %d, sites.json %s" % (sgnum, sj["host"]["number"]))
    if a.spacegroup is not None:
        C.ok(sgnum == a.spacegroup, "space group: expected %d, spglib finds %d" % (a.spacegroup, sgnum))

    # atom permutation of every operation
    amap = np.zeros((nops, n), int)
    for o in range(nops):
        img = hfrac @ rots[o].T + trans[o]
        _, r = mic(lat, hfrac[None, :, :] - img[:, None, :])        # r[a, b]: image of a to atom b
        for i in range(n):
            js = [j for j in range(n) if r[i, j] < ATOM_TOL and hsym[j] == hsym[i]]
            if not C.ok(len(js) == 1, "op %d maps atom %d onto %d atoms" % (o + 1, i + 1, len(js))):
                return report(C, a)
            amap[o, i] = js[0]
        C.ok(sorted(amap[o]) == list(range(n)), "op %d is not a permutation of the atoms" % (o + 1))

    # ---------------------------------------------------------------- the sites
    sites = sj["sites"]
    names = [s["name"] for s in sites]
    use = a.sites if a.sites else names
    for s in use:
        C.ok(s in names, "site %s asked for, sites.json has %s" % (s, names))
    use = [s for s in names if s in use]                                  # in the order of sites.json
    species = a.species or [s for s in dict.fromkeys(hsym) if s in HALIDES]
    dlist = a.distortions
    frenkel = a.mode in ("frenkel", "both")
    inter = a.mode in ("interstitial", "both")

    def op_pos(o, x):
        return rots[o] @ x + trans[o]

    siteinfo = {}
    for s in sites:
        if s["name"] not in use:
            continue
        x = np.array(s["frac"], float)
        images = []                                          # distinct images modulo lattice translations
        img_of = []
        for o in range(nops):
            y = op_pos(o, x)
            k = next((i for i, z in enumerate(images) if dist(lat, z, y) < SITE_TOL), None)
            if k is None:
                images.append(y)
                k = len(images) - 1
            img_of.append(k)
        stab = [o for o in range(nops) if dist(lat, op_pos(o, x), x) < SITE_TOL]
        C.ok(len(images) == s["multiplicity"],
             "site %s: orbit of %d positions under the host's %d operations, sites.json multiplicity %s"
             % (s["name"], len(images), nops, s["multiplicity"]))
        C.ok(len(images) * len(stab) == nops, "site %s: |orbit| %d x |stabiliser| %d != %d operations"
             % (s["name"], len(images), len(stab), nops))
        siteinfo[s["name"]] = dict(x=x, mult=len(images), img_of=img_of, stab=stab, images=images)

    # ---------------------------------------------------------------- the expected configurations
    expected = collections.OrderedDict()    # key -> dict
    for sname in use:
        si = siteinfo[sname]
        x = si["x"]
        for sp in species:
            if frenkel:
                idx = [i for i in range(n) if hsym[i] == sp]
                C.ok(idx, "%s: mode frenkel but the host has no %s" % (sname, sp))
                dd = {i: dist(lat, x, hfrac[i]) for i in idx}
                if a.radius is not None:
                    for i in idx:
                        C.ok(abs(dd[i] - a.radius) > EPS, "%s %s: atom %d lies %.4f angstrom from the site, on the "
                             "frenkel_radius %.4f: choose another radius" % (sname, sp, i + 1, dd[i], a.radius))
                    cand = [i for i in idx if dd[i] <= a.radius]
                else:
                    order = sorted(idx, key=lambda i: dd[i])
                    shell, cand = 1, []
                    for k, i in enumerate(order):
                        if k and dd[i] - dd[order[k - 1]] >= SHELL_TOL:
                            shell += 1
                        if shell > 2:
                            break
                        cand.append(i)
                candset = set(cand)
                parent = {i: i for i in cand}

                def find(i):
                    while parent[i] != i:
                        i = parent[i]
                    return i
                for o in si["stab"]:
                    for i in cand:
                        j = int(amap[o, i])
                        if not C.ok(j in candset, "%s %s: stabiliser op %d maps candidate %d (%.3f A) to %d (%.3f A), "
                                    "not a candidate" % (sname, sp, o + 1, i + 1, dd[i], j + 1, dd[j])):
                            continue
                        ri, rj = find(i), find(j)
                        if ri != rj:
                            parent[max(ri, rj)] = min(ri, rj)
                orbits = collections.defaultdict(list)
                for i in cand:
                    orbits[find(i)].append(i)
                for root in sorted(orbits):
                    orb = sorted(orbits[root])
                    pairs = {(si["img_of"][o], int(amap[o, orb[0]])) for o in range(nops)}
                    C.ok(len(pairs) == si["mult"] * len(orb),
                         "%s %s v%d: the pair's orbit has %d members, site multiplicity %d x orbit size %d = %d"
                         % (sname, sp, orb[0] + 1, len(pairs), si["mult"], len(orb), si["mult"] * len(orb)))
                    for dv in dlist:
                        key = (sname, sp, "frenkel", orb[0], round(dv, 6))
                        expected[key] = dict(name="%s_%s_v%d%s" % (sp, sname, orb[0] + 1, suffix(dv)), orbit=orb,
                                             mult=len(pairs), dist=dd[orb[0]], dist_all={i: dd[i] for i in orb})
            if inter:
                for q in a.charges:
                    for dv in dlist:
                        key = (sname, sp, "interstitial", q, round(dv, 6))
                        expected[key] = dict(name="%s_%s_q%d%s" % (sp, sname, q, suffix(dv)), mult=si["mult"])

    # ---------------------------------------------------------------- plan.json against them
    cfgs = plan["configurations"]
    by_atom = {(k[0], k[1], i, k[4]): k for k, e in expected.items() if k[2] == "frenkel" for i in e["orbit"]}
    C.ok(len(cfgs) == len(expected), "%d configurations planned, %d expected" % (len(cfgs), len(expected)))
    C.ok(abs(plan["rattle_angstrom"] - a.rattle) < 1e-9,
         "rattle_angstrom %s, expected %s" % (plan["rattle_angstrom"], a.rattle))
    C.ok(plan["seed"] == a.seed, "seed %s, expected %s" % (plan["seed"], a.seed))
    C.ok(plan["host_relaxed"] is False, "a dry run reports host_relaxed %s" % plan["host_relaxed"])
    seen = {}
    nf = ni = 0
    for c in cfgs:
        nm = c["name"]
        if not C.ok(c["site"] in siteinfo, "%s: site %s is not among the sites used %s" % (nm, c["site"], use)):
            continue
        if not C.ok(c["species"] in species, "%s: species %s, expected one of %s" % (nm, c["species"], species)):
            continue
        si = siteinfo[c["site"]]
        C.ok(np.allclose(c["site_frac"], si["x"], atol=2e-6),
             "%s: site_frac %s, sites.json %s" % (nm, c["site_frac"], list(si["x"])))
        if c["mode"] == "frenkel":
            nf += 1
            v = c["vacancy"] - 1
            key = by_atom.get((c["site"], c["species"], v, round(c["distortion"], 6)))
            if not C.ok(key is not None, "%s: Frenkel pair with vacancy %d (%s) at %s, distortion %s: no such "
                        "candidate orbit (expected orbits: %s)" % (nm, c["vacancy"], hsym[v] if 0 <= v < n else "?",
                                                                   c["site"], c["distortion"],
                                                                   orbits_of(expected, c["site"], c["species"]))):
                continue
            e = expected[key]
            C.ok(hsym[v] == c["species"], "%s: vacancy atom %d is %s, not %s" % (nm, v + 1, hsym[v], c["species"]))
            C.ok(c["vacancy_orbit"] == len(e["orbit"]), "%s: vacancy_orbit %s, expected %d (atoms %s)"
                 % (nm, c["vacancy_orbit"], len(e["orbit"]), [i + 1 for i in e["orbit"]]))
            C.ok(c["multiplicity"] == e["mult"], "%s: multiplicity %s, expected %d (site %d x orbit %d)"
                 % (nm, c["multiplicity"], e["mult"], si["mult"], len(e["orbit"])))
            C.ok(abs(c["vacancy_distance_angstrom"] - e["dist_all"][v]) < EPS, "%s: vacancy_distance %.4f, "
                 "expected %.4f" % (nm, c["vacancy_distance_angstrom"], e["dist_all"][v]))
            C.ok(c["charge"] == 0, "%s: a Frenkel pair has charge %s" % (nm, c["charge"]))
            C.ok(c["natoms"] == n, "%s: natoms %s, host %d" % (nm, c["natoms"], n))
            C.ok(c["interstitial_atom"] == c["vacancy"], "%s: interstitial_atom %s, the moved atom is %s"
                 % (nm, c["interstitial_atom"], c["vacancy"]))
        else:
            ni += 1
            C.ok(c["mode"] == "interstitial", "%s: mode %s" % (nm, c["mode"]))
            key = (c["site"], c["species"], "interstitial", c["charge"], round(c["distortion"], 6))
            if not C.ok(key in expected, "%s: interstitial with charge %s, distortion %s not expected (charges %s, "
                        "distortions %s)" % (nm, c["charge"], c["distortion"], a.charges, dlist)):
                continue
            e = expected[key]
            C.ok(c["vacancy"] == 0, "%s: vacancy %s, expected 0" % (nm, c["vacancy"]))
            C.ok(c["multiplicity"] == e["mult"], "%s: multiplicity %s, site's %d" % (nm, c["multiplicity"], e["mult"]))
            C.ok(c["natoms"] == n + 1, "%s: natoms %s, expected host + 1 = %d" % (nm, c["natoms"], n + 1))
            C.ok(c["interstitial_atom"] == n + 1, "%s: interstitial_atom %s, expected the appended atom %d"
                 % (nm, c["interstitial_atom"], n + 1))
        if C.ok(key not in seen, "%s: the same configuration as %s" % (nm, seen.get(key))):
            seen[key] = nm
        C.ok(nm == expected[key]["name"], "name %s, expected %s" % (nm, expected[key]["name"]))
    for k, e in expected.items():
        C.ok(k in seen, "missing configuration %s (site %s, %s, %s %s, distortion %s)"
             % (e["name"], k[0], k[1], k[2], ("vacancy orbit %s" % [i + 1 for i in e["orbit"]]) if k[2] == "frenkel"
                else "charge %d" % k[3], k[4]))
    # order: (site, species, vacancy or charge, distortion)
    last = None
    for c in cfgs:
        if c["site"] in use and c["species"] in species:
            r = (use.index(c["site"]), species.index(c["species"]))
            C.ok(last is None or r >= last, "%s out of order (site, species)" % c["name"])
            last = r
    groups = collections.OrderedDict()
    for c in cfgs:
        groups.setdefault((c["site"], c["species"], c["mode"], c["vacancy"], c["charge"]), []).append(c)
    for g in groups.values():
        C.ok([round(c["distortion"], 6) for c in g] == [round(x, 6) for x in dlist],
             "%s: distortions %s, expected %s in that order" % (g[0]["name"], [c["distortion"] for c in g], dlist))
    pos = {c["name"]: i for i, c in enumerate(cfgs)}
    for g in groups.values():
        C.ok([pos[c["name"]] for c in g] == list(range(pos[g[0]["name"]], pos[g[0]["name"]] + len(g))),
             "%s: its distortions are not consecutive in the plan" % g[0]["name"])

    # ---------------------------------------------------------------- the starting structures
    on_disk = set(os.listdir(os.path.join(d, "configs")))
    C.ok(on_disk == {c["name"] for c in cfgs}, "configs/ holds %d directories, the plan %d configurations"
         % (len(on_disk), len(cfgs)))
    starts = {}
    for c in cfgs:
        nm = c["name"]
        path = os.path.join(d, "configs", nm, "initial.cif")
        if not C.ok(os.path.isfile(path), "%s: no initial.cif" % nm):
            continue
        try:
            slat, sfrac, ssym = read_cif(path)
        except Exception as ex:  # noqa: BLE001 (any unreadable file is a failure of the check)
            C.ok(False, "%s: initial.cif unreadable by ASE: %s" % (nm, ex))
            continue
        starts[nm] = sfrac
        C.ok(np.allclose(slat, lat, atol=1e-6), "%s: the cell differs from the host's" % nm)
        frenk = c["mode"] == "frenkel"
        want = hsym if frenk else hsym + [c["species"]]
        if not C.ok(ssym == want, "%s: atoms %s, expected %s (the host's order%s)"
                    % (nm, formula(ssym), formula(want), "" if frenk else " + the anion")):
            continue
        if frenk:
            C.ok(collections.Counter(ssym) == collections.Counter(hsym),
                 "%s: composition %s, host %s" % (nm, formula(ssym), formula(hsym)))
        m = len(ssym)
        _, r = mic(slat, sfrac[:, None, :] - sfrac[None, :, :])
        r[np.arange(m), np.arange(m)] = np.inf
        i, j = np.unravel_index(np.argmin(r), r.shape)
        C.ok(r[i, j] >= MIN_DIST, "%s: atoms %d (%s) and %d (%s) %.3f angstrom apart" % (nm, i + 1, ssym[i], j + 1,
                                                                                         ssym[j], r[i, j]))
        # the unrattled, undistorted start: the host with the anion on the site
        x = np.array(c["site_frac"], float)
        ia = c["interstitial_atom"] - 1
        u = hfrac.copy() if frenk else np.vstack([hfrac, x])
        u[ia] = x
        di = dist(lat, x, sfrac[ia])
        C.ok(di <= a.rattle + EPS, "%s: the interstitial (atom %d) starts %.4f angstrom from its site, rattle %.3f"
             % (nm, ia + 1, di, a.rattle))
        if a.rattle > 0:
            C.ok(di > 1e-7, "%s: the interstitial is not rattled" % nm)
        # the expected unrattled positions, with the bond distortion
        vec, rr = mic(lat, u - x)
        rr[ia] = np.inf
        expect = u.copy()
        dv = c["distortion"]
        if dv != 0.0:
            order = np.argsort(rr, kind="stable")
            r2 = rr[order[N_DISTORT - 1]]
            must = [k for k in range(m) if rr[k] < r2 - 1e-4]
            maybe = [k for k in range(m) if rr[k] <= r2 + 1e-4]
            inv = np.linalg.inv(lat)
            chosen = []
            for k in maybe:
                # the bond to k: to its nearest image, or any of them when several are as near (tiny cells)
                df = u[k] - x
                df = df - np.round(df)
                bonds = [b for b in (df[None, :] + SHIFTS) @ lat if np.linalg.norm(b) < rr[k] + 1e-4]
                for b in bonds:
                    moved = u[k] + (dv * b) @ inv
                    if dist(lat, moved, sfrac[k]) < dist(lat, u[k], sfrac[k]):
                        chosen.append(k)
                        expect[k] = moved
                        # the bond after the distortion and the rattle, along the same image
                        got = np.linalg.norm(b + mic(lat, sfrac[k] - u[k])[0])
                        C.ok(abs(got - (1 + dv) * rr[k]) <= 2 * a.rattle + EPS,
                             "%s: neighbour %d bond %.3f angstrom, expected (1%+g) x %.3f = %.3f (+- 2 rattle)"
                             % (nm, k + 1, got, dv, rr[k], (1 + dv) * rr[k]))
                        break
            C.ok(len(chosen) == N_DISTORT and set(must) <= set(chosen),
                 "%s: distortion %+g should move the %d nearest neighbours of the interstitial (%s at %s angstrom); "
                 "moved %s" % (nm, dv, N_DISTORT, [k + 1 for k in order[:N_DISTORT + 1]],
                               ["%.3f" % rr[k] for k in order[:N_DISTORT + 1]], [k + 1 for k in chosen]))
        for k in range(m):
            if k == ia:
                continue
            dk = dist(lat, expect[k], sfrac[k])
            near = dist(lat, x, expect[k])
            if near <= RATTLE_RADIUS - EPS:
                C.ok(dk <= a.rattle + EPS, "%s: atom %d (%s), %.3f angstrom from the site, moved %.4f angstrom, "
                     "rattle %.3f" % (nm, k + 1, ssym[k], near, dk, a.rattle))
                if a.rattle > 0:
                    C.ok(dk > 1e-7, "%s: atom %d (%s), %.3f angstrom from the site, is not rattled"
                         % (nm, k + 1, ssym[k], near))
            elif near > RATTLE_RADIUS + EPS:
                C.ok(dk < 1e-6, "%s: atom %d (%s), %.3f angstrom from the site (beyond the %.1f angstrom of the "
                     "rattle), moved %.6f angstrom" % (nm, k + 1, ssym[k], near, RATTLE_RADIUS, dk))
            else:
                C.ok(dk <= a.rattle + EPS, "%s: atom %d moved %.4f angstrom" % (nm, k + 1, dk))

    # ---------------------------------------------------------------- reproducibility and the seed
    if a.same:
        C.ok(set(os.listdir(os.path.join(a.same, "configs"))) == on_disk, "the second run has other configurations")
        for c in cfgs:
            p1 = os.path.join(d, "configs", c["name"], "initial.cif")
            p2 = os.path.join(a.same, "configs", c["name"], "initial.cif")
            C.ok(os.path.isfile(p2) and filecmp.cmp(p1, p2, shallow=False),
                 "%s: initial.cif differs between two runs of the same deck" % c["name"])
    if a.other_seed:
        C.ok(set(os.listdir(os.path.join(a.other_seed, "configs"))) == on_disk,
             "the run with another seed has other configurations")
        for c in cfgs:
            p2 = os.path.join(a.other_seed, "configs", c["name"], "initial.cif")
            if not C.ok(os.path.isfile(p2), "%s: no initial.cif with the other seed" % c["name"]):
                continue
            try:
                _, f2, _ = read_cif(p2)
            except Exception as ex:  # noqa: BLE001
                C.ok(False, "%s: initial.cif (other seed) unreadable by ASE: %s" % (c["name"], ex))
                continue
            if c["name"] in starts and f2.shape == starts[c["name"]].shape:
                _, r = mic(lat, f2 - starts[c["name"]])
                C.ok(r.max() > 1e-6, "%s: the same start with another seed" % c["name"])

    C.summary = "%d configurations (%d Frenkel, %d interstitial) on %d sites x %s, %d host operations (SG %d)" % (
        len(cfgs), nf, ni, len(use), "/".join(species), nops, sgnum)
    return report(C, a)


def suffix(dv):
    return "" if dv == 0 else "_d%+g" % dv


def formula(sym):
    c = collections.Counter(sym)
    return "".join("%s%d" % (k, c[k]) for k in sorted(c))


def orbits_of(expected, site, sp):
    return sorted({tuple(i + 1 for i in e["orbit"]) for k, e in expected.items()
                   if k[:3] == (site, sp, "frenkel")})


def report(C, a):
    summ = getattr(C, "summary", "")
    if C.errors:
        print("%s: %d of %d checks FAILED%s" % (C.label, len(C.errors), C.nchecks, (" (" + summ + ")") if summ else ""))
        for e in C.errors[:60]:
            print("  " + e)
        if len(C.errors) > 60:
            print("  ... and %d more" % (len(C.errors) - 60))
        return 1
    print("%s: %s; %d checks passed" % (C.label, summ, C.nchecks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
