# shellcheck shell=bash
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
# ---- Self-requeue idiom (measured with SLURM 22.05.8 on this harness; tests/slurm/t_harness.sh runs it) ----
# * `scontrol requeue ID` works for batch jobs when JobRequeue=1 (SLURM's default, also written below) even
#   without `#SBATCH --requeue`; with `#SBATCH --no-requeue` it fails ("Requested operation is presently
#   disabled for job n", exit 1) and the job runs on.  Real scripts should still say
#   `#SBATCH --requeue --open-mode=append`: --requeue keeps it working on sites with JobRequeue=0 (slurm.conf(5)),
#   and without --open-mode=append the rerun truncates the first run's output.
# * `scancel --batch --signal=USR1 ID` (or `#SBATCH --signal=B:USR1@secs`) signals the batch shell only, and bash
#   runs a trap only between commands: the program must run in the background while the shell sits in `wait`
#   (which returns 138 when USR1 arrives).  The program gets the signal only if the script forwards it.
# * The idiom that works (program = anionscan, which stops at a safe point on USR1 with exit status 5):
#       on_usr1() { kill -USR1 "$pid"; wait "$pid"; rc=$?          # checkpoint written, program gone
#                   [ "$rc" = 5 ] || exit "$rc"
#                   scontrol requeue "$SLURM_JOB_ID" || exit 1; exit 0; }
#       on_term() { kill -TERM "$pid" 2>/dev/null; wait "$pid"; exit 0; }
#       trap on_usr1 USR1; trap on_term TERM
#       prog & pid=$!
#       while :; do wait "$pid"; rc=$?; kill -0 "$pid" 2>/dev/null || break; done; exit "$rc"
#   `scontrol requeue` returns 0 at once; slurmctld then ends the run like scancel: if anything of the job still
#   runs, "*** JOB n ON host CANCELLED AT ... DUE TO JOB REQUEUE ***" goes to the output and SIGTERM to every
#   process of the job (the batch shell too; its TERM trap runs after the current command), SIGKILL KillWait
#   (here 5 s) later.  Hence: checkpoint BEFORE requeueing, and leave no work running after it.  on_term also
#   covers scancel and the time limit.  It waits for the program before exiting because with
#   proctrack/linuxproc a child orphaned by the shell's exit is no longer seen as part of the job and keeps
#   running (seen with `scontrol requeue; exit 3` while the child ran, and with mpirun after scancel; slurm_stop
#   kills such strays).  Whether the shell then exits 0, exits 3 or dies of the SIGTERM does not matter: the
#   job is requeued the same way, and ExitCode shows 0:0 while it is pending.
# * JobState sequence: RUNNING -> COMPLETING (Restarts=1; brief, not always seen) -> PENDING Reason=BeginTime
#   with EligibleTime = StartTime = requeue time + 121 s (AuthInfo cred_expire, default 120) -> after
#   `scontrol update JobId=ID StartTime=now` (slurm_release_requeued) PENDING Reason=None -> RUNNING ~1 s
#   later -> COMPLETED.  Restarts counts the requeues; job id and output file stay the same; the final
#   ExitCode is that of the last run.  Releasing in the same second as the requeue makes the rerun FAIL
#   (revoked credential, see slurm_release_requeued); real clusters wait the 120 s, so only tests hit that.
# * SLURM_RESTART_COUNT is unset in the first run and 1, 2, ... in the reruns.
# * Latency: with SLURM's default scheduler settings a submitted or released job waits ~3 s for the scheduler;
#   SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000 (below) cuts that to <1 s, except for the
#   first job after start (~3 s).
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
    command -v "$b" >/dev/null 2>&1 && continue
    SLURM_HARNESS_DIR=
    _slurm_fail "'$b' not found (apt-get install slurmctld slurmd slurm-client munge)"; return
  done
  # short path: a unix socket path must stay under 108 bytes
  d=$(mktemp -d "${TMPDIR:-/tmp}/aslurm.XXXXXX") || { _slurm_fail "mktemp failed"; return; }
  SLURM_HARNESS_DIR=$d
  chmod 755 "$d"                      # munged refuses a socket directory others cannot enter
  mkdir -p "$d/state" "$d/spool" "$d/tmp" "$d/work"
  # shellcheck disable=SC2034  # for the caller
  SLURM_WORKDIR=$d/work

  # ---- munge ----
  mungekey --create --keyfile="$d/munge.key" >/dev/null 2>&1 || { _slurm_fail "mungekey --create failed"; return; }
  chmod 600 "$d/munge.key"
  munged --socket="$d/munge.sock" --key-file="$d/munge.key" --pid-file="$d/munged.pid" \
         --log-file="$d/munged.log" --seed-file="$d/munge.seed" 2>"$d/munged.err"; i=$?
  [ "$i" = 0 ] || { cat "$d/munged.err" >&2; _slurm_fail "munged exited $i"; return; }
  for i in $(seq 1 40); do [ -S "$d/munge.sock" ] && [ -n "$(_slurm_pid munged)" ] && break; sleep 0.1; done
  [ -S "$d/munge.sock" ] || { _slurm_fail "munged socket $d/munge.sock did not appear"; return; }

  # ---- slurm.conf ----
  { p1=$(_slurm_free_port) && p2=$(_slurm_free_port "$p1"); } || { _slurm_fail "no free TCP port"; return; }
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
# the pmix plugin makes TmpFS/spmix_appdir_<uid>_<job>.<step>: with /tmp, two clusters at once clash on job ids
TmpFS=$d/tmp
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
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
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
  slurmctld > "$d/slurmctld.out" 2>&1; i=$?
  [ "$i" = 0 ] || { cat "$d/slurmctld.out" >&2; _slurm_fail "slurmctld exited $i"; return; }
  slurmd -N localhost > "$d/slurmd.out" 2>&1; i=$?
  [ "$i" = 0 ] || { cat "$d/slurmd.out" >&2; _slurm_fail "slurmd exited $i"; return; }
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

