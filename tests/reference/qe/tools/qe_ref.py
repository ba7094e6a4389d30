#!/usr/bin/python3
"""Run Quantum ESPRESSO pw.x (Debian 6.7) on a structure file with GTH pseudopotentials; print (and optionally save)
a JSON record of everything a plane-wave code must reproduce.

usage: qe_ref.py [--name NAME] STRUCT ECUT_HA KPTS [NP] [key=value ...]
  STRUCT  first line 'a b c' (orthorhombic, angstrom) or 'cell' then 3 lattice-vector rows (angstrom);
          then 'El x y z' lines (fractional).
  KPTS    gamma            K_POINTS gamma (real wavefunctions, QE's Gamma tricks)
          n1,n2,n3         K_POINTS automatic n1 n2 n3 0 0 0 (unshifted Monkhorst-Pack)
          n1,n2,n3,s1,s2,s3  K_POINTS automatic with shifts (1 = shifted by half a step)
  NP      MPI ranks (default 2); run as mpirun --allow-run-as-root --oversubscribe -np NP pw.x, 1 OpenMP/BLAS thread.
  keys    pp=PBE|LDA           pseudopotential set (tests/reference/qe/pseudo/<set>/, default PBE)
          pp_El=qN             valence of one element (e.g. pp_Pb=q14; default: Cs q9, Pb q4, Br/Cl/I q7, Si q4)
          nbnd=N               default int(N_electrons/2)+8
          calculation, forc_conv_thr, etot_conv_thr, nstep, max_seconds  -> &control
          conv_thr (1e-10), mixing_beta (0.5), electron_maxstep, diago_full_acc (.true.), ... -> &electrons
          ion_dynamics, upscale, bfgs_ndim, trust_radius_* -> &ions;  cell_dynamics, press, press_conv_thr,
          cell_dofree, cell_factor -> &cell;  everything else -> &system (tot_charge, occupations, smearing,
          degauss, nspin, starting_magnetization(1), input_dft ...).  Quote values as pw.x wants them.
  --name  also write results/NAME.json and outputs/NAME.out.gz (pw.x's output) beside tools/.
Energies Ha, forces Ha/bohr, stress GPa (QE's sign: positive = compressive stress = wants to expand), eigenvalues eV
as printed by QE and Ha from QE's XML (full precision). Extended from /work/shared/reference/qe/qe_ref.py."""
import sys, subprocess, json, re, os, time, tempfile, gzip, shutil
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MASS = {"Si": 28.0855, "Cs": 132.905, "Pb": 207.2, "Br": 79.904, "Cl": 35.45, "I": 126.9}
DEFAULT_Q = {"Si": 4, "Cs": 9, "Pb": 4, "Br": 7, "Cl": 7, "I": 7}
CONTROL = ('calculation', 'forc_conv_thr', 'etot_conv_thr', 'nstep', 'max_seconds')
ELECTRONS = ('conv_thr', 'mixing_beta', 'mixing_mode', 'mixing_ndim', 'electron_maxstep', 'diago_full_acc',
             'diagonalization', 'startingwfc', 'startingpot')
IONS = ('ion_dynamics', 'upscale', 'bfgs_ndim', 'trust_radius_max', 'trust_radius_min', 'trust_radius_ini')
CELL = ('cell_dynamics', 'press', 'press_conv_thr', 'cell_dofree', 'cell_factor', 'wmass')
RY_KBAR_TO_GPA = 0.1
# QE 6.7 constants (Modules/constants.f90, CODATA 2018), checked against this build in README.md
BOHR_ANGSTROM = 0.529177210903
HARTREE_J = 4.3597447222071e-18
HA_BOHR3_TO_GPA = HARTREE_J / (BOHR_ANGSTROM * 1e-10) ** 3 / 1e9
HA_EV = HARTREE_J / 1.602176634e-19    # 27.211386245988


def read_structure(path):
    """-> (cell rows as strings, [(El, [x, y, z])], atom lines as string lists)"""
    L = [l for l in open(path).read().split("\n") if l.strip()]
    if L[0].strip() == "cell":
        cell = [L[1].split(), L[2].split(), L[3].split()]; atoms = L[4:]
    else:
        a, b, c = L[0].split(); cell = [[a, "0", "0"], ["0", b, "0"], ["0", "0", c]]; atoms = L[1:]
    raw = [x.split() for x in atoms]
    return cell, [(x[0], [float(v) for v in x[1:4]]) for x in raw], raw


