# Structure matching (src/crystal/match.c) against pymatgen's StructureMatcher on ~30 pairs of Pnma CsPbBr3
# defect structures (tests/tools/match_check.py says how the tolerances correspond).  Our answers come from
# build/tests/test_match in its AS_MATCH_PAIRS mode; make check builds the unit tests before the e2e tests.
source "$(dirname "$0")/lib.sh"
BIN="${ANIONSCAN_BUILD:-$TOP/build}/tests/test_match"
[ -x "$BIN" ] || die "$BIN missing: build it with 'make build/tests/test_match' (make check builds it)"
/usr/bin/python3 -c 'import pymatgen.analysis.structure_matcher' 2>/dev/null ||
  die "/usr/bin/python3 cannot import pymatgen: install it with 'apt-get install -y python3-pymatgen'"
/usr/bin/python3 "$TOP/tests/tools/match_check.py" "$BIN" \
  "$TOP/tests/reference/structures/CsPbBr3_Pnma_ICSD97851.cif" "$TMP" || die "matching disagrees with pymatgen"
echo ok
