#!/usr/bin/env bash
# Runs every tests/e2e/t_*.sh; each exits non-zero on failure.  Prints PASS/FAIL per test with its time.
# The tests run single-process, so as many run at once as the machine has cores (E2E_JOBS to change it):
# the suite takes about half the time on 2 cores.  Each test works in its own temporary directory.
cd "$(dirname "$0")/../.." || exit 1
export ANIONSCAN="${ANIONSCAN:-$PWD/bin/anionscan}" TOP="$PWD"  # make SANITIZE=1 sets bin-san/anionscan
jobs=${E2E_JOBS:-$(getconf _NPROCESSORS_ONLN 2> /dev/null || echo 1)}  # not nproc: it answers OMP_NUM_THREADS
mkdir -p build
one() { # TEST: run it, print its line; exit status 1 on failure
  local t=$1 log start
  log="build/$(basename "$t" .sh).log"
  start=$(date +%s)
  if bash "$t" > "$log" 2>&1; then echo "PASS  $t ($(( $(date +%s) - start )) s)"
  else { echo "FAIL  $t"; tail -40 "$log"; } | flock build/.e2e.lock cat; return 1; fi
}
export -f one
ls tests/e2e/t_*.sh | xargs -P "$jobs" -I{} bash -c 'one {}'
