#!/usr/bin/env bash
# Runs every tests/mpi/t_*.sh under mpirun (the scripts call $MPIRUN themselves).
cd "$(dirname "$0")/../.." || exit 1
export ANIONSCAN="${ANIONSCAN:-$PWD/bin/anionscan}" TOP="$PWD"  # make SANITIZE=1 sets bin-san/anionscan
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export MPIRUN="mpirun --oversubscribe"
[ "$(id -u)" = 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
fail=0
for t in tests/mpi/t_*.sh; do
  log="build/mpi_$(basename "$t" .sh).log"
  # a rank waiting in a collective the others never reach would hang forever: fail it instead
  start=$(date +%s)
  if timeout 900 bash "$t" > "$log" 2>&1; then echo "PASS  $t ($(( $(date +%s) - start )) s)"; else echo "FAIL  $t (exit $?; 124 = timed out)"; tail -40 "$log"; fail=1; fi
done
exit $fail
