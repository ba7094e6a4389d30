#!/usr/bin/python3
"""Cross-check anionscan's structure matching (src/crystal/match.c) against pymatgen's StructureMatcher.

usage: match_check.py TEST_MATCH HOST_CIF WORKDIR

Builds ~30 pairs of Pnma CsPbBr3 defect structures (an extra Br at equivalent and non-equivalent positions,
Frenkel pairs, a Cl instead of the Br, the host itself, rattled and permuted copies, a 2x1x1 supercell with
translated copies) as P1 CIF files in WORKDIR, asks pymatgen whether each pair matches and our matcher through
`AS_MATCH_PAIRS=WORKDIR/pairs.txt TEST_MATCH` (tests/unit/test_match.c), and exits 1 unless both agree with
each other and with how the pair was built, on every pair.

How the two definitions are made to correspond:
  * ours: some operation (R, t) of the host's space group, or a rotation R of it with any translation that
    puts an atom of the rarest species on one of b, maps every atom within tol (0.3 angstrom) of a distinct
    atom of b of the same element.
  * pymatgen (primitive_cell=False, scale=False, attempt_supercell=False): some lattice mapping within ltol and
    angle_tol, with any translation, maps every site of one onto the other with a largest distance, after
    removing the mean displacement, below stol * (V/N)^(1/3) (fit() compares the max, not the rms).
  stol = tol / (V/N)^(1/3) per pair makes the two length criteria the same.  ltol = 1e-3 and angle_tol = 0.1
  degree leave pymatgen only the exact automorphisms of the orthorhombic lattice (mmm, 8 rotations: a and c
  differ by 0.6 %, so it cannot swap them) - the point group of Pnma, whose 8 rotations we try with every
  anchored translation.  The matchers then differ only in how they choose the translation (ours: the
  operation's or an anchored one; pymatgen: the mean displacement), which moves the criterion by at most the
  rattle (<= 0.05 angstrom).  Every pair is clear by construction: matching pairs deviate by <= 0.05 angstrom,
  non-matching ones by >= 1.5 angstrom (the distance between an interstitial and every image of the other),
  and each pymatgen verdict is checked to hold at stol/2 and 2 stol as well.  Pairs compared without symmetry
  (host '-') are only translated copies or pairs no operation relates, since pymatgen always uses the
  lattice's rotations.
  Twin pairs (the scan's test for a pair that recombined into a twin domain of the host, src/scan/classify.c):
  ours with the operations of the host's lattice within 1 % strain (16 for Pnma CsPbBr3, a and c 0.6 % apart),
  pymatgen with ltol = 0.01 and angle_tol = 1 degree, which admits the same 16 lattice mappings.  That the twin
  is not the host under Pnma's own operations is checked in tests/unit/test_classify.c only: it is 0.59 angstrom
  (largest deviation) from the host, inside the 2 x tol that every pair here must be clear of.
  Refill pairs (the scan's in-flight recombination test, tol 1 angstrom, no symmetry): a host rattled by 0.3
  angstrom is refilled, a Frenkel pair is not."""
import os
import subprocess
import sys

import numpy as np

try:
    from pymatgen.analysis.structure_matcher import StructureMatcher
    from pymatgen.core import Structure
    from pymatgen.io.cif import CifWriter
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer
except ImportError as e:
    sys.exit("match_check.py: pymatgen is missing (%s): install it with 'apt-get install -y python3-pymatgen'" % e)

TOL = 0.3  # angstrom: AS_MATCH_TOL_ANG in src/crystal/match.h
rng = np.random.default_rng(20240613)


def die(msg):
    sys.exit("match_check.py: " + msg)


