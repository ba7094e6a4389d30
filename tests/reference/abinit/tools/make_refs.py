#!/usr/bin/python3
"""Run the reference cases of cases.py through abinit_ref.py (results/NAME.json, outputs/NAME.abo.gz).
usage: make_refs.py [--np N] [NAME_OR_GROUP ...]   (no argument: every case; groups: fast extra defect full)
--np overrides the ranks of cases.py (1 for Gamma-only cases: ABINIT parallelises over k-points).
Run from anywhere; paths are relative to tests/reference/abinit."""
import sys, os, subprocess
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from cases import CASES

args = sys.argv[1:]
np_ = None
if args[:1] == ["--np"]:
    np_ = args[1]; args = args[2:]
sel = [c for c in CASES if not args or c[0] in args or c[5] in args]
if not sel:
    sys.exit(f"make_refs.py: no case matches {args}")
fail = 0
for name, st, ecut, kp, extra, group, why, qe in sel:
    ex = dict(extra)
    if np_:
        ex["np"] = np_
    cmd = [sys.executable, os.path.join(HERE, "abinit_ref.py"), "--name", name, st, str(ecut), kp] + \
          [f"{k}={v}" for k, v in ex.items()]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if p.returncode == 0:
        import json
        d = json.loads(p.stdout)
        print(f"{name}: E = {d['energy_ha']:.9f} Ha, gap = {d['gap_ev']}, {d['wall_s']} s", flush=True)
    else:
        print(f"FAILED {name}: {p.stderr.strip()[-1500:]}", flush=True)
    fail += p.returncode != 0
sys.exit(1 if fail else 0)
