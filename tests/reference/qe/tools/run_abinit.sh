#!/bin/bash
# Run the ABINIT 9.6 cross-checks (tests/reference/qe/abinit/*.abi, or the ones named) in a scratch folder and print
# "NAME etotal_Ha ngfft" (abinit/etotal.txt keeps the last run). ABINIT reads the exact conversions in pseudo/exact/ (no QE 6.7 f-channel fix).
set -eu
ref=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/abinit_xcheck.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/abinit"; ln -s "$ref/pseudo" "$tmp/pseudo"
cd "$tmp/abinit"
names=("$@"); [ ${#names[@]} -gt 0 ] || names=($(cd "$ref/abinit" && ls *.abi | sed 's/\.abi$//'))
for n in "${names[@]}"; do
    cp "$ref/abinit/$n.abi" .
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 abinit "$n.abi" > "$n.log" 2>&1 || { echo "$n FAILED"; tail -5 "$n.log"; continue; }
    echo "$n $(awk '/^ +etotal/ { print $2 }' "$n.abo") $(grep -m1 -o 'ngfft=.*' "$n.abo")"
done
