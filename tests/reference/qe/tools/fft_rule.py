#!/usr/bin/python3
"""Check, independently of QE's code, the rule that reproduces QE 6.7's FFT grid, its number of G-vectors and its
number of plane waves per k-point, for every results/*.json.

Rule (QE 6.7 FFTXlib fft_types.f90 realspace_grid_init + grid_set, fft_support.f90 good_fft_order/allowed,
PW/src/symm_base.f90 sgam_at):
  m_i   = max |Miller index i| over G = m1 b1 + m2 b2 + m3 b3 with |G|^2 < ecutrho   (bohr^-2; ecutrho in Ry
          = 4 ecutwfc = 8 ecut(Ha); grid_set uses a strict '<')
  f_i   = lcm over the symmetry operations QE keeps of nint(1/|t_i|) for their fractional translations t (crystal
          units, |t_i| > 1e-5); 1 if there are none
  n_i   = smallest n >= 2 m_i + 1 whose prime factors are only 2, 3, 5 (this FFTW build: 7 and 11 not allowed)
          and that is a multiple of f_i
  ngm   = #{G : |G|^2 <= ecutrho}       (QE's 'Sum ... G-vecs dense'; with Gamma tricks ngm = (ngm_full+1)/2)
  npw_k = #{G : |k+G|^2 <= ecutwfc}     (Ry = bohr^-2; Gamma tricks: (npw_full+1)/2)
usage: fft_rule.py [--readme] [results/NAME.json ...]   (default: every case of cases.py that has a result)
       --readme: rewrite the table in README.md between markers."""
import sys, os, json, math, glob, re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BOHR_ANGSTROM = 0.529177210903   # QE 6.7 (CODATA 2018); README.md shows how it was checked


def read_cell(path):
    L = [l for l in open(os.path.join(ROOT, path)).read().split("\n") if l.strip()]
    if L[0].strip() == "cell":
        A = [[float(v) / BOHR_ANGSTROM for v in L[i].split()] for i in (1, 2, 3)]
    else:
        a = [float(v) / BOHR_ANGSTROM for v in L[0].split()]
        A = [[a[0], 0, 0], [0, a[1], 0], [0, 0, a[2]]]
    return A


def recip(A):
    """rows b_i with a_i . b_j = 2 pi delta_ij"""
    def cross(u, v):
        return [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]
    vol = sum(A[0][i] * cross(A[1], A[2])[i] for i in range(3))
    return [[2 * math.pi * x / vol for x in cross(A[(i + 1) % 3], A[(i + 2) % 3])] for i in range(3)], abs(vol)


def smooth(n, primes):
    for p in primes:
        while n % p == 0:
            n //= p
    return n == 1


def good_order(n, fact, primes=(2, 3, 5)):
    while not (smooth(n, primes) and n % fact == 0):
        n += 1
    return n


def gvecs(B, A, gmax2, kc=(0.0, 0.0, 0.0)):
    """Miller indices of k+G with |k+G|^2 <= gmax2 (and the strict-'<' max indices); kc cartesian bohr^-1"""
    nmax = [int(math.sqrt(gmax2) * math.sqrt(sum(x * x for x in A[i])) / (2 * math.pi)) + 2 for i in range(3)]
    out, mx, close = 0, [0, 0, 0], 0
    for i in range(-nmax[0], nmax[0] + 1):
        for j in range(-nmax[1], nmax[1] + 1):
            for k in range(-nmax[2], nmax[2] + 1):
                g = [kc[c] + i * B[0][c] + j * B[1][c] + k * B[2][c] for c in range(3)]
                g2 = g[0] * g[0] + g[1] * g[1] + g[2] * g[2]
                if abs(g2 - gmax2) < 1e-9 * gmax2:
                    close += 1
                if g2 <= gmax2:
                    out += 1
                if g2 < gmax2:
                    mx = [max(mx[0], abs(i)), max(mx[1], abs(j)), max(mx[2], abs(k))]
    return out, mx, close


