#!/usr/bin/env bash
# Runs every tests/slurm/t_*.sh; prints PASS/FAIL/SKIP per test.  Each test starts and stops its own cluster
# (tests/slurm/cluster.sh, ~1 s to start, ~3 s to stop): tests stay independent and runnable alone, and a
# failed test cannot leave jobs behind for the next one.  ANIONSCAN_SKIP_SLURM=1 turns "SLURM cannot start
# here" into SKIP (exit 0) instead of FAIL.
cd "$(dirname "$0")/../.." || exit 1
export ANIONSCAN="${ANIONSCAN:-$PWD/bin/anionscan}" TOP="$PWD"  # make SANITIZE=1 sets bin-san/anionscan
mkdir -p build
fail=0
for t in tests/slurm/t_*.sh; do
  log="build/slurm_$(basename "$t" .sh).log"
  start=$(date +%s)
  # a hung job must not hang make check; the test's EXIT trap still stops its cluster on SIGTERM
  timeout 600 bash "$t" > "$log" 2>&1; rc=$?
  secs=$(( $(date +%s) - start ))
  if [ "$rc" = 0 ] && grep -q '^SKIP:' "$log"; then echo "SKIP  $t ($(grep -m1 '^SKIP:' "$log"))"
  elif [ "$rc" = 0 ]; then echo "PASS  $t (${secs} s)"
  else
    echo "FAIL  $t (exit $rc; 124 = timed out) -- full log: $log"
    grep -m5 -E '^(FAILED|slurm-harness)' "$log"; echo "..."; tail -40 "$log"; fail=1
  fi
done
exit $fail
