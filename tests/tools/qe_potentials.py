#!/usr/bin/python3
"""Which of our potential sets repeats a Quantum ESPRESSO 6.7 reference: prints 'shipped', 'qe67' or 'any'.

usage: qe_potentials.py REF.json

QE 6.7 mis-normalises the GTH f-channel projector by 1/sqrt(105) (tests/reference/qe/potentials_qe67/README.md);
Cs q9 has an f channel.  A QE run made with the published Cs parameters computes what we compute with
tests/reference/qe/potentials_qe67 (h_f / 105): 'qe67'.  A QE run made with a compensated Cs file (h_f x 105, the
files in tests/reference/qe/pseudo/{PBE,LDA} since the references were regenerated) computes the correct operator,
which is what the shipped potentials/ give: 'shipped'.  A cell without Cs: 'any'.

The Cs file QE read is identified by the MD5 sum pw.x prints (outputs/NAME.out.gz next to results/), matched against
the files under tests/reference/qe/pseudo, and its f-channel h is compared with the shipped one.  The full-size
shared results (tests/validate/reference/qe, no pw.x output kept) were made with the published parameters: 'qe67'.
Exit status 2 when the Cs potential QE used cannot be determined."""
import glob
import gzip
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QE = os.path.join(ROOT, "tests", "reference", "qe")


def die(msg):
    sys.stderr.write("qe_potentials.py: " + msg + "\n")
    sys.exit(2)


def shipped_f(family):
    """(r_f, h_f) of the shipped Cs q9 potential: the last projector line of the CP2K block"""
    lines = [l.split() for l in open(os.path.join(ROOT, "potentials", family, "Cs-q9.gth")) if l.strip()]
    r, n, h = lines[-1][:3]
    return float(r), float(h)


def psp10_h(path, r_f):
    """h of the projector line with radius r_f in a pspcod-10 file"""
    for l in open(path):
        t = l.split()
        if len(t) >= 3 and re.match(r"^-?\d+\.\d+$", t[0]) and abs(float(t[0]) - r_f) < 1e-7 and t[1] == "1":
            return float(t[2])
    return None


def mode(ref_path):
    ref = json.load(open(ref_path))
    pps = ref.get("pseudopotentials") or {}
    name = ref.get("name") or os.path.splitext(os.path.basename(ref_path))[0]
    species = set(pps) or set(ref.get("species_order") or [])
    if not species:  # the short shared form: no species list; the structure table is in its README
        if os.path.abspath(ref_path).startswith(os.path.join(ROOT, "tests", "validate", "reference", "qe")):
            return "qe67" if name.startswith("cspb") else "any"
        die(f"{ref_path}: no species")
    if "Cs" not in species:
        return "any"
    out = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(ref_path))), "outputs", name + ".out.gz")
    if not os.path.exists(out):
        die(f"{ref_path}: no pw.x output {out} to read the Cs potential's MD5 from")
    text = gzip.open(out, "rt").read()
    m = re.search(r"PseudoPot\. # \d+ for Cs read from file:\s*\n\s*(\S+)\s*\n\s*MD5 check sum:\s*(\S+)", text)
    if not m:
        die(f"{out}: no 'PseudoPot. # n for Cs' block")
    md5 = m.group(2)
    cands = [p for p in glob.glob(os.path.join(QE, "pseudo", "**", "Cs-*.gth"), recursive=True)
             if hashlib.md5(open(p, "rb").read()).hexdigest() == md5]
    if not cands:
        die(f"{out}: QE read a Cs file with MD5 {md5} ({m.group(1)}), which is no longer under tests/reference/qe/pseudo")
    for family in ("PBE", "LDA"):  # the f radii differ, so only the file's own family matches
        r_f, h_f = shipped_f(family)
        h = psp10_h(cands[0], r_f)
        if h is None:
            continue
        if abs(h - h_f) < 1e-6 * abs(h_f):
            return "qe67"
        if abs(h - 105 * h_f) < 1e-6 * abs(105 * h_f):
            return "shipped"
    die(f"{cands[0]}: its f-channel h is neither the published one nor 105 times it")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(mode(sys.argv[1]))
