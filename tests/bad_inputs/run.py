#!/usr/bin/python3
"""The catalogue of bad inputs: every tests/bad_inputs/cases/*.case is one input anionscan must refuse
(or, for a few, accept), with its exact exit status and the pieces its message must have.

A case file:
    # what it covers (comment lines)
    cmd: check deck.in          the anionscan command line, run in a fresh directory
    status: 2                   the exact exit status
    stderr: deck.in:4:          substrings stderr must contain (several lines: all of them)
    stdout: ok                  substrings stdout must contain
    setup: relax si.in -o run   an anionscan command run first (exit 0 or 3), e.g. a tiny relax for a valid
                                checkpoint to corrupt (keep it under a second or two)
    corrupt: run/relax.chk 0.5 ffffffff  overwrite bytes (hex) at that fraction of the file's payload, then
                                fix the frame's checksum (relax.chk: 16-byte header, 8-byte FNV-1a at the end)
    == deck.in                  a file of the case, its text up to the next '== ' line
    ...
    == bad.cif escaped          the same with Python escapes (\\x00, \\r, \\xef\\xbb\\xbf) decoded and no
                                newline added at the end (binary files: checkpoints)
    == big.cif sparse=300000000 the text, then a hole up to that many bytes (a huge file on no disk)
    == run/relax.chk symlink=/dev/zero  a symbolic link instead of a file
Every file of fixtures/ is copied into the directory too (valid structures to point decks at).
A case that fails non-zero must name what it expects on stderr; a case that hangs (20 s) fails.
Usage: run.py [CASE...]   (ANIONSCAN: the binary, default bin/anionscan of the tree)."""
import concurrent.futures
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("ANIONSCAN", os.path.join(TOP, "bin", "anionscan"))
TIMEOUT = 20


def parse(path):
    case = {"cmd": None, "status": None, "stderr": [], "stdout": [], "files": [], "setup": [], "corrupt": []}
    cur = None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for ln in lines:
        if ln.startswith("== "):
            words = ln[3:].split()
            sparse = [int(w[7:]) for w in words[1:] if w.startswith("sparse=")]
            link = [w[8:] for w in words[1:] if w.startswith("symlink=")]
            cur = {"name": words[0], "escaped": "escaped" in words[1:], "lines": [], "size": sparse[0] if sparse else None,
                   "link": link[0] if link else None}
            case["files"].append(cur)
        elif cur is not None:
            cur["lines"].append(ln)
        elif ln.startswith("#") or not ln.strip():
            continue
        else:
            key, _, val = ln.partition(":")
            key, val = key.strip(), val.strip()
            if key in ("stderr", "stdout"):
                case[key].append(val)
            elif key == "cmd":
                case["cmd"] = val.split()
            elif key == "setup":
                case["setup"].append(val.split())
            elif key == "corrupt":
                case["corrupt"].append(val.split())
            elif key == "status":
                case["status"] = int(val)
            else:
                raise ValueError(f"{path}: unknown header '{key}'")
    if not case["cmd"] or case["status"] is None:
        raise ValueError(f"{path}: needs 'cmd:' and 'status:'")
    if case["status"] != 0 and not case["stderr"]:
        raise ValueError(f"{path}: a failing case must say what stderr has")
    return case


# The sanitized build (make check SANITIZE=1 exports ASAN_OPTIONS) reserves terabytes of shadow address space
# at start-up and cannot run under an address-space limit; it gets AddressSanitizer's own: no single
# allocation over 4 GB (malloc returns NULL, as under the limit) and at most 4 GB resident.
SANITIZED = "ASAN_OPTIONS" in os.environ


def limit_memory():
    """A case that reads a device or allocates without a check must fail here, not make the machine's
    memory run out (the OOM killer picks any process): 4 GB of address space per case."""
    if not SANITIZED:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def fnv1a(data):
    h = 0xcbf29ce484222325
    for c in data:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return h


