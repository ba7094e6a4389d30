#!/usr/bin/python3
"""Convert one CP2K-format GTH pseudopotential block (potentials/<XC>/<El>-q<N>.gth) to ABINIT's pspcod=10 text
format, which ABINIT and Quantum ESPRESSO read from files named *.gth.

usage: cp2k2psp10.py BLOCK_FILE [--pspxc N] [--qe67-ffix] > OUT.gth
  --pspxc  ABINIT ixc code written into the file; QE 6.7's reader (Modules/gth.f90, readgth) maps 1 -> PZ (LDA),
           7 -> PW, 11 -> PBE, 18 -> BLYP.  Default: 1 if the CP2K name says GTH-PADE / GTH-LDA, 11 for GTH-PBE.
  --qe67-ffix  multiply the f-channel (l = 3) h coefficient by 105 to undo Quantum ESPRESSO 6.7's f-projector
           normalisation (its Modules/gth.f90 scales the l = 3 projector by 1/105 instead of 1/sqrt(105), so the
           f-channel energy comes out 105 times too small; see check_gth_projectors.py and README.md).  Only for
           files fed to QE 6.7; ABINIT and any correct code must get the file without it.  Needs 1 f projector.
Extended from /work/shared/reference/qe/cp2k2psp10.py: the header keeps the CP2K name, the xc code is selectable,
channels with 0 projectors are allowed.  The CP2K file holds no spin-orbit k^l coefficients: they are written as 0
(scalar-relativistic use only).  Lengths bohr, h_ij hartree, unchanged (pspcod=10 uses the same units)."""
import sys
Z = {"H": 1, "C": 6, "N": 7, "O": 8, "Na": 11, "Si": 14, "Cl": 17, "Ga": 31, "As": 33, "Br": 35, "I": 53, "Cs": 55,
     "Pb": 82}
args = sys.argv[1:]
pspxc = None
ffix = "--qe67-ffix" in args
if ffix:
    args.remove("--qe67-ffix")
if "--pspxc" in args:
    k = args.index("--pspxc"); pspxc = int(args[k + 1]); del args[k:k + 2]
lines = [l for l in open(args[0]).read().splitlines() if l.strip() and not l.startswith('#')]
head = lines[0].split()
el, name = head[0], head[1]
if pspxc is None:
    if "PADE" in name or "LDA" in name:
        pspxc = 1
    elif "PBE" in name:
        pspxc = 11
    else:
        sys.exit(f"{args[0]}: cannot tell the functional of '{name}': pass --pspxc")
nelec = [int(x) for x in lines[1].split()]
zion = sum(nelec)
t = lines[2].split(); rloc = float(t[0]); nc = int(t[1]); cs = [float(x) for x in t[2:2 + nc]]
nnl = int(lines[3].split()[0])
i = 4; chans = []
for l in range(nnl):
    t = lines[i].split(); r = float(t[0]); n = int(t[1]); h = [[0.0] * n for _ in range(n)]
    row = [float(x) for x in t[2:]]; i += 1
    for a in range(n):
        if a > 0:
            row = [float(x) for x in lines[i].split()]; i += 1
        if len(row) != n - a:
            sys.exit(f"{args[0]}: channel l={l} row {a + 1}: expected {n - a} numbers, got {len(row)}")
        for b, v in enumerate(row):
            h[a][a + b] = v; h[a + b][a] = v
    if ffix and l == 3 and n > 0:
        if n != 1:
            sys.exit(f"{args[0]}: --qe67-ffix handles one f projector, this file has {n}")
        h[0][0] *= 105.0
    chans.append((r, n, h))
if i != len(lines):
    sys.exit(f"{args[0]}: {len(lines) - i} unread lines after the projectors")
fixed = ffix and nnl > 3 and chans[3][1] > 0
out = [f"{el} {name} (CP2K GTH_POTENTIALS) converted to ABINIT pspcod=10, pspxc={pspxc}"
       + (", f-channel h x105 for QE 6.7 ONLY" if fixed else ""),
       f"{Z[el]} {zion} 010101  zatom,zion,pspdat",
       f"10 {pspxc} {nnl - 1} 0 2001 0  pspcod,pspxc,lmax,lloc,mmax,r2well",
       f"{rloc:.8f} {nc} " + " ".join(f"{c:.8f}" for c in cs) + "  rloc nloc c1..",
       f"{nnl}  nnonloc"]
for l, (r, n, h) in enumerate(chans):
    out.append(f"{r:.8f} {n} " + " ".join(f"{h[0][b]:.8f}" for b in range(n)))
    for a in range(1, n):
        out.append(" ".join(f"{h[a][b]:.8f}" for b in range(a, n)))
    if l > 0:
        for a in range(n):
            out.append(" ".join("0.0" for b in range(a, n)))
print("\n".join(out))
