#!/usr/bin/python3
"""Import a Quantum ESPRESSO or VASP run into anionscan's result schema, so `anionscan report` can rank it
with our own runs.

usage: analysis/import_results.py --code qe|vasp SOURCE -o OUTDIR [--name NAME]

  --code qe    SOURCE is pw.x's text output (what pw.x printed; .gz is fine) or its XML data file
               (OUTDIR/PREFIX.xml or PREFIX.save/data-file-schema.xml; a PREFIX.save directory also works).
  --code vasp  SOURCE is a VASP run directory (vasprun.xml in it is preferred; otherwise OUTCAR + CONTCAR,
               with EIGENVAL for the band energies of a spin-unpolarised run), a vasprun.xml or an OUTCAR.
Writes OUTDIR/result.json and OUTDIR/final.cif (the final structure, written with ASE).  Nothing is written
unless the import succeeds: both files are made in a temporary directory beside OUTDIR and moved into place
at the end (result.json last).  Exit status 2, with a message naming the path, for bad input: SOURCE missing,
not a run of that code, truncated output, an SCF that did not converge, no empty band (no gap).

Needs /usr/bin/python3 with python3-ase and python3-pymatgen (Debian).  The outputs are read with ASE
(ase.io.read 'espresso-out', 'vasp-out', 'vasp') and pymatgen (pymatgen.io.vasp Vasprun / Outcar / Eigenval,
and for pw.x's header lines the regrep that pymatgen's PWOutput uses); see the comments for the few fields
neither library exposes.
Units: CODATA 2018 (1 Ha = 27.211386245988 eV, 1 bohr = 0.529177210903 angstrom), as our solver and QE 6.7.
The schema: docs/analysis.md, "Importing results from other codes".
"""
import argparse
import gzip
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
import warnings
import xml.etree.ElementTree as ET

HA_EV = 27.211386245988
BOHR_ANG = 0.529177210903
RY_EV = HA_EV / 2
HA_BOHR_EV_ANG = HA_EV / BOHR_ANG
# a state is "fully occupied" above 99 % of the maximum occupation and "empty" below 1 % (src/pw/bandedges.h)
FULL, EMPTY = 0.99, 0.01
OUR_XC = {"PBE": "PBE", "PBESOL": "PBEsol", "PZ": "LDA", "LDA": "LDA", "SLA PZ NOGX NOGC": "LDA",
          "SLA-PZ": "LDA", "PW": "PW", "SLA PW NOGX NOGC": "PW"}


class BadInput(Exception):
    """Input that cannot be imported: exit status 2, message on stderr."""


def bad(path, msg):
    raise BadInput(f"{path}: {msg}")


def our_xc(name):
    key = " ".join(name.upper().replace("-", " ").split())
    return OUR_XC.get(key, OUR_XC.get(name.strip().upper(), name.strip()))


def occupation_summary(kpoints, nspin):
    """Band edges from per-state occupations (0..1 per state and spin), as our solver defines them: VBM = highest
    state with occupation > 99 %, CBM = lowest with < 1 %; states in between are partly occupied levels.
    kpoints: [{"k": [..], "bands": [spin][band] = (energy_ev, occupation)}]."""
    vbm = cbm = None
    vbm_k = cbm_k = None
    levels = []
    for kp in kpoints:
        for s in range(nspin):
            for n, (e, f) in enumerate(kp["bands"][s]):
                if f > FULL:
                    if vbm is None or e > vbm:
                        vbm, vbm_k = e, kp["k"]
                elif f < EMPTY:
                    if cbm is None or e < cbm:
                        cbm, cbm_k = e, kp["k"]
                else:
                    levels.append({"k": kp["k"], "spin": s, "band": n + 1, "energy_ev": e, "occupation": f})
    return vbm, cbm, vbm_k, cbm_k, levels


# ------------------------------------------------------------------------------------------------ QE

def qe_wgauss(x, kind):
    """QE's occupation function wgauss(x, ngauss) (Modules/wgauss.f90), x = (E_F - e) / degauss."""
    if kind == "fermi-dirac":
        if x < -200:
            return 0.0
        if x > 200:
            return 1.0
        return 1.0 / (1.0 + math.exp(-x))
    if kind == "marzari-vanderbilt":
        xp = x - 1.0 / math.sqrt(2.0)
        return 0.5 * math.erf(xp) + 1.0 / math.sqrt(2.0 * math.pi) * math.exp(-min(200.0, xp * xp)) + 0.5
    w = 0.5 * math.erfc(-x)
    if kind == "methfessel-paxton":  # order 1, QE's default for 'm-p'
        w += x * math.exp(-min(200.0, x * x)) / (2.0 * math.sqrt(math.pi))
    return w


QE_SMEARING = {"gaussian": "gaussian", "gauss": "gaussian", "methfessel-paxton": "methfessel-paxton",
               "m-p": "methfessel-paxton", "mp": "methfessel-paxton", "marzari-vanderbilt": "marzari-vanderbilt",
               "cold": "marzari-vanderbilt", "m-v": "marzari-vanderbilt", "mv": "marzari-vanderbilt",
               "fermi-dirac": "fermi-dirac", "f-d": "fermi-dirac", "fd": "fermi-dirac"}


def qe_version(s):
    m = re.match(r"\s*(\d+(?:\.\d+)*)", s)
    return m.group(1) if m else s.strip()


def read_text(path):
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", errors="replace") as f:
            return f.read()
    except (OSError, EOFError) as e:
        bad(path, f"cannot read: {e}")


def wall_seconds(s):
    """'1h 2m', '1m23.45s', '0.95s' -> seconds"""
    t = 0.0
    for v, u in re.findall(r"([\d.]+)\s*([hms])", s):
        t += float(v) * {"h": 3600, "m": 60, "s": 1}[u]
    return t


