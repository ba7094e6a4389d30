#!/usr/bin/python3
"""Write the anionscan scf deck that repeats a reference calculation, from the reference's own JSON record.

usage: ref_deck.py REF.json DECKDIR > deck.in
  REF.json  a Quantum ESPRESSO result (tests/reference/qe/tools/qe_ref.py, or the short shared form with a structure
            named in tests/validate/reference/qe/README.md) or an ABINIT result (tests/reference/abinit/tools/abinit_ref.py)
  DECKDIR   where the deck will be written (relative paths in the deck are relative to it)
Exit status 3 with a one-line reason on stderr when the calculation is one anionscan scf does not repeat (a relaxation,
an LDA functional with GGA potentials, ABINIT's Teter LDA, a fixed total moment, a hand-picked band count...).

Potentials: QE 6.7 computes the GTH f channel with h/105 (tests/reference/qe/potentials_qe67/README.md), so a QE
reference made with the published Cs parameters is repeated with potentials = tests/reference/qe/potentials_qe67
(tests/tools/qe_potentials.py reads which Cs file QE used); so is an ABINIT case run with pp=PBE_qe_fbug.  Everything
else uses the shipped potentials.
Settings carried over: functional, cutoff, k mesh (shift), potential variants (pp_El), charge, smearing (kind and
width), collinear spin, symmetry (QE's nosym); the band edges are taken on the mesh (band_edges = mesh) as both codes
report them, except for a QE scf + bands reference (qe_nscf.py), which has the special points."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import qe_potentials  # noqa: E402
import struct2deck  # noqa: E402

QE = os.path.join(ROOT, "tests", "reference", "qe")
AB = os.path.join(ROOT, "tests", "reference", "abinit")
QE67 = os.path.join(QE, "potentials_qe67")
SHARED_STRUCT = {"si_dftk_25_k333": "Si_dftk.txt", "si_displaced_small_25_k333": "Si_displaced_small.txt",
                 "cspbbr3_cubic_20_k222": "CsPbBr3_cubic_5.874.txt", "cspbbr3_cubic_25_k333": "CsPbBr3_cubic_5.874.txt",
                 "cspbbr3_pnma_25_gamma": "CsPbBr3_pnma_icsd97851.txt"}


def skip(reason):
    sys.stderr.write(reason + "\n")
    sys.exit(3)


def unq(v):
    return str(v).strip().strip("'\"")


def qe_opts(ref, path):
    s = dict(ref.get("settings") or {})
    name = ref.get("name") or os.path.splitext(os.path.basename(path))[0]
    st = ref.get("structure")
    st = os.path.join(QE, st) if st else os.path.join(QE, "structures", SHARED_STRUCT.get(name, ""))
    if not os.path.isfile(st):
        skip(f"no structure file for {name}")
    calc = unq(s.pop("calculation", "scf"))
    if calc != "scf":
        skip(f"calculation = {calc} (not a single scf)")
    opts = {}
    pp = s.pop("pp", "PBE").upper().split("/")[-1]  # 'exact/LDA': the published parameters of the LDA set
    dft = unq(s.pop("input_dft", "")).lower()
    if dft in ("", "pbe"):
        opts["xc"] = "LDA" if pp == "LDA" else "PBE"
    elif dft == "pbesol" and pp != "LDA":
        opts["xc"] = "PBEsol"
    elif dft in ("pz", "lda") and pp == "LDA":
        opts["xc"] = "LDA"
    else:
        skip(f"input_dft = {dft} with the {pp} potentials (anionscan refuses a functional of another family)")
    for k in [k for k in s if k.startswith("pp_")]:
        opts[k] = s.pop(k)
    if "nbnd" in s:
        skip(f"nbnd = {s['nbnd']} chosen by hand")
    s.pop("diagonalization", None)
    s.pop("diago_full_acc", None)
    if "tot_charge" in s:
        opts["charge"] = unq(s.pop("tot_charge"))
    occ = unq(s.pop("occupations", "fixed"))
    if occ == "smearing":
        kind = unq(s.pop("smearing", "gaussian"))
        opts["smearing"] = f"{kind} {unq(s.pop('degauss', '0.0'))} Ry"
    elif occ != "fixed":
        skip(f"occupations = {occ}")
    if unq(s.pop("nosym", ".false.")).lower() in (".true.", "true", "t", ".t."):
        opts["symmetry"] = "false"
    if unq(s.pop("nspin", "1")) == "2":
        for k in [k for k in s if k.startswith("starting_magnetization")]:
            s.pop(k)
        opts["spin"] = "collinear"
    if s:
        skip("QE settings anionscan does not repeat: " + ", ".join(f"{k}={v}" for k, v in s.items()))
    opts["potentials"] = QE67 if qe_potentials.mode(path) == "qe67" else None
    return st, ref["ecut_ha"], str(ref["kpoints"]), opts


def abinit_opts(ref, path):
    s = dict(ref.get("settings") or {})
    st = os.path.join(AB, ref["structure"])
    opts = {}
    pp = s.pop("pp", "PBE")
    ixc = ref.get("ixc")
    xc = {11: "PBE", -1009: "LDA", -116133: "PBEsol"}.get(ixc)
    if xc is None:
        skip(f"ABINIT ixc = {ixc} (not a functional anionscan offers)")
    opts["xc"] = xc
    if pp.upper() == "PBE_QE_FBUG":
        opts["potentials"] = QE67
    elif pp.upper() not in ("PBE", "LDA"):
        skip(f"ABINIT pseudopotential set {pp}")
    for k in [k for k in s if k.startswith("pp_")]:
        opts[k] = s.pop(k)
    for k in ("np", "fftrule", "nstep", "toldfe", "diemac", "keep", "xc", "ixc"):  # xc/ixc: read from ref["ixc"]
        s.pop(k, None)
    if str(s.get("nsym", "")) == "1":
        s.pop("nsym")
        opts["symmetry"] = "false"
    if "ngfft" in s or "nband" in s or "spinmagntarget" in s or "occopt" in s or "nsym" in s:
        skip("ABINIT settings anionscan does not repeat: " + ", ".join(sorted(s)))
    if float(s.pop("charge", 0)) != 0:
        opts["charge"] = str(ref.get("charge"))
    sm = s.pop("smearing", "none")
    ts = s.pop("tsmear", "0.01")
    if sm != "none":
        opts["smearing"] = f"{sm} {ts} Ha"
    if s.pop("spin", "1") == "2":
        s.pop("spinat", None)
        opts["spin"] = "collinear"
    if [k for k in s if not k.startswith("abi_")] or [k for k in s if k.startswith("abi_")]:
        skip("ABINIT settings anionscan does not repeat: " + ", ".join(sorted(s)))
    return st, ref["ecut_ha"], str(ref["kpoints"]), opts


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    path, deckdir = argv
    ref = json.load(open(path))
    abinit = "abinit_version" in ref
    st, ecut, kpts, opts = (abinit_opts if abinit else qe_opts)(ref, path)
    # a QE scf + bands reference (qe_nscf.py) has eigenvalues at special points: take our band edges there too
    o = {"band_edges": "special" if ref.get("points") else "mesh", "scf_tol": "1e-10", "deckdir": deckdir,
         "xc": opts.pop("xc"),
         "comment": f"repeats {'ABINIT' if abinit else 'QE'} {os.path.relpath(path, ROOT)} (written by tests/validate/ref_deck.py)"}
    pot = opts.pop("potentials", None)
    if pot:
        o["potentials"] = pot
    for k in [k for k in opts if k.startswith("pp_") or k == "symmetry"]:
        o[k] = opts.pop(k)
    text = struct2deck.deck(st, f"{float(ecut):g}", kpts.replace(" ", ""), o)
    extra = "".join(f"{k} = {v}\n" for k, v in opts.items())
    if extra:  # charge / smearing / spin go into [dft], before the potentials key (which may carry a block)
        text = text.replace("\nscf_tol = ", "\n" + extra + "scf_tol = ", 1)
    sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
