# tests/slurm/cluster.sh -- a real single-node SLURM cluster in a temporary directory (sourced by tests).
#
# Nothing in /etc is touched: munged, slurmctld and slurmd run as root on a socket, ports, state, spool, pid and
# log files of their own, found by clients and jobs through the exported SLURM_CONF.  Needs the Debian packages
# slurmctld slurmd slurm-client munge (SLURM 22.05).
#
# Usage (the caller installs the trap, so the cluster is torn down however the test ends):
#     . tests/slurm/cluster.sh
#     trap slurm_stop EXIT
#     slurm_start || exit $?       # 0: cluster up.  Cannot start: prints why and returns 1, or, with
#                                  # ANIONSCAN_SKIP_SLURM=1, prints "SKIP: ..." and exits the caller with 0.
#     cd "$SLURM_WORKDIR"; id=$(sbatch --parsable job.sh); slurm_wait_job "$id" 60 || die ...
#     [ "$(slurm_job_field "$id" JobState)" = COMPLETED ]
# The EXIT trap runs on any `exit` (die, set -e, ...) and also when bash is killed by SIGTERM or SIGINT (so the
# `timeout` in run_all.sh cleans up too); only SIGKILL of the test shell leaves the daemons behind.
# slurm_stop may be called any number of times; it keeps the caller's exit status and, when that is non-zero,
# prints the tail of the daemon logs first.
#
# Variables set by slurm_start: SLURM_CONF (exported), SLURM_HARNESS_DIR (the temporary directory),
# SLURM_WORKDIR (an empty directory in it for job scripts and outputs).
# Tunables: SLURM_HARNESS_KILLWAIT (KillWait, default 5 s), SLURM_HARNESS_EXTRA_CONF (lines added to slurm.conf).
#
# ---- Self-requeue idiom (measured with SLURM 22.05.8 on this harness; tests/slurm/t_harness.sh checks it) ----
# * JobRequeue=1 is SLURM's default and is written to slurm.conf here; with it `scontrol requeue` works on any
#   batch job without `#SBATCH --requeue`.  `#SBATCH --no-requeue` makes it fail ("Requeue of job is disabled").
#   Real scripts should still say `#SBATCH --requeue --open-mode=append`: --requeue documents intent and survives
#   a site with JobRequeue=0; --open-mode=append keeps the first run's output (the default truncates it).
# * `scancel --batch --signal=USR1` (or `#SBATCH --signal=B:USR1@secs`) signals the batch shell only.  bash runs a
#   trap only between commands, so the work must run in the background and the shell must sit in `wait`:
#       prog & pid=$!; wait $pid; ...          (wait returns 128+10 when USR1 arrives; loop on it)
#   The program itself gets nothing unless the script forwards the signal (kill -USR1 $pid) or the job uses
#   --signal=USR1@secs without "B:".
# * On USR1 the script checkpoints (or tells the program to), then runs `scontrol requeue $SLURM_JOB_ID`.  It
#   returns 0 at once; slurmctld then ends the run like scancel does: SIGCONT+SIGTERM to every process of the job
#   (the batch shell included), SIGKILL KillWait seconds later.  So after `scontrol requeue` the script must
#   not expect to run on: trap TERM to exit promptly (`trap 'exit 0' TERM`) and make sure the program has
#   finished writing its checkpoint before requeueing (SIGTERM reaches it too).  Without a TERM trap the shell
#   dies from the signal, also fine.  The exit status of the requeued run is not used: the job is requeued either
#   way.
# * JobState sequence: RUNNING -> (REQUEUED, briefly, may not be seen) -> PENDING with Reason=BeginTime,
#   Restarts=1 and BeginTime about now+120 s (AuthInfo cred_expire, default 120) -> RUNNING -> COMPLETED.
#   `scontrol update JobId=ID StartTime=now` on the PENDING job (slurm_release_requeued) restarts it ~1-2 s later.
#   During PENDING, ExitCode still shows the requeued run (0:15 when the shell was killed by SIGTERM, 0:0 when
#   it trapped TERM and exited 0); the final ExitCode is that of the last run only.
# * In the new run SLURM_RESTART_COUNT=1 (2, ...); it is unset in the first run.  The same output file is
#   reused, the job id does not change, and `scontrol show job` shows Restarts=N.
# -----------------------------------------------------------------------------------------------------------

SLURM_HARNESS_DIR=${SLURM_HARNESS_DIR:-}

_slurm_say() { echo "slurm-harness: $*" >&2; }