def check(path):
    d = json.load(open(path))
    A = read_cell(d["structure"])
    B, vol = recip(A)
    ecut = d["ecut_ha"]
    gcut = 8.0 * ecut                # ecutrho (Ry) = |G|^2 in bohr^-2
    ngm_full, m, close = gvecs(B, A, gcut)
    fact = [1, 1, 1]
    for t in d.get("fractional_translations_crystal", []):
        for i in range(3):
            if abs(t[i]) > 1e-5:
                n = round(1.0 / abs(t[i]))
                fact[i] = fact[i] * n // math.gcd(fact[i], n)
    pred = [good_order(2 * m[i] + 1, fact[i]) for i in range(3)]
    pred_nofact = [good_order(2 * m[i] + 1, 1) for i in range(3)]
    pred7 = [good_order(2 * m[i] + 1, fact[i], (2, 3, 5, 7)) for i in range(3)]
    qe = d["fft_grid"]
    gamma = d["xml"]["gamma_only"]
    qe_ngm_full = d["parallel_sum"]["gvec_dense"]
    ok = pred == qe and ngm_full == qe_ngm_full
    if d["calculation"] != "vc-relax":      # vc-relax ends with an SCF on a new basis; XML holds that one
        ok &= d["xml"]["ngm"] == ((ngm_full + 1) // 2 if gamma else ngm_full)
    # plane waves per k-point (only for the first structure of a relaxation: QE keeps that basis)
    alat = math.sqrt(sum(x * x for x in A[0]))     # QE's alat with CELL_PARAMETERS angstrom: |a1|
    npw_ok, npw_n = True, 0
    if d["ionic_steps"] <= 1:
        for kp in d["kpoint_list"]:
            kc = [x * 2 * math.pi / alat for x in kp["cart_2pi_alat"]]
            n, _, c2 = gvecs(B, A, 2.0 * ecut, kc)
            if gamma:
                n = (n + 1) // 2
            npw_ok &= n == kp["npw"]; npw_n += 1
            close += c2
    return {"name": os.path.basename(path)[:-5], "m": m, "fact": fact, "pred": pred, "qe": qe,
            "pred_nofact": pred_nofact, "pred7": pred7, "ngm_full": ngm_full, "qe_ngm_full": qe_ngm_full,
            "gamma": gamma, "ok": ok and npw_ok, "npw_checked": npw_n, "npw_ok": npw_ok, "close": close,
            "ecut": ecut}


def main(argv):
    readme = "--readme" in argv
    sys.path.insert(0, HERE)
    from cases import CASES
    files = [a for a in argv if a != "--readme"] or \
        [p for p in (os.path.join(ROOT, "results", c[0] + ".json") for c in CASES) if os.path.exists(p)]
    rows = ["| case | ecut (Ha) | max \\|m\\| | factor (frac. transl.) | rule | QE | rule, no factor | rule with 7 | "
            "G-vectors (full sphere) rule / QE | npw per k |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    bad = 0
    for f in files:
        r = check(f)
        bad += not r["ok"]
        g = lambda v: "×".join(str(x) for x in v)
        rows.append(f"| {r['name']} | {r['ecut']:g} | {g(r['m'])} | {g(r['fact'])} | {g(r['pred'])} | {g(r['qe'])} | "
                    f"{g(r['pred_nofact'])} | {g(r['pred7'])} | {r['ngm_full']} / {r['qe_ngm_full']} | "
                    f"{'all ' + str(r['npw_checked']) + ' match' if r['npw_ok'] and r['npw_checked'] else ('—' if not r['npw_checked'] else 'MISMATCH')} |"
                    + (" **MISMATCH**" if not r["ok"] else "") + (f" ({r['close']} on the sphere)" if r["close"] else ""))
    table = "\n".join(rows)
    print(table)
    print(f"\n{len(files) - bad} of {len(files)} cases follow the rule", file=sys.stderr)
    if readme:
        p = os.path.join(ROOT, "README.md")
        s = open(p).read()
        s = re.sub(r"(<!-- BEGIN FFT TABLE -->\n).*?(<!-- END FFT TABLE -->)", lambda m: m.group(1) + table + "\n" + m.group(2),
                   s, flags=re.S)
        open(p, "w").write(s)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