def potential_label(candidates):
    """The potential's name as our solver labels it: a GTH file (ABINIT pspcod=10 text, what pw.x 6.7 reads as
    .gth, or our potentials/) starts 'El GTH-PBE-q4 ...' and the label is that second word.  None when no candidate
    file is readable or it is not such a file (UPF: the file name is the label)."""
    for c in candidates:
        try:
            with open(c, errors="replace") as f:
                w = f.readline().split()
        except OSError:
            continue
        if len(w) >= 2 and w[1].upper().startswith("GTH-"):
            return w[1]
        return None
    return None


def import_qe_text(path):
    text = read_text(path)
    if "Program PWSCF" not in text:
        bad(path, "not a pw.x output (no 'Program PWSCF' line)")
    m = re.search(r"%{20,}\n(.*?)%{20,}", text, re.S)
    if m:
        bad(path, "pw.x stopped with an error: " + " ".join(m.group(1).split()))
    if "convergence NOT achieved" in text:
        bad(path, "an SCF did not converge ('convergence NOT achieved'): not a usable result")
    if "JOB DONE." not in text:
        bad(path, "the output does not end with pw.x's 'JOB DONE.' (truncated, or pw.x is still running)")
    if re.search(r"Program PWSCF", text[text.index("Program PWSCF") + 1:]):
        bad(path, "holds several pw.x runs; give one run's output")

    import ase.io  # (imported here: the checks above need no library and fail fast)
    from ase.io.espresso import label_to_symbol, units as ase_qe_units
    from monty.re import regrep

    # Structures, energies, forces, k-points, eigenvalues and the Fermi level: ASE's espresso-out reader.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            images = ase.io.read(path, format="espresso-out", index=":")
    except Exception as e:  # ASE raises assorted errors on damaged files
        bad(path, f"ASE cannot read it as a pw.x output ({type(e).__name__}: {e})")
    images = [a for a in images if a.calc is not None and a.calc.results.get("energy") is not None]
    if not images:
        bad(path, "no converged SCF energy ('!    total energy' line)")
    final = images[-1]
    calc = final.calc
    nat = len(final)

    # Single-line header fields ASE does not keep, with the line-by-line regex search pymatgen's
    # pymatgen.io.pwscf.PWOutput is built on (monty.re.regrep, PWOutput.read_pattern); PWOutput's own patterns add
    # only fields ASE already gives (plus 'ecut', repeated here), and importing it loads pymatgen.core (~1.3 s),
    # so regrep is called directly.  The lines are QE 6.x's printout.
    d = regrep(path, {
        "ecut": r"kinetic-energy cutoff\s+=\s+([\d.\-]+)\s+Ry",
        "version": r"Program PWSCF v\.(\S+) starts",
        "nelec": r"number of electrons\s+=\s+([\d.]+)",
        "nelec_updw": r"number of electrons\s+=\s+[\d.]+\s+\(up:\s*([\d.]+), down:\s*([\d.]+)\)",
        "xc": r"Exchange-correlation\s*=\s*(.*?)\s*$",
        "smearing": r"number of k points=\s*\d+\s+(\S+) smearing, width \(Ry\)=\s*(\S+)",
        "tetra": r"number of k points=\s*\d+\s+\(tetrahedron method\)",
        "scf_its": r"convergence has been achieved in\s+(\d+) iterations",
        "fermi2": r"the spin up/dw Fermi energies are\s+(\S+)\s+(\S+) ev",
        "wall": r"PWSCF\s+:\s+(.*)CPU\s+(.*)WALL",
        "bfgs_conv": r"bfgs converged in\s+(\d+) scf cycles",
        "bfgs": r"(BFGS Geometry Optimization)",
        "damp": r"(Damped Dynamics)",
        "damp_conv": r"(Damped Dynamics: convergence achieved)",
        "maxsteps": r"(The maximum number of steps has been reached)",
        "noncolin": r"(Noncollinear calculation)",
    })

    def first(key, i=0):
        v = d.get(key)
        return v[0][0][i] if v else None

    def last(key, i=0):
        v = d.get(key)
        return v[-1][0][i] if v else None

    if d.get("noncolin"):
        bad(path, "noncollinear runs are not supported")
    if d.get("tetra"):
        bad(path, "tetrahedron occupations: the text output has no occupations to find the band edges; "
                  "import the XML data file instead")
    if not d.get("ecut") or not d.get("nelec"):
        bad(path, "no 'kinetic-energy cutoff' or 'number of electrons' line")
    nelec = float(first("nelec"))
    ecut_ry = float(first("ecut"))

    # Multi-line fields (small glue, neither library reads them): the pseudopotential files, the valences and
    # the species of each atom (QE prints labels, ASE keeps only elements).
    pots, seen = [], set()
    for lab, fpath in re.findall(r"PseudoPot\. #\s*\d+ for (\S+) read from file:\s*\n\s*(\S+)", text):
        if lab not in seen:
            seen.add(lab)
            base = os.path.basename(fpath)
            pots.append({"element": label_to_symbol(lab), "label": potential_label([fpath]) or base,
                         "file": base, "species": lab})
    mz = re.search(r"atomic species\s+valence\s+mass\s+pseudopotential\s*\n((?:[ \t]+\S+[ \t]+[\d.]+[ \t]+\S+.*\n)+)",
                   text)
    zval = {ln.split()[0]: float(ln.split()[1]) for ln in mz.group(1).splitlines()} if mz else {}
    atom_species = re.findall(r"^\s+\d+\s+(\S+)\s+tau\(\s*\d+\)", text, re.M)[:nat]
    if len(atom_species) == nat and all(s in zval for s in atom_species):
        charge = sum(zval[s] for s in atom_species) - nelec
    else:
        bad(path, "cannot find the valence of every atom ('atomic species ... valence' table)")

    nspin = calc.get_number_of_spins()
    if calc.kpts is None or len(calc.kpts) == 0:
        bad(path, "no band energies in the output (more than 100 k-points needs verbosity='high')")
    ibz = calc.get_ibz_k_points()
    weights = calc.get_k_point_weights()
    wsum = float(sum(weights))

    # occupations: the text output's "occupation numbers" are not read by ASE; rebuild them exactly as pw.x
    # does: fixed occupations fill the lowest N/2 (per spin: N_up, N_down) bands at every k-point, smearing uses
    # QE's wgauss with the printed Fermi level (the eigenvalues have 4 decimals: occupations are approximate
    # near E_F, which only matters for states within ~1e-4 eV of it).
    smear = first("smearing")
    if smear:
        kind = QE_SMEARING.get(smear.lower())
        if kind is None:
            bad(path, f"unknown smearing '{smear}'")
        degauss_ry = float(first("smearing", 1))
        smearing = {"kind": kind, "width_ha": degauss_ry / 2}
        if d.get("fermi2"):
            ef = [float(last("fermi2", 0)), float(last("fermi2", 1))]
        else:
            efl = calc.get_fermi_level()
            if efl is None:
                bad(path, "smeared run without a Fermi level line")
            ef = [efl, efl]
    else:
        smearing = {"kind": "none", "width_ha": 0.0}
        if nspin == 2:
            if not d.get("nelec_updw"):
                bad(path, "fixed occupations with nspin=2 but no up/down electron counts")
            nocc = [int(round(float(first("nelec_updw", 0)))), int(round(float(first("nelec_updw", 1))))]
        else:
            nocc = [int(round(nelec / 2))]
            if abs(nelec / 2 - nocc[0]) > 1e-6:
                bad(path, "fixed occupations with an odd electron count")
    kpoints = []
    for i in range(len(ibz)):
        bands = []
        for s in range(nspin):
            eps = [float(e) for e in calc.get_eigenvalues(kpt=i, spin=s)]
            if smear:
                occ = [qe_wgauss((ef[s] - e) / (degauss_ry * RY_EV), smearing["kind"]) for e in eps]
            else:
                occ = [1.0 if n < nocc[s] else 0.0 for n in range(len(eps))]
            bands.append(list(zip(eps, occ)))
        # QE prints the k-points in 2pi/alat with 7 decimals; ASE's conversion to fractional keeps that noise
        kpoints.append({"k": [round(float(x), 7) + 0.0 for x in ibz[i]], "weight": float(weights[i]) / wsum,
                        "bands": bands})
    if not smear and any(nocc[s] >= len(kpoints[0]["bands"][s]) for s in range(nspin)):
        bad(path, f"no empty band (nbnd = {len(kpoints[0]['bands'][0])} for {nelec:g} electrons): the gap cannot "
                  "be found; rerun pw.x with a larger nbnd")

    # ASE's espresso reader converts with CODATA 2006 constants (ase.io.espresso.units): undo them exactly, then
    # use CODATA 2018 like QE 6.7 and our solver
    e_ry = final.get_potential_energy() / ase_qe_units["Ry"]
    scale_len = BOHR_ANG / ase_qe_units["Bohr"]
    lattice = (final.cell.array * scale_len).tolist()
    frac = final.get_scaled_positions(wrap=True).tolist()
    forces_ryau = (final.get_forces() / (ase_qe_units["Ry"] / ase_qe_units["Bohr"])).tolist() \
        if calc.results.get("forces") is not None else [[0.0, 0.0, 0.0]] * nat

    its = [int(v[0][0]) for v in d.get("scf_its", [])]
    relaxing = bool(d.get("bfgs") or d.get("damp"))
    if relaxing:
        method = "bfgs" if d.get("bfgs") else "damp"
        rconv = bool(d.get("bfgs_conv") or d.get("damp_conv")) and not d.get("maxsteps")
    else:
        method, rconv = "none", True
    wall = wall_seconds(last("wall", 1)) if d.get("wall") else 0.0
    version = first("version") or ""

    return {
        "energy_ha": e_ry / 2, "nelectrons": nelec, "charge": charge, "nspin": nspin, "smearing": smearing,
        "ecut_ha": ecut_ry / 2, "xc": our_xc(first("xc") or ""), "potentials": pots, "kpoints": kpoints,
        "fermi_ev": ef[0] if smear else None, "forces_ha_bohr": [[f / 2 for f in r] for r in forces_ryau],
        "lattice_angstrom": lattice, "positions_frac": frac, "symbols": final.get_chemical_symbols(),
        "scf_converged": True, "scf_iterations": its[-1] if its else 0,
        "relax": {"converged": rconv, "steps": len(images), "total_scf_iterations": sum(its), "method": method,
                  "wall_s": wall},
        "source": {"code": "Quantum ESPRESSO", "version": qe_version(version), "version_string": version,
                   "file": path, "format": "pw.x text output"},
    }


