#!/usr/bin/python3
"""Helpers of bench/scan.sh.

  scan_compare.py decks SCANDIR DECK OUTDIR   write OUTDIR/NAME.in (anionscan relax) and OUTDIR/NAME.pw.in (pw.x
                                              relax) for the host and every configuration of a finished scan, from
                                              the same starting structures (host.cif of the deck's structure,
                                              configs/NAME/initial.cif), with the deck's [dft] and [relax] settings
  scan_compare.py table SCANDIR SEPDIR [QEDIR]  the scan's energies and gaps against the separate runs'
  scan_compare.py samedecks DIR1 DIR2 NAME...   exit 1 unless DIR1/NAME.in and DIR2/NAME.in (and host.in) are the
                                              same deck, positions within 1e-5 (two host relaxations differ in
                                              the last digits: FFTW's timed plans)

The anionscan decks copy the scan deck's [dft] and [relax] sections and set what the scan sets for a
configuration: positions only, no symmetry kept, the extra anion's charge, and the smearing the scan switched on.
"""
import json
import os
import re
import sys

HA = 27.211386245988
BOHR = 0.529177210903
MASS = {"Cs": 132.905, "Pb": 207.2, "Br": 79.904, "Cl": 35.453, "I": 126.904}


def sections(path):
    out, cur = {}, None
    for line in open(path):
        t = line.split("#")[0].rstrip()
        m = re.match(r"^\[(\w+)\]", t)
        if m:
            cur = m.group(1).lower()
            out.setdefault(cur, [])
        elif cur and t.strip():
            out[cur].append(t)
    return out


def read_cif(path):
    import ase.io
    return ase.io.read(path)


def read_structure(path):
    from pymatgen.core import Structure
    return Structure.from_file(path)


def deck_value(lines, key, default=None):
    for l in lines:
        m = re.match(r"^\s*%s\s*=\s*(.+)$" % key, l)
        if m:
            return m.group(1).strip()
    return default


def write_ours(path, atoms, sec, charge, smeared):
    with open(path, "w") as f:
        f.write("[structure]\ncell = angstrom\n")
        for v in atoms.cell:
            f.write("    %.12f %.12f %.12f\n" % tuple(v))
        f.write("atoms = crystal\n")
        for s, p in zip(atoms.get_chemical_symbols(), atoms.get_scaled_positions(wrap=False)):
            f.write("    %s %.12f %.12f %.12f\n" % (s, p[0], p[1], p[2]))
        f.write("[dft]\n")
        for l in sec.get("dft", []):
            if not re.match(r"^\s*(charge|smearing)\s*=", l):
                f.write(l + "\n")
        if charge:
            f.write("charge = %d\n" % charge)
        if smeared:
            f.write("smearing = mv 0.005 Ha\n")
        f.write("[relax]\n")
        for l in sec.get("relax", []):
            if not re.match(r"^\s*(keep_symmetry|cell)\s*=", l):
                f.write(l + "\n")
        f.write("keep_symmetry = false\n")


def write_pw(path, atoms, sec, charge, smeared):
    ecut_ha = float(deck_value(sec["dft"], "ecut", "25 Ha").split()[0])
    fmax = float(deck_value(sec.get("relax", []), "fmax", "0.05").split()[0])  # eV/angstrom
    kp = deck_value(sec["dft"], "kpoints", "1 1 1")
    species = sorted(set(atoms.get_chemical_symbols()))
    occ = "occupations='smearing', smearing='mv', degauss=0.01" if smeared else "occupations='fixed'"
    with open(path, "w") as f:
        f.write("&control\n calculation='relax', forc_conv_thr=%.4e, etot_conv_thr=1.0, nstep=200, prefix='x',\n"
                " tprnfor=.true.\n/\n" % (fmax / HA * BOHR * 2))
        f.write("&system\n ibrav=0, nat=%d, ntyp=%d, ecutwfc=%g, tot_charge=%d, %s\n/\n"
                % (len(atoms), len(species), 2 * ecut_ha, charge, occ))
        f.write("&electrons\n conv_thr=2e-8, mixing_beta=0.5\n/\n&ions\n ion_dynamics='bfgs'\n/\n")
        f.write("ATOMIC_SPECIES\n")
        q = {"Cs": 9, "Pb": 4, "Br": 7, "Cl": 7, "I": 7}
        for s in species:
            f.write("%s %.3f %s-q%d.gth\n" % (s, MASS[s], s, q[s]))
        f.write("CELL_PARAMETERS angstrom\n")
        for v in atoms.cell:
            f.write("%.10f %.10f %.10f\n" % tuple(v))
        f.write("ATOMIC_POSITIONS crystal\n")
        for s, p in zip(atoms.get_chemical_symbols(), atoms.get_scaled_positions(wrap=False)):
            f.write("%s %.10f %.10f %.10f\n" % (s, p[0], p[1], p[2]))
        f.write("K_POINTS gamma\n" if kp.strip() == "gamma" else "K_POINTS automatic\n%s 0 0 0\n" % kp)


