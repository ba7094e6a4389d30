#!/usr/bin/python3
"""Run ABINIT (Debian 9.6) on a structure file with GTH pseudopotentials (pspcod 10); print JSON.

usage: abinit_ref.py [--name NAME] STRUCT ECUT_HA KPTS [key=value ...]
  STRUCT   first line 'a b c' (orthorhombic, angstrom) or 'cell' and three lattice vectors (angstrom, rows);
           then 'El x y z' lines in fractional coordinates (the format of /work/shared/reference/qe/qe_ref.py)
  ECUT_HA  plane-wave cutoff in hartree (|k+G|^2/2 <= ecut)
  KPTS     'n1,n2,n3' (unshifted Monkhorst-Pack: ngkpt n1 n2 n3, nshiftk 1, shiftk 0 0 0, kptopt 1),
           'n1,n2,n3,s1,s2,s3' (s_i = 0 or 1: shift by one half, like QE's K_POINTS automatic) or 'gamma'
  keys (all optional):
    np=1|2             MPI ranks (default 1; OMP_NUM_THREADS=1 always)
    pp=PBE|LDA|DIR     pseudopotential set: pseudo/PBE (GTH-PBE), pseudo/LDA (GTH-PADE) or pseudo/DIR; PSEUDO_DIR
                       (an absolute path) overrides
    pp_El=qN           another pseudo for element El (e.g. pp_Pb=q14 -> Pb-q14.gth)
    xc=PBE|LDA|PZ|TETER|PBESOL   functional (default: PBE for pp=PBE, PZ for pp=LDA):
                       PBE -> ixc 11, PZ/LDA -> ixc -1009 (libxc LDA_X + LDA_C_PZ), TETER -> ixc 1, PBESOL -> ixc -116133
    ixc=N              ABINIT ixc directly (wins over xc=)
    charge=Q           extra charge of the cell in units of e (+1 = one electron removed); ABINIT adds a uniform
                       compensating background (see README.md)
    smearing=gaussian|fermi-dirac|none   occopt 7 / 3 / 1 (default none = occopt 1, fixed occupations)
    tsmear=T           smearing width in hartree (default 0.01)
    occopt=N           ABINIT occopt directly (wins over smearing=)
    spin=2             collinear spin polarisation (nsppol 2)
    spinat=El:m[,El:m] starting moment (Bohr magnetons, along z) on every atom of element El, or spinat=i:m on atom i
    spinmagntarget=M   fix the total magnetisation (needs nsppol 2)
    nband=N            bands (default: int(nelect/2) + 8, as qe_ref.py)
    ngfft=n1,n2,n3     FFT grid (default: the rule below); ngfft=auto lets ABINIT choose
    fftrule=plain|qe   plain (default): n_i = smallest 2,3,5-smooth n >= 2 max|m_i| + 1 over the G with
                       |G|^2/2 <= 4 ecut; qe: also a multiple of the fractional translations' denominators
                       (QE 6.7 realspace_grid_init; needs the symmetry search below)
    nstep=N toldfe=X diemac=X nsym=N   (defaults 100, 1e-12, 10 for fixed occupations / ABINIT's default otherwise)
    abi_VAR=VALUE      any other ABINIT variable, written as 'VAR VALUE' (underscores in VALUE -> spaces)
    keep=DIR           copy the ABINIT input, output (.abo), log and _EIG to DIR (the work directory is deleted)
With --name NAME the JSON also goes to results/NAME.json and the .abo (gzipped) to outputs/NAME.abo.gz
(paths relative to tests/reference/abinit)."""
import sys, os, re, json, math, subprocess, tempfile, time, gzip, shutil, hashlib, itertools

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BOHR_ANG = 0.529177210903        # CODATA 2018 (QE 6.7 and src/core/units.h use it)
HA_BOHR3_GPA = 29421.015697      # CODATA 2018
ZNUCL = {"H": 1, "Si": 14, "Cl": 17, "Br": 35, "I": 53, "Cs": 55, "Pb": 82}
DEFAULT_Q = {"Si": "q4", "Cs": "q9", "Pb": "q4", "Br": "q7", "Cl": "q7", "I": "q7"}
XC = {"PBE": 11, "LDA": -1009, "PZ": -1009, "TETER": 1, "PBESOL": -116133}


