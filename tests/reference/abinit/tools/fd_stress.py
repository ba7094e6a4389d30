#!/usr/bin/python3
"""Check ABINIT's analytic stress against its own total energies under small strains (central differences).
usage: fd_stress.py [--name NAME] STRUCT ECUT_HA KPTS COMPONENTS DELTAS [key=value ...]
  COMPONENTS  e.g. 'xy,xz,yz' or 'xx'   (strain eps_ij = eps_ji = delta for i != j, eps_ii = delta)
  DELTAS      e.g. '1e-3,2e-3'          (Richardson extrapolation from the two smallest)
  keys go to abinit_ref.py; ngfft is fixed to the unstrained cell's grid so the grid does not jump.
Reduced coordinates are kept (homogeneous strain), as in the analytic stress.  With the QE sign,
sigma_ij = -(1/Omega) dE/d eps_ij; for i != j, dE/d delta = 2 Omega sigma_ij(ABINIT sign).
At fixed ecut the set of plane waves changes under strain once a G-vector crosses the cutoff sphere; the energy then
jumps and the difference quotient is meaningless (ABINIT's analytic stress is the derivative at a fixed basis).
Use strains small enough that ABINIT's plane-wave count (mpw) does not change: the JSON records it per run
('basis_unchanged').
With --name, writes results/NAME.json."""
import sys, os, json, subprocess, tempfile, shutil
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import abinit_ref as ar

IDX = {"x": 0, "y": 1, "z": 2}


def run(st, ecut, kp, ex):
    cmd = [sys.executable, os.path.join(HERE, "abinit_ref.py"), st, str(ecut), kp] + [f"{k}={v}" for k, v in ex.items()]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        sys.exit(p.stderr)
    return json.loads(p.stdout)


def main(argv):
    name = None
    if argv[:1] == ["--name"]:
        name = argv[1]; argv = argv[2:]
    st, ecut, kp, comps, deltas = argv[0], float(argv[1]), argv[2], argv[3].split(","), [float(v) for v in argv[4].split(",")]
    ex = dict(a.split("=", 1) for a in argv[5:])
    A, sym, x = ar.read_structure(st)
    base = run(st, ecut, kp, ex)
    ex["ngfft"] = ",".join(str(v) for v in base["fft_grid"])
    vol = base["volume_bohr3"]
    tmp = tempfile.mkdtemp(prefix="fd_stress_")
    out = {"name": name, "structure": st, "ecut_ha": ecut, "kpoints": kp, "settings": ex, "volume_bohr3": vol,
           "abinit_version": base["abinit_version"], "energy_ha": base["energy_ha"],
           "stress_gpa_analytic": base["stress_gpa"], "components": {}}
    for c in comps:
        i, j = IDX[c[0]], IDX[c[1]]
        res = []
        for d in sorted(deltas):
            es, mpw = [], []
            for sgn in (1, -1):
                eps = [[0.0] * 3 for _ in range(3)]
                eps[i][j] = eps[j][i] = sgn * d
                # rows a_k -> a_k (1 + eps)   (eps symmetric)
                B = [[sum(A[k][l] * ((1.0 if l == m else 0.0) + eps[l][m]) for l in range(3)) for m in range(3)]
                     for k in range(3)]
                f = os.path.join(tmp, f"s_{c}_{sgn}_{d}.txt")
                with open(f, "w") as fh:
                    fh.write("cell\n" + "".join(" ".join(f"{v * ar.BOHR_ANG:.15f}" for v in row) + "\n" for row in B))
                    fh.write("".join(f"{s} {xa[0]:.15f} {xa[1]:.15f} {xa[2]:.15f}\n" for s, xa in zip(sym, x)))
                rr = run(f, ecut, kp, ex)
                es.append(rr["energy_ha"]); mpw.append(rr["abinit_mpw"])
            dEdd = (es[0] - es[1]) / (2 * d)
            mult = 1.0 if i == j else 2.0
            sig_abinit = dEdd / (mult * vol)
            res.append({"delta": d, "e_plus": es[0], "e_minus": es[1],
                        "stress_gpa_fd": -sig_abinit * ar.HA_BOHR3_GPA,
                        "mpw_plus_minus": mpw, "basis_unchanged": mpw[0] == mpw[1] == base["abinit_mpw"]})
        if len(res) >= 2:
            d1, d2 = res[0]["delta"], res[1]["delta"]
            s1, s2 = res[0]["stress_gpa_fd"], res[1]["stress_gpa_fd"]
            rich = s1 + (s1 - s2) * d1 ** 2 / (d2 ** 2 - d1 ** 2)
        else:
            rich = res[0]["stress_gpa_fd"]
        out["components"][c] = {"fd": res, "fd_richardson_gpa": rich, "analytic_gpa": base["stress_gpa"][i][j],
                                "analytic_minus_fd_gpa": base["stress_gpa"][i][j] - rich}
    out["mpw"] = base["abinit_mpw"]
    shutil.rmtree(tmp, ignore_errors=True)
    txt = json.dumps(out, indent=1)
    if name:
        open(os.path.join(ROOT, "results", name + ".json"), "w").write(txt + "\n")
    print(txt)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
