#!/usr/bin/env python3
"""Scaling model of one SCF iteration (docs/parallel.md), from the kernel costs `make bench` measures.

usage: scaling_model.py DIR
DIR (written by bench/run.sh) holds
  kernels_1_np1.txt, kernels_1_np2.txt   build/bench/kernels 1 on 1 and 2 ranks (20-atom cell)
  kernels_2_np1.txt, kernels_2_np2.txt   build/bench/kernels 2 on 1 and 2 ranks (160-atom cell)
  pnma_25_gamma.np1.log/.np1/result.json, pnma_25_gamma.np2.log/.np2/result.json
                                         the 20-atom Gamma benchmark runs (the model is checked against them)

The model (per SCF iteration, one k-point on a plane-wave group of p ranks; pools divide the k-points):
  T_k(p) = T_fft + T_gemm + T_sub + T_reduce
  T_fft    = n_pairs * (t_pair / 2 * (1/p + 1/min(p, n_z)) + 2 * t_a2a(p))
             n_pairs = (h * N_b + N_occ / 2) / (2 if real else 1)   (H|psi> products and the density;
             the Gamma path packs two real bands in one FFT; z-transforms divide over p ranks, plane
             transforms over at most n_z ranks: the slab decomposition)
  T_gemm   = [(8 + 12 n_c + 8 r) L N_b^2 + 4 L N_proj h N_b] / (p * R)
             (Davidson as src/pw/davidson.c does it: n_c = h - 1 correction rounds per band, r = n_c - 1
             restarts, L = N_pw real numbers on the Gamma half sphere or N_pw complex numbers (4x the flops,
             the zgemm rate) elsewhere; the nonlocal projections take 4 L N_proj flops per H|psi>)
  T_sub    = (n_c + 1) * 0.5 * t_sygvx(2 N_b) * (4 if complex) / min(p, 16) when 2 N_b >= 600 (ScaLAPACK;
             assumed to stop gaining beyond a 4x4 grid at this size), else not divided (LAPACK on every rank)
  T_reduce = (n_c + 1) * [2 log2(p) alpha + 2 * 16 N_b^2 (8 if real) / B]   (subspace-matrix all-reduces)
  t_a2a(p) = alpha (p - 1) + D (p - 1) / p^2 / b      D = bytes of one transform's sticks (16 n_sticks n_z)
             b = the shared-memory rate measured on 2 ranks while p <= c (one node), B / c beyond (the c
             ranks of a node share its link)
Measured here: t_pair, t_a2a(2) (hence b), R (dgemm, zgemm), t_sygvx, N_pw, N_b, n_z, n_sticks, and h (H|psi>
per band per SCF iteration, from the 20-atom run's result.json).  Assumed (a typical cluster, not measurable on
this machine): c = 64 cores per node, B = 25 GB/s per node (HDR InfiniBand), alpha = 2 us per message
(0.5 us inside a node).
Per pool and SCF iteration the dense grid adds T_dense = 11 transforms (density 1; output-density energy 3:
density and gradient; new potential 7: density, gradient 2, divergence 3, Hartree + local 1), each pool
repeating them: T_dense(p) = 5.5 * (t_dense / 2 * (1/p + 1/min(p, n_z)) + 2 t_a2a,dense(p)), t_dense the measured
pair on the density sphere's sticks.  The point-wise work (libxc, mixing) is left out (under 2 % here).
"""
import json, math, os, re, sys

C_NODE, B_NET, ALPHA_NET, ALPHA_SM = 64, 25e9, 2e-6, 0.5e-6
N_DENSE = 11  # dense-grid transforms per SCF iteration (src/pw/scf.c, potential.c, xc.c; one spin)
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def gth_projectors(path):
    """Number of nonlocal projectors (sum over channels of n_l (2l+1)) of a CP2K-format GTH file."""
    lines = [l.split() for l in open(path) if l.strip() and not l.startswith("#")]
    nchan = int(lines[3][0])  # name; electrons per l; r_loc and C_i; number of channels
    i, total = 4, 0
    for l in range(nchan):
        n = int(lines[i][1])
        total += n * (2 * l + 1)
        i += max(n, 1)  # the channel's line r_l n h_11.. and n - 1 more rows of h_ij (no spin-orbit k_ij here)
    return total