def _floats(el):
    return [float(x) for x in el.text.split()]


def import_qe_xml(path):
    # Neither ASE 3.22 nor pymatgen 2022.11 reads pw.x's XML data file (schema qes-1.0), so every field is
    # picked out with xml.etree below (glue only: element names are those of QE's schema).
    from ase.io.espresso import label_to_symbol
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        bad(path, f"not well-formed XML (truncated?): {e}")
    except OSError as e:
        bad(path, f"cannot read: {e}")
    if not root.tag.endswith("espresso"):
        bad(path, f"not a pw.x XML data file (root element <{root.tag}>)")
    out = root.find("output")
    if out is None:
        bad(path, "no <output> element: pw.x did not finish writing it")
    st = root.find("status")
    if st is not None and st.text and st.text.strip() not in ("0", "3", "4"):  # 3, 4: relaxation stopped
        bad(path, f"pw.x exit status {st.text.strip()} recorded in the file")
    conv = out.find("convergence_info/scf_conv/convergence_achieved")
    if conv is None or conv.text.strip() != "true":
        bad(path, "the SCF did not converge (convergence_achieved is not true)")
    bs = out.find("band_structure")
    if bs is None or out.find("total_energy/etot") is None:
        bad(path, "no band structure or total energy in <output>")
    if bs.findtext("noncolin", "false").strip() == "true":
        bad(path, "noncollinear runs are not supported")
    nspin = 2 if bs.findtext("lsda", "false").strip() == "true" else 1
    inp = root.find("input")

    # the structure and forces whose energy is reported: in a relaxation that stopped unconverged, <output> holds
    # the next (unevaluated) BFGS positions, the last <step> the evaluated ones with output's energy
    steps = root.findall("step")
    etot = float(out.findtext("total_energy/etot"))
    src = out
    if steps and steps[-1].find("atomic_structure") is not None and \
            abs(float(steps[-1].findtext("total_energy/etot", "nan")) - etot) < 1e-10:
        src = steps[-1]
    a_s = src.find("atomic_structure")
    alat = float(a_s.get("alat"))
    cell_b = [_floats(a_s.find(f"cell/a{i}")) for i in (1, 2, 3)]
    atoms = a_s.findall("atomic_positions/atom")
    names = [a.get("name") for a in atoms]
    cart_b = [_floats(a) for a in atoms]
    nat = len(atoms)
    import numpy as np
    A = np.array(cell_b)
    frac = (np.array(cart_b) @ np.linalg.inv(A)) % 1.0
    frac[np.isclose(frac, 1.0, atol=1e-12)] = 0.0
    lattice = (A * BOHR_ANG).tolist()

    species = out.findall("atomic_species/species")
    pdir = out.find("atomic_species").get("pseudo_dir", "") if out.find("atomic_species") is not None else ""
    here = os.path.dirname(path)
    prefix = (inp.findtext("control_variables/prefix") or "").strip() if inp is not None else ""
    pots = []
    for sp in species:
        fn = sp.findtext("pseudo_file").strip()
        # pw.x copies each file into PREFIX.save/: beside data-file-schema.xml, or PREFIX.save/ beside PREFIX.xml
        cands = [os.path.join(here, fn), os.path.join(here, prefix + ".save", fn), os.path.join(pdir, fn)]
        pots.append({"element": label_to_symbol(sp.get("name")), "label": potential_label(cands) or fn, "file": fn,
                     "species": sp.get("name")})

    nbnd = int(bs.findtext("nbnd_up") or bs.findtext("nbnd"))
    kpoints = []
    ks = bs.findall("ks_energies")
    wsum = sum(float(k.find("k_point").get("weight")) for k in ks)
    for k in ks:
        kc = np.array(_floats(k.find("k_point")))  # cartesian, 2pi/alat
        kf = [round(float(x), 12) + 0.0 for x in (A @ kc) / alat]
        e = _floats(k.find("eigenvalues"))
        f = _floats(k.find("occupations"))
        bands = [list(zip([x * HA_EV for x in e[s * nbnd:(s + 1) * nbnd]], f[s * nbnd:(s + 1) * nbnd]))
                 for s in range(nspin)]
        kpoints.append({"k": kf, "weight": float(k.find("k_point").get("weight")) / wsum, "bands": bands})

    occ_kind = (inp.findtext("bands/occupations") if inp is not None else None) or bs.findtext("occupations_kind")
    smearing = {"kind": "none", "width_ha": 0.0}
    fermi = None
    if occ_kind and occ_kind.strip() == "smearing":
        sm = bs.find("smearing")
        if sm is None and inp is not None:
            sm = inp.find("bands/smearing")
        kind = QE_SMEARING.get(sm.text.strip().lower()) if sm is not None else None
        if kind is None:
            bad(path, f"unknown smearing '{sm.text if sm is not None else '?'}'")
        smearing = {"kind": kind, "width_ha": float(sm.get("degauss"))}
        if bs.find("fermi_energy") is not None:
            fermi = float(bs.findtext("fermi_energy")) * HA_EV
    elif occ_kind and occ_kind.strip().startswith("tetrahedra"):
        smearing = {"kind": "none", "width_ha": 0.0, "note": occ_kind.strip()}
    if not any(f < EMPTY for kp in kpoints for s in kp["bands"] for _, f in s):
        bad(path, f"no empty band (nbnd = {nbnd}): the gap cannot be found; rerun pw.x with a larger nbnd")

    forces = src.find("forces")
    F = np.array(_floats(forces)).reshape(nat, 3).tolist() if forces is not None else [[0.0, 0.0, 0.0]] * nat
    tot_charge = float(inp.findtext("bands/tot_charge", "0")) if inp is not None else 0.0

    opt = out.find("convergence_info/opt_conv")
    calcn = (inp.findtext("control_variables/calculation") or "scf").strip() if inp is not None else "scf"
    if calcn in ("relax", "vc-relax"):
        method = (inp.findtext("ion_control/ion_dynamics") or "bfgs").strip()
        rconv = opt is not None and opt.findtext("convergence_achieved", "false").strip() == "true"
        nsteps = max(len(steps), 1)
        total_its = sum(int(s.findtext("scf_conv/n_scf_steps", "0")) for s in steps)
        if steps and src is out:  # a closing SCF (vc-relax, fresh basis) not recorded as a <step>
            nsteps += 1
            total_its += int(out.findtext("convergence_info/scf_conv/n_scf_steps", "0"))
    else:
        method, rconv, nsteps = "none", True, 1
        total_its = int(out.findtext("convergence_info/scf_conv/n_scf_steps", "0"))
    mp = (inp.find("k_points_IBZ/monkhorst_pack") if inp is not None else None)
    version = root.find("general_info/creator").get("VERSION", "") if root.find("general_info/creator") is not None \
        else ""
    wall = root.findtext("timing_info/total/wall")

    res = {
        "energy_ha": etot, "nelectrons": float(bs.findtext("nelec")),
        "charge": tot_charge, "nspin": nspin, "smearing": smearing,
        "ecut_ha": float(out.findtext("basis_set/ecutwfc")), "xc": our_xc(out.findtext("dft/functional") or ""),
        "potentials": pots, "kpoints": kpoints, "fermi_ev": fermi, "forces_ha_bohr": F,
        "lattice_angstrom": lattice, "positions_frac": frac.tolist(),
        "symbols": [label_to_symbol(n) for n in names], "scf_converged": True,
        "scf_iterations": int(out.findtext("convergence_info/scf_conv/n_scf_steps", "0")),
        "relax": {"converged": rconv, "steps": nsteps, "total_scf_iterations": total_its, "method": method,
                  "wall_s": float(wall) if wall else 0.0},
        "source": {"code": "Quantum ESPRESSO", "version": qe_version(version), "version_string": version,
                   "file": path, "format": "pw.x XML data file"},
    }
    if mp is not None:
        res["kmesh"] = [int(mp.get(f"nk{i}")) for i in (1, 2, 3)]
        res["kshift"] = [int(mp.get(f"k{i}")) for i in (1, 2, 3)]
    elif inp is not None and inp.findtext("basis/gamma_only", "false").strip() == "true":
        res["kmesh"], res["kshift"] = [1, 1, 1], [0, 0, 0]  # K_POINTS gamma: the 1x1x1 mesh
    return res