# _slurm_kill9 PID... : SIGKILL those of the pids that are still a daemon or job process of this cluster (the
# comm name is checked first, so a pid reused by an unrelated process is spared), then wait for them
_slurm_kill9() {
  local p c dead=
  for p in "$@"; do
    c=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    case $c in slurmctld|slurmd|munged) ;; *) _slurm_strays | grep -qx "$p" || continue ;; esac
    kill -9 "$p" 2>/dev/null && dead="$dead $p"
  done
  # shellcheck disable=SC2086
  [ -z "$dead" ] || _slurm_wait_gone 5 $dead >/dev/null
}

# _slurm_teardown : stop whatever of the cluster runs, remove the directory.  Idempotent.
_slurm_teardown() {
  local d=$SLURM_HARNESS_DIR ctld slurmd munged left ids i
  if [ -z "$d" ] || [ ! -d "$d" ]; then SLURM_HARNESS_DIR=; return 0; fi
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
    _slurm_kill9 $left
  fi
  left=$(_slurm_strays)
  if [ -n "$left" ]; then
    _slurm_say "left-over job processes, kill -9: ${left//$'\n'/ }"
    # shellcheck disable=SC2086
    _slurm_kill9 $left
  fi
  if _slurm_alive "$munged"; then
    munged --socket="$d/munge.sock" --stop >/dev/null 2>&1
    if ! _slurm_wait_gone 10 "$munged" >/dev/null; then
      _slurm_say "munged $munged still alive, kill -9"
      _slurm_kill9 "$munged"
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

# slurm_wait_output FILE REGEX [TIMEOUT=60] : wait until FILE has a line matching REGEX (grep -E), e.g. a
# job printing "ready" once its traps are set, before the test signals it
slurm_wait_output() {
  local end
  end=$(( $(date +%s) + ${3:-60} ))
  until grep -qE -- "$2" "$1" 2>/dev/null; do
    [ "$(date +%s)" -ge "$end" ] && { _slurm_say "no '$2' in $1 after ${3:-60} s"; return 1; }
    sleep 0.1
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
# then make it eligible at once instead of after the ~120 s delay (Reason=BeginTime).  Call it right after
# triggering the requeue (e.g. after `scancel --batch --signal=USR1 ID`); it waits for the requeue itself.  For
# a second requeue of the same job, call it again once the job runs again (it only acts on a PENDING job).
# Why the delay exists: on the requeue slurmd revokes the job's credential with a time stamp in whole seconds,
# and refuses a relaunch whose new credential is from the same second ("Job n already killed, do not launch
# batch job"; slurmctld: "Killing non-startable batch JobId=n: Job credential revoked"; the job ends FAILED
# 1:0).  So the update is issued only once the clock has moved past the second in which PENDING was seen.
slurm_release_requeued() {
  local id=$1 end s r seen=
  end=$(( $(date +%s) + ${2:-60} ))
  while :; do
    s=$(slurm_job_field "$id" JobState); r=$(slurm_job_field "$id" Restarts)
    if [ "$s" = PENDING ] && [ "${r:-0}" -ge 1 ]; then
      [ -n "$seen" ] || seen=$(date +%s)
      # may race with the scheduler starting it anyway: then the update fails and the state is no longer PENDING
      if [ "$(date +%s)" -gt "$seen" ]; then
        scontrol update JobId="$id" StartTime=now >/dev/null 2>&1 && return 0
      fi
    fi
    case $s in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)
      _slurm_say "job $id ended $s before it was requeued"; return 1 ;;
    esac
    if [ "$(date +%s)" -ge "$end" ]; then
      _slurm_say "job $id not requeued after ${2:-60} s (JobState=$s Restarts=$r)"; return 1
    fi
    sleep 0.1
  done
}
