#!/usr/bin/env bash
# The job scripts of jobs/ on a real single-node SLURM (tests/slurm/cluster.sh), each with a tiny deck:
#   1. scf.slurm, two decks farmed in one job, the binary found from the submit directory's bin/ (no
#      $ANIONSCAN, not on the PATH), launched with srun --mpi=pmix: COMPLETED 0:0, the direct runs' energies;
#   2. relax.slurm with two decks farmed in one group of 2 ranks (launched with mpirun), stopped by
#      `scancel --batch --signal=USR1` in the middle of the first relaxation: it stops cleanly (the second
#      deck listed STOPPED), requeues itself, comes back with --restart and ends COMPLETED with Restarts=1 and
#      the uninterrupted relaxations' energies (1e-8 Ha);
#   3. scan.slurm stopped the same way in the middle of a configuration: requeued, COMPLETED, the
#      uninterrupted scan's ranking (1e-8 Ha);
#   4. scan-array.slurm, two elements: both COMPLETED with the direct scan's numbers;
#   5. sites.slurm: the direct run's sites.json;
#   6. a bad deck: the job fails at `anionscan check` with exit status 2, not requeued;
#   7. the requeue cap: a relaxation stopped by its deck's max_time with ANIONSCAN_MAX_REQUEUE=0 ends with
#      exit status 5, not requeued, saying how to continue.
set -u
here=$(cd "$(dirname "$0")" && pwd)
TOP=${TOP:-$(cd "$here/../.." && pwd)}
ANIONSCAN=${ANIONSCAN:-$TOP/bin/anionscan}
# shellcheck source=tests/slurm/cluster.sh
. "$here/cluster.sh"
die() { echo "FAILED: $*" >&2; exit 1; }
PY=/usr/bin/python3
MPIRUN="mpirun --oversubscribe"; [ "$(id -u)" = 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
export ANIONSCAN_FFTW_PLANNER=estimate OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
trap slurm_stop EXIT
slurm_start || exit $?
cd "$SLURM_WORKDIR" || die "no work dir"
JOBS="$TOP/jobs"

# done_ok ID LOG [STATE [EXITCODE]] : the job left the queue in that state (COMPLETED, 0:0)
done_ok() {
  slurm_wait_job "$1" 120 || die "job $1 ($2) did not finish"
  local s e
  s=$(slurm_job_field "$1" JobState); e=$(slurm_job_field "$1" ExitCode)
  if [ "$s" != "${3:-COMPLETED}" ] || [ "$e" != "${4:-0:0}" ]; then
    cat "$2" >&2; die "job $1 ($2): JobState=$s ExitCode=$e, expected ${3:-COMPLETED} ${4:-0:0}"
  fi
}
# same_energy A.json B.json TOL WHAT
same_energy() {
  "$PY" - "$@" <<'PYEOF' || die "$4: energies differ"
import json, sys
a, b = (json.load(open(p))["energy_ha"] for p in sys.argv[1:3])
print(f"{sys.argv[4]}: {abs(a - b):.1e} Ha")
assert abs(a - b) < float(sys.argv[3])
PYEOF
}
# same_ranking A/ranking.json B/ranking.json WHAT
same_ranking() {
  "$PY" - "$@" <<'PYEOF' || die "$3: rankings differ"
import json, sys
load = lambda p: {c["name"]: c for f in json.load(open(p))["families"] for c in f["configurations"]}
a, b = load(sys.argv[1]), load(sys.argv[2])
assert set(a) == set(b), (set(a), set(b))
worst = max(abs(a[n]["energy_ha"] - b[n]["energy_ha"]) for n in a)
assert all(a[n]["status"] == b[n]["status"] for n in a)
print(f"{sys.argv[3]}: {len(a)} configurations, energies {worst:.1e} Ha")
assert worst < 1e-8
PYEOF
}
# wait_frames TRAJ N ID LOG : wait until the trajectory has N frames while the job runs.  An empty
# JobState (scontrol busy for a moment) is not an ending; only a state other than PENDING, CONFIGURING or
# RUNNING is.  The stop comes right after the first frame, which leaves the rest of the run as margin.
wait_frames() {
  local end=$(( $(date +%s) + 120 )) st n
  while :; do
    n=$(grep -c '^Lattice' "$1" 2>/dev/null); [ "${n:-0}" -ge "$2" ] && return 0
    st=$(slurm_job_field "$3" JobState)
    case $st in ''|PENDING|CONFIGURING|RUNNING) ;;
      *) cat "$4" >&2; die "job $3 ($4) ended ($st) before $1 had $2 frames (it had ${n:-0})";; esac
    [ "$(date +%s)" -lt "$end" ] || { cat "$4" >&2; die "$1: not $2 frames after 120 s (job $3: $st)"; }
    sleep 0.1
  done
}
# stop_and_requeue ID LOG READY_FILE : USR1 once READY_FILE exists, then the job must requeue itself
stop_and_requeue() {
  local end=$(( $(date +%s) + 60 ))
  until [ -e "$3" ]; do [ "$(date +%s)" -lt "$end" ] || die "$2: $3 never appeared"; sleep 0.2; done
  scancel --batch --signal=USR1 "$1" || die "scancel --signal=USR1 $1"
  slurm_release_requeued "$1" 60 || { cat "$2" >&2; die "job $1 ($2) was not requeued"; }
}