def die(msg):
    sys.stderr.write("abinit_ref.py: " + msg + "\n")
    sys.exit(2)


# ---------------------------------------------------------------- structure, lattice ------------------------------
def read_structure(path):
    L = [l.split("#")[0] for l in open(path).read().split("\n")]
    L = [l for l in L if l.strip()]
    if L[0].strip() == "cell":
        A = [[float(v) / BOHR_ANG for v in L[i].split()] for i in (1, 2, 3)]
        atoms = L[4:]
    else:
        a = [float(v) / BOHR_ANG for v in L[0].split()]
        A = [[a[0], 0.0, 0.0], [0.0, a[1], 0.0], [0.0, 0.0, a[2]]]
        atoms = L[1:]
    sym, x = [], []
    for i, l in enumerate(atoms):
        f = l.split()
        if len(f) < 4:
            die(f"{path}: atom line {i + 1}: expected 'El x y z', got '{l.strip()}'")
        sym.append(f[0]); x.append([float(v) for v in f[1:4]])
    return A, sym, x


def cross(u, v):
    return [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]


def dot(u, v):
    return sum(a * b for a, b in zip(u, v))


def reciprocal(A):
    """rows b_i with a_i . b_j = 2 pi delta_ij; and the volume"""
    vol = dot(A[0], cross(A[1], A[2]))
    return [[2 * math.pi * c / vol for c in cross(A[(i + 1) % 3], A[(i + 2) % 3])] for i in range(3)], abs(vol)


# ---------------------------------------------------------------- symmetry (only for fftrule=qe) ------------------
def symmetry_ops(A, sym, x, tol=1e-5):
    """(R, t) with x' = R x + t mapping the crystal onto itself, as QE 6.7 would keep them; R integer in the lattice basis, entries -1..1
    (enough for the cubic, orthorhombic and fcc cells used here), R^T G R = G for the metric G = A A^T."""
    G = [[dot(A[i], A[j]) for j in range(3)] for i in range(3)]
    scale = max(G[i][i] for i in range(3))
    ops = []
    for e in itertools.product((-1, 0, 1), repeat=9):
        R = [list(e[0:3]), list(e[3:6]), list(e[6:9])]
        det = (R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) - R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0])
               + R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0]))
        if abs(det) != 1:
            continue
        ok = True
        for i in range(3):
            for j in range(3):
                v = sum(R[k][i] * G[k][l] * R[l][j] for k in range(3) for l in range(3))
                if abs(v - G[i][j]) > 1e-6 * scale:
                    ok = False; break
            if not ok:
                break
        if not ok:
            continue
        Rx = [[sum(R[i][k] * xa[k] for k in range(3)) for i in range(3)] for xa in x]
        for j in range(len(x)):
            if sym[j] != sym[0]:
                continue
            t = [x[j][i] - Rx[0][i] for i in range(3)]
            t = [v - round(v) for v in t]
            good = True
            for a in range(len(x)):
                y = [Rx[a][i] + t[i] for i in range(3)]
                if not any(sym[b] == sym[a] and all(abs((y[i] - x[b][i]) - round(y[i] - x[b][i])) < tol
                                                      for i in range(3)) for b in range(len(x))):
                    good = False; break
            # QE 6.7 (sgam_at) keeps a fractional translation only if each component is 0 or 1/n, n = 2, 3, 4, 6,
            # and drops pure translations (supercells)
            frac_ok = all(abs(v) < tol or any(abs(abs(v) - 1.0 / n) < tol for n in (2, 3, 4, 6)) for v in t)
            if good and frac_ok:
                is_identity = R == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
                if not (is_identity and any(abs(v) > tol for v in t)):
                    ops.append((R, t))
                    break
    return ops


