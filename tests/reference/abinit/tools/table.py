#!/usr/bin/python3
"""Print the README tables from results/*.json and cases.py (and the QE twins named there).
usage: table.py [--readme]     --readme: rewrite README.md between the <!-- BEGIN X --> / <!-- END X --> markers."""
import sys, os, json, re
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from cases import CASES, QE67_PUBLISHED

QE_LOCAL = "/work/main/tests/reference/qe"
QE_SHARED = "/work/shared/reference/qe"
XCNAME = {11: "PBE", -1009: "LDA (PZ)", 1: "LDA (Teter)", -116133: "PBEsol"}


def load(name):
    p = os.path.join(ROOT, "results", name + ".json")
    return json.load(open(p)) if os.path.exists(p) else None


def load_qe(twin):
    if not twin:
        return None, None
    p = os.path.join(QE_SHARED, twin[7:]) if twin.startswith("shared:") else os.path.join(QE_LOCAL, twin)
    if not os.path.exists(p):
        return None, None
    return json.load(open(p)), ("shared " if twin.startswith("shared:") else "") + os.path.basename(p)[:-5]


def settings(d, extra):
    s = []
    for k, v in extra.items():
        if k in ("np",):
            continue
        s.append(f"{k}={v}")
    s.append("ngfft " + "×".join(str(v) for v in d["fft_grid"]))
    return ", ".join(s)


def kmesh(k):
    return "Γ" if k == "gamma" else "×".join(k.split(","))