# _slurm_port_used PORT : is a TCP port in use (any state) on this machine?
_slurm_port_used() {
  local hex; hex=$(printf ':%04X' "$1")
  awk -v h="$hex" 'FNR > 1 && substr($2, length($2) - 4) == h { found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# _slurm_free_port [EXCLUDE] : a random unused port in 20000..59999
_slurm_free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    [ "$p" = "${1:-}" ] && continue
    _slurm_port_used "$p" || { echo "$p"; return 0; }
  done
  return 1
}

# _slurm_pid NAME : the pid in $SLURM_HARNESS_DIR/NAME.pid (empty if none)
_slurm_pid() {
  local f=$SLURM_HARNESS_DIR/$1.pid
  [ -s "$f" ] && tr -dc '0-9' < "$f"
}

_slurm_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# _slurm_wait_gone TIMEOUT PID... : wait until all pids have exited
_slurm_wait_gone() {
  local t=$1 end p live; shift
  end=$(( $(date +%s) + t ))
  while :; do
    live=
    for p in "$@"; do _slurm_alive "$p" && live="$live $p"; done
    [ -z "$live" ] && return 0
    [ "$(date +%s)" -ge "$end" ] && { echo "$live"; return 1; }
    sleep 0.1
  done
}

# slurm_logs [LINES] : print the tail of every daemon log to stderr
slurm_logs() {
  local f
  [ -n "$SLURM_HARNESS_DIR" ] || return 0
  for f in "$SLURM_HARNESS_DIR"/munged.log "$SLURM_HARNESS_DIR"/slurmctld.log "$SLURM_HARNESS_DIR"/slurmd.log; do
    [ -f "$f" ] || continue
    echo "----- $f (last ${1:-40} lines) -----" >&2
    tail -n "${1:-40}" "$f" >&2
  done
}

# _slurm_fail MESSAGE : could not start -> log, tear down, then fail (return 1) or skip (exit 0)
_slurm_fail() {
  _slurm_say "cannot start SLURM: $*"
  slurm_logs 30
  _slurm_teardown
  if [ "${ANIONSCAN_SKIP_SLURM:-0}" = 1 ]; then
    echo "SKIP: SLURM cannot start here ($*); ANIONSCAN_SKIP_SLURM=1"
    exit 0
  fi
  _slurm_say "set ANIONSCAN_SKIP_SLURM=1 to skip the SLURM tests instead"
  return 1
}

slurm_start() {
  local b d p1 p2 node mem realmem i state
  if [ -n "$SLURM_HARNESS_DIR" ] && [ -d "$SLURM_HARNESS_DIR" ]; then
    _slurm_say "slurm_start: a cluster is already running in $SLURM_HARNESS_DIR"; return 1
  fi
  for b in mungekey munged slurmctld slurmd sbatch squeue scontrol sinfo scancel; do
    command -v "$b" >/dev/null 2>&1 || { SLURM_HARNESS_DIR=; _slurm_fail "'$b' not found (apt-get install slurmctld slurmd slurm-client munge)"; return; }
  done
  # short path: a unix socket path must stay under 108 bytes
  d=$(mktemp -d "${TMPDIR:-/tmp}/aslurm.XXXXXX") || { _slurm_fail "mktemp failed"; return; }
  SLURM_HARNESS_DIR=$d
  chmod 755 "$d"                      # munged refuses a socket directory others cannot enter
  mkdir -p "$d/state" "$d/spool" "$d/work"
  SLURM_WORKDIR=$d/work

  # ---- munge ----
  mungekey --create --keyfile="$d/munge.key" >/dev/null 2>&1 || { _slurm_fail "mungekey --create failed"; return; }
  chmod 600 "$d/munge.key"
  munged --socket="$d/munge.sock" --key-file="$d/munge.key" --pid-file="$d/munged.pid" \
         --log-file="$d/munged.log" --seed-file="$d/munge.seed" 2>"$d/munged.err" \
    || { cat "$d/munged.err" >&2; _slurm_fail "munged failed to start"; return; }
  for i in $(seq 1 40); do [ -S "$d/munge.sock" ] && [ -n "$(_slurm_pid munged)" ] && break; sleep 0.1; done
  [ -S "$d/munge.sock" ] || { _slurm_fail "munged socket $d/munge.sock did not appear"; return; }

  # ---- slurm.conf ----
  p1=$(_slurm_free_port) && p2=$(_slurm_free_port "$p1") || { _slurm_fail "no free TCP port"; return; }
  node=$(slurmd -C 2>/dev/null | head -n 1)
  case $node in NodeName=*CPUs=*) ;; *) _slurm_fail "slurmd -C printed no node line: $node"; return ;; esac
  # take the hardware from slurmd -C, but never claim more memory than there is (that would drain the node)
  node=$(sed -e 's/^NodeName=[^ ]* *//' -e 's/ *RealMemory=[0-9]*//' <<<"$node")
  mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$(slurmd -C 2>/dev/null | head -n 1)")
  realmem=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
  [ -n "$mem" ] && [ "$mem" -le "$realmem" ] || mem=$realmem
  cat > "$d/slurm.conf" <<EOF