def fft_factor(ops, tol=1e-5):
    f = [1, 1, 1]
    for _, t in ops:
        for i in range(3):
            if abs(t[i]) > tol:
                n = round(1.0 / abs(t[i]))
                f[i] = f[i] * n // math.gcd(f[i], n)
    return f


# ---------------------------------------------------------------- FFT grid rule ------------------------------------
def smooth235(n):
    for p in (2, 3, 5):
        while n % p == 0:
            n //= p
    return n == 1


def fft_rule(A, ecut, factor=(1, 1, 1)):
    """max |m_i| over G = m.b with |G|^2/2 <= 4 ecut, and the smallest 2,3,5-smooth n_i >= 2 m_i + 1
    (multiple of factor_i); also the number of G in that sphere."""
    B, _ = reciprocal(A)
    g2max = 8.0 * ecut
    nb = [int(math.sqrt(g2max) * math.sqrt(dot(A[i], A[i])) / (2 * math.pi)) + 2 for i in range(3)]
    m, ng, onsphere = [0, 0, 0], 0, 0
    for i in range(-nb[0], nb[0] + 1):
        for j in range(-nb[1], nb[1] + 1):
            for k in range(-nb[2], nb[2] + 1):
                g = [i * B[0][c] + j * B[1][c] + k * B[2][c] for c in range(3)]
                g2 = dot(g, g)
                if abs(g2 - g2max) < 1e-9 * g2max:
                    onsphere += 1
                if g2 <= g2max:
                    ng += 1
                    m = [max(m[0], abs(i)), max(m[1], abs(j)), max(m[2], abs(k))]
    n = []
    for i in range(3):
        v = 2 * m[i] + 1
        while not (smooth235(v) and v % factor[i] == 0):
            v += 1
        n.append(v)
    return n, m, ng, onsphere


# ---------------------------------------------------------------- pseudopotentials --------------------------------
def read_psp10(path):
    """zion, rloc, c1..c4 of a pspcod=10 file; epsatm = int (V_loc(r) + Z/r) d^3r (ABINIT's psp core term)"""
    L = open(path).read().split("\n")
    zatom, zion = [float(v) for v in L[1].split()[:2]]
    f = L[3].split()
    rloc, nc = float(f[0]), int(f[1])
    c = [float(v) for v in f[2:2 + nc]] + [0.0] * (4 - nc)
    eps = 2 * math.pi * zion * rloc ** 2 + (2 * math.pi) ** 1.5 * rloc ** 3 * (c[0] + 3 * c[1] + 15 * c[2] + 105 * c[3])
    return {"zatom": zatom, "zion": zion, "rloc": rloc, "c": c, "epsatm": eps,
            "pspxc": int(L[2].split()[1])}


# ---------------------------------------------------------------- input ------------------------------------------
def fmt(v):
    return f"{v:.15g}"