def import_qe(source):
    if os.path.isdir(source):
        cand = os.path.join(source, "data-file-schema.xml")
        if not os.path.isfile(cand):
            bad(source, "is a directory without data-file-schema.xml; give pw.x's output file or its XML file")
        return import_qe_xml(cand)
    head = read_text(source)[:4096] if source.endswith(".gz") else open(source, "rb").read(4096).decode(
        "latin-1")
    if "<qes:espresso" in head or head.lstrip().startswith("<?xml"):
        return import_qe_xml(source)
    if "Program PWSCF" in head or "Program PWSCF" in read_text(source):
        return import_qe_text(source)
    bad(source, "neither a pw.x output (no 'Program PWSCF') nor a pw.x XML data file")


# ---------------------------------------------------------------------------------------------- VASP

def vasp_smearing(ismear, sigma_ev):
    if ismear is None:
        ismear = 1  # VASP's default
    if ismear == -1:
        return {"kind": "fermi-dirac", "width_ha": sigma_ev / HA_EV}
    if ismear == 0:
        return {"kind": "gaussian", "width_ha": sigma_ev / HA_EV}
    if ismear > 0:
        s = {"kind": "methfessel-paxton", "width_ha": sigma_ev / HA_EV}
        if ismear != 1:
            s["order"] = ismear
        return s
    return {"kind": "none", "width_ha": 0.0, "note": f"tetrahedron method (ISMEAR={ismear})"}