# written by tests/slurm/cluster.sh
ClusterName=anionscan-test
SlurmctldHost=localhost
SlurmctldPort=$p1
SlurmdPort=$p2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge.sock
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MinJobAge=600
JobRequeue=1
KillWait=${SLURM_HARNESS_KILLWAIT:-5}
InactiveLimit=0
MailProg=/bin/true
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=localhost NodeAddr=127.0.0.1 $node RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
${SLURM_HARNESS_EXTRA_CONF:-}
EOF
  export SLURM_CONF=$d/slurm.conf

  # ---- daemons (both daemonize and write their pid files) ----
  slurmctld > "$d/slurmctld.out" 2>&1 || { cat "$d/slurmctld.out" >&2; _slurm_fail "slurmctld exited $?"; return; }
  slurmd -N localhost > "$d/slurmd.out" 2>&1 || { cat "$d/slurmd.out" >&2; _slurm_fail "slurmd exited $?"; return; }
  for i in $(seq 1 120); do           # ~30 s
    state=$(sinfo -h -o %t 2>/dev/null)
    [ "$state" = idle ] && return 0
    if [ "$i" -gt 8 ]; then            # pid files are written at once; a vanished daemon will not come back
      _slurm_alive "$(_slurm_pid slurmctld)" || { _slurm_fail "slurmctld died"; return; }
      _slurm_alive "$(_slurm_pid slurmd)" || { _slurm_fail "slurmd died"; return; }
    fi
    sleep 0.25
  done
  _slurm_fail "node not idle after 30 s (sinfo says '${state:-nothing}')"
}

# _slurm_strays : pids of processes this cluster started that outlived their daemons: slurmstepd and job
# processes carry our SLURM_CONF in their environment (slurmd passes its own on).  Our own process tree is
# excluded, as it is not the cluster's.
_slurm_strays() {
  local conf="SLURM_CONF=$SLURM_HARNESS_DIR/slurm.conf" p q comm env mine
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
    env=$({ tr '\0' '\n' < "/proc/$p/environ"; } 2>/dev/null) || continue
    grep -qxF "$conf" <<<"$env" || continue
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    [ "$comm" = slurmstepd ] || grep -q '^SLURM_JOB_ID=' <<<"$env" || continue
    mine=0 q=$p                         # a descendant of this shell (e.g. a test running inside a job)?
    while [ -n "$q" ] && [ "$q" -gt 1 ]; do
      [ "$q" = $$ ] && { mine=1; break; }
      q=$(awk '/^PPid:/ { print $2 }' "/proc/$q/status" 2>/dev/null)
    done
    [ "$mine" = 0 ] && echo "$p"
  done
}