def read_kernels(path):
    k = {}
    for line in open(path):
        m = re.match(r"cell (\d+) atoms, grid (\d+) (\d+) (\d+), wavefunction sticks (\d+)", line)
        if m:
            k["natoms"], k["nsticks"] = int(m.group(1)), int(m.group(5))
            k["grid"] = [int(m.group(i)) for i in (2, 3, 4)]
        for key in ("npw_sphere", "nbands", "nz_planes"):
            if line.startswith(key + " "):
                k[key] = int(line.split()[1])
        if line.startswith("fft_pair_per_band"):
            k["t_pair"] = float(line.split()[1])
        if line.startswith("fft_dense_pair"):
            k["t_dense"] = float(line.split()[1])
            k["nsticks_dense"] = int(line.split("(")[1].split()[0])
        if line.startswith("alltoall_per_transform"):
            k["t_a2a"] = float(line.split()[1])
        if line.startswith("dgemm"):
            k["r_d"] = float(line.split()[1]) * 1e9
        if line.startswith("zgemm"):
            k["r_z"] = float(line.split()[1]) * 1e9
        if line.startswith("dsygvx_subspace"):
            k["t_sygvx"] = float(line.split()[1])
    return k


class Cell:
    def __init__(self, k1, k2, nproj):
        self.__dict__.update(k1)
        self.t_dense_pair = k1["t_dense"]
        self.nproj = nproj
        nel = self.natoms // 20 * (4 * 9 + 4 * 4 + 12 * 7)
        self.nocc = nel // 2
        self.D = 16.0 * self.nsticks * self.nz_planes
        # shared-memory all-to-all rate per rank, from the 2-rank measurement: each rank sends D/4
        self.b_sm = (self.D / 4.0) / max(k2["t_a2a"] - ALPHA_SM, 1e-9)

    def t_a2a(self, p, dense=False):
        if p == 1:
            return 0.0
        alpha, b = (ALPHA_SM, self.b_sm) if p <= C_NODE else (ALPHA_NET, B_NET / C_NODE)
        D = 16.0 * self.nsticks_dense * self.nz_planes if dense else self.D
        return alpha * (p - 1) + D * (p - 1) / p**2 / b

    def dense_time(self, p):
        """seconds per SCF iteration of the dense-grid transforms of one pool on p ranks (every pool repeats them)"""
        return N_DENSE / 2.0 * (self.t_dense_pair / 2.0 * (1.0 / p + 1.0 / min(p, self.nz_planes))
                                + 2.0 * self.t_a2a(p, True))

    def t_k(self, p, real, h):
        """seconds per SCF iteration for one k-point on p ranks; returns (total, parts)"""
        nb, nc = self.nbands, h - 1.0
        r = max(0.0, nc - 1.0)
        pairs = (h * nb + self.nocc / 2.0) / (2.0 if real else 1.0)
        nz = self.nz_planes
        fft = pairs * (self.t_pair / 2.0 * (1.0 / p + 1.0 / min(p, nz)) + 2.0 * self.t_a2a(p))
        L = float(self.npw_sphere)
        flops = (8 + 12 * nc + 8 * r) * L * nb * nb + 4 * L * self.nproj * h * nb
        gemm = flops / (p * self.r_d) if real else 4 * flops / (p * self.r_z)
        n = 2 * nb
        sub = (nc + 1) * 0.5 * self.t_sygvx * (1 if real else 4)
        if n >= 600 and p > 1:
            sub /= min(p, 16)
        red = 0.0
        if p > 1:
            alpha = ALPHA_SM if p <= C_NODE else ALPHA_NET
            bw = self.b_sm if p <= C_NODE else B_NET / C_NODE
            red = (nc + 1) * (2 * math.log2(p) * alpha + 2 * 16 * nb * nb / (1 if not real else 2) / bw)
        parts = {"fft": fft, "gemm": gemm, "subspace": sub, "reduce": red}
        return sum(parts.values()), parts


