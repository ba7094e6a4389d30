#!/bin/bash
# Scan benchmark (issue 10): the demonstration scan (input/scan_demo.in: CsPbCl0.25Br2.75, 20 atoms, 6 Frenkel
# configurations, 10 Ha, Gamma) on NP ranks (default 2), against what a user scripts today: the host and every
# configuration relaxed one after another with `anionscan relax` on the same ranks from the same starting
# structures (the scan's host.cif and configs/NAME/initial.cif), and, where pw.x is installed, pw.x relaxing the
# same starting structures with the same settings (SCAN_BENCH_QE=0 skips it).
# Prints wall times, ionic steps and SCF iterations, and per configuration the scan's energy (relative to its host)
# and gap against the separate run's.  Bars: the scan at most 0.6x the separate runs' wall time; every ranked
# configuration within 1 meV (energy) and 2 meV (gap) of its separate run.
# usage: bench/scan.sh [NP]   -- run it on a quiet machine (uptime); it takes about half an hour with pw.x.
# SCAN_BENCH_DECK: another scan deck; SCAN_BENCH_DIR: keep everything there; SCAN_BENCH_REUSE=1 with it: take
# the scan already run there (its scan.time) and run only what follows; SCAN_BENCH_SEP=DIR: take the separate
# runs from the bench kept in DIR (same deck, same starting structures, a `relax` unchanged since); SCAN_BENCH_QE=0:
# no pw.x.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
np=${1:-2}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
bin=${ANIONSCAN:-$top/bin/anionscan}
deck=${SCAN_BENCH_DECK:-$top/input/scan_demo.in}
PY=/usr/bin/python3
[ -x "$bin" ] || { echo "bench/scan.sh: build first (make)" >&2; exit 2; }
tmp=${SCAN_BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/scan_bench.XXXXXX")}
[ -n "${SCAN_BENCH_DIR:-}" ] || trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
secs() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
         for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.1f", s }' "$1"; }
echo "scan benchmark: $(basename "$deck") on $np ranks, load average $(cut -d' ' -f1-3 /proc/loadavg)"

if [ -n "${SCAN_BENCH_REUSE:-}" ] && [ -s "$tmp/scan.time" ]; then
  echo "the scan: reused from $tmp (SCAN_BENCH_REUSE)"
else
  /usr/bin/time -v -o "$tmp/scan.time" mpirun -np "$np" "$bin" scan "$deck" -o "$tmp/scan" > "$tmp/scan.log" 2>&1
  rc=$?
  [ $rc -eq 0 ] || [ $rc -eq 3 ] || { echo "the scan exited $rc:"; tail -5 "$tmp/scan.log"; exit 1; }
fi
t_scan=$(secs "$tmp/scan.time")
grep -E "^  done|^  FAILED|first SCF" "$tmp/scan.log"

names=$("$PY" "$top/bench/scan_compare.py" decks "$tmp/scan" "$deck" "$tmp/decks") || exit 1
if [ -n "${SCAN_BENCH_SEP:-}" ]; then
  # the separate runs of an earlier bench of the same deck and binary for `relax` (its sep/ and sep.time_s);
  # their decks must be this scan's (the same relaxed host, so the same starting structures)
  [ -s "$SCAN_BENCH_SEP/sep.time_s" ] || { echo "SCAN_BENCH_SEP: no $SCAN_BENCH_SEP/sep.time_s" >&2; exit 2; }
  "$PY" "$top/bench/scan_compare.py" samedecks "$tmp/decks" "$SCAN_BENCH_SEP/decks" $names || exit 1
  rm -rf "$tmp/sep" && cp -r "$SCAN_BENCH_SEP/sep" "$tmp/sep"
  t_sep=$(cat "$SCAN_BENCH_SEP/sep.time_s")
  echo "the separate runs: taken from $SCAN_BENCH_SEP (SCAN_BENCH_SEP)"
else
  t0=$(date +%s.%N)
  for n in host $names; do
    mpirun -np "$np" "$bin" relax "$tmp/decks/$n.in" -o "$tmp/sep/$n" > "$tmp/sep_$n.log" 2>&1 ||
      echo "  separate relax of $n exited $?"
  done
  t_sep=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "$t_sep" > "$tmp/sep.time_s"
fi

t_qe=-
if [ "${SCAN_BENCH_QE:-1}" != 0 ] && command -v pw.x > /dev/null; then
  export ESPRESSO_PSEUDO="$top/tests/reference/qe/pseudo/PBE" ESPRESSO_TMPDIR="$tmp/qe_scratch"
  mkdir -p "$tmp/qe" "$tmp/qe_scratch"
  t0=$(date +%s.%N)
  for n in $names; do
    mpirun -np "$np" pw.x -in "$tmp/decks/$n.pw.in" > "$tmp/qe/$n.out" 2>&1 || echo "  pw.x on $n exited $?"
  done
  t_qe=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  qe_steps=$(cat "$tmp"/qe/*.out | grep -c '^!')
  qe_scf=$(cat "$tmp"/qe/*.out | awk '/convergence has been achieved in/ { s += $(NF-1) } END { print s + 0 }')
fi

echo
"$PY" "$top/bench/scan_compare.py" table "$tmp/scan" "$tmp/sep"
echo
printf '%-44s %10s\n' "wall time on $np ranks" "seconds"
printf '%-44s %10s\n' "anionscan scan (host + configurations)" "$t_scan"
printf '%-44s %10s\n' "anionscan relax, one after another" "$t_sep"
printf '%-44s %10s\n' "pw.x relax of the configurations only" "$t_qe"
[ "$t_qe" != - ] && echo "pw.x: $qe_steps ionic steps, $qe_scf SCF iterations over the configurations"
awk -v a="$t_scan" -v b="$t_sep" 'BEGIN { printf "scan / separate relax runs: %.2f (bar <= 0.6)\n", a / b }'
[ "$t_qe" != - ] && awk -v a="$t_scan" -v b="$t_qe" 'BEGIN { printf "scan / pw.x (pw.x without the host): %.2f\n", a / b }'
