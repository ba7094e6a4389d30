# Helpers for the anionscan scf end-to-end tests (sourced after lib.sh).
#
# scf_run DECK             runs `anionscan scf DECK` (or reuses the result of an identical earlier run in this
#                          build: same deck text, same binary, same potentials) and sets RESULT (result.json) and
#                          RUNDIR.  Several tests compare the same run with different references (QE, ABINIT, the
#                          band-gap table); the cache runs it once.  The cache lives in build/scf_cache and is keyed
#                          by a hash, so a rebuilt binary or an edited deck always runs again.
# compare OURS REF [opts]  tests/tools/compare_result.py; fails the test with its table when a check fails.
# json FILE EXPR           prints a Python expression of the JSON document d, e.g. json r.json 'd["energy_ha"]'.
# close A B TOL WHAT       fails unless |A - B| <= TOL.
PY=/usr/bin/python3
SCF_DECKS="$TOP/tests/scf"
QE_RES="$TOP/tests/reference/qe/results"
AB_RES="$TOP/tests/reference/abinit/results"
SCF_CACHE="$TOP/build/scf_cache"

scf_key() { # deck -> hash of what determines the result
  { cat "$1"; sha1sum < "$ANIONSCAN"; cat "$TOP"/potentials/*/*.gth "$TOP"/tests/reference/qe/potentials_qe67/*/*.gth; } |
    sha1sum | cut -c1-16
}

scf_run() {
  local deck=$1 name key dir tmp t0 st
  name=$(basename "$deck" .in)
  key=$(scf_key "$deck")
  dir="$SCF_CACHE/$name-$key"
  if [ ! -s "$dir/result.json" ]; then
    mkdir -p "$SCF_CACHE"
    # entries nobody used for a day go (old binaries); a concurrent make check may be using the others
    find "$SCF_CACHE" -mindepth 1 -maxdepth 1 -mmin +1440 -exec rm -rf {} + 2>/dev/null
    tmp=$(mktemp -d "$SCF_CACHE/.$name.XXXXXX") || die "cannot create a directory in $SCF_CACHE"
    t0=$(date +%s.%N)
    "$ANIONSCAN" scf "$deck" -o "$tmp" > "$tmp/stdout.log" 2>&1
    st=$?
    [ $st -eq 0 ] || { tail -5 "$tmp/stdout.log" >&2; rm -rf "$tmp"; die "anionscan scf $deck exited $st"; }
    # publish atomically; if a concurrent run got there first, use its (identical) result
    mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
    awk -v n="$name" -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "  ran   %-40s %6.1f s\n", n, b - a }'
  else
    touch "$dir"
    printf '  reuse %-40s (same deck, binary and potentials)\n' "$name"
  fi
  RESULT="$dir/result.json"
  RUNDIR="$dir"
}

compare() {
  "$PY" "$TOP/tests/tools/compare_result.py" "$@" || die "comparison failed: $*"
}

json() {
  "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

close() {
  "$PY" -c "import sys; a,b,t=map(float,sys.argv[1:4]); sys.exit(0 if abs(a-b)<=t else 1)" "$1" "$2" "$3" ||
    die "$4: $1 vs $2 differ by more than $3"
  printf '  ok    %-58s %s vs %s (tolerance %s)\n' "$4" "$1" "$2" "$3"
}

# qe_case BASE REFNAME [compare options]: the QE reference tests/reference/qe/results/REFNAME.json against our run of
# tests/scf/BASE.in or BASE_qe67.in, whichever repeats what QE computed for Cs (tests/tools/qe_potentials.py: QE 6.7
# mis-normalises the f channel; a reference made with the published Cs parameters needs potentials_qe67, one made with
# the compensated file the shipped potentials).  Sets RESULT.
qe_case() {
  local base=$1 ref="$QE_RES/$2.json" mode deck
  shift 2
  [ -s "$ref" ] || die "missing QE reference $ref"
  mode=$("$PY" "$TOP/tests/tools/qe_potentials.py" "$ref") || die "cannot tell which Cs potential QE used for $ref"
  deck="$SCF_DECKS/$base.in"
  [ "$mode" = qe67 ] && deck="$SCF_DECKS/${base}_qe67.in"
  [ -s "$deck" ] || die "no deck $deck"
  echo "  QE reference $(basename "$ref"): Cs potential mode '$mode' -> $(basename "$deck")"
  scf_run "$deck"
  compare "$RESULT" "$ref" "$@"
}

# ABINIT references are produced by another helper; a case whose file has not landed is reported, not failed.
abinit_ref() { # name -> path in REF, or returns 1
  REF="$AB_RES/$1.json"
  [ -s "$REF" ] && return 0
  echo "  NOTE  no ABINIT reference $1.json yet (tests/reference/abinit/results): comparison skipped"
  return 1
}