def zion_of(path):
    return float(open(path).read().split("\n")[1].split()[1])


def make_input(st, ecut, kp, extra, workdir):
    cell, atoms, raw = read_structure(st)
    extra = dict(extra)
    ppset = extra.pop("pp", "PBE")
    pseudo_dir = os.path.join(ROOT, "pseudo", ppset)
    species = sorted({a[0] for a in atoms})
    q = {s: int(extra.pop(f"pp_{s}", f"q{DEFAULT_Q[s]}")[1:]) for s in species}
    pfile = {s: f"{s}-q{q[s]}.gth" for s in species}
    for s in species:
        if not os.path.exists(os.path.join(pseudo_dir, pfile[s])):
            sys.exit(f"qe_ref.py: no pseudopotential {pseudo_dir}/{pfile[s]}")
    zv = {s: zion_of(os.path.join(pseudo_dir, pfile[s])) for s in species}
    ne = sum(zv[a[0]] for a in atoms) - float(extra.get("tot_charge", 0))
    nbnd = int(extra.pop("nbnd", int(ne / 2) + 8))
    ctrl = "".join(f", {k}={extra.pop(k)}" for k in CONTROL if k in extra and k != 'calculation')
    calc = extra.pop('calculation', "'scf'").strip("'")
    el = {'conv_thr': '1e-10', 'mixing_beta': '0.5', 'diago_full_acc': '.true.'}
    for k in ELECTRONS:
        if k in extra:
            el[k] = extra.pop(k)
    ions = {k: extra.pop(k) for k in IONS if k in extra}
    cellnl = {k: extra.pop(k) for k in CELL if k in extra}
    occ = "" if "occupations" in extra else ", occupations='fixed'"
    sysx = "".join(f", {k}={v}" for k, v in extra.items())
    if kp == "gamma":
        kblock = "K_POINTS gamma"
    else:
        k = [int(x) for x in kp.split(",")]
        if len(k) == 3:
            k += [0, 0, 0]
        kblock = "K_POINTS automatic\n" + " ".join(str(x) for x in k)
    inp = "&control\n" \
        f" calculation='{calc}'{ctrl}, prefix='x', pseudo_dir='{pseudo_dir}', outdir='{workdir}',\n" \
        " tprnfor=.true., tstress=.true., verbosity='high'\n/\n&system\n" \
        f" ibrav=0, nat={len(atoms)}, ntyp={len(species)}, ecutwfc={2 * ecut}, nbnd={nbnd}{occ}{sysx}\n/\n" \
        "&electrons\n " + ", ".join(f"{k}={v}" for k, v in el.items()) + "\n/\n"
    if calc in ('relax', 'vc-relax', 'md', 'vc-md'):
        inp += "&ions\n" + "".join(f" {k}={v}\n" for k, v in ions.items()) + "/\n"
    if calc in ('vc-relax', 'vc-md'):
        inp += "&cell\n" + "".join(f" {k}={v}\n" for k, v in cellnl.items()) + "/\n"
    inp += "ATOMIC_SPECIES\n" + "".join(f"{s} {MASS[s]} {pfile[s]}\n" for s in species)
    inp += "CELL_PARAMETERS angstrom\n" + "\n".join(" ".join(r) for r in cell)
    inp += "\nATOMIC_POSITIONS crystal\n" + "\n".join(" ".join(x) for x in raw) + "\n" + kblock + "\n"
    meta = {"pseudopotentials": {s: f"pseudo/{ppset}/{pfile[s]}" for s in species}, "nbnd": nbnd,
            "n_electrons": ne, "species_order": species, "calculation": calc}
    return inp, meta


def fl(x):
    return float(x.replace("D", "e").replace("d", "e"))


def floats(s):
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:[eE][-+]?\d+)?", s)]