def main_table():
    rows = ["| case | structure | xc | ecut (Ha) | k-mesh | settings | E (Ha) | gap (eV) | wall / CPU (s) | "
            "QE 6.7, published GTH files (f bug) (Ha) | ABINIT − that | QE 6.7, QE helper's file now (Cs: h_f×105) (Ha) | "
            "ABINIT − that |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, st, ecut, kp, extra, group, why, twin in CASES:
        d = load(name)
        if not d:
            rows.append(f"| {name} | {os.path.basename(st)[:-4]} | | {ecut} | {kmesh(kp)} | (not run) | | | | | | | |")
            continue
        q, qn = load_qe(twin)
        e = d["energy_ha"]
        eq = d["energy_ha_qe_g0_convention"]          # = e for a neutral cell
        pub = QE67_PUBLISHED.get(name)
        c = " ⁽ᴳ⁼⁰⁾" if d["charge"] else ""
        ps = "%.9f" % pub[0] if pub else "—"
        pd = "%+.2e%s" % (eq - pub[0], c) if pub else ""
        ls = "%.9f" % q["energy_ha"] if q else "—"
        ld = "%+.2e%s" % (eq - q["energy_ha"], c) if q else ""
        gap = f"{d['gap_ev']:.5f}" if d["gap_ev"] is not None else "—"
        xc = XCNAME.get(d["ixc"], str(d["ixc"]))
        if extra.get("pp") == "PBE_qe_fbug":
            xc += ", Cs h_f/105"
        rows.append(f"| {name} | {os.path.basename(st)[:-4]} | {xc} | {ecut:g} | {kmesh(kp)} | {settings(d, extra)} | "
                    f"{e:.9f} | {gap} | {d['wall_s']:.0f} / {d['abinit_cpu_s']:.0f} | {ps} | {pd} | {ls} | {ld} |")
    return "\n".join(rows)


def defect_table():
    rows = ["| case | charge | nsppol | occopt, tsmear (Ha) | E (Ha) | E, QE's G=0 convention (Ha) | "
            "QE published files (Ha) | QE h_f×105 (Ha) | "
            "E_F (eV, ABINIT) | E_F − ε_VBM(R) (eV) | −kT·S (Ha) | magnetisation (μB) | monopole corr. (Ha, not in E) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, st, ecut, kp, extra, group, why, twin in CASES:
        if group != "defect":
            continue
        d = load(name)
        if not d:
            continue
        q, _ = load_qe(twin)
        t = d["energy_terms_ha"]
        # VBM at R: eigenvalue number nelect_neutral/2 = 17 at k = (1/2,1/2,1/2), spin up
        kr = [k for k in d["kpoint_list"] if k["kpt_reduced"] == [0.5, 0.5, 0.5]]
        vbm = kr[0]["eig_ev"][0][16] if kr else None
        mag = d["magnetization_bohr_mag"]
        qs = "%.9f" % q["energy_ha"] if q else "—"
        pub = QE67_PUBLISHED.get(name)
        qs = ("%.9f" % pub[0] if pub else "—") + " | " + qs
        efv = "%.5f" % (d["fermi_ev"] - vbm) if vbm is not None else "—"
        ms = "%.5f" % mag if mag is not None else "—"
        rows.append(f"| {name} | {d['charge']:+g} | {d['nsppol']} | {d['occopt']}, {extra.get('tsmear', '')} | "
                    f"{d['energy_ha']:.9f} | {d['energy_ha_qe_g0_convention']:.9f} | {qs} | {d['fermi_ev']:.5f} | "
                    f"{efv} | {t.get('minus_kT_entropy', 0.0):.3e} | {ms} | {t.get('monopole_correction', 0.0):.6f} |")
    return "\n".join(rows)


def fs_table():
    rows = ["| case | max \\|F\\| ABINIT (Ha/bohr) | max \\|F_ABINIT − F_QE\\| (Ha/bohr) | P ABINIT, QE's G=0 convention (GPa) | "
            "P QE (GPa) | max \\|σ_ABINIT − σ_QE\\| diagonal / off-diagonal (GPa) |",
            "|---|---|---|---|---|---|"]
    for name, st, ecut, kp, extra, group, why, twin in CASES:
        d = load(name)
        if not d or d["forces_ha_bohr"] is None:
            continue
        q, _ = load_qe(twin)
        fmax = max(max(abs(v) for v in f) for f in d["forces_ha_bohr"])
        df = sp = ds = "—"
        if q and q.get("forces_ha_bohr"):
            df = f"{max(abs(a - b) for fa, fb in zip(d['forces_ha_bohr'], q['forces_ha_bohr']) for a, b in zip(fa, fb)):.1e}"
        sa = d.get("stress_gpa_qe_g0_convention", d["stress_gpa"])
        pa = d.get("pressure_gpa_qe_g0_convention", d["pressure_gpa"])
        if q and q.get("stress_gpa"):
            qp = q.get("pressure_gpa", sum(q["stress_gpa"][i][i] for i in range(3)) / 3)
            sp = f"{qp:.4f}"
            ds = f"{max(abs(sa[i][j] - q['stress_gpa'][i][j]) for i in range(3) for j in range(3)):.4f}"
            od = max(abs(sa[i][j] - q['stress_gpa'][i][j]) for i in range(3) for j in range(3) if i != j)
            dd = max(abs(sa[i][i] - q['stress_gpa'][i][i]) for i in range(3))
            ds = f"{dd:.4f} / {od:.4f}"
        c = f" ({d['pressure_gpa']:.4f} in ABINIT's)" if d["charge"] else ""
        rows.append(f"| {name} | {fmax:.6f} | {df} | {pa:.4f}{c} | {sp} | {ds} |")
    return "\n".join(rows)


def fd_table():
    rows = ["", "", "| result | component | analytic (GPa, QE sign) | finite difference (GPa) | analytic − FD (GPa) | "
            "QE 6.7 (GPa) |", "|---|---|---|---|---|---|"]
    qe = {"si_displaced_small_10_k222_fd_stress": "results/si_displaced_small_10_k222.json",
          "cspbbr3_pnma_br1dx_10_gamma_fd_stress": "results/cspbbr3_pnma_br1dx_10_gamma.json"}
    for f in sorted(os.listdir(os.path.join(ROOT, "results"))):
        if not f.endswith("_fd_stress.json"):
            continue
        d = json.load(open(os.path.join(ROOT, "results", f)))
        q, _ = load_qe(qe.get(f[:-5]))
        for c, v in d["components"].items():
            i, j = "xyz".index(c[0]), "xyz".index(c[1])
            qs = "%.4f" % q["stress_gpa"][i][j] if q and q.get("stress_gpa") else "—"
            rows.append(f"| {f[:-5]} | {c} | {v['analytic_gpa']:.6f} | {v['fd_richardson_gpa']:.6f} | "
                        f"{v['analytic_minus_fd_gpa']:+.1e} | {qs} |")
    return "\n".join(rows)


def main(argv):
    tables = {"MAIN": main_table(), "DEFECT": defect_table(), "FORCES": fs_table(), "FD": fd_table()}
    for k, t in tables.items():
        print(f"## {k}\n{t}\n")
    if "--readme" in argv:
        p = os.path.join(ROOT, "README.md")
        s = open(p).read()
        for k, t in tables.items():
            s = re.sub(r"(<!-- BEGIN %s -->\n).*?(<!-- END %s -->)" % (k, k), lambda m: m.group(1) + t + "\n" + m.group(2),
                       s, flags=re.S)
        open(p, "w").write(s)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