def vasp_xc(gga, potcar_titels, metagga=None, lhfcalc=False):
    if lhfcalc:
        return "hybrid"
    if metagga and metagga.strip() not in ("--", "None", ""):
        return metagga.strip().upper()
    g = (gga or "--").strip().upper()
    table = {"PE": "PBE", "PS": "PBEsol", "91": "PW91", "RP": "RPBE", "AM": "AM05", "CA": "LDA", "PZ": "LDA"}
    if g in table:
        return table[g]
    if g == "--":  # from the POTCARs: PAW_PBE / PAW_GGA -> PBE (LEXCH = PE), plain PAW / US -> LDA
        t = (potcar_titels[0] if potcar_titels else "").split()
        tag = t[0].upper() if t else ""
        if tag.endswith("_PBE") or tag.endswith("_GGA"):
            return "PBE"
        return "LDA"
    return g


def vasp_method(ibrion, nsw):
    if not nsw or ibrion in (None, -1):
        return "none"
    return {0: "md", 1: "quasi-newton", 2: "cg", 3: "damped"}.get(ibrion, f"ibrion={ibrion}")


def vasp_kmesh(kp):
    """(kmesh, kshift) in our convention (shift 1 = half a step off Gamma) from pymatgen's Kpoints, or None."""
    try:
        style = kp.style.name.lower()
        n = [int(x) for x in kp.kpts[0]]
        us = [float(x) for x in (kp.kpts_shift or [0, 0, 0])]
    except Exception:
        return None
    if style not in ("gamma", "monkhorst") or len(n) != 3:
        return None
    shift = []
    for i in range(3):
        s = us[i] + (0.5 if style == "monkhorst" and n[i] % 2 == 0 else 0.0)
        s2 = round(2 * s) % 2
        if abs(2 * s - round(2 * s)) > 1e-6:
            return None
        shift.append(int(s2))
    return n, shift


def vasp_bands(eigs, occs, nspin):
    """eigs/occs: [spin][k][band] -> per-k lists of (e, f) with f per state in 0..1"""
    fmax = max(max(max(x) for x in occs[s]) for s in range(nspin))
    norm = 2.0 if (nspin == 1 and fmax > 1.0 + 1e-6) else 1.0  # OUTCAR prints 2.0 for ISPIN=1
    return [[list(zip(eigs[s][k], [f / norm for f in occs[s][k]])) for s in range(nspin)]
            for k in range(len(eigs[0]))]


def vasprun_glue(path):
    """([(count, element, valence, titel)], Fermi level or None) from vasprun.xml: pymatgen keeps the symbols and
    TITELs of <atominfo> but drops the valence, and reads E_F only with the whole DOS (parse_dos=True, slow);
    small xml.etree glue for those two fields."""
    types, efermi = [], None
    for _, el in ET.iterparse(path):
        if el.tag == "array" and el.get("name") == "atomtypes":
            for rc in el.find("set"):
                c = [x.text.strip() for x in rc.findall("c")]
                types.append((int(c[0]), c[1], float(c[3]), c[4]))
        elif el.tag == "i" and el.get("name") == "efermi" and el.text:
            efermi = float(el.text)
    return types, efermi


def outcar_wall(outcar):
    from pymatgen.io.vasp import Outcar
    try:
        return float(Outcar(outcar).run_stats.get("Elapsed time (sec)") or 0.0)
    except Exception:
        return 0.0


