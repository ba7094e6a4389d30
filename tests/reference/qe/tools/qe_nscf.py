#!/usr/bin/python3
"""Quantum ESPRESSO eigenvalues at chosen k-points from a converged density: pw.x scf on a mesh, then
calculation='bands' at the points (non-self-consistent, the scf potential), as anionscan does for the band
edges at the special points.  Prints (and with --name saves) a JSON record.

usage: qe_nscf.py [--name NAME] STRUCT ECUT_HA KPTS NP POINTS [key=value ...]
  STRUCT, ECUT_HA, KPTS, NP and the keys: as qe_ref.py (its make_input and parse_xml are used, so the scf step
          is exactly a qe_ref.py run)
  POINTS  'label:k1,k2,k3;label:k1,k2,k3;...' in crystal coordinates of the reciprocal lattice
  --name  also write results/NAME.json and outputs/NAME.out.gz (both pw.x outputs, scf then bands)
Eigenvalues in Ha from QE's XML (full precision) and in eV (x 27.211386245988, QE's factor)."""
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import qe_ref  # noqa: E402


def run(d, inp, tag, np_):
    open(f"{d}/{tag}.in", "w").write(inp)
    cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(np_), "pw.x", "-in", f"{d}/{tag}.in"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    out = p.stdout
    open(f"{d}/{tag}.out", "w").write(out)
    if p.returncode != 0 or "JOB DONE" not in out:
        sys.stderr.write(out[-3000:] + p.stderr[-2000:])
        sys.exit(f"qe_nscf.py: pw.x ({tag}) failed (exit {p.returncode}); files in {d}")
    return out, time.time() - t0


def main(argv):
    name = None
    if argv and argv[0] == "--name":
        name, argv = argv[1], argv[2:]
    if len(argv) < 5:
        sys.exit(__doc__)
    st, ecut, kp, np_, pts = argv[0], float(argv[1]), argv[2], int(argv[3]), argv[4]
    extra = dict(a.split("=", 1) for a in argv[5:])
    points = []
    for item in pts.split(";"):
        lab, k = item.split(":")
        points.append((lab.strip(), [float(v) for v in k.split(",")]))
    d = tempfile.mkdtemp(prefix="qe_nscf_")
    inp, meta = qe_ref.make_input(st, ecut, kp, extra, d)
    out_scf, t_scf = run(d, inp, "scf", np_)
    xs = qe_ref.parse_xml(f"{d}/x.xml")
    # the bands step: same input, calculation='bands', explicit points, no forces/stress
    binp = inp.replace("calculation='scf'", "calculation='bands'")
    binp = binp.replace(" tprnfor=.true., tstress=.true.,", "")
    binp = re.sub(r"K_POINTS .*\Z", "K_POINTS crystal\n%d\n" % len(points)
                  + "".join("%.10f %.10f %.10f 1\n" % tuple(k) for _, k in points), binp, flags=re.S)
    if binp == inp or "calculation='bands'" not in binp:
        sys.exit("qe_nscf.py: could not turn the scf input into a bands input")
    out_b, t_b = run(d, binp, "bands", np_)
    xb = qe_ref.parse_xml(f"{d}/x.xml")
    ver = re.search(r"Program PWSCF v\.(\S+) starts", out_scf)
    nocc = int(round(meta["n_electrons"] / 2))
    r = {"name": name, "structure": os.path.relpath(os.path.abspath(st), ROOT) if os.path.abspath(st).startswith(ROOT)
         else st, "ecut_ha": ecut, "kpoints": kp, "np": np_, "settings": extra,
         "pseudopotentials": meta["pseudopotentials"], "nbnd": meta["nbnd"], "n_electrons": meta["n_electrons"],
         "calculation": "scf on the mesh, then calculation='bands' at the points",
         "qe_version": ver.group(1) if ver else None,
         "energy_ha": xs["total_energy_ha"]["etot"], "fft_grid": xs["fft_grid"],
         "scf_highest_occupied_ha": xs.get("highestOccupiedLevel"),
         "scf_lowest_unoccupied_ha": xs.get("lowestUnoccupiedLevel"),
         "points": []}
    if len(xb["ks"]) != len(points):
        sys.exit(f"qe_nscf.py: {len(xb['ks'])} k-points in the bands XML, expected {len(points)}")
    for (lab, k), ks in zip(points, xb["ks"]):
        eig = ks["eig"]
        r["points"].append({"label": lab, "crystal": k, "cart_2pi_alat": ks["k"], "npw": ks["npw"],
                            "eigenvalues_ha": eig, "eigenvalues_ev": [v * qe_ref.HA_EV for v in eig],
                            "vbm_ev": eig[nocc - 1] * qe_ref.HA_EV, "cbm_ev": eig[nocc] * qe_ref.HA_EV})
    r["qe"] = {"command": f"mpirun -np {np_} pw.x -in <input>, OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1",
               "input_scf": inp.replace(d, "<tmp>"), "input_bands": binp.replace(d, "<tmp>")}
    r["wall_s"] = round(t_scf + t_b, 2)
    text = json.dumps(r, indent=1)
    print(text)
    if name:
        open(os.path.join(ROOT, "results", name + ".json"), "w").write(text + "\n")
        os.makedirs(os.path.join(ROOT, "outputs"), exist_ok=True)
        with gzip.open(os.path.join(ROOT, "outputs", name + ".out.gz"), "wt") as f:
            f.write(out_scf + "\n" + out_b)
        r["output_file"] = f"outputs/{name}.out.gz"


if __name__ == "__main__":
    main(sys.argv[1:])