class Host:
    """A host cell with its space-group operations (fractional, from spglib through pymatgen)."""

    def __init__(self, s):
        self.s = s
        self.ops = SpacegroupAnalyzer(s, symprec=1e-3).get_symmetry_operations(cartesian=False)
        self.frac = np.array(s.frac_coords)

    def image(self, op, f):
        return op.rotation_matrix @ np.asarray(f) + op.translation_vector

    def dist(self, f, g):
        d = np.asarray(g) - np.asarray(f)
        d -= np.round(d)
        return np.linalg.norm(self.s.lattice.get_cartesian_coords(d))

    def orbit_dist(self, p, q):
        return min(self.dist(self.image(op, p), q) for op in self.ops)

    def atom_at(self, f):
        """Index of the host atom at fractional position f (within 1e-4 angstrom)."""
        for i, g in enumerate(self.frac):
            if self.dist(f, g) < 1e-4:
                return i
        die("no host atom at %s" % f)

    def interstitial(self, avoid=()):
        """A general position 1.8 angstrom from every host atom and 1 from its own images, 1.5 from every image
        of the positions in avoid."""
        for _ in range(100000):
            p = rng.random(3)
            if min(self.dist(p, g) for g in self.frac) < 1.8:
                continue
            if min(self.dist(p, self.image(op, p)) for op in self.ops[1:]) < 1.0:
                continue
            if all(self.orbit_dist(q, p) > 1.5 for q in avoid):
                return p
        die("no interstitial position found")


def plus(s, species, f):
    t = s.copy()
    t.append(species, f, coords_are_cartesian=False)
    return t


def frenkel(h, k, p):
    """Host with lattice atom k moved to p."""
    t = h.s.copy()
    t.replace(k, t[k].species, coords=p, coords_are_cartesian=False)
    return t


def moved(s, op):
    """Every atom moved by op."""
    return Structure(s.lattice, s.species, [op.rotation_matrix @ f + op.translation_vector for f in s.frac_coords],
                     to_unit_cell=True)


def shifted(s, t):
    return Structure(s.lattice, s.species, s.frac_coords + np.asarray(t), to_unit_cell=True)


def rattled(s, d):
    """Every atom moved by exactly d angstrom in a random direction."""
    v = rng.normal(size=(len(s), 3))
    v *= d / np.linalg.norm(v, axis=1)[:, None]
    return Structure(s.lattice, s.species, s.cart_coords + v, coords_are_cartesian=True, to_unit_cell=True)


def permuted(s):
    idx = rng.permutation(len(s))
    return Structure(s.lattice, [s.species[i] for i in idx], s.frac_coords[idx])


TWIN = "twin"  # a pair compared under the host lattice's operations within 1 % (the scan's twin test)


def matcher(stol, twin=False):
    """pymatgen's matcher; twin: lattice mappings within 1 % in length and 1 degree (a <-> c of Pnma, 0.6 %)."""
    return StructureMatcher(ltol=0.01 if twin else 1e-3, stol=stol, angle_tol=1.0 if twin else 0.1,
                            primitive_cell=False, scale=False, attempt_supercell=False)


def pymatgen_fit(a, b, stol, twin=False):
    return matcher(stol, twin).fit(a, b)


def twinned(s):
    """s turned by the a <-> c swap (b reversed), its atoms put back into s's own lattice: a twin domain."""
    f = s.frac_coords
    return Structure(s.lattice, s.species, np.stack([f[:, 2], -f[:, 1], f[:, 0]], axis=1), to_unit_cell=True)