def import_vasprun(path, outcar=None):
    from pymatgen.io.vasp import Vasprun
    from pymatgen.electronic_structure.core import Spin
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vr = Vasprun(path, parse_dos=False, parse_potcar_file=False)
    except Exception as e:
        bad(path, f"pymatgen cannot read it as a vasprun.xml (truncated or not a VASP run?): "
                  f"{type(e).__name__}: {e}")
    if not vr.ionic_steps:
        bad(path, "no ionic step: VASP did not finish one SCF")
    p = vr.parameters
    if not vr.converged_electronic:
        bad(path, f"the last SCF did not converge (NELM = {p.get('NELM')} electronic steps used)")
    if p.get("LNONCOLLINEAR"):
        bad(path, "noncollinear runs are not supported")
    last = vr.ionic_steps[-1]
    nspin = 2 if vr.is_spin else 1
    spins = [Spin.up, Spin.down][:nspin]
    if vr.eigenvalues is None:
        bad(path, "no <eigenvalues> block")
    eigs = [vr.eigenvalues[s][:, :, 0].tolist() for s in spins]
    occs = [vr.eigenvalues[s][:, :, 1].tolist() for s in spins]
    bands = vasp_bands(eigs, occs, nspin)
    wsum = float(sum(vr.actual_kpoints_weights))
    kpoints = [{"k": [float(x) for x in k], "weight": float(w) / wsum, "bands": b}
               for k, w, b in zip(vr.actual_kpoints, vr.actual_kpoints_weights, bands)]
    types, efermi = vasprun_glue(path)
    neutral = sum(n * z for n, _, z, _ in types)
    nelect = float(p["NELECT"])
    s = vr.final_structure
    ibrion, nsw = p.get("IBRION"), p.get("NSW", 0)
    method = vasp_method(ibrion, nsw)
    res = {
        # the free energy TOTEN (e_fr_energy): pymatgen's final_energy is energy(sigma->0)
        "energy_ha": float(last["e_fr_energy"]) / HA_EV, "nelectrons": nelect, "charge": neutral - nelect,
        "nspin": nspin, "smearing": vasp_smearing(p.get("ISMEAR"), float(p.get("SIGMA", 0.2))),
        "ecut_ha": float(p["ENMAX"]) / HA_EV,
        "xc": vasp_xc(p.get("GGA"), vr.potcar_symbols, p.get("METAGGA") or vr.incar.get("METAGGA"),
                      bool(p.get("LHFCALC"))),
        "potentials": [{"element": el, "label": t, "file": t} for _, el, _, t in types],
        "kpoints": kpoints, "fermi_ev": efermi, "forces_ha_bohr": (
            [[f / HA_BOHR_EV_ANG for f in r] for r in last["forces"]] if "forces" in last else
            [[0.0, 0.0, 0.0]] * len(s)),
        "lattice_angstrom": s.lattice.matrix.tolist(), "positions_frac": (s.frac_coords % 1.0).tolist(),
        "symbols": [str(sp.symbol) for sp in s.species], "scf_converged": True,
        "scf_iterations": len(last["electronic_steps"]),
        "relax": {"converged": bool(vr.converged_ionic) if method != "none" else True,
                  "steps": len(vr.ionic_steps),
                  "total_scf_iterations": sum(len(st["electronic_steps"]) for st in vr.ionic_steps),
                  "method": method, "wall_s": outcar_wall(outcar) if outcar else 0.0},
        "source": {"code": "VASP", "version": (vr.vasp_version or "").strip(), "file": path,
                   "format": "vasprun.xml"},
    }
    km = vasp_kmesh(vr.kpoints)
    if km:
        res["kmesh"], res["kshift"] = km
    return res


