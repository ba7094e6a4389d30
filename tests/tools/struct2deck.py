#!/usr/bin/python3
"""Write an anionscan scf deck for a reference structure file (the plain-text format of
tests/reference/qe/structures and tests/reference/abinit/structures), with the same settings a
reference run used.

usage: struct2deck.py STRUCT ECUT_HA KPTS [key=value ...] > deck.in
  STRUCT  first line 'a b c' (orthorhombic, angstrom) or 'cell' and three lattice vectors (angstrom, rows);
          then 'El x y z' lines, fractional coordinates
  KPTS    'n1,n2,n3', 'n1,n2,n3,s1,s2,s3' (s_i = half-step shift, QE's K_POINTS automatic) or 'gamma'
  keys    xc=PBE|LDA|PBEsol   potentials=DIR (written as given; relative paths are relative to the deck)
          pp_El=qN (a potential variant)   band_edges=mesh|special   scf_tol=1e-10   symmetry=false
          nbands=N   max_scf=N   comment='text'   deckdir=DIR (make `potentials` relative to DIR)
The cell and atoms are written as explicit blocks with every digit of the structure file, so the deck
describes exactly the structure the reference code computed."""
import os
import sys


def die(msg):
    sys.stderr.write("struct2deck.py: " + msg + "\n")
    sys.exit(2)


def read_structure(path):
    lines = [l.split("#")[0].strip() for l in open(path)]
    lines = [l for l in lines if l]
    if lines[0] == "cell":
        cell = [lines[i].split() for i in (1, 2, 3)]
        atoms = lines[4:]
    else:
        a = lines[0].split()
        if len(a) != 3:
            die(f"{path}: first line must be 'a b c' or 'cell'")
        cell = [[a[0], "0", "0"], ["0", a[1], "0"], ["0", "0", a[2]]]
        atoms = lines[1:]
    return cell, [l.split()[:4] for l in atoms]


def deck(struct, ecut, kpts, opts):
    cell, atoms = read_structure(struct)
    out = [f"# {opts.get('comment', 'scf deck')}",
           f"# structure: {os.path.relpath(struct, opts.get('deckdir', '.'))}", "", "[structure]", "cell = angstrom"]
    out += ["    " + "  ".join(v) for v in cell]
    out += ["atoms = crystal"] + ["    " + "  ".join(a) for a in atoms]
    out += ["", "[dft]", f"xc = {opts.get('xc', 'PBE')}", f"ecut = {ecut} Ha"]
    if kpts == "gamma":
        out.append("kpoints = gamma")
    else:
        k = kpts.split(",")
        out.append("kpoints = " + " ".join(k[:3]))
        if len(k) == 6:
            out.append("kshift = " + " ".join(k[3:]))
    out.append(f"scf_tol = {opts.get('scf_tol', '1e-10')}")
    for key in ("band_edges", "symmetry", "nbands", "max_scf"):
        if key in opts:
            out.append(f"{key} = {opts[key]}")
    pp = {k[3:]: v for k, v in opts.items() if k.startswith("pp_")}
    if "potentials" in opts or pp:
        out.append(f"potentials = {opts.get('potentials', 'default')}")
        out += [f"    {el} {v}" for el, v in sorted(pp.items())]
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) < 3:
        die(__doc__)
    opts = {}
    for kv in argv[3:]:
        if "=" not in kv:
            die(f"expected key=value, got '{kv}'")
        k, v = kv.split("=", 1)
        opts[k] = v
    sys.stdout.write(deck(argv[0], argv[1], argv[2], opts))


if __name__ == "__main__":
    main(sys.argv[1:])