def main():
    if len(sys.argv) != 4:
        die("usage: match_check.py TEST_MATCH HOST_CIF WORKDIR")
    binary, host_cif, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)

    h = Host(Structure.from_file(host_cif))
    if len(h.s) != 20 or len(h.ops) != 8:
        die("%s: expected Pnma CsPbBr3, 20 atoms and 8 operations; got %d, %d" % (host_cif, len(h.s), len(h.ops)))
    sc = Host(h.s * (2, 1, 1))
    if len(sc.ops) != 16:
        die("the 2x1x1 supercell has %d operations, expected 16" % len(sc.ops))

    for _ in range(1000):  # p, and p moved by half the primitive a in the 2x1x1 cell, must be non-equivalent
        p = h.interstitial()
        ps = np.array([p[0] / 2, p[1], p[2]])
        p4 = ps + [0.25, 0, 0]
        if sc.orbit_dist(ps, p4) > 1.5:
            break
    else:
        die("no position p found whose shift by half the primitive a is not an image")
    qs = [h.interstitial([p])]
    qs.append(h.interstitial([p, qs[0]]))
    qs.append(h.interstitial([p] + qs))
    a = plus(h.s, "Br", p)
    eq = [i for i in range(len(h.s)) if h.s[i].specie.symbol == "Br"]
    k_eq = eq[-1]  # an equatorial (8d) Br: the host lists 4c before 8d
    k_ap = eq[0]   # an apical (4c) Br
    if h.orbit_dist(h.frac[k_eq], h.frac[k_ap]) < 1.0:
        die("Br %d and Br %d are in the same orbit" % (k_eq, k_ap))
    fr = frenkel(h, k_eq, p)

    pairs = []  # (name, a, b, host or None, tol, expected)

    def add(name, s1, s2, host, expect, tol=TOL):
        pairs.append((name, s1, s2, host, tol, expect))

    add("self", a, a, h, True)
    add("permuted", a, permuted(a), h, True)
    for g in range(1, 8):
        op = h.ops[g]
        add("Br_i at g%d(p), rattled 0.02, permuted" % g, a, permuted(rattled(plus(h.s, "Br", h.image(op, p)), 0.02)),
            h, True)
    add("whole structure moved by g3, permuted", a, permuted(moved(a, h.ops[3])), h, True)
    for n, q in enumerate(qs):
        add("Br_i at non-equivalent q%d" % n, a, plus(h.s, "Br", q), h, False)
    add("Cl_i instead of Br_i", a, plus(h.s, "Cl", p), h, False)
    add("host (20 atoms) vs Br_i (21)", h.s, a, h, False)
    add("host vs host rattled 0.05 (recombined)", h.s, permuted(rattled(h.s, 0.05)), h, True)
    for g in (2, 5):
        op = h.ops[g]
        add("Frenkel (k, p) vs (g%d(k), g%d(p))" % (g, g), fr,
            rattled(frenkel(h, h.atom_at(h.image(op, h.frac[k_eq])), h.image(op, p)), 0.02), h, True)
    add("Frenkel equatorial vs apical vacancy", fr, frenkel(h, k_ap, p), h, False)
    add("Frenkel vs host", fr, h.s, h, False)
    r05 = rattled(a, 0.05)
    add("rattled 0.05 at tol 0.3", a, r05, h, True)
    add("rattled 0.05 at tol 0.01", a, r05, h, False, tol=0.01)

    # twin domains (src/scan/classify.c): the host turned by a <-> c, which Pnma lacks but its lattice nearly has
    tw = twinned(h.s)
    add("host vs its a<->c twin, rattled 0.02, shifted, permuted (lattice ops)", h.s,
        permuted(shifted(rattled(tw, 0.02), [0.05, 0.02, 0.1])), TWIN, True)
    add("Frenkel vs the host's twin (lattice ops)", fr, tw, TWIN, False)
    add("Frenkel vs its own twin, rattled 0.02 (lattice ops)", fr, permuted(rattled(twinned(fr), 0.02)), TWIN, True)

    # the scan's in-flight recombination test, "the vacancy is refilled" (src/scan/classify.h: 1 angstrom, the
    # identity and anchored translations only): the host with every atom 0.3 angstrom off is refilled; a Frenkel
    # pair, its interstitial more than 2 angstrom from every lattice site, is not
    add("refill: host vs host rattled 0.3, shifted, permuted (tol 1, no symmetry)", h.s,
        permuted(shifted(rattled(h.s, 0.3), [0.03, 0.01, 0.02])), None, True, tol=1.0)
    add("refill: Frenkel vs host (tol 1, no symmetry)", fr, h.s, None, False, tol=1.0)

    A = plus(sc.s, "Br", ps)
    half = permuted(shifted(A, [0.5, 0, 0]))
    add("2x1x1: shifted by primitive a", A, half, sc, True)
    add("2x1x1: shifted by primitive a, no symmetry", A, half, None, True)
    add("2x1x1: rigid shift (0.1 0.2 0.3), no symmetry", A, shifted(A, [0.1, 0.2, 0.3]), None, True)
    add("2x1x1: Br_i in the other primitive cell, no symmetry", A,
        rattled(plus(sc.s, "Br", ps + [0.5, 0, 0]), 0.02), None, True)
    add("2x1x1: Br_i moved by half the primitive a", A, plus(sc.s, "Br", p4), sc, False)
    add("2x1x1: Br_i moved by half the primitive a, no symmetry", A, plus(sc.s, "Br", p4), None, False)
    for g in (4, 11):
        add("2x1x1: Br_i at g%d(p)" % g, A, permuted(rattled(plus(sc.s, "Br", sc.image(sc.ops[g], ps)), 0.02)), sc,
            True)
    add("2x1x1: Br_i at non-equivalent q0", A, plus(sc.s, "Br", [qs[0][0] / 2, qs[0][1], qs[0][2]]), sc, False)

    # Files and the pair list for our matcher.
    CifWriter(h.s).write_file(os.path.join(work, "host.cif"))
    CifWriter(sc.s).write_file(os.path.join(work, "host211.cif"))
    lines = []
    for n, (name, s1, s2, host, tol, _) in enumerate(pairs):
        f1, f2 = (os.path.join(work, "p%02d_%s.cif" % (n, x)) for x in "ab")
        CifWriter(s1).write_file(f1)
        CifWriter(s2).write_file(f2)
        hf = ("-" if host is None else "twin:" + os.path.join(work, "host.cif") if host is TWIN
              else os.path.join(work, "host.cif" if host is h else "host211.cif"))
        lines.append("%s %s %s %g\n" % (f1, f2, hf, tol))
    with open(os.path.join(work, "pairs.txt"), "w") as fp:
        fp.writelines(lines)
    run = subprocess.run([binary], env=dict(os.environ, AS_MATCH_PAIRS=os.path.join(work, "pairs.txt")),
                         capture_output=True, text=True)
    if run.returncode != 0:
        die("%s failed (%d): %s" % (binary, run.returncode, run.stderr.strip()))
    ours = [l.split() for l in run.stdout.splitlines() if l.strip()]
    if len(ours) != len(pairs):
        die("%d answers for %d pairs: %s" % (len(ours), len(pairs), run.stdout))

    bad = 0
    counts = {True: 0, False: 0}
    print("%-55s %-7s %-9s %-9s %s" % ("pair", "built", "pymatgen", "anionscan", "maxdev (angstrom) ours / pymatgen"))
    for n, ((name, s1, s2, host, tol, expect), o) in enumerate(zip(pairs, ours)):
        # Both structures are read back from the files both programs used.
        f1, f2 = (os.path.join(work, "p%02d_%s.cif" % (n, x)) for x in "ab")
        t1, t2 = Structure.from_file(f1), Structure.from_file(f2)
        L = (t1.volume / len(t1)) ** (1.0 / 3.0)
        stol = tol / L
        tw = host is TWIN
        pm = pymatgen_fit(t1, t2, stol, tw)
        clear = pymatgen_fit(t1, t2, 0.5 * stol, tw) == pm == pymatgen_fit(t1, t2, 2.0 * stol, tw)
        mine = o[0] == "MATCH"
        dev = "%.4f" % float(o[3]) if mine else "-"
        if pm:
            dev += " / %.4f" % (matcher(stol, tw).get_rms_dist(t1, t2)[1] * L)
        ok = pm == mine == expect and clear and (not mine or float(o[3]) < 0.5 * tol)
        counts[expect] += 1
        print("%-55s %-7s %-9s %-9s %s%s" % (name, "match" if expect else "differ", "MATCH" if pm else "NOMATCH",
                                          o[0], dev, "" if ok else "   <-- DISAGREE" if clear else "   <-- NOT CLEAR"))
        bad += not ok
    print("%d pairs (%d built to match, %d not): %s" % (len(pairs), counts[True], counts[False],
                                                       "all agree" if not bad else "%d disagree" % bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