def import_outcar(outcar, contcar, eigenval=None):
    import ase.io
    from pymatgen.io.vasp.outputs import Outcar, Eigenval
    for f in (outcar, contcar):
        if not os.path.isfile(f):
            bad(f, "missing (an OUTCAR import needs OUTCAR and CONTCAR side by side)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            oc = Outcar(outcar)
            images = ase.io.read(outcar, format="vasp-out", index=":")
    except Exception as e:
        bad(outcar, f"cannot read it as a VASP OUTCAR (truncated?): {type(e).__name__}: {e}")
    if not images or oc.final_fr_energy is None:
        bad(outcar, "no completed ionic step ('FREE ENERGIE OF THE ION-ELECTRON SYSTEM')")
    if "General timing and accounting" not in read_text(outcar):
        bad(outcar, "does not end with VASP's timing summary (truncated, or VASP is still running)")
    # INCAR/POTCAR parameters as VASP echoes them (single-line patterns, pymatgen's read_pattern)
    oc.read_pattern({
        "version": r"^\s*vasp\.(\S+)",
        "nelm": r"NELM\s*=\s*(\d+)", "ispin": r"ISPIN\s*=\s*(\d+)", "nelect": r"NELECT\s*=\s*([\d.]+)",
        "encut": r"ENCUT\s*=\s*([\d.]+)\s*eV", "ismear": r"ISMEAR\s*=\s*(-?\d+);\s*SIGMA\s*=\s*([\d.]+)",
        "ibrion": r"IBRION\s*=\s*(-?\d+)", "nsw": r"NSW\s*=\s*(\d+)", "gga": r"GGA\s*=\s*(\S+)",
        "lhfcalc": r"LHFCALC\s*=\s*(\S+)", "titel": r"TITEL\s*=\s*(.*?)\s*$",
        "iteration": r"Iteration\s+(\d+)\(\s*(\d+)\)", "reached": r"(reached required accuracy)",
    }, terminate_on_match=False)
    d = oc.data

    def first(k, i=0, default=None):
        v = d.get(k)
        return v[0][i] if v else default
    nelm = int(first("nelm", default=60))
    its = {}
    for ion, el in d.get("iteration", []):
        its[int(ion)] = max(its.get(int(ion), 0), int(el))
    if not its:
        bad(outcar, "no electronic iterations")
    if its[max(its)] >= nelm:
        bad(outcar, f"the last SCF did not converge (NELM = {nelm} electronic steps used)")
    nspin = int(first("ispin", default=1))
    oc.read_pseudo_zval()
    try:
        atoms = ase.io.read(contcar, format="vasp")
    except Exception as e:
        bad(contcar, f"cannot read it as a POSCAR/CONTCAR: {type(e).__name__}: {e}")
    final = images[-1]
    if len(atoms) != len(final) or atoms.get_chemical_symbols() != final.get_chemical_symbols():
        bad(contcar, f"does not match {outcar} (other atoms)")
    # bands: ASE reads them from the OUTCAR only for spin-polarised runs (it keys on "spin component 1"),
    # so a spin-unpolarised run needs EIGENVAL (pymatgen's Eigenval)
    kp = final.calc.kpts if final.calc is not None else None
    if kp:
        ibz = final.calc.get_ibz_k_points()
        w = final.calc.get_k_point_weights()
        eigs = [[list(final.calc.get_eigenvalues(kpt=k, spin=s)) for k in range(len(ibz))] for s in range(nspin)]
        occs = [[list(final.calc.get_occupation_numbers(kpt=k, spin=s)) for k in range(len(ibz))]
                for s in range(nspin)]
        bfile = outcar
    else:
        if not eigenval or not os.path.isfile(eigenval):
            bad(outcar, "no band energies ASE can read (spin-unpolarised OUTCAR): put EIGENVAL beside it, "
                        "or import vasprun.xml")
        from pymatgen.electronic_structure.core import Spin
        try:
            ev = Eigenval(eigenval)
        except Exception as e:
            bad(eigenval, f"cannot read it as an EIGENVAL: {type(e).__name__}: {e}")
        spins = [Spin.up, Spin.down][:nspin]
        ibz, w = ev.kpoints, ev.kpoints_weights
        eigs = [ev.eigenvalues[s][:, :, 0].tolist() for s in spins]
        occs = [ev.eigenvalues[s][:, :, 1].tolist() for s in spins]
        bfile = eigenval
    bands = vasp_bands(eigs, occs, nspin)
    wsum = float(sum(w))
    kpoints = [{"k": [float(x) for x in k], "weight": float(wt) / wsum, "bands": b}
               for k, wt, b in zip(ibz, w, bands)]
    syms = atoms.get_chemical_symbols()
    try:
        neutral = sum(oc.zval_dict[x] for x in syms)
    except KeyError as e:
        bad(outcar, f"no ZVAL for {e}")
    nelect = float(first("nelect", default=oc.nelect or 0))
    ibrion = int(first("ibrion", default=-1))
    nsw = int(first("nsw", default=0))
    method = vasp_method(ibrion, nsw)
    titels = [t[0] for t in d.get("titel", [])]
    sym_order = list(dict.fromkeys(syms))
    pots = [{"element": el, "label": t, "file": t} for el, t in zip(sym_order, titels)]
    ism = d.get("ismear")
    # CONTCAR (full precision) is the structure of the last energy when the run finished; in an unfinished
    # relaxation it holds the next step's positions: then the OUTCAR's last evaluated ones (5 decimals) are used
    dd = final.get_scaled_positions(wrap=True) - atoms.get_scaled_positions(wrap=True)
    dd -= dd.round()
    shift = float(abs(dd @ final.cell.array).max()) if len(dd) else 0.0
    struct_atoms, struct_file = atoms, contcar
    if shift > 1e-3 or abs(final.cell.array - atoms.cell.array).max() > 1e-4:
        print(f"import_results.py: warning: {contcar} is not the last evaluated structure of {outcar} (moved up to "
              f"{shift:.4f} A: an unfinished relaxation?); using the OUTCAR's last positions", file=sys.stderr)
        struct_atoms, struct_file = final, outcar
    res = {
        "energy_ha": float(oc.final_fr_energy) / HA_EV, "nelectrons": nelect, "charge": neutral - nelect,
        "nspin": nspin,
        "smearing": vasp_smearing(int(ism[0][0]) if ism else None, float(ism[0][1]) if ism else 0.2),
        "ecut_ha": float(first("encut")) / HA_EV,
        "xc": vasp_xc(first("gga"), titels, None, (first("lhfcalc") or "F").upper().startswith("T")),
        "potentials": pots, "kpoints": kpoints, "fermi_ev": oc.efermi,
        "forces_ha_bohr": [[f / HA_BOHR_EV_ANG for f in r] for r in final.get_forces().tolist()],
        "lattice_angstrom": struct_atoms.cell.array.tolist(),
        "positions_frac": struct_atoms.get_scaled_positions(wrap=True).tolist(),
        "symbols": syms, "scf_converged": True, "scf_iterations": its[max(its)],
        "relax": {"converged": bool(d.get("reached")) if method != "none" else True, "steps": len(its),
                  "total_scf_iterations": sum(its.values()), "method": method,
                  "wall_s": float(oc.run_stats.get("Elapsed time (sec)") or 0.0)},
        "source": {"code": "VASP", "version": (first("version") or "").split()[0] if first("version") else "",
                   "file": outcar, "files": [outcar, contcar, bfile], "structure_from": struct_file,
                   "format": "OUTCAR + CONTCAR"},
    }
    kfile = os.path.join(os.path.dirname(outcar), "KPOINTS")  # the mesh, when the input file is there
    if os.path.isfile(kfile):
        from pymatgen.io.vasp.inputs import Kpoints
        try:
            km = vasp_kmesh(Kpoints.from_file(kfile))
        except Exception:
            km = None
        if km:
            res["kmesh"], res["kshift"] = km
            res["source"]["files"].append(kfile)
    return res


def import_vasp(source):
    if os.path.isdir(source):
        vr = os.path.join(source, "vasprun.xml")
        oc = os.path.join(source, "OUTCAR")
        if os.path.isfile(vr):
            return import_vasprun(vr, oc if os.path.isfile(oc) else None)
        if os.path.isfile(oc):
            return import_outcar(oc, os.path.join(source, "CONTCAR"), os.path.join(source, "EIGENVAL"))
        bad(source, "no vasprun.xml and no OUTCAR in this directory: not a VASP run")
    with open(source, "rb") as f:
        head = f.read(4096).decode("latin-1")
    d = os.path.dirname(source)
    if "<modeling" in head or head.lstrip().startswith("<?xml"):
        oc = os.path.join(d, "OUTCAR")
        return import_vasprun(source, oc if os.path.isfile(oc) else None)
    if re.match(r"\s*vasp\.", head):
        return import_outcar(source, os.path.join(d, "CONTCAR"), os.path.join(d, "EIGENVAL"))
    bad(source, "neither a vasprun.xml nor a VASP OUTCAR")


# ------------------------------------------------------------------------------------------ output

def build_result(r, name):
    nspin = r["nspin"]
    vbm, cbm, vbm_k, cbm_k, levels = occupation_summary(r["kpoints"], nspin)
    src = r["source"]["file"]
    if vbm is None:
        bad(src, "no fully occupied state found")
    if cbm is None:
        bad(src, "no empty state: the gap cannot be found (more bands needed)")
    e = r["energy_ha"]
    nat = len(r["symbols"])
    kps = []
    for kp in r["kpoints"]:
        o = {"k": kp["k"], "weight": kp["weight"]}
        for s in range(nspin):
            key = "" if nspin == 1 else ("_up" if s == 0 else "_down")
            o[f"eigenvalues{key}_ev"] = [x for x, _ in kp["bands"][s]]
            o[f"occupations{key}"] = [f for _, f in kp["bands"][s]]
        kps.append(o)
    structure = {"lattice_angstrom": r["lattice_angstrom"], "positions_frac": r["positions_frac"],
                 "symbols": r["symbols"]}
    relax = dict(r["relax"])
    relax.update(structure)
    res = {
        "name": name,
        "energy_ha": e, "energy_ev": e * HA_EV,
        "gap_ev": cbm - vbm, "vbm_ev": vbm, "cbm_ev": cbm, "vbm_k": vbm_k, "cbm_k": cbm_k,
        "defect_levels": levels,
        "forces_ev_per_ang": [[f * HA_BOHR_EV_ANG for f in row] for row in r["forces_ha_bohr"]],
        "forces_ha_bohr": r["forces_ha_bohr"],
        "charge": r["charge"], "nspin": nspin, "smearing": r["smearing"],
        "potentials": [{k: p[k] for k in ("element", "label", "file")} for p in r["potentials"]],
        "converged": bool(r["scf_converged"]), "scf_iterations": r["scf_iterations"],
        "natoms": nat, "nelectrons": r["nelectrons"], "nbands": len(r["kpoints"][0]["bands"][0]),
        "nkpoints": len(r["kpoints"]), "ecut_ha": r["ecut_ha"], "xc": r["xc"], "wall_s": relax.get("wall_s", 0.0),
        "kpoints": kps, "structure": structure, "relax": relax, "source": r["source"],
    }
    if r.get("fermi_ev") is not None and r["smearing"]["kind"] != "none":
        res["fermi_ev"] = r["fermi_ev"]
    if "kmesh" in r:
        res["kmesh"], res["kshift"] = r["kmesh"], r["kshift"]
    return res


def cif_text(r):
    import ase
    import ase.io
    atoms = ase.Atoms(symbols=r["symbols"], cell=r["lattice_angstrom"], scaled_positions=r["positions_frac"],
                      pbc=True)
    buf = io.BytesIO()  # ASE 3.22's CIF writer wants a binary file
    ase.io.write(buf, atoms, format="cif")
    return buf.getvalue()


def write_outdir(outdir, result, cif):
    try:
        text = json.dumps(result, indent=1, allow_nan=False)
    except ValueError:
        bad(result["source"]["file"], "a value read is not a finite number (NaN or inf): nothing written")
    outdir = os.path.abspath(outdir)
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        bad(outdir, "exists and is not a directory")
    parent = os.path.dirname(outdir)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(outdir) + ".import-", dir=parent)
    try:
        with open(os.path.join(tmp, "final.cif"), "wb") as f:
            f.write(cif)
        with open(os.path.join(tmp, "result.json"), "w") as f:
            f.write(text + "\n")
        if not os.path.exists(outdir):
            os.rename(tmp, outdir)
            tmp = None
        else:  # an existing directory: replace the two files, result.json last
            for fn in ("final.cif", "result.json"):
                os.replace(os.path.join(tmp, fn), os.path.join(outdir, fn))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="import_results.py",
                                 description="Import a Quantum ESPRESSO or VASP run into anionscan's result.json.")
    ap.add_argument("--code", required=True, choices=("qe", "vasp"))
    ap.add_argument("source", metavar="SOURCE")
    ap.add_argument("-o", dest="outdir", required=True, metavar="OUTDIR")
    ap.add_argument("--name", help="name of the run in the report (default: OUTDIR's base name)")
    a = ap.parse_args(argv)
    source = os.path.abspath(a.source)
    try:
        if not os.path.exists(source):
            bad(source, "does not exist")
        r = import_qe(source) if a.code == "qe" else import_vasp(source)
        name = a.name or os.path.basename(os.path.abspath(a.outdir).rstrip("/"))
        result = build_result(r, name)
        cif = cif_text(r)
        write_outdir(a.outdir, result, cif)
    except BadInput as e:
        print(f"import_results.py: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # unreadable SOURCE, OUTDIR not writable, ...
        print(f"import_results.py: {e.filename or source}: {e.strerror or e}", file=sys.stderr)
        return 2
    print(f"import_results.py: {source} -> {os.path.abspath(a.outdir)}/{{result.json,final.cif}}: "
          f"E = {result['energy_ha']:.8f} Ha, gap {result['gap_ev']:.4f} eV, {result['relax']['steps']} ionic "
          f"step(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
