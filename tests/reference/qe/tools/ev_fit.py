#!/usr/bin/python3
"""Birch-Murnaghan (3rd order) fit of E(V) for cubic cells from results/*.json, pure Python.
E(V) = c0 + c1 x + c2 x^2 + c3 x^3 with x = V^(-2/3) is exactly the 3rd-order BM form; linear least squares.
Also interpolates QE's analytic pressure P(a) linearly to P = 0.
usage: ev_fit.py RESULT.json ...   (prints a0, V0, E0, B0, B0', rms residual, the P=0 lattice constant)"""
import sys, json, math

BOHR_ANGSTROM = 0.529177210903
HA_BOHR3_GPA = 4.3597447222071e-18 / (BOHR_ANGSTROM * 1e-10) ** 3 / 1e9


def solve(M, y):
    n = len(y); A = [row[:] + [y[i]] for i, row in enumerate(M)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(A[r][c])); A[c], A[p] = A[p], A[c]
        for r in range(n):
            if r != c:
                f = A[r][c] / A[c][c]
                A[r] = [a - f * b for a, b in zip(A[r], A[c])]
    return [A[i][n] / A[i][i] for i in range(n)]


def fit(V, E):
    x = [v ** (-2.0 / 3.0) for v in V]
    M = [[sum(xi ** (i + j) for xi in x) for j in range(4)] for i in range(4)]
    y = [sum(e * xi ** i for e, xi in zip(E, x)) for i in range(4)]
    c = solve(M, y)
    poly = lambda t: c[0] + c[1] * t + c[2] * t * t + c[3] * t ** 3
    d1 = lambda t: c[1] + 2 * c[2] * t + 3 * c[3] * t * t
    d2 = lambda t: 2 * c[2] + 6 * c[3] * t
    d3 = lambda t: 6 * c[3]
    # minimum: d1(x) = 0 with d2 > 0, x within the data range (widened)
    lo, hi = min(x) * 0.9, max(x) * 1.1
    roots = []
    if abs(c[3]) > 1e-300:
        disc = (2 * c[2]) ** 2 - 4 * 3 * c[3] * c[1]
        if disc >= 0:
            roots = [(-2 * c[2] + s * math.sqrt(disc)) / (6 * c[3]) for s in (1, -1)]
    roots = [r for r in roots if lo <= r <= hi and d2(r) > 0]
    if not roots:
        return None
    x0 = roots[0]; V0 = x0 ** -1.5; E0 = poly(x0)
    # dE/dV = d1 * dx/dV, dx/dV = -2/3 V^(-5/3); at the minimum d1 = 0, so d2E/dV2 = d2 (dx/dV)^2
    dxdv = -2.0 / 3.0 * V0 ** (-5.0 / 3.0)
    d2xdv2 = 10.0 / 9.0 * V0 ** (-8.0 / 3.0)
    B0 = V0 * d2(x0) * dxdv ** 2
    # B0' = -1 - V0 * E'''(V0) / E''(V0)
    d3EdV3 = d3(x0) * dxdv ** 3 + 3 * d2(x0) * dxdv * d2xdv2
    Bp = -1 - V0 * d3EdV3 / (d2(x0) * dxdv ** 2)
    rms = math.sqrt(sum((poly(xi) - e) ** 2 for xi, e in zip(x, E)) / len(E))
    res = [poly(xi) - e for xi, e in zip(x, E)]
    return {"V0_bohr3": V0, "a0_angstrom": V0 ** (1 / 3) * BOHR_ANGSTROM, "E0_ha": E0,
            "B0_gpa": B0 * HA_BOHR3_GPA, "B0_prime": Bp, "rms_residual_ha": rms, "residuals_ha": res}


def main(files):
    pts = []
    for f in files:
        d = json.load(open(f))
        c = d["xml"]["cell_bohr"]
        V = abs(c[0][0] * c[1][1] * c[2][2])
        pts.append((V, d["energy_ha"], d["pressure_gpa"], f))
    pts.sort()
    V = [p[0] for p in pts]; E = [p[1] for p in pts]; P = [p[2] for p in pts]
    for v, e, p, f in pts:
        print(f"{f}: a = {v ** (1 / 3) * BOHR_ANGSTROM:.4f} A  V = {v:.4f} bohr^3  E = {e:.8f} Ha  P = {p:.4f} GPa")
    r = fit(V, E)
    print(json.dumps(r, indent=1))
    p0 = None
    for i in range(len(P) - 1):
        if P[i] == 0 or (P[i] > 0) != (P[i + 1] > 0):
            t = P[i] / (P[i] - P[i + 1]); v = V[i] + t * (V[i + 1] - V[i])
            p0 = v ** (1 / 3) * BOHR_ANGSTROM
    print("P = 0 (linear interpolation of QE's analytic pressure):", p0 if p0 else "no sign change in the data")


if __name__ == "__main__":
    main(sys.argv[1:])
