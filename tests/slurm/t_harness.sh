#!/usr/bin/env bash
# Smoke test of tests/slurm/cluster.sh: MPI under sbatch (mpirun and srun --mpi=pmix), then a job that requeues
# itself on USR1 (the idiom documented at the top of cluster.sh) and finishes in its second run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/cluster.sh
. "$here/cluster.sh"
die() { echo "FAILED: $*" >&2; exit 1; }
trap slurm_stop EXIT
slurm_start || exit $?
cd "$SLURM_WORKDIR" || die "no work dir"

# check_done ID OUTFILE : the job finished COMPLETED with ExitCode 0:0
check_done() {
  local s e
  slurm_wait_job "$1" 60 || die "job $1 did not finish"
  s=$(slurm_job_field "$1" JobState); e=$(slurm_job_field "$1" ExitCode)
  if [ "$s" != COMPLETED ] || [ "$e" != 0:0 ]; then cat "$2" >&2; die "job $1: JobState=$s ExitCode=$e"; fi
}

# ---- 2-rank MPI jobs, both ways (the second waits for the first: the node has 2 CPUs) ----
cat > mpirun.sh <<'EOF'
#!/bin/bash
#SBATCH -n 2 -o mpirun.out
mpirun --allow-run-as-root -np 2 hostname
EOF
cat > srun.sh <<'EOF'
#!/bin/bash
#SBATCH -n 2 -o srun.out
srun --mpi=pmix -n 2 hostname
EOF
id1=$(sbatch --parsable mpirun.sh) || die "sbatch mpirun.sh"
id2=$(sbatch --parsable srun.sh) || die "sbatch srun.sh"
check_done "$id1" mpirun.out
check_done "$id2" srun.out
host=$(hostname)
for f in mpirun.out srun.out; do
  [ "$(grep -cxF "$host" "$f")" = 2 ] || { cat "$f" >&2; die "$f: expected 2 lines '$host'"; }
done
echo "ok: mpirun and srun --mpi=pmix, 2 ranks each"

# ---- self-requeue on USR1, the idiom of cluster.sh's header ----
cat > requeue.sh <<'EOF'
#!/bin/bash
#SBATCH -n 1 -o requeue.out --requeue --open-mode=append
echo "run ${SLURM_RESTART_COUNT:-0} start"
# stands for anionscan: on USR1 it stops at a safe point, checkpoint written, with exit status 5 (resumable)
prog() {
  if [ "${SLURM_RESTART_COUNT:-0}" -ge 1 ]; then echo "resumed from checkpoint, finished"; exit 0; fi
  trap 'echo "checkpoint written"; exit 5' USR1
  echo ready
  while :; do sleep 0.1; done
}
on_usr1() {
  kill -USR1 "$pid"; wait "$pid"; rc=$?
  echo "program stopped ($rc)"
  [ "$rc" = 5 ] || exit "$rc"
  scontrol requeue "$SLURM_JOB_ID" || exit 1
  exit 0                     # the program has exited already: nothing left for SIGTERM to stop
}
on_term() { echo "TERM"; kill -TERM "$pid" 2>/dev/null; wait "$pid"; exit 0; }
trap on_usr1 USR1; trap on_term TERM
prog & pid=$!
while :; do wait "$pid"; rc=$?; kill -0 "$pid" 2>/dev/null || break; done
echo "run ${SLURM_RESTART_COUNT:-0} exit $rc"; exit "$rc"
EOF
id=$(sbatch --parsable requeue.sh) || die "sbatch requeue.sh"
slurm_wait_output requeue.out '^ready$' 30 || die "requeue.sh never got ready"
scancel --batch --signal=USR1 "$id" || die "scancel --signal=USR1"
slurm_release_requeued "$id" 30 || die "job $id was not requeued"
check_done "$id" requeue.out
r=$(slurm_job_field "$id" Restarts)
[ "$r" = 1 ] || die "Restarts=$r, expected 1"
for want in '^run 0 start$' '^checkpoint written$' '^program stopped \(5\)$' \
            '^run 1 start$' '^resumed from checkpoint, finished$' '^run 1 exit 0$'; do
  grep -qE "$want" requeue.out || { cat requeue.out >&2; die "requeue.out lacks /$want/"; }
done
grep -q '^run 0 exit' requeue.out && { cat requeue.out >&2; die "first run was not ended by the requeue"; }
echo "ok: self-requeue on USR1, Restarts=$r"