cp "$TOP/tests/scf/si_10_gamma.in" "$TOP/tests/scf/si_10_k222.in" .
cp "$TOP/tests/relax/cspbbr3_cubic_cell_12_k222.in" cubic.in
cp "$TOP/tests/relax/si_displaced_10_k222.in" si.in
cp "$TOP/tests/scan/toy_interstitial.in" toy.in
cp "$TOP/tests/scan/toy_recombine.in" rec_a.in
cp "$TOP/tests/scan/toy_recombine.in" rec_b.in
sed 's/^kpoints = 2 2 2/kpoints = 2 2/' cubic.in > bad.in

# the uninterrupted references, run directly
for d in si_10_gamma si_10_k222; do
  "$ANIONSCAN" scf $d.in -o ref/$d > ref_$d.log 2>&1 || die "direct scf $d"
done
$MPIRUN -np 2 "$ANIONSCAN" relax cubic.in -o ref/cubic > ref_cubic.log 2>&1 || die "direct relax"
$MPIRUN -np 2 "$ANIONSCAN" relax si.in -o ref/si > ref_si.log 2>&1 || die "direct relax si"
$MPIRUN -np 2 "$ANIONSCAN" scan toy.in -o ref/toy > ref_toy.log 2>&1 || die "direct scan"
"$ANIONSCAN" scan rec_a.in -o ref/rec > ref_rec.log 2>&1 || die "direct scan rec"

# 1. scf.slurm: the binary from the submit directory's bin/, srun --mpi=pmix
mkdir -p bin && ln -sf "$ANIONSCAN" bin/anionscan
id=$(env -u ANIONSCAN PATH=/usr/local/bin:/usr/bin:/bin sbatch --parsable -n 2 -o scf.out "$JOBS/scf.slurm" \
     si_10_gamma.in si_10_k222.in) || die "sbatch scf.slurm"
done_ok "$id" scf.out
grep -q "$SLURM_WORKDIR/bin/anionscan; launcher: srun --mpi=pmix" scf.out || { cat scf.out; die "scf.slurm: binary or launcher"; }
for d in si_10_gamma si_10_k222; do same_energy ref/$d/result.json runs/$d/result.json 1e-8 "scf.slurm $d"; done

# 2. relax.slurm stopped in the middle of the relaxation (after its first ionic step), with mpirun
id=$(ANIONSCAN_LAUNCH="$MPIRUN" sbatch --parsable -n 2 -o relax.out "$JOBS/relax.slurm" cubic.in si.in --groups 1) \
  || die "sbatch relax"
