#!/usr/bin/env bash
# make bench: speed and memory of anionscan, side by side with Quantum ESPRESSO (pw.x) where it
# is installed, on the same inputs (bench/decks/*.in and bench/qe/*.in).  Prints one table.
#   bench/run.sh [quick|scf|full]   quick: only the 20-atom Gamma case; scf: the SCF cases and the scaling model, no
#   relaxation or scan; full: also the 80-atom cell on 1 rank and the 160-atom cell (ours only), an hour more.
# Every case runs twice for anionscan: the deck a user writes (CASE_default.in: cutoff, k-points, atoms) and the
# settings matched to pw.x's input (CASE.in), both against pw.x on the same ranks; under each, where the time went.
# Columns: wall seconds, peak resident memory of the largest process (MB), SCF iterations.
# Times depend on the machine's load: run it on a quiet machine (uptime's load < 0.5).
set -u
cd "$(dirname "$0")/.." || exit 1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
BIN=$PWD/bin/anionscan
MPIRUN="mpirun"; [ "$(id -u)" = 0 ] && MPIRUN="mpirun --allow-run-as-root"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/as_bench.XXXXXX"); trap 'rm -rf "$OUT"' EXIT
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)"; exit 2; }
have_qe=0; command -v pw.x > /dev/null && have_qe=1

# ours NAME DECK NP [extra args]: prints "wall peak_mb iterations"
ours() {
    local name=$1 deck=$2 np=$3; shift 3
    local cmd=("$BIN" scf "$deck" -o "$OUT/$name" "$@")
    [ "$np" -gt 1 ] && cmd=($MPIRUN -np "$np" "${cmd[@]}")
    /usr/bin/time -v -o "$OUT/$name.time" "${cmd[@]}" > "$OUT/$name.log" 2>&1 ||
        { echo "FAILED"; tail -3 "$OUT/$name.log" >&2; return; }
    local wall peak it
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
            for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$OUT/$name.time")
    peak=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$OUT/$name.time")
    it=$(/usr/bin/python3 -c "import json;print(json.load(open('$OUT/$name/result.json'))['scf_iterations'])")
    echo "$wall $peak $it"
}

# qe CASE NP: prints "wall peak_mb iterations"
qe() {
    [ $have_qe = 1 ] || { echo "- - -"; return; }
    bench/qe/run_qe.sh "$1" "$2" 2> "$OUT/qe_$1_$2.err" | awk '{ print $4, $5, $6 }'
}

