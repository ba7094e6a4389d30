#!/usr/bin/env python3
"""Table of anionscan results: one row per result.json (scf or relax output directories).

usage: analysis/summarize.py DIR_OR_JSON... [--csv]
Columns: run, atoms, energy (eV) and per atom, gap (eV) with its k-points, max force (eV/A),
pressure (GPa), SCF iterations, converged.  Energies relative to the lowest run are added when
all runs have the same number of atoms (configurations of one cell).
"""
import json
import math
import os
import sys


def load(path):
    p = os.path.join(path, "result.json") if os.path.isdir(path) else path
    with open(p) as f:
        d = json.load(f)
    d["_name"] = os.path.basename(os.path.dirname(os.path.abspath(p)))
    return d


def main(argv):
    csv = "--csv" in argv
    paths = [a for a in argv if a != "--csv"]
    if not paths:
        print(__doc__)
        return 2
    rows = [load(p) for p in paths]
    same = len({r["natoms"] for r in rows}) == 1
    emin = min(r["energy_ev"] for r in rows)
    head = ["run", "atoms", "E (eV)", "E/atom (eV)", "dE (meV)", "gap (eV)", "VBM k", "CBM k", "max F (eV/A)",
            "P (GPa)", "SCF it", "converged"]
    out = []
    for r in rows:
        fmax = max(math.sqrt(sum(x * x for x in f)) for f in r.get("forces_ev_per_ang", [[0, 0, 0]]))
        out.append([r["_name"], r["natoms"], f"{r['energy_ev']:.6f}", f"{r['energy_ev'] / r['natoms']:.6f}",
                    f"{1000 * (r['energy_ev'] - emin):.1f}" if same else "-", f"{r['gap_ev']:.4f}",
                    r.get("vbm_label") or " ".join(f"{x:.3g}" for x in r["vbm_k"]),
                    r.get("cbm_label") or " ".join(f"{x:.3g}" for x in r["cbm_k"]), f"{fmax:.4f}",
                    f"{r.get('pressure_gpa', float('nan')):.3f}", r["scf_iterations"], r["converged"]])
    if csv:
        print(",".join(head))
        for o in out:
            print(",".join(str(x) for x in o))
        return 0
    w = [max(len(str(x)) for x in col) for col in zip(head, *out)]
    for line in [head] + out:
        print("  ".join(str(x).rjust(n) for x, n in zip(line, w)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
