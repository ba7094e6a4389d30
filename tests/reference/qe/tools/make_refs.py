#!/usr/bin/python3
"""Run the reference cases of cases.py through qe_ref.py (results/NAME.json, outputs/NAME.out.gz).
usage: make_refs.py [--np N] [NAME_OR_GROUP ...]     (no argument: every case; a group: fast extra defect relax ev const)
Run from anywhere; paths are relative to tests/reference/qe."""
import sys, os, subprocess
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from cases import CASES

args = sys.argv[1:]
np_ = "2"
if args[:1] == ["--np"]:
    np_ = args[1]; args = args[2:]
sel = [c for c in CASES if not args or c[0] in args or c[5] in args]
if not sel:
    sys.exit(f"make_refs.py: no case matches {args}")
fail = 0
for name, st, ecut, kp, extra, group, why in sel:
    cmd = [sys.executable, os.path.join(HERE, "qe_ref.py"), "--name", name, st, str(ecut), kp, np_] + \
          [f"{k}={v}" for k, v in extra.items()]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    print(p.stdout.strip() if p.returncode == 0 else f"FAILED {name}: {p.stderr.strip()[-500:]}", flush=True)
    fail += p.returncode != 0
sys.exit(1 if fail else 0)