def build_input(A, sym, x, ecut, kp, ex, pspdir, pspfile, ngfft, nelect):
    species = []
    for s in sym:
        if s not in species:
            species.append(s)
    typat = [species.index(s) + 1 for s in sym]
    L = ["# written by tests/reference/abinit/tools/abinit_ref.py",
         "acell 3*1.0", "rprim"] + ["  " + "  ".join(fmt(v) for v in a) for a in A]
    L += [f"ntypat {len(species)}", "znucl " + " ".join(str(ZNUCL[s]) for s in species), f"natom {len(sym)}",
          "typat " + " ".join(str(t) for t in typat), "xred"] + ["  " + "  ".join(fmt(v) for v in xa) for xa in x]
    L += [f"ecut {fmt(ecut)}"]
    if kp == "gamma":
        L += ["ngkpt 1 1 1", "nshiftk 1", "shiftk 0 0 0"]
    else:
        k = [int(v) for v in kp.split(",")]
        sh = [0.5 * v for v in k[3:6]] if len(k) == 6 else [0, 0, 0]
        L += ["ngkpt " + " ".join(str(v) for v in k[:3]), "nshiftk 1", "shiftk " + " ".join(fmt(v) for v in sh)]
    L += ["kptopt 1", "chkprim 0", "iomode 0", "optforces 1", "optstress 1", "enunit 2",
          "prtwf 0", "prtden 0", "prteig 1", "prtebands 0"]
    ixc = int(ex["ixc"]) if "ixc" in ex else XC[ex.get("xc", "PZ" if ex.get("pp", "PBE").upper() == "LDA" else "PBE").upper()]
    L += [f"ixc {ixc}"]
    if ngfft:
        L += ["ngfft " + " ".join(str(v) for v in ngfft)]
    occopt = int(ex["occopt"]) if "occopt" in ex else {"none": 1, "gaussian": 7, "fermi-dirac": 3}[ex.get("smearing", "none")]
    nsppol = int(ex.get("spin", 1))
    nband = int(ex["nband"]) if "nband" in ex else int(nelect / 2) + 8
    L += [f"occopt {occopt}", f"nband {nband}"]
    if occopt != 1:
        L += [f"tsmear {fmt(float(ex.get('tsmear', 0.01)))}"]
    if float(ex.get("charge", 0)) != 0:
        L += [f"charge {fmt(float(ex['charge']))}"]
    if nsppol == 2:
        L += ["nsppol 2"]
        mom = [0.0] * len(sym)
        for item in ex.get("spinat", "").split(","):
            if not item:
                continue
            key, m = item.split(":")
            for i, s in enumerate(sym):
                if key == s or key == str(i + 1):
                    mom[i] = float(m)
        L += ["spinat"] + [f"  0 0 {fmt(m)}" for m in mom]
        if "spinmagntarget" in ex:
            L += [f"spinmagntarget {fmt(float(ex['spinmagntarget']))}"]
    L += [f"nstep {int(ex.get('nstep', 100))}", f"toldfe {ex.get('toldfe', '1e-12')}"]
    if "diemac" in ex or occopt == 1:
        L += [f"diemac {ex.get('diemac', '10')}"]
    if "nsym" in ex:
        L += [f"nsym {int(ex['nsym'])}"]
    for k, v in ex.items():
        if k.startswith("abi_"):
            L += [f"{k[4:]} {v.replace('_', ' ')}"]
    L += [f'pp_dirpath "{pspdir}"', 'pseudos "' + ", ".join(pspfile[s] for s in species) + '"']
    return "\n".join(L) + "\n", species, ixc, occopt, nsppol, nband


# ---------------------------------------------------------------- output parsing ----------------------------------
def yaml_block(out, tag):
    """last '--- !TAG' ... '...' block as {key: text}"""
    blocks = re.findall(r"^--- !%s\n(.*?)^\.\.\.$" % tag, out, re.S | re.M)
    if not blocks:
        return None
    d = {}
    for line in blocks[-1].split("\n"):
        m = re.match(r"^(\S.*?)\s*:\s*(.*)$", line)
        if m:
            d[m.group(1).strip("'")] = m.group(2)
    return d


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def parse_eig(text, unit):
    """{spin: [ {kpt, wtk, eig} ]} from an _EIG file block with the given unit header"""
    res = []
    for m in re.finditer(r"Eigenvalues \(\s*%s\s*\) for nkpt=\s*(\d+)\s+k points(?:, SPIN (UP|DOWN))?:\n(.*?)(?=\n Eigenvalues|\n Fermi|\Z)"
                         % unit, text, re.S):
        ks = []
        for km in re.finditer(r"kpt#\s*\d+, nband=\s*(\d+), wtk=\s*(\S+), kpt=\s*(\S+)\s+(\S+)\s+(\S+) \(reduced coord\)\n"
                              r"((?:\s*-?\d+\.\d+)+)", m.group(3)):
            ks.append({"kpt_reduced": [float(km.group(i)) for i in (3, 4, 5)], "weight": float(km.group(2)),
                       "eig": [float(v) for v in km.group(6).split()]})
        res.append(ks)
    return res