# _slurm_teardown : stop whatever of the cluster runs, remove the directory.  Idempotent.
_slurm_teardown() {
  local d=$SLURM_HARNESS_DIR ctld slurmd munged left ids i
  [ -n "$d" ] && [ -d "$d" ] || { SLURM_HARNESS_DIR=; return 0; }
  ctld=$(_slurm_pid slurmctld); slurmd=$(_slurm_pid slurmd); munged=$(_slurm_pid munged)
  if _slurm_alive "$ctld"; then
    # scontrol shutdown does not end running jobs, and a left-over slurmstepd ignores SIGTERM: cancel first
    ids=$(squeue -h -o %i 2>/dev/null)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086
      scancel $ids 2>/dev/null
      for i in $(seq 1 $(( (${SLURM_HARNESS_KILLWAIT:-5} + 15) * 4 ))); do
        [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
        sleep 0.25
      done
      [ -n "$(squeue -h -o %i 2>/dev/null)" ] && _slurm_say "jobs still queued after scancel: $(squeue -h 2>&1)"
    fi
    scontrol shutdown >/dev/null 2>&1
  fi
  # shellcheck disable=SC2086
  if ! left=$(_slurm_wait_gone 20 $ctld $slurmd); then
    _slurm_say "daemons still alive after shutdown, kill -9:$left"
    # shellcheck disable=SC2086
    kill -9 $left 2>/dev/null; _slurm_wait_gone 5 $left >/dev/null
  fi
  left=$(_slurm_strays)
  if [ -n "$left" ]; then
    _slurm_say "left-over job processes, kill -9: $(echo $left)"
    # shellcheck disable=SC2086
    kill -9 $left 2>/dev/null; _slurm_wait_gone 5 $left >/dev/null
  fi
  if _slurm_alive "$munged"; then
    munged --socket="$d/munge.sock" --stop >/dev/null 2>&1
    if ! _slurm_wait_gone 10 "$munged" >/dev/null; then
      _slurm_say "munged $munged still alive, kill -9"; kill -9 "$munged" 2>/dev/null
      _slurm_wait_gone 5 "$munged" >/dev/null
    fi
  fi
  rm -rf "$d"
  SLURM_HARNESS_DIR=
  [ "${SLURM_CONF:-}" = "$d/slurm.conf" ] && unset SLURM_CONF
  return 0
}

# slurm_stop : cancel all jobs, shut the cluster down, remove its directory.  For `trap slurm_stop EXIT`.
slurm_stop() {
  local rc=$?
  if [ "$rc" != 0 ] && [ -n "$SLURM_HARNESS_DIR" ] && [ -d "$SLURM_HARNESS_DIR" ]; then
    _slurm_say "exit status $rc: daemon logs follow"
    slurm_logs 40
  fi
  _slurm_teardown
  return "$rc"
}

# slurm_job_field ID FIELD : one field of `scontrol show job ID` (JobState, ExitCode, Restarts, Reason, ...)
slurm_job_field() {
  scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# slurm_wait_job ID [TIMEOUT=120] : wait until the job has left the queue (finished, failed or cancelled)
slurm_wait_job() {
  local id=$1 end out
  end=$(( $(date +%s) + ${2:-120} ))
  while :; do
    if out=$(squeue -h -j "$id" -o %i 2>&1); then
      [ -z "$out" ] && return 0
    else
      case $out in *"Invalid job id"*) return 0 ;; esac
    fi
    if [ "$(date +%s)" -ge "$end" ]; then
      _slurm_say "job $id still in the queue after ${2:-120} s: $(slurm_job_field "$id" JobState)"; return 1
    fi
    sleep 0.25
  done
}

# slurm_wait_state ID STATE [TIMEOUT=60] : wait until the job's JobState is STATE (an extended regex, e.g.
# 'RUNNING' or 'PENDING|RUNNING').  Fails at once if the job ends in another state.
slurm_wait_state() {
  local id=$1 want=$2 end s
  end=$(( $(date +%s) + ${3:-60} ))
  while :; do
    s=$(slurm_job_field "$id" JobState)
    grep -qxE "$want" <<<"$s" && return 0
    case $s in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)
      _slurm_say "job $id ended $s while waiting for $want"; return 1 ;;
    esac
    if [ "$(date +%s)" -ge "$end" ]; then
      _slurm_say "job $id is '$s', not $want, after ${3:-60} s"; return 1
    fi
    sleep 0.25
  done
}

# slurm_release_requeued ID [TIMEOUT=60] : wait until the job has been requeued (PENDING with Restarts >= 1),
# then make it eligible at once instead of after the ~120 s BeginTime delay.  Call it right after triggering
# the requeue (e.g. after `scancel --batch --signal=USR1 ID`); it waits for the requeue itself.  For a second
# requeue of the same job, call it again once the job runs again (it only acts on a PENDING job).
slurm_release_requeued() {
  local id=$1 end s r
  end=$(( $(date +%s) + ${2:-60} ))
  while :; do
    s=$(slurm_job_field "$id" JobState); r=$(slurm_job_field "$id" Restarts)
    if [ "$s" = PENDING ] && [ "${r:-0}" -ge 1 ]; then
      # may race with the scheduler starting it anyway: then the update fails and the state is no longer PENDING
      scontrol update JobId="$id" StartTime=now >/dev/null 2>&1 && return 0
    fi
    case $s in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)
      _slurm_say "job $id ended $s before it was requeued"; return 1 ;;
    esac
    if [ "$(date +%s)" -ge "$end" ]; then
      _slurm_say "job $id not requeued after ${2:-60} s (JobState=$s Restarts=$r)"; return 1
    fi
    sleep 0.25
  done
}