wait_frames runs/cubic/trajectory.extxyz 1 "$id" relax.out
touch relax.ready
stop_and_requeue "$id" relax.out relax.ready
done_ok "$id" relax.out
[ "$(slurm_job_field "$id" Restarts)" = 1 ] || die "relax.slurm: Restarts=$(slurm_job_field "$id" Restarts)"
grep -q "stopped cleanly; requeueing" relax.out || { cat relax.out; die "relax.slurm: no requeue line"; }
grep -q "restart .*steps done" runs/cubic/relax.log || { cat runs/cubic/relax.log; die "relax.slurm: the requeued job did not continue"; }
grep -q "si.in .*STOPPED" relax.out || { cat relax.out; die "relax.slurm: the second deck is not listed STOPPED"; }
same_energy ref/cubic/result.json runs/cubic/result.json 1e-8 "relax.slurm stopped, requeued, restarted"
same_energy ref/si/result.json runs/si/result.json 1e-8 "relax.slurm, the second deck"

# 3. scan.slurm stopped in the middle of its configuration (after the first step of its prerelaxation)
id=$(sbatch --parsable -n 2 -o scan.out "$JOBS/scan.slurm" toy.in) || die "sbatch scan"
wait_frames runs/toy/configs/Br_i2_q-1/prerelax/trajectory.extxyz 1 "$id" scan.out
touch scan.ready
stop_and_requeue "$id" scan.out scan.ready
done_ok "$id" scan.out
grep -q "STOPPED" scan.out || { cat scan.out; die "scan.slurm: no STOPPED line"; }
grep -q "stopped" runs/toy/scan.journal || die "scan.slurm: no 'stopped' in the journal"
same_ranking ref/toy/ranking.json runs/toy/ranking.json "scan.slurm stopped, requeued, restarted"

# 4. scan-array.slurm: one element per deck
id=$(sbatch --parsable -n 1 --array=0-1 -o 'array-%a.out' "$JOBS/scan-array.slurm" rec_a.in rec_b.in) \
  || die "sbatch scan-array"
for e in 0 1; do done_ok "${id}_$e" "array-$e.out"; done
for d in rec_a rec_b; do same_ranking ref/rec/ranking.json runs/$d/ranking.json "scan-array.slurm $d"; done

# 5. sites.slurm: the sites of the host, as a direct run finds them
cp toy.in host.in
"$ANIONSCAN" sites host.in -o ref/sites > ref_sites.log 2>&1 || die "direct sites"
id=$(sbatch --parsable -n 1 -o sites.out "$JOBS/sites.slurm" host.in) || die "sbatch sites"
done_ok "$id" sites.out
cmp -s ref/sites/sites.json runs/host/sites.json || die "sites.slurm: sites.json differs from the direct run's"

# 6. a bad deck fails at the check, exit status 2, not requeued
id=$(sbatch --parsable -n 1 -o bad.out "$JOBS/scan.slurm" bad.in) || die "sbatch bad"
done_ok "$id" bad.out FAILED 2:0
grep -q "bad.in:$(grep -n '^kpoints' bad.in | cut -d: -f1):" bad.out || { cat bad.out; die "bad deck: no DECK:LINE message"; }
[ "$(slurm_job_field "$id" Restarts)" = 0 ] || die "a bad deck was requeued"

# 7. the requeue cap: stopped by max_time, ANIONSCAN_MAX_REQUEUE=0: exit status 5, not requeued
sed 's/^\[dft\]/[run]\nmax_time = 2 s\n\n&/' cubic.in > capped.in
id=$(ANIONSCAN_MAX_REQUEUE=0 sbatch --parsable -n 1 -o capped.out "$JOBS/relax.slurm" capped.in) || die "sbatch capped"
done_ok "$id" capped.out FAILED 5:0
grep -q "not requeued; submit it again" capped.out || { cat capped.out; die "capped: no message"; }
grep -q "time budget (max_time = 2 s" capped.out || { cat capped.out; die "capped: the program did not say why it stopped"; }
echo ok