def corrupt(path, frac, new):
    """Overwrite bytes inside a checkpoint frame's payload and make its checksum hold again: what a
    reader must survive when damage (or a hand) leaves a consistent frame around wrong numbers."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    n = len(data) - 24
    at = 16 + min(max(0, int(frac * n)), n - len(new))
    data[at:at + len(new)] = new
    data[-8:] = fnv1a(bytes(data[:-8])).to_bytes(8, "little")
    with open(path, "wb") as f:
        f.write(data)


def run(path):
    name = os.path.basename(path)
    try:
        case = parse(path)
    except (ValueError, OSError) as e:
        return name, False, str(e), 0.0
    d = tempfile.mkdtemp(prefix="badin.")
    t0 = time.time()
    try:
        fx = os.path.join(HERE, "fixtures")
        for f in sorted(os.listdir(fx)):
            shutil.copy(os.path.join(fx, f), d)
        for f in case["files"]:
            text = "\n".join(f["lines"])
            data = (text + "\n").encode("utf-8")
            if f["escaped"]:  # byte-exact: no newline added at the end
                data = text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
            target = os.path.join(d, f["name"])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if f["link"]:  # e.g. a device where a file belongs
                os.symlink(f["link"], target)
                continue
            with open(target, "wb") as out:
                out.write(data)
                if f["size"]:  # a huge file without the disk: a hole up to that size
                    out.truncate(f["size"])
        # one process each: MPI's loopback transport alone starts in half the time
        env = dict(os.environ, OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1",
                   OMPI_MCA_btl="self", OMPI_MCA_pml="ob1")
        if SANITIZED:
            env["ASAN_OPTIONS"] = (os.environ["ASAN_OPTIONS"] + ":allocator_may_return_null=1"
                                   ":max_allocation_size_mb=4096:hard_rss_limit_mb=4096")
        for args in case["setup"]:
            p = subprocess.run([BIN] + args, cwd=d, capture_output=True, timeout=TIMEOUT, env=env)
            if p.returncode not in (0, 3):
                return name, False, f"setup '{' '.join(args)}' exited {p.returncode}: {p.stderr.decode()[-300:]}", 0.0
        for path, frac, hexbytes in case["corrupt"]:
            corrupt(os.path.join(d, path), float(frac), bytes.fromhex(hexbytes))
        try:
            p = subprocess.run([BIN] + case["cmd"], cwd=d, capture_output=True, timeout=TIMEOUT, env=env,
                               preexec_fn=limit_memory)
        except subprocess.TimeoutExpired:
            return name, False, f"no answer within {TIMEOUT} s", time.time() - t0
        err = p.stderr.decode("utf-8", "replace")
        out = p.stdout.decode("utf-8", "replace")
        why = []
        if p.returncode != case["status"]:
            why.append(f"exit status {p.returncode}, expected {case['status']}")
        why += [f"stderr lacks '{s}'" for s in case["stderr"] if s not in err]
        why += [f"stdout lacks '{s}'" for s in case["stdout"] if s not in out]
        if why:
            return name, False, "; ".join(why) + f"\n      stderr: {err.strip()[:600]}\n      stdout: {out.strip()[-300:]}", time.time() - t0
        return name, True, err.strip().split("\n")[-1][:160] if err.strip() else out.strip().split("\n")[-1][:160], time.time() - t0
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    cases = sys.argv[1:] or sorted(os.path.join(HERE, "cases", c) for c in os.listdir(os.path.join(HERE, "cases"))
                                   if c.endswith(".case"))
    # four at a time: a case spends most of its half second starting MPI, not computing
    jobs = int(os.environ.get("BAD_INPUTS_JOBS", 4))
    t0, failed = time.time(), 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for name, ok, msg, dt in ex.map(run, cases):
            print(f"{'ok  ' if ok else 'FAIL'}  {name:48s} {dt:4.1f} s  {msg}")
            failed += not ok
    print(f"bad inputs: {len(cases) - failed} of {len(cases)} cases passed in {time.time() - t0:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