def parse_text(out, nat):
    r = {}
    m = re.search(r"Program PWSCF v\.(\S+) starts", out)
    r["qe_version"] = m.group(1) if m else None
    tot = re.findall(r"^!\s+total energy\s+=\s+(\S+) Ry", out, re.M)
    r["energy_ha"] = fl(tot[-1]) / 2 if tot else None
    r["energies_per_ionic_step_ha"] = [fl(x) / 2 for x in tot]

    def last(pat):
        v = re.findall(pat, out)
        return fl(v[-1]) / 2 if v else None
    r["energy_terms_ha"] = {
        "one_electron": last(r"one-electron contribution =\s+(\S+) Ry"),
        "hartree": last(r"hartree contribution\s+=\s+(\S+) Ry"),
        "xc": last(r"xc contribution\s+=\s+(\S+) Ry"),
        "ewald": last(r"ewald contribution\s+=\s+(\S+) Ry"),
        "smearing_minus_ts": last(r"smearing contrib. \(-TS\)\s+=\s+(\S+) Ry"),
        "internal_energy_f_plus_ts": last(r"internal energy E=F\+TS\s+=\s+(\S+) Ry"),
    }
    r["energy_terms_ha"] = {k: v for k, v in r["energy_terms_ha"].items() if v is not None}
    ho = re.findall(r"highest occupied, lowest unoccupied level \(ev\):\s+(\S+)\s+(\S+)", out)
    hoo = re.findall(r"highest occupied level \(ev\):\s+(\S+)", out)
    r["vbm_ev"] = float(ho[-1][0]) if ho else (float(hoo[-1]) if hoo else None)
    r["cbm_ev"] = float(ho[-1][1]) if ho else None
    r["gap_ev"] = round(r["cbm_ev"] - r["vbm_ev"], 6) if ho else None
    ef = re.findall(r"the Fermi energy is\s+(\S+) ev", out)
    r["fermi_ev"] = float(ef[-1]) if ef else None
    efs = re.findall(r"the spin up/dw Fermi energies are\s+(\S+)\s+(\S+) ev", out)
    if efs:
        r["fermi_updw_ev"] = [float(efs[-1][0]), float(efs[-1][1])]
    mags = re.findall(r"total magnetization\s+=\s+(\S+) Bohr mag/cell", out)
    amags = re.findall(r"absolute magnetization\s+=\s+(\S+) Bohr mag/cell", out)
    if mags:
        r["total_magnetization_bohr_mag"] = float(mags[-1])
        r["absolute_magnetization_bohr_mag"] = float(amags[-1])
    F = [[fl(v) / 2 for v in m.groups()] for m in
         re.finditer(r"atom\s+\d+\s+type\s+\d+\s+force =\s+(\S+)\s+(\S+)\s+(\S+)", out)]
    # QE prints total forces then the contributions; the total block is the one after "Forces acting on atoms"
    blocks = [m.end() for m in re.finditer(r"Forces acting on atoms.*\n", out)]
    if blocks:
        seg = out[blocks[-1]:]
        F = [[fl(v) / 2 for v in m.groups()] for m in
             re.finditer(r"atom\s+\d+\s+type\s+\d+\s+force =\s+(\S+)\s+(\S+)\s+(\S+)", seg)][:nat]
        r["forces_ha_bohr"] = F
    else:
        r["forces_ha_bohr"] = None
    tf = re.findall(r"Total force =\s+(\S+)", out)
    r["total_force_ha_bohr"] = fl(tf[-1]) / 2 if tf else None
    sm = list(re.finditer(r"total\s+stress.*P=\s*(\S+)\n(.*)\n(.*)\n(.*)", out))
    if sm:
        s = sm[-1]
        r["stress_gpa"] = [[round(float(x) * RY_KBAR_TO_GPA, 6) for x in s.group(i).split()[3:6]] for i in (2, 3, 4)]
        r["pressure_gpa"] = round(float(s.group(1)) * RY_KBAR_TO_GPA, 6)
    else:
        r["stress_gpa"] = r["pressure_gpa"] = None
    its = [int(x) for x in re.findall(r"convergence has been achieved in\s+(\d+) iterations", out)]
    r["scf_iterations"] = sum(its)
    r["scf_iterations_per_ionic_step"] = its
    r["ionic_steps"] = len(its)
    r["scf_not_converged"] = len(re.findall(r"convergence NOT achieved", out))
    r["c_bands_warnings"] = len(re.findall(r"c_bands:.*eigenvalues not converged", out))
    m = re.search(r"bfgs converged in\s+(\d+) scf cycles and\s+(\d+) bfgs steps", out)
    if m:
        r["bfgs_scf_cycles"] = int(m.group(1)); r["bfgs_steps"] = int(m.group(2))
    r["bfgs_failed"] = "bfgs failed" in out.lower() or "The maximum number of steps has been reached" in out
    # grid, G-vectors
    fft = re.findall(r"Dense\s+grid:\s+(\d+) G-vectors\s+FFT dimensions: \(\s*(\d+),\s*(\d+),\s*(\d+)\)", out)
    if fft:
        r["fft_grid"] = [int(x) for x in fft[0][1:]]
        r["ngm_dense_printed"] = int(fft[0][0])
        r["fft_grid_all_steps"] = sorted({tuple(int(x) for x in f[1:]) for f in fft})
    sw = re.search(r"Smooth grid:\s+(\d+) G-vectors\s+FFT dimensions: \(\s*(\d+),\s*(\d+),\s*(\d+)\)", out)
    if sw:
        r["fft_grid_smooth"] = [int(x) for x in sw.groups()[1:]]
    m = re.search(r"Sum\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", out)
    if m:
        g = [int(x) for x in m.groups()]
        r["parallel_sum"] = {"sticks_dense": g[0], "sticks_smooth": g[1], "sticks_pw": g[2],
                             "gvec_dense": g[3], "gvec_smooth": g[4], "gvec_pw": g[5]}
    m = re.search(r"lattice parameter \(alat\)\s+=\s+(\S+)\s+a\.u\.", out)
    r["alat_bohr_printed"] = float(m.group(1)) if m else None
    m = re.search(r"unit-cell volume\s+=\s+(\S+) \(a\.u\.\)\^3", out)
    r["volume_bohr3_printed"] = float(m.group(1)) if m else None
    m = re.search(r"Exchange-correlation\s*=\s*(.*)\n\s*\(([\s\d-]+)\)", out)
    r["xc_printed"] = (m.group(1).strip() + " (" + " ".join(m.group(2).split()) + ")") if m else None
    m = re.search(r"(\d+) Sym\. Ops\.", out)
    r["n_symmetry_ops"] = int(m.group(1)) if m else (1 if "No symmetry found" in out else None)
    # fractional translations of the symmetry operations (crystal units), for QE's FFT-grid factor rule
    ft = [floats(m.group(1)) + floats(m.group(2)) + floats(m.group(3)) for m in
          re.finditer(r"cryst\.\s+s\(\s*\d+\) = \(.*\)\s+f =\((.*)\)\n.*\)\s+\((.*)\)\n.*\)\s+\((.*)\)", out)]
    r["fractional_translations_crystal"] = [x for x in ft if any(abs(v) > 1e-5 for v in x)]
    # k-points: first listing (cartesian 2pi/alat and crystal)
    m = re.search(r"number of k points=\s*(\d+)", out)
    nk = int(m.group(1)) if m else 0
    kc, kx = [], []
    m = re.search(r"cart\. coord\. in units 2pi/alat\n((?:\s+k\(.*\n){%d})" % nk, out) if nk else None
    if m:
        kc = [floats(l) for l in m.group(1).strip("\n").split("\n")]
    m = re.search(r"cryst\. coord\.\n((?:\s+k\(.*\n){%d})" % nk, out) if nk else None
    if m:
        kx = [floats(l) for l in m.group(1).strip("\n").split("\n")]
    r["_kc"], r["_kx"] = kc, kx
    # eigenvalues (eV) as printed after the last SCF
    endm = list(re.finditer(r"End of (self-consistent|band structure) calculation", out))
    bands = {"up": [], "down": [], "none": []}
    if endm:
        seg = out[endm[-1].end():]
        stop = re.search(r"(highest occupied|the Fermi energy|the spin up/dw|^!)", seg, re.M)
        seg = seg[:stop.start()] if stop else seg
        spin = "none"
        cur = None
        mode = None
        for line in seg.split("\n"):
            if "SPIN UP" in line:
                spin = "up"; continue
            if "SPIN DOWN" in line:
                spin = "down"; continue
            mk = re.match(r"\s+k =(.*)\(\s*(\d+) PWs\)\s+bands \(ev\):", line)
            if mk:
                cur = {"npw": int(mk.group(2)), "eig": [], "occ": []}
                bands[spin].append(cur); mode = "eig"; continue
            if "occupation numbers" in line:
                mode = "occ"; continue
            if cur is not None and line.strip():
                cur[mode].extend(floats(line))
    r["_bands"] = bands
    m = re.findall(r"PWSCF\s+:\s+(.*)s CPU\s+(.*)s WALL", out)
    if m:
        r["qe_cpu_s"] = qe_time(m[-1][0]); r["qe_wall_s"] = qe_time(m[-1][1])
    fc = re.search(r"Begin final coordinates\n(.*?)End final coordinates", out, re.S)
    if fc:
        blk = fc.group(1)
        mc = re.search(r"CELL_PARAMETERS \((.*?)\)\n(.*\n.*\n.*\n)", blk)
        if mc:
            r["final_cell"] = {"units": mc.group(1), "rows": [floats(l) for l in mc.group(2).strip().split("\n")]}
        mp = re.search(r"ATOMIC_POSITIONS \((.*?)\)\n((?:\S+\s+\S+\s+\S+\s+\S+.*\n)+)", blk)
        if mp:
            r["final_positions"] = {"units": mp.group(1),
                                    "atoms": [[l.split()[0]] + [float(v) for v in l.split()[1:4]]
                                              for l in mp.group(2).strip().split("\n")]}
        vols = re.findall(r"new unit-cell volume =\s+(\S+) a\.u\.\^3 \(\s*(\S+) Ang\^3 \)", out)
        if vols:
            r["final_volume_bohr3"] = float(vols[-1][0]); r["final_volume_ang3"] = float(vols[-1][1])
        r["final_scf_after_relax"] = "A final scf calculation at the relaxed structure" in out
    fen = re.search(r"Final enthalpy =\s+(\S+) Ry", out)
    if fen:
        r["final_enthalpy_ha"] = fl(fen.group(1)) / 2
    fe = re.search(r"Final energy\s+=\s+(\S+) Ry", out)
    if fe:
        r["final_energy_ha"] = fl(fe.group(1)) / 2
    return r


