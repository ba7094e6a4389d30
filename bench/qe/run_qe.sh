#!/bin/bash
# Run one Quantum ESPRESSO benchmark input of this folder with N MPI ranks under /usr/bin/time -v and print
#   qe CASE NP WALL_S PEAK_MB SCF_ITERS IONIC_STEPS
# usage: bench/qe/run_qe.sh CASE [NP]     CASE = pnma_25_gamma | pnma_25_k212 | pnma_br1dx_25_gamma_relax
# WALL_S: elapsed time of mpirun (GNU time); PEAK_MB: GNU time's "Maximum resident set size", i.e. the largest
# single process (one pw.x rank), not the sum over ranks; SCF_ITERS: SCF iterations summed over all ionic steps;
# IONIC_STEPS: number of SCF cycles ('!' total-energy lines; 1 for an SCF run).
# Pseudopotentials: tests/reference/qe/pseudo/PBE (ESPRESSO_PSEUDO); scratch in a temporary ESPRESSO_TMPDIR.
# QE_KEEP_OUTPUT=DIR copies pw.x's output to DIR/CASE.npNP.out.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
case=${1:?usage: run_qe.sh CASE [NP]}
np=${2:-1}
inp=$here/$case.in
[ -f "$inp" ] || { echo "run_qe.sh: no input $inp (cases: $(cd "$here" && ls *.in | sed 's/\.in$//' | tr '\n' ' '))" >&2; exit 2; }
command -v pw.x >/dev/null || { echo "run_qe.sh: pw.x not found (apt-get install quantum-espresso)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "run_qe.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qe_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export ESPRESSO_PSEUDO="$here/../../tests/reference/qe/pseudo/PBE" ESPRESSO_TMPDIR="$tmp"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
/usr/bin/time -v -o "$tmp/time" mpirun --allow-run-as-root --oversubscribe -np "$np" pw.x -in "$inp" \
    > "$tmp/out" 2> "$tmp/err"
rc=$?
[ -n "${QE_KEEP_OUTPUT:-}" ] && mkdir -p "$QE_KEEP_OUTPUT" && cp "$tmp/out" "$QE_KEEP_OUTPUT/$case.np$np.out"
if [ $rc -ne 0 ] || ! grep -q "JOB DONE" "$tmp/out"; then
    echo "run_qe.sh: pw.x failed on $case with $np ranks (exit $rc):" >&2
    grep -A3 "Error" "$tmp/out" >&2; tail -5 "$tmp/err" >&2
    exit 1
fi
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$tmp/time")
peak=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$tmp/time")
scf=$(awk '/convergence has been achieved in/ { s += $(NF-1) } END { print s + 0 }' "$tmp/out")
ionic=$(grep -c '^!' "$tmp/out")
echo "qe $case $np $wall $peak $scf $ionic"