def per_iteration(log):
    """steady SCF time per iteration from an scf log: (t_last - t_2) / (n - 2)"""
    t = [float(l.split()[-1]) for l in open(log) if re.match(r"^\s+\d+\s+-\d+\.\d+\s", l)]
    return (t[-1] - t[1]) / (len(t) - 2) if len(t) > 3 else float("nan")


def main():
    d = sys.argv[1]
    nproj20 = sum(n * gth_projectors(os.path.join(TOP, "potentials", "PBE", f))
                  for n, f in ((4, "Cs-q9.gth"), (4, "Pb-q4.gth"), (12, "Br-q7.gth")))
    k = {m: (read_kernels(f"{d}/kernels_{m}_np1.txt"), read_kernels(f"{d}/kernels_{m}_np2.txt")) for m in (1, 2)}
    small = Cell(k[1][0], k[1][1], nproj20)
    big = Cell(k[2][0], k[2][1], nproj20 * 8)
    r1 = json.load(open(f"{d}/pnma_25_gamma.np1/result.json"))
    h = r1["h_psi_per_band"] / r1["scf_iterations"]
    print(f"scaling model (docs/parallel.md): h = {h:.2f} H|psi> per band per SCF iteration (20-atom run), "
          f"N_proj {nproj20} / {nproj20 * 8}")
    print("  check on the 20-atom cell at Gamma (real path), seconds per SCF iteration:")
    for p in (1, 2):
        t, parts = small.t_k(p, True, h)
        parts["dense"] = small.dense_time(p)
        t += parts["dense"]
        meas = per_iteration(f"{d}/pnma_25_gamma.np{p}.log")
        print(f"    {p} rank(s): model {t:6.3f} s  measured {meas:6.3f} s  (model/measured {t / meas:.2f}; "
              + ", ".join(f"{a} {b:.3f}" for a, b in parts.items()) + ")")
    nk = 8  # 2x2x2 mesh: eight time-reversal-invariant points, none equivalent under Pnma
    print(f"  160-atom cell (2x2x2 supercell), 25 Ha, 2x2x2 mesh ({nk} k-points), N_pw {big.npw_sphere}, "
          f"N_b {big.nbands}, grid {' '.join(map(str, big.grid))}:")
    print(f"    {'ranks':>6} {'pools':>5} {'p/pool':>6} {'s/iter':>9} {'speed-up':>9} {'efficiency':>10}   "
          "fft / gemm / subspace / reduce / dense grid (s)")

    def total(P):
        pools = min(P, nk)
        p = P // pools
        tk = [big.t_k(p, True, h) for kk in range(nk)]  # every TRIM point on the real path (paired sticks)
        per_pool = [big.dense_time(p)] * pools
        parts = {"fft": 0.0, "gemm": 0.0, "subspace": 0.0, "reduce": 0.0, "dense": big.dense_time(p)}
        for kk in range(nk):
            per_pool[kk % pools] += tk[kk][0]
        worst = max(range(pools), key=lambda i: per_pool[i])
        for kk in range(nk):
            if kk % pools == worst:
                for a in tk[kk][1]:
                    parts[a] += tk[kk][1][a]
        return pools, p, per_pool[worst], parts

    t1 = total(1)[2]
    for P in (1, 8, 64, 128, 512, 1152, 4096):
        pools, p, t, parts = total(P)
        print(f"    {P:>6} {pools:>5} {p:>6} {t:>9.2f} {t1 / t:>9.0f} {t1 / t / P:>10.2f}   "
              + " / ".join(f"{parts[a]:.2f}" for a in ("fft", "gemm", "subspace", "reduce", "dense")))


if __name__ == "__main__":
    main()