def qe_time(s):
    s = s.strip()
    if "m" in s or "h" in s:
        h = re.search(r"(\d+)h", s); mi = re.search(r"(\d+)m", s); se = re.search(r"([\d.]+)$", s)
        return (int(h.group(1)) * 3600 if h else 0) + (int(mi.group(1)) * 60 if mi else 0) + \
            (float(se.group(1)) if se else 0)
    return float(s)


def parse_xml(path):
    t = ET.parse(path).getroot()
    o = t.find("output")
    x = {"creator_version": t.find("general_info/creator").get("VERSION")}
    ast = o.find("atomic_structure")
    x["alat_bohr"] = float(ast.get("alat"))
    x["cell_bohr"] = [[float(v) for v in ast.find(f"cell/a{i}").text.split()] for i in (1, 2, 3)]
    x["positions_bohr"] = [[a.get("name")] + [float(v) for v in a.text.split()]
                           for a in ast.findall("atomic_positions/atom")]
    b = o.find("basis_set")
    x["gamma_only"] = b.find("gamma_only").text == "true"
    x["ecutwfc_ha"] = float(b.find("ecutwfc").text); x["ecutrho_ha"] = float(b.find("ecutrho").text)
    f = b.find("fft_grid"); x["fft_grid"] = [int(f.get(k)) for k in ("nr1", "nr2", "nr3")]
    f = b.find("fft_smooth"); x["fft_smooth"] = [int(f.get(k)) for k in ("nr1", "nr2", "nr3")]
    x["ngm"] = int(b.find("ngm").text); x["ngms"] = int(b.find("ngms").text); x["npwx"] = int(b.find("npwx").text)
    x["b_2pi_alat"] = [[float(v) for v in b.find(f"reciprocal_lattice/b{i}").text.split()] for i in (1, 2, 3)]
    x["functional"] = o.find("dft/functional").text
    mg = o.find("magnetization")
    x["lsda"] = mg.find("lsda").text == "true"
    x["magnetization_total"] = float(mg.find("total").text); x["magnetization_absolute"] = float(mg.find("absolute").text)
    te = o.find("total_energy")
    x["total_energy_ha"] = {c.tag: float(c.text) for c in te}
    bs = o.find("band_structure")
    for tag in ("nbnd", "nbnd_up", "nbnd_dw", "nelec", "fermi_energy", "highestOccupiedLevel",
                "lowestUnoccupiedLevel", "two_fermi_energies", "nks", "occupations_kind"):
        e = bs.find(tag)
        if e is not None:
            x[tag] = e.text if tag in ("occupations_kind",) else (
                [float(v) for v in e.text.split()] if tag == "two_fermi_energies" else float(e.text))
    sm = bs.find("smearing")
    if sm is not None:
        x["smearing"] = {"kind": sm.text, "degauss_ha": float(sm.get("degauss"))}
    x["ks"] = []
    for ks in bs.findall("ks_energies"):
        k = ks.find("k_point")
        x["ks"].append({"weight": float(k.get("weight")), "k": [float(v) for v in k.text.split()],
                        "npw": int(ks.find("npw").text), "eig": [float(v) for v in ks.find("eigenvalues").text.split()],
                        "occ": [float(v) for v in ks.find("occupations").text.split()]})
    fo = o.find("forces")
    if fo is not None:
        v = [float(s) for s in fo.text.split()]; x["forces_ha_bohr"] = [v[i:i + 3] for i in range(0, len(v), 3)]
    so = o.find("stress")
    if so is not None:
        v = [float(s) for s in so.text.split()]; x["stress_ha_bohr3"] = [v[i:i + 3] for i in range(0, 9, 3)]
    ci = o.find("convergence_info")
    if ci is not None:
        n = ci.find("scf_conv/n_scf_steps"); x["n_scf_steps_last"] = int(n.text) if n is not None else None
        n = ci.find("opt_conv/n_opt_steps"); x["n_opt_steps"] = int(n.text) if n is not None else None
    return x