def block_after(out, header, nlines):
    i = out.rfind(header)
    if i < 0:
        return None
    return out[i + len(header):].split("\n")[1:1 + nlines]


def main(argv):
    name = None
    if argv[:1] == ["--name"]:
        name = argv[1]; argv = argv[2:]
    if len(argv) < 3:
        sys.stderr.write(__doc__); return 2
    st, ecut, kp = argv[0], float(argv[1]), argv[2]
    ex = {}
    for a in argv[3:]:
        if "=" not in a:
            die(f"argument '{a}' is not key=value")
        k, v = a.split("=", 1); ex[k] = v
    A, sym, x = read_structure(st)
    pp = ex.get("pp", "PBE")
    pspdir = os.path.abspath(os.environ.get("PSEUDO_DIR", os.path.join(ROOT, "pseudo", pp)))
    pspfile, psp = {}, {}
    for s in sorted(set(sym)):
        pspfile[s] = f"{s}-{ex.get('pp_' + s, DEFAULT_Q[s])}.gth"
        p = os.path.join(pspdir, pspfile[s])
        if not os.path.exists(p):
            die(f"{p}: no such pseudopotential (PSEUDO_DIR, pp=, pp_{s}=)")
        psp[s] = read_psp10(p)
        psp[s]["file"] = os.path.relpath(p, ROOT) if p.startswith(ROOT) else p
        psp[s]["md5"] = hashlib.md5(open(p, "rb").read()).hexdigest()
    zion_tot = sum(psp[s]["zion"] for s in sym)
    charge = float(ex.get("charge", 0))
    nelect = zion_tot - charge
    # FFT grid
    ops = symmetry_ops(A, sym, x)
    fac = fft_factor(ops)
    n_plain, mmax, ngsph, onsph = fft_rule(A, ecut)
    n_qe = fft_rule(A, ecut, fac)[0]
    rule = ex.get("fftrule", "plain")
    if "ngfft" in ex:
        ngfft = None if ex["ngfft"] == "auto" else [int(v) for v in ex["ngfft"].split(",")]
    else:
        ngfft = n_qe if rule == "qe" else n_plain
    inp, species, ixc, occopt, nsppol, nband = build_input(A, sym, x, ecut, kp, ex, pspdir, pspfile, ngfft, nelect)
    np_ = int(ex.get("np", 1))
    d = tempfile.mkdtemp(prefix="abinit_ref_")
    open(f"{d}/run.abi", "w").write(inp)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    cmd = (["abinit", "run.abi"] if np_ == 1 else
           ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(np_), "abinit", "run.abi"])
    t0 = time.time()
    p = subprocess.run(cmd, cwd=d, capture_output=True, text=True, env=env)
    wall = time.time() - t0
    open(f"{d}/log", "w").write(p.stdout + p.stderr)
    if not os.path.exists(f"{d}/run.abo"):
        die(f"abinit wrote no output (exit {p.returncode}); see {d}/log:\n{(p.stdout + p.stderr)[-2000:]}")
    out = open(f"{d}/run.abo").read()
    eigtxt = open(f"{d}/runo_EIG").read() if os.path.exists(f"{d}/runo_EIG") else ""
    if "--- !ERROR" in out or "--- !ERROR" in p.stdout or p.returncode != 0:
        err = re.findall(r"\w+: ERROR -\n.*?\n\n", p.stdout, re.S)[:1] + re.findall(r"--- !ERROR.*?\.\.\.", out + p.stdout, re.S)[:1]
        die(f"abinit failed (exit {p.returncode}) in {d}:\n" + ("\n".join(err) or (p.stdout + p.stderr)[-2000:]))

    r = {"name": name, "code": "ABINIT"}
    m = re.search(r"\.Version (\S+) of ABINIT", out)
    r["abinit_version"] = m.group(1) if m else None
    r["structure"] = os.path.relpath(os.path.abspath(st), ROOT) if os.path.abspath(st).startswith(ROOT) else st
    r["ecut_ha"] = ecut
    r["kpoints"] = kp
    r["settings"] = ex
    r["np"] = np_
    r["ixc"] = ixc
    r["occopt"] = occopt
    r["nsppol"] = nsppol
    r["nband"] = nband
    r["charge"] = charge
    r["n_electrons"] = nelect
    r["zion_total"] = zion_tot
    r["species_order"] = species
    r["pseudopotentials"] = {s: {k: psp[s][k] for k in ("file", "md5", "zion", "pspxc", "epsatm")} for s in species}
    B, vol = reciprocal(A)
    r["lattice_bohr"] = A
    r["volume_bohr3"] = vol
    # energies
    et = yaml_block(out, "EnergyTerms") or {}
    terms = {k: num(v) for k, v in et.items() if num(v) is not None}
    r["energy_ha"] = terms.get("total_energy")
    names = {"kinetic": "kinetic", "hartree": "hartree", "xc": "xc", "Ewald energy": "ewald", "psp_core": "psp_core",
             "local_psp": "local_psp", "non_local_psp": "nonlocal_psp", "internal": "internal",
             "-kT*entropy": "minus_kT_entropy", "band_energy": "band_energy", "total_energy": "total",
             "monopole_correction": "monopole_correction"}
    r["energy_terms_ha"] = {names.get(k, k): v for k, v in terms.items() if not k.endswith("_eV")}
    dc = yaml_block(out, "EnergyTermsDC")
    if dc:
        r["energy_terms_dc_ha"] = {k: num(v) for k, v in dc.items() if num(v) is not None and not k.endswith("_eV")}
    r["ha_ev_abinit"] = terms["total_energy_eV"] / terms["total_energy"] if terms.get("total_energy") else None
    # QE's convention for the G=0 part of the local pseudopotential: QE multiplies sum(epsatm)/Omega by the number
    # of electrons, ABINIT by the total ionic charge (the compensating background also feels it) -- see README.md
    sum_eps = sum(psp[s]["epsatm"] for s in sym)
    r["sum_epsatm_over_volume_ha"] = sum_eps / vol
    r["psp_core_check_ha"] = zion_tot * sum_eps / vol
    r["energy_ha_qe_g0_convention"] = r["energy_ha"] - charge * sum_eps / vol if r["energy_ha"] is not None else None
    # QE puts sum(eps)/Omega into V_loc(G=0); ABINIT leaves it out of the potential: eigenvalues and Fermi level
    # in QE's convention are ABINIT's + sum(eps)/Omega
    r["eigenvalue_shift_to_qe_ha"] = sum_eps / vol
    gs = yaml_block(out, "ResultsGS") or {}
    r["fermi_ha"] = num(gs.get("fermie"))
    r["entropy"] = num(gs.get("entropy"))
    m = re.findall(r"Magnetization \(Bohr magneton\)=\s*(\S+)", out)
    r["magnetization_bohr_mag"] = float(m[-1]) if m else None
    m = re.findall(r"Total spin up =\s*(\S+)\s+Total spin down =\s*(\S+)", out)
    r["spin_up_down"] = [float(m[-1][0]), float(m[-1][1])] if m else None
    m = re.findall(r"Total magnetization \(exact up - dn\):\s*(\S+)", out)
    r["magnetization_exact_up_minus_dn"] = float(m[-1]) if m else None
    # SCF
    etot = re.findall(r"^ ETOT\s+(\d+)\s+(\S+)", out, re.M)
    r["scf_iterations"] = int(etot[-1][0]) if etot else None
    r["scf_converged"] = bool(re.search(r"etot is converged", out))
    m = re.findall(r"convergence: \{deltae:\s*([^,\s]+), res2:\s*([^,\s]+), residm:\s*([^,\s]+)", out)
    if m:
        r["scf_final"] = {"deltae": float(m[-1][0]), "res2": float(m[-1][1]), "residm": float(m[-1][2])}
    # FFT grid
    m = re.findall(r"ngfft=\s*(\d+)\s+(\d+)\s+(\d+)", out)
    r["fft_grid"] = [int(v) for v in m[-1]] if m else None
    r["fft_grid_rule_plain"] = n_plain
    r["fft_grid_rule_qe"] = n_qe
    r["fft_rule_used"] = "given" if "ngfft" in ex else rule
    r["fft_max_miller"] = mmax
    r["fft_sphere_gvectors"] = ngsph
    r["fft_gvectors_on_sphere"] = onsph
    r["symmetry_ops_found"] = len(ops)
    r["fft_factor_fractional_translations"] = fac
    m = re.search(r"Symmetries : space group (.*?)\s*$", out, re.M)
    r["abinit_space_group"] = m.group(1) if m else None
    m = re.search(r"^\s+nsym\s+(\d+)", out, re.M)
    r["abinit_nsym"] = int(m.group(1)) if m else None
    m = re.search(r"mpw =\s*(\d+)", out)
    r["abinit_mpw"] = int(m.group(1)) if m else None
    # eigenvalues (eV block: 5 decimals in eV = 3.7e-7 Ha; the hartree block has only 5 decimals in Ha)
    ev = parse_eig(eigtxt, "eV")
    ha = parse_eig(eigtxt, "hartree")
    hev = r["ha_ev_abinit"]
    kl = []
    for ik, k in enumerate(ev[0] if ev else []):
        e = {"kpt_reduced": k["kpt_reduced"], "weight": k["weight"],
             "eig_ev": [s[ik]["eig"] for s in ev], "eig_ha": [[v / hev for v in s[ik]["eig"]] for s in ev],
             "eig_ha_printed": [s[ik]["eig"] for s in ha]}
        kl.append(e)
    # occupations (outvars 'occ', printed after the run; ordered spin-major, then k, then band)
    m = list(re.finditer(r"^\s+occ((?:\s+\d\.\d+)+)", out[out.find("-outvars: echo values of variables after"):], re.M))
    if m and occopt != 1:
        occ = [float(v) for v in m[-1].group(1).split()]
        nk = len(kl)
        if len(occ) == nsppol * nk * nband:
            for ik, k in enumerate(kl):
                k["occ"] = [occ[(s * nk + ik) * nband:(s * nk + ik + 1) * nband] for s in range(nsppol)]
    r["kpoint_list"] = kl
    r["nkpt"] = len(kl)
    # band edges
    r["vbm_ev"] = r["cbm_ev"] = r["gap_ev"] = None
    if kl and occopt == 1 and nsppol == 1 and abs(nelect / 2 - round(nelect / 2)) < 1e-9:
        no = int(round(nelect / 2))
        if no < nband:
            r["vbm_ev"] = max(k["eig_ev"][0][no - 1] for k in kl)
            r["cbm_ev"] = min(k["eig_ev"][0][no] for k in kl)
            r["gap_ev"] = round(r["cbm_ev"] - r["vbm_ev"], 5)
            r["vbm_k"] = [k["kpt_reduced"] for k in kl if k["eig_ev"][0][no - 1] == r["vbm_ev"]]
            r["cbm_k"] = [k["kpt_reduced"] for k in kl if k["eig_ev"][0][no] == r["cbm_ev"]]
    elif kl and "occ" in kl[0]:
        mx = 2.0 / nsppol
        occd = [v for k in kl for s in range(nsppol) for v, o in zip(k["eig_ev"][s], k["occ"][s]) if o >= 0.5 * mx]
        emp = [v for k in kl for s in range(nsppol) for v, o in zip(k["eig_ev"][s], k["occ"][s]) if o < 0.5 * mx]
        r["highest_mostly_occupied_ev"] = max(occd) if occd else None
        r["lowest_mostly_empty_ev"] = min(emp) if emp else None
    r["fermi_ev"] = r["fermi_ha"] * hev if r["fermi_ha"] is not None and hev else None
    # forces
    nat = len(sym)
    fl = block_after(out, "cartesian forces (hartree/bohr) at end:", nat)
    r["forces_ha_bohr"] = [[float(v) for v in l.split()[1:4]] for l in fl] if fl else None
    # stress: ABINIT's sigma = (1/Omega) dE/d(strain); QE's sign is the opposite (positive = the cell wants to expand)
    sl = block_after(out, "Cartesian components of stress tensor (hartree/bohr^3)", 3)
    if sl:
        s = {}
        for l in sl:
            for mm in re.finditer(r"sigma\((\d) (\d)\)=\s*(\S+)", l):
                s[(int(mm.group(1)) - 1, int(mm.group(2)) - 1)] = float(mm.group(3))
        sig = [[s.get((i, j), s.get((j, i))) for j in range(3)] for i in range(3)]
        r["stress_abinit_sigma_ha_bohr3"] = sig
        r["stress_ha_bohr3"] = [[-v for v in row] for row in sig]
        r["stress_gpa"] = [[-v * HA_BOHR3_GPA for v in row] for row in sig]
        r["pressure_gpa"] = sum(r["stress_gpa"][i][i] for i in range(3)) / 3
        # QE's G=0 convention (see energy_ha_qe_g0_convention): its psp term N sum(eps)/Omega instead of Z sum(eps)/Omega
        # adds -(Z - N) sum(eps)/Omega^2 = -charge sum(eps)/Omega^2 to the pressure (QE sign), on the diagonal only
        dp = -charge * sum_eps / vol ** 2 * HA_BOHR3_GPA
        r["stress_gpa_qe_g0_convention"] = [[r["stress_gpa"][i][j] + (dp if i == j else 0.0) for j in range(3)]
                                            for i in range(3)]
        r["pressure_gpa_qe_g0_convention"] = r["pressure_gpa"] + dp
        m = re.findall(r"\[Pressure=\s*(\S+) GPa\]", out)
        r["pressure_gpa_abinit_printed"] = float(m[-1]) if m else None
        if m and abs(r["pressure_gpa"] - float(m[-1])) > 1e-3 * max(1.0, abs(float(m[-1]))):
            die(f"stress sign/units check failed: {r['pressure_gpa']} vs printed {m[-1]} GPa")
    else:
        r["stress_gpa"] = r["stress_ha_bohr3"] = r["pressure_gpa"] = None
    m = re.search(r"\+Overall time at end \(sec\) : cpu=\s*(\S+)\s+wall=\s*(\S+)", out)
    r["abinit_cpu_s"] = float(m.group(1)) if m else None
    r["abinit_wall_s"] = float(m.group(2)) if m else None
    r["wall_s"] = round(wall, 2)
    m = re.search(r"Delivered\s+(\d+) WARNINGs and\s+(\d+) COMMENTs", out)
    r["abinit_warnings"] = int(m.group(1)) if m else None
    r["warnings_text"] = [w.strip()[:400] for w in re.findall(r"--- !WARNING(.*?)\.\.\.", out + p.stdout, re.S)][:10]
    r["command"] = " ".join(["tools/abinit_ref.py"] + (["--name", name] if name else []) +
                            [r["structure"], argv[1], kp] + [f"{k}={v}" for k, v in ex.items()])
    r["input"] = inp
    if "keep" in ex:
        os.makedirs(ex["keep"], exist_ok=True)
        for f in ("run.abi", "run.abo", "log", "runo_EIG"):
            if os.path.exists(f"{d}/{f}"):
                shutil.copy(f"{d}/{f}", ex["keep"])
    txt = json.dumps(r, indent=1)
    if name:
        os.makedirs(os.path.join(ROOT, "results"), exist_ok=True)
        os.makedirs(os.path.join(ROOT, "outputs"), exist_ok=True)
        open(os.path.join(ROOT, "results", name + ".json"), "w").write(txt + "\n")
        with gzip.open(os.path.join(ROOT, "outputs", name + ".abo.gz"), "wt") as g:
            g.write(out)
    print(txt)
    shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
