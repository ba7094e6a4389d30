#!/usr/bin/python3
"""Fill the computed columns of tests/regression/bandgaps.tsv.

usage: fill_bandgaps.py [--all] [--check] [--from-validate]
  our_gap_ev  from running bin/anionscan scf on the row's deck (fast rows; --all: every row, the full-size ones take
              minutes) -- OUR number, kept in the table for the record; tests/e2e/t_bandgaps.sh asserts a fresh run
              against the QE column, never against this one
  qe_gap_ev   from the row's QE JSON (tests/tools/compare_result.py's reading: XML precision where the file has it;
              gap_kind 'special' = the gap over the mesh and the reference's extra points)
--check: print the differences, change nothing.
--from-validate: take our gaps of the rows that are not fast from the last `make validate` (build/validate/cases.tsv,
its runs of the same references) instead of running them again.
Run from the repository root."""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import compare_result  # noqa: E402

TSV = os.path.join(ROOT, "tests", "regression", "bandgaps.tsv")


def qe_gap(path, kind):
    ref = json.load(open(os.path.join(ROOT, path)))
    return compare_result.ref_edges(ref, "qe", kind == "special")[2]


def our_gap(deck, kind):
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([os.path.join(ROOT, "bin", "anionscan"), "scf", os.path.join(ROOT, deck), "-o", d],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"fill_bandgaps.py: anionscan scf {deck} exited {p.returncode}: {p.stderr[-500:]}")
        r = json.load(open(os.path.join(d, "result.json")))
    return r["gap_ev"] if kind == "special" else r["gap_mesh_ev"]


def main(argv):
    every, check = "--all" in argv, "--check" in argv
    validated = {}
    vt = os.path.join(ROOT, "build", "validate", "cases.tsv")
    if "--from-validate" in argv and os.path.exists(vt):
        for line in open(vt):
            f = line.rstrip("\n").split("\t")
            if len(f) == 6 and f[4] == "ok":
                validated[f[3]] = f[2]
    lines = open(TSV).read().split("\n")
    head = None
    out = []
    for line in lines:
        if not line or line.startswith("#"):
            out.append(line)
            continue
        f = line.split("\t")
        if head is None:
            head = f
            out.append(line)
            continue
        row = dict(zip(head, f))
        q = qe_gap(row["qe_reference"], row["gap_kind"])
        f[head.index("qe_gap_ev")] = "%.5f" % q
        o = None
        if row["fast"] == "yes" or every:
            o = our_gap(row["deck"], row["gap_kind"])
        elif row["qe_reference"] in validated:
            r = json.load(open(os.path.join(ROOT, validated[row["qe_reference"]])))
            o = r["gap_ev"] if row["gap_kind"] == "special" else r["gap_mesh_ev"]
        if o is not None:
            print(f"{row['system']:<24} {row['ecut_ha']:>4} Ha {row['kpoints']:<10} ours {o:.5f}  QE {q:.5f}  "
                  f"difference {o - q:+.2e} eV")
            f[head.index("our_gap_ev")] = "%.5f" % o
        out.append("\t".join(f))
    if not check:
        open(TSV, "w").write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1:])