def decks(scandir, deck, out):
    sec = sections(deck)
    os.makedirs(out, exist_ok=True)
    plan = json.load(open(os.path.join(scandir, "plan.json")))
    host = read_cif(os.path.join(scandir, "host", "final.cif"))
    names = []
    # the host: relaxed as the scan relaxes it (its symmetry kept), from the deck's own structure
    with open(os.path.join(out, "host.in"), "w") as f:
        for name in ("structure", "dft", "relax"):
            f.write("[%s]\n" % name)
            for l in sec.get(name, []):
                f.write(l + "\n")
    for c in plan["configurations"]:
        cdir = os.path.join(scandir, "configs", c["name"])
        try:
            r = json.load(open(os.path.join(cdir, "result.json")))
            smeared = bool(r.get("relax", {}).get("auto_smearing"))
        except OSError:  # failed in the scan: its log says whether the scan smeared it
            smeared = any("smearing         switched on" in l for l in open(os.path.join(cdir, "relax.log")))
        a = read_cif(os.path.join(scandir, "configs", c["name"], "initial.cif"))
        charge = c["charge"] if c["mode"] == "interstitial" else 0
        write_ours(os.path.join(out, c["name"] + ".in"), a, sec, charge, smeared)
        write_pw(os.path.join(out, c["name"] + ".pw.in"), a, sec, charge, smeared)
        names.append(c["name"])
    print(" ".join(names))


