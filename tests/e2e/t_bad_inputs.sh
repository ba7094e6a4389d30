# The catalogue of bad inputs (tests/bad_inputs: one file per case, its exit status and message), plus
# the proof that the runner can fail: a case whose expectation is wrong must be reported as failing.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 "$TOP/tests/bad_inputs/run.py" > "$TMP/catalogue.log" 2>&1 || { cat "$TMP/catalogue.log"; die "the catalogue of bad inputs failed"; }
tail -1 "$TMP/catalogue.log"
n=$(grep -c '^ok' "$TMP/catalogue.log")
[ "$n" -ge 150 ] || die "only $n cases in the catalogue (at least 150)"
sed 's/^status: 2/status: 0/' "$TOP/tests/bad_inputs/cases/dft_ecut_unit.case" > "$TMP/wrong_status.case"
sed 's/^stderr: .ecut. has a wrong unit/stderr: no such message/' "$TOP/tests/bad_inputs/cases/dft_ecut_unit.case" > "$TMP/wrong_text.case"
for c in wrong_status wrong_text; do
  if /usr/bin/python3 "$TOP/tests/bad_inputs/run.py" "$TMP/$c.case" > "$TMP/$c.log" 2>&1; then
    cat "$TMP/$c.log"; die "the runner passed a case with a wrong expectation ($c)"
  fi
done
echo ok
