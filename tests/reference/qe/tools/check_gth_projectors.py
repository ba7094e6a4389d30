#!/usr/bin/python3
"""Numerical check of the reciprocal-space normalisation of GTH/HGH projectors (first projector of each l).

Real space (Hartwigsen, Goedecker, Hutter PRB 58, 3641, eq. 3), normalised to 1:
    p_1^l(r) = sqrt(2) r^l exp(-r^2 / (2 r_l^2)) / (r_l^(l + 3/2) sqrt(Gamma(l + 3/2)))
Its transform  beta_l(q) = 4 pi int r^2 j_l(q r) p(r) dr  (per sqrt(Omega)) is, in closed form,
    beta_l(q) = 4 pi^(5/4) sqrt(2^(l+1) r_l^(2l+3)) * c_l q^l exp(-q^2 r_l^2 / 2),
    c_l = 1, 1/sqrt(3), 1/sqrt(15), 1/sqrt(105) for l = 0..3
(the HGH paper's table).  Quantum ESPRESSO 6.7 (Modules/gth.f90, mk_ffnl_gth) uses the same form with c_3 = 1/105
for the f channel, i.e. an f projector sqrt(105) times too small and an f-channel energy 105 times too small.
This script integrates numerically and prints the ratio of both closed forms to the integral."""
import math


def jl(l, x):
    if x < 1e-6:
        return x ** l / [1, 3, 15, 105][l]
    s, c = math.sin(x), math.cos(x)
    if l == 0:
        return s / x
    if l == 1:
        return s / x ** 2 - c / x
    if l == 2:
        return (3 / x ** 2 - 1) * s / x - 3 * c / x ** 2
    return (15 / x ** 3 - 6 / x) * s / x - (15 / x ** 2 - 1) * c / x


def beta_numeric(l, rl, q, n=4000):
    rmax = 14 * rl; h = rmax / n
    norm = math.sqrt(2) / (rl ** (l + 1.5) * math.sqrt(math.gamma(l + 1.5)))
    f = lambda r: r * r * jl(l, q * r) * norm * r ** l * math.exp(-r * r / (2 * rl * rl))
    s = f(0) + f(rmax) + sum((4 if i % 2 else 2) * f(i * h) for i in range(1, n))
    return 4 * math.pi * s * h / 3


def beta_closed(l, rl, q, c):
    return 4 * math.pi ** 1.25 * math.sqrt(2 ** (l + 1) * rl ** (2 * l + 3)) * c * q ** l * math.exp(-(q * rl) ** 2 / 2)


if __name__ == "__main__":
    hgh = [1, 1 / math.sqrt(3), 1 / math.sqrt(15), 1 / math.sqrt(105)]
    qe67 = [1, 1 / math.sqrt(3), 1 / math.sqrt(15), 1 / 105]
    rl = 0.59701503          # Cs GTH-PBE-q9 f-channel radius (bohr)
    print(" l    q      numeric        HGH/numeric   QE6.7/numeric")
    for l in range(4):
        for q in (0.5, 1.5, 3.0):
            b = beta_numeric(l, rl, q)
            print(f" {l}  {q:4.1f}  {b: .8e}  {beta_closed(l, rl, q, hgh[l]) / b:.6f}      "
                  f"{beta_closed(l, rl, q, qe67[l]) / b:.6f}")
