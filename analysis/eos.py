#!/usr/bin/env python3
"""Birch-Murnaghan equation of state from anionscan result.json files at several volumes.

usage: analysis/eos.py DIR_OR_JSON...   (at least 4 runs of the same structure, scaled cells)
Prints V0 (A^3 per cell), E0 (eV), B0 (GPa), B0', and for a cubic cell the lattice constant a0.
The volume of each run comes from its structure: the run directory must hold structure.cif or
POSCAR, or the result must list "volume_ang3"; otherwise pass VOLUME=PATH pairs.
Third-order Birch-Murnaghan, fitted by linear least squares in x = V^(-2/3) (a cubic polynomial).
"""
import json
import os
import sys


def energy_ev(r):
    return r["energy_ev"] if "energy_ev" in r else r["energy_ha"] * 27.211386245988


def volume_of(path):
    d = path if os.path.isdir(path) else os.path.dirname(path)
    js = os.path.join(d, "result.json") if os.path.isdir(path) else path
    r = json.load(open(js))
    if "volume_ang3" in r:
        return r["volume_ang3"], energy_ev(r)
    for name in ("POSCAR", "final.cif", "structure.cif"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            try:
                from ase.io import read  # python3-ase
                return read(p).get_volume(), energy_ev(r)
            except ImportError:
                pass
    raise SystemExit(f"{path}: no volume (give VOLUME={path})")


def solve(a, b):
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]


def main(argv):
    pts = []
    for a in argv:
        if "=" in a:
            v, p = a.split("=", 1)
            pts.append((float(v), energy_ev(json.load(open(p if p.endswith(".json") else os.path.join(p, "result.json"))))))
        else:
            pts.append(volume_of(a))
    if len(pts) < 4:
        print(__doc__)
        return 2
    # E(x) = c0 + c1 x + c2 x^2 + c3 x^3, x = V^(-2/3): exact form of 3rd-order Birch-Murnaghan
    xs = [v ** (-2.0 / 3.0) for v, _ in pts]
    a = [[sum(x ** (i + j) for x in xs) for j in range(4)] for i in range(4)]
    b = [sum(e * x ** i for (v, e), x in zip(pts, xs)) for i in range(4)]
    c = solve(a, b)
    # minimum: dE/dx = c1 + 2 c2 x + 3 c3 x^2 = 0, the root with d2E/dx2 > 0
    disc = (2 * c[2]) ** 2 - 4 * 3 * c[3] * c[1]
    roots = [(-2 * c[2] + s * disc ** 0.5) / (6 * c[3]) for s in (1, -1)] if c[3] else [-c[1] / (2 * c[2])]
    x0 = [x for x in roots if 2 * c[2] + 6 * c[3] * x > 0][0]
    v0 = x0 ** -1.5
    e0 = c[0] + c[1] * x0 + c[2] * x0 ** 2 + c[3] * x0 ** 3
    # B = V d2E/dV2; with x = V^-2/3: dE/dV = E'(x) dx/dV, d2E/dV2 = E''(x) (dx/dV)^2 at the minimum
    dxdv = -2.0 / 3.0 * v0 ** (-5.0 / 3.0)
    b0 = v0 * (2 * c[2] + 6 * c[3] * x0) * dxdv ** 2 * 160.21766208  # eV/A^3 -> GPa
    rms = (sum((e - (c[0] + c[1] * x + c[2] * x * x + c[3] * x ** 3)) ** 2 for (v, e), x in zip(pts, xs)) / len(pts)) ** 0.5
    print(f"V0 = {v0:.4f} A^3   E0 = {e0:.6f} eV   B0 = {b0:.2f} GPa   (fit rms {1000 * rms:.3f} meV, {len(pts)} points)")
    print(f"cubic cell: a0 = {v0 ** (1 / 3):.5f} A")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