def table(scandir, sepdir, qedir=None):
    rk = json.load(open(os.path.join(scandir, "ranking.json")))
    host_sep = json.load(open(os.path.join(sepdir, "host", "result.json")))
    host_scan = json.load(open(os.path.join(scandir, "host", "result.json")))
    print("%-14s %-10s %12s %12s %9s %9s %9s %7s %7s  %s" % ("configuration", "status", "dE scan", "dE sep",
                                                             "diff", "gap diff", "steps", "SCF", "SCF sep", "sep end"))
    print("%-14s %-10s %12s %12s %9s %9s %9s %7s %7s" % ("", "", "(meV)", "(meV)", "(meV)", "(meV)", "scan/sep", "scan",
                                                         ""))
    worst_e = worst_g = 0.0
    merged_worst = 0.0  # merged configurations: their separate runs against their representative's scan energy
    # stage 1's steps and SCF iterations, from the journal's "done" lines (a prerelaxation that stopped on a
    # recombination writes no result.json of its own)
    done = {}
    for line in open(os.path.join(scandir, "scan.journal")):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 5 and f[2] == "done":
            kv = dict(x.split("=", 1) for x in f[4].split() if "=" in x)
            done[f[3]] = (int(kv.get("pre_steps", 0)), int(kv.get("pre_scf", 0)))
    from pymatgen.analysis.structure_matcher import StructureMatcher
    # lattice mappings within 1 % and 1 degree: the host's own operations and its twins (a <-> c of Pnma), as the
    # scan's classification takes them (src/scan/classify.c, tests/tools/match_check.py)
    matcher = StructureMatcher(ltol=0.01, stol=0.5, angle_tol=1.0, primitive_cell=False, scale=False,
                               attempt_supercell=False)
    host_final = read_structure(os.path.join(sepdir, "host", "final.cif"))
    for f in rk["families"]:
        for c in f["configurations"]:
            n = c["name"]
            try:
                a = json.load(open(os.path.join(scandir, "configs", n, "result.json")))
            except OSError:
                a = None
            try:
                b = json.load(open(os.path.join(sepdir, n, "result.json")))
            except OSError:
                b = None
            if a is None and b is not None and "(merged after " in (c.get("detail") or ""):
                # merged into a representative: was that right?  Its own separate run against the
                # representative's scan result, energy and structure (pymatgen, any lattice operation)
                rep = c["detail"].split("same as ", 1)[1].split(" ", 1)[0]
                try:
                    r = json.load(open(os.path.join(scandir, "configs", rep, "result.json")))
                except OSError:
                    r = None
                if r is None:
                    print("%-14s %-10s merged into %s, which has no result" % (n, c["status"], rep))
                    continue
                de = (b["energy_ha"] - host_sep["energy_ha"] - (r["energy_ha"] - host_scan["energy_ha"])) * HA * 1000
                dg = (b["gap_ev"] - r["gap_ev"]) * 1000
                rr = matcher.get_rms_dist(read_structure(os.path.join(scandir, "configs", rep, "final.cif")),
                                          read_structure(os.path.join(sepdir, n, "final.cif")))
                sep_final = read_structure(os.path.join(sepdir, n, "final.cif"))
                dev = rr[1] * (sep_final.volume / len(sep_final)) ** (1 / 3) if rr else None
                merged_worst = max(merged_worst, abs(de))
                print("%-14s %-10s merged into %s: its separate run ends %.2f meV and %.2f meV in the gap from %s's "
                      "scan result, every atom within %s (pymatgen)" % (n, c["status"], rep, de, dg, rep,
                                                                       "%.3f A" % dev if dev is not None else
                                                                       "- (no match within 0.5)"))
                continue
            if a is None or b is None:
                print("%-14s %-10s %s" % (n, c["status"], "(no result: scan %s, separate run %s)"
                                          % ("yes" if a else "no", "yes" if b else "no")))
                continue
            des = (a["energy_ha"] - host_scan["energy_ha"]) * HA * 1000
            dep = (b["energy_ha"] - host_sep["energy_ha"]) * HA * 1000
            dg = (a["gap_ev"] - b["gap_ev"]) * 1000
            steps_pre, scf_pre = done.get(n, (0, 0))
            ranked = c["status"] in ("ok", "moved")
            if ranked:
                worst_e, worst_g = max(worst_e, abs(des - dep)), max(worst_g, abs(dg))
            # the separate run's end, judged independently (pymatgen): the relaxed host, or not
            sep_final = read_structure(os.path.join(sepdir, n, "final.cif"))
            rms = matcher.get_rms_dist(host_final, sep_final)  # normalised by (V / n)^(1/3)
            dev = rms[1] * (sep_final.volume / len(sep_final)) ** (1 / 3) if rms else None
            sep_end = ("host %.2f A" % dev if dev is not None and dev < 0.3 else
                       "refilled %.2f A" % dev if dev is not None and dev < 1.0 else "-")

            print("%-14s %-10s %12.2f %12.2f %9.2f %9.2f %4d+%d/%d %5d+%d %7d  %s" % (
                n, c["status"], des, dep, des - dep, dg, steps_pre, a["relax"]["steps"], b["relax"]["steps"],
                scf_pre, a["relax"]["total_scf_iterations"], b["relax"]["total_scf_iterations"],
                sep_end))
    print("ranked configurations: largest |dE scan - dE separate| %.2f meV (bar 1), |gap diff| %.2f meV (bar 2)"
          % (worst_e, worst_g))
    if merged_worst:
        print("merged configurations: their separate runs end within %.2f meV of their representative's scan energy"
              % merged_worst)
    print("sep end: 'host' when pymatgen's StructureMatcher maps the separate run's final structure onto the "
          "separately relaxed host (any operation of the lattice within 1 %, so twins too; no supercells) with every "
          "atom within 0.3 A (the largest deviation shown); 'refilled' when only within 1 A (the scan's test that a "
          "Frenkel pair recombined: no atom between lattice sites, the lattice in another arrangement)")


def samedecks(d1, d2, *names):
    bad = []
    for n in ("host",) + names:
        try:
            a, b = (open(os.path.join(d, n + ".in")).read().split("\n") for d in (d1, d2))
        except OSError as e:
            bad.append("%s (%s)" % (n, e))
            continue
        same = len(a) == len(b)
        for x, y in zip(a, b) if same else ():
            if x == y:
                continue
            u, v = x.split(), y.split()
            try:
                same = same and len(u) == len(v) == 4 and u[0] == v[0] and \
                    all(abs(float(p) - float(q)) < 1e-5 for p, q in zip(u[1:], v[1:]))
            except ValueError:
                same = False
        if not same:
            bad.append(n)
    if bad:
        print("the separate runs' decks differ from this scan's: " + ", ".join(bad), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1] == "decks":
        decks(*sys.argv[2:5])
    elif sys.argv[1] == "samedecks":
        samedecks(*sys.argv[2:])
    else:
        table(*sys.argv[2:])
