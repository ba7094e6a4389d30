#!/usr/bin/python3
"""QE against itself: the xy shear stress of a result from a central finite difference of QE's own total energies.
Symmetric strain eps_xy = eps_yx = d (lattice rows a' = a (1 + eps), fractional positions fixed), d = +-h, +-2h;
sigma_xy (QE's sign) = -(1 / 2V) dE/dd (4th-order difference).  A shear leaves the cutoff sphere's volume unchanged,
so the finite difference at constant ecut has no Pulay term and must equal the analytic value.
usage: fd_shear.py RESULT.json [h=1e-3]     (prints FD and QE's analytic sigma_xy in GPa; also writes
       checks/fd_shear_NAME.json)"""
import sys, os, json, subprocess, tempfile, shutil
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from qe_ref import read_structure, HA_BOHR3_TO_GPA

ref = json.load(open(sys.argv[1]))
h = float(sys.argv[2]) if len(sys.argv) > 2 else 1e-3
cell, atoms, raw = read_structure(os.path.join(ROOT, ref["structure"]))
A = [[float(x) for x in r] for r in cell]
tmp = tempfile.mkdtemp(prefix="qe_fdshear_")
extra = [f"{k}={v}" for k, v in ref["settings"].items()]
E = {}
for d in (-2 * h, -h, h, 2 * h):
    eps = [[0, d, 0], [d, 0, 0], [0, 0, 0]]
    Ap = [[sum(A[r][k] * ((k == c) + eps[k][c]) for k in range(3)) for c in range(3)] for r in range(3)]
    p = os.path.join(tmp, f"s{d:+g}.txt")
    open(p, "w").write("cell\n" + "\n".join(" ".join(f"{x:.12f}" for x in r) for r in Ap) + "\n" +
                       "\n".join(" ".join(x) for x in raw) + "\n")
    out = subprocess.run([sys.executable, os.path.join(HERE, "qe_ref.py"), p, str(ref["ecut_ha"]), ref["kpoints"],
                          str(ref["np"])] + extra, capture_output=True, text=True, check=True).stdout
    E[d] = json.loads(out)["energy_ha"]
shutil.rmtree(tmp, ignore_errors=True)
c = ref["xml"]["cell_bohr"]
V = abs(c[0][0] * (c[1][1] * c[2][2] - c[1][2] * c[2][1]) - c[0][1] * (c[1][0] * c[2][2] - c[1][2] * c[2][0])
        + c[0][2] * (c[1][0] * c[2][1] - c[1][1] * c[2][0]))
dE = (8 * (E[h] - E[-h]) - (E[2 * h] - E[-2 * h])) / (12 * h)
res = {"case": ref["name"], "h": h, "energies_ha": {f"{k:+g}": v for k, v in E.items()},
       "sigma_xy_fd_gpa": -dE / (2 * V) * HA_BOHR3_TO_GPA, "sigma_xy_qe_analytic_gpa": ref["stress_gpa"][0][1]}
os.makedirs(os.path.join(ROOT, "checks"), exist_ok=True)
with open(os.path.join(ROOT, "checks", f"fd_shear_{ref['name']}.json"), "w") as fh:
    json.dump(res, fh, indent=1); fh.write("\n")
print(json.dumps(res))