def main(argv):
    name = None
    if argv and argv[0] == "--name":
        name = argv[1]; argv = argv[2:]
    st, ecut, kp = argv[0], float(argv[1]), argv[2]
    rest = argv[3:]
    np_ = 2
    if rest and "=" not in rest[0]:
        np_ = int(rest[0]); rest = rest[1:]
    extra = dict(a.split("=", 1) for a in rest)
    d = tempfile.mkdtemp(prefix="qe_")
    inp, meta = make_input(st, ecut, kp, extra, d)
    cell, atoms, _ = read_structure(st)
    open(f"{d}/in", "w").write(inp)
    cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(np_), "pw.x", "-in", f"{d}/in"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.time() - t0
    out = p.stdout
    open(f"{d}/out", "w").write(out)
    if p.returncode != 0 or "JOB DONE" not in out:
        sys.stderr.write(out[-3000:] + p.stderr[-2000:])
        sys.exit(f"qe_ref.py: pw.x failed (exit {p.returncode}); files in {d}")
    r = parse_text(out, len(atoms))
    x = parse_xml(f"{d}/x.xml")
    # k-points: merge printed (crystal) listing with XML (cartesian 2pi/alat, full precision), eigenvalues
    nks_irr = len(r["_kc"])
    kpts = []
    lsda = x["lsda"]
    nb = int(x.get("nbnd_up", x.get("nbnd", 0)))
    for i, ks in enumerate(x["ks"]):
        e = {"crystal": r["_kx"][i][0:3] if i < len(r["_kx"]) else None, "cart_2pi_alat": ks["k"],
             "weight": ks["weight"], "npw": ks["npw"]}
        if lsda:
            pu = r["_bands"]["up"][i] if i < len(r["_bands"]["up"]) else None
            pd = r["_bands"]["down"][i] if i < len(r["_bands"]["down"]) else None
            e["eigenvalues_ev"] = {"up": pu["eig"] if pu else None, "down": pd["eig"] if pd else None}
            e["eigenvalues_ha"] = {"up": ks["eig"][:nb], "down": ks["eig"][nb:]}
            e["occupations"] = {"up": ks["occ"][:nb], "down": ks["occ"][nb:]}
        else:
            pb = r["_bands"]["none"][i] if i < len(r["_bands"]["none"]) else None
            e["eigenvalues_ev"] = pb["eig"] if pb else None
            e["eigenvalues_ha"] = ks["eig"]
            e["occupations"] = ks["occ"]
        kpts.append(e)
    for k in ("_kc", "_kx", "_bands"):
        r.pop(k)
    res = {
        "name": name, "structure": os.path.relpath(os.path.abspath(st), ROOT) if os.path.abspath(st).startswith(ROOT)
        else st,
        "ecut_ha": ecut, "ecutwfc_ry": 2 * ecut, "ecutrho_ry": 8 * ecut, "kpoints": kp, "np": np_,
        "settings": extra, **meta,
        **{k: r[k] for k in ("energy_ha", "vbm_ev", "cbm_ev", "gap_ev", "fermi_ev", "forces_ha_bohr", "stress_gpa",
                             "pressure_gpa", "scf_iterations", "ionic_steps")},
    }
    # full-precision values from QE's XML replace the rounded printout (which is kept as *_printed)
    res["energy_ha_printed"] = res["energy_ha"]
    res["energy_ha"] = x["total_energy_ha"]["etot"]
    if "forces_ha_bohr" in x:
        res["forces_ha_bohr_printed"] = res["forces_ha_bohr"]
        res["forces_ha_bohr"] = x["forces_ha_bohr"]
    if "stress_ha_bohr3" in x:
        res["stress_gpa_printed"] = res["stress_gpa"]
        res["stress_gpa"] = [[v * HA_BOHR3_TO_GPA for v in row] for row in x["stress_ha_bohr3"]]
        res["pressure_gpa_printed"] = res["pressure_gpa"]
        res["pressure_gpa"] = sum(res["stress_gpa"][i][i] for i in range(3)) / 3
    if "lowestUnoccupiedLevel" in x and "highestOccupiedLevel" in x:
        for k in ("vbm_ev", "cbm_ev", "gap_ev"):
            res[k + "_printed"] = res[k]
        res["vbm_ev"] = x["highestOccupiedLevel"] * HA_EV
        res["cbm_ev"] = x["lowestUnoccupiedLevel"] * HA_EV
        res["gap_ev"] = res["cbm_ev"] - res["vbm_ev"]
    if res.get("fermi_ev") is not None and "fermi_energy" in x:
        res["fermi_ev_printed"] = res["fermi_ev"]
        res["fermi_ev"] = x["fermi_energy"] * HA_EV
    for k, v in r.items():
        if k not in res:
            res[k] = v
    res["n_kpoints"] = len(kpts)
    res["kpoints_note"] = ("k-points after QE's symmetry reduction; crystal = coordinates in the reciprocal lattice "
                           "vectors b1,b2,b3; cart_2pi_alat = cartesian in units 2pi/alat; weights sum to 2 "
                           "(spin-unpolarized) or 1 per spin (nspin=2), as in QE")
    res["kpoint_list"] = kpts
    res["xml"] = {k: v for k, v in x.items() if k != "ks"}
    res["qe"] = {"version": r["qe_version"], "command": " ".join(cmd[:-1]) + " <input>",
                 "threads": "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1", "input": inp}
    res["wall_s"] = round(wall, 2)
    if name:
        os.makedirs(os.path.join(ROOT, "results"), exist_ok=True)
        os.makedirs(os.path.join(ROOT, "outputs"), exist_ok=True)
        res["output_file"] = f"outputs/{name}.out.gz"
        with open(os.path.join(ROOT, "outputs", f"{name}.out.gz"), "wb") as fh:
            with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
                gz.write(out.encode())
        with open(os.path.join(ROOT, "results", f"{name}.json"), "w") as fh:
            json.dump(res, fh, indent=1)
            fh.write("\n")
    shutil.rmtree(d, ignore_errors=True)
    print(json.dumps({k: res[k] for k in ("name", "energy_ha", "gap_ev", "fermi_ev", "scf_iterations",
                                           "ionic_steps", "fft_grid", "wall_s")}))


if __name__ == "__main__":
    main(sys.argv[1:])
