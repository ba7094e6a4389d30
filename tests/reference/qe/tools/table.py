#!/usr/bin/python3
"""Print (or, with --readme, write into README.md between the CASES markers) the table of every case in cases.py
from results/NAME.json."""
import sys, os, json, re
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from cases import CASES

GROUP = {"fast": "fast (make check)", "extra": "fast (extra check)", "defect": "defect physics",
         "relax": "relaxation", "ev": "E(V) 12 Ha", "ev30": "E(V) 30 Ha", "conv": "ecut convergence",
         "const": "constants", "qe67bug": "QE 6.7 bug demo"}


def xc_of(d):
    f = d["xml"]["functional"]
    pp = d["settings"].get("pp", "PBE")
    lda = pp.endswith("LDA")
    tag = ("exact " if pp.startswith("exact") else "") + ("LDA" if lda else "PBE")
    return f"{f} ({tag} pseudo)" if lda or f != "PBE" or pp.startswith("exact") else f


def kdesc(kp):
    if kp == "gamma":
        return "Γ (gamma tricks)"
    k = kp.split(",")
    s = "×".join(k[:3])
    return s + (" shift " + " ".join(k[3:]) if len(k) > 3 else "")


def row(c):
    name, st, ecut, kp, extra, group, why = c
    p = os.path.join(ROOT, "results", name + ".json")
    if not os.path.exists(p):
        return f"| {name} | {os.path.basename(st)[:-4]} | | {ecut:g} | {kdesc(kp)} | | *not run* | | {why} |"
    d = json.load(open(p))
    ex = ", ".join(f"{k}={v}" for k, v in extra.items() if k != "pp").replace("'", "")
    if d.get("fermi_ev") is not None:
        gap = f"E_F {d['fermi_ev']:.4f}"
    elif d.get("gap_ev") is not None:
        gap = f"{d['gap_ev']:.4f}"
    else:
        gap = "—"
    if "total_magnetization_bohr_mag" in d:
        gap += f"; M {d['total_magnetization_bohr_mag']:.2f} (abs {d['absolute_magnetization_bohr_mag']:.2f}) μB"
    e = f"{d['energy_ha']:.8f}"
    if d["calculation"] != "scf":
        e += f" ({d['ionic_steps']} SCF cycles)"
    return (f"| {name} | {os.path.basename(st)[:-4]} | {xc_of(d)} | {ecut:g} | {kdesc(kp)} | {ex} | {e} | {gap} | "
            f"{GROUP[group]}: {why} |")


def main(argv):
    lines = ["| name | structure | xc | ecut (Ha) | k-mesh | extra settings | energy (Ha) | mesh gap (eV) / Fermi "
             "level (eV) | why |", "|---|---|---|---|---|---|---|---|---|"]
    lines += [row(c) for c in CASES]
    table = "\n".join(lines)
    print(table)
    if "--readme" in argv:
        p = os.path.join(ROOT, "README.md")
        s = open(p).read()
        s = re.sub(r"(<!-- BEGIN CASES TABLE -->\n).*?(<!-- END CASES TABLE -->)",
                   lambda m: m.group(1) + table + "\n" + m.group(2), s, flags=re.S)
        open(p, "w").write(s)


if __name__ == "__main__":
    main(sys.argv[1:])