row() { printf "%-40s %8s %8s %6s   %8s %8s %6s   %s\n" "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "-" }'; }
# clocks NAME: the per-phase table of a run (result.json's timings_s), one line
clocks() {
    /usr/bin/python3 - "$OUT/$1/result.json" <<'PYEOF' 2>/dev/null
import json, sys
t = json.load(open(sys.argv[1])).get("timings_s", {})
keys = ["setup", "scf", "diagonalization", "h_psi", "subspace", "density", "potential", "band_edges", "forces", "stress"]
print("    phases: " + ", ".join("%s %.1f" % (k, t[k]) for k in keys if k in t))
PYEOF
}

echo "anionscan bench on $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1 /proc/loadavg); QE $([ $have_qe = 1 ] && echo 6.7 || echo 'not installed')"
echo "  default: the deck a user writes (bench/decks/CASE_default.in); matched: the settings of pw.x's input"
row "case" "wall s" "peak MB" "iters" "QE wall" "QE MB" "QE it" "ours/QE wall"
# CASE RANKS...: the default and the matched deck against pw.x on the same ranks
declare -A W
bench_case() {
    local c=$1; shift
    for np in "$@"; do
        local qw qm qi w m i
        read -r qw qm qi <<< "$(qe "$c" "$np")"
        for kind in default matched; do
            local deck="bench/decks/${c}_default.in"
            [ $kind = matched ] && deck="bench/decks/$c.in"
            read -r w m i <<< "$(ours "$c.$kind.np$np" "$deck" "$np")"
            row "$c, $np rank(s), $kind" "$w" "$m" "$i" "$qw" "$qm" "$qi" "$(ratio "$w" "$qw")"
            W[$c.$kind.$np]=$w
            clocks "$c.$kind.np$np"
        done
        echo "    default/matched: $(ratio "${W[$c.default.$np]}" "${W[$c.matched.$np]}") (bar <= 1.2)"
    done
}
bench_case pnma_25_gamma 1 2
if [ "${1:-}" != quick ]; then
    bench_case pnma_25_k212 1 2
    # the defect-sized cell: 80 atoms, one Br moved (bench/gen/make_defect_cells.py)
    if [ "${1:-}" = full ]; then bench_case pnma_2x1x2_br_dx 1 2; else bench_case pnma_2x1x2_br_dx 2; fi
    [ -n "${W[pnma_2x1x2_br_dx.default.1]:-}" ] &&
        echo "  80 atoms, default deck, 2 ranks against 1: $(ratio "${W[pnma_2x1x2_br_dx.default.1]}" "${W[pnma_2x1x2_br_dx.default.2]}")x (bar >= 1.8)"
    if [ "${1:-}" = full ]; then
        read -r w m i <<< "$(ours big.np2 bench/decks/pnma_2x2x2_br_dx_default.in 2)"
        row "pnma_2x2x2_br_dx (160 atoms), 2 ranks, default" "$w" "$m" "$i" "" "" "" ""
        clocks big.np2
    fi
fi
if [ -n "${W[pnma_25_k212.matched.1]:-}" ]; then
    read -r w m i <<< "$(ours k212_pw bench/decks/pnma_25_k212.in 2 --pools 1)"
    row "pnma_25_k212, 2 ranks, 1 pool, matched" "$w" "$m" "$i" "" "" "" ""
    W[k212_pw]=$w
fi
read -r w m i <<< "$(ours gamma_complex bench/decks/pnma_25_gamma_complex.in 1)"
row "pnma_25_gamma complex path, matched" "$w" "$m" "$i" "" "" "" ""
echo
echo "speed-ups against one rank of anionscan:"
echo "  plane waves over 2 ranks (Gamma):      $(ratio "${W[pnma_25_gamma.matched.1]}" "${W[pnma_25_gamma.matched.2]}")x  (bar >= 1.6)"
[ -n "${W[pnma_25_k212.matched.1]:-}" ] &&
echo "  k-point pools over 2 ranks (2x1x2):    $(ratio "${W[pnma_25_k212.matched.1]}" "${W[pnma_25_k212.matched.2]}")x  (bar >= 1.8)"
[ -n "${W[k212_pw]:-}" ] &&
echo "  plane waves over 2 ranks (2x1x2):      $(ratio "${W[pnma_25_k212.matched.1]}" "${W[k212_pw]}")x  (real path at every point)"
echo "  Gamma path against the complex path:   $(ratio "$w" "${W[pnma_25_gamma.matched.1]}")x  (bar >= 1.7)"
if [ "${1:-}" = "" ] || [ "${1:-}" = full ]; then
    echo
    [ -x bench/relax.sh ] && bench/relax.sh
    [ -x bench/sites.sh ] && bench/sites.sh
    echo
    [ -x bench/scan.sh ] && bench/scan.sh 2
fi
if [ "${1:-}" != quick ] && [ -x build/bench/kernels ]; then
    echo
    echo "kernel costs for the scaling model (docs/parallel.md):"
    for m in 1 2; do
        build/bench/kernels $m > "$OUT/kernels_${m}_np1.txt" 2>&1
        $MPIRUN -np 2 build/bench/kernels $m > "$OUT/kernels_${m}_np2.txt" 2>&1
        sed 's/^/  1 rank:  /' "$OUT/kernels_${m}_np1.txt"
        grep -E "fft|alltoall|concurrent" "$OUT/kernels_${m}_np2.txt" | sed 's/^/  2 ranks: /'
    done
    # the machine's own ceiling for two ranks: per-rank rates together over one rank alone (docs/speed.md)
    for kern in dgemm triad; do
        one=$(awk -v k="concurrent_$kern" '$1 == k { print $2 }' "$OUT/kernels_1_np1.txt")
        two=$(awk -v k="concurrent_$kern" '$1 == k { print $2 }' "$OUT/kernels_1_np2.txt")
        [ -n "$one" ] && [ -n "$two" ] &&
            echo "  2 ranks at once, $kern: $(awk -v a="$one" -v b="$two" 'BEGIN { printf "%.2f", 2 * b / a }')x one rank alone (2.00 would be two independent cores)"
    done
    echo
    /usr/bin/python3 bench/scaling_model.py "$OUT"
fi
