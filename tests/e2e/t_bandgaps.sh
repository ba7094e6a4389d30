# The band-gap regression table, tests/regression/bandgaps.tsv: for every row marked fast, run our code on the row's
# deck and assert the gap agrees with the table's QE column within 1 meV.  Also checked: the QE column is what the
# row's QE JSON says (the table was not mistyped), and the recorded our_gap_ev column is within 1 meV of it too.
# (The runs are shared with the t_scf_*.sh tests through scf_lib.sh's cache.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scf_lib.sh"

TSV="$TOP/tests/regression/bandgaps.tsv"
n=0
while IFS=$'\t' read -r system structure xc ecut kpts pots deck kind ours_rec qe qref lit litsrc fast; do
  case "$system" in '#'*|system|'') continue ;; esac
  [ "$fast" = yes ] || continue
  qjson=$("$PY" -c "
import json, sys
sys.path.insert(0, '$TOP/tests/tools')
import compare_result
print('%.6f' % compare_result.ref_edges(json.load(open('$TOP/$qref')), 'qe', '$kind' == 'special')[2])")
  close "$qe" "$qjson" 1e-5 "$system $xc $ecut Ha $kpts: table QE column = $qref"
  mode=$("$PY" "$TOP/tests/tools/qe_potentials.py" "$TOP/$qref") || die "$qref: which Cs potential?"
  if grep -q '^potentials = .*potentials_qe67' "$TOP/$deck"; then dm=qe67; else dm=shipped; fi
  [ "$mode" = any ] || [ "$mode" = "$dm" ] || die "$deck uses the $dm potentials but $qref needs $mode"
  scf_run "$TOP/$deck"
  if [ "$kind" = special ]; then g=$(json "$RESULT" 'repr(d["gap_ev"])'); else g=$(json "$RESULT" 'repr(d["gap_mesh_ev"])'); fi
  close "$g" "$qe" 1e-3 "$system $xc $ecut Ha $kpts ($pots): our $kind gap vs QE (eV)"
  close "$ours_rec" "$qe" 1e-3 "$system $xc $ecut Ha $kpts: recorded our_gap_ev vs QE"
  n=$((n + 1))
done < "$TSV"
[ "$n" -ge 10 ] || die "only $n fast rows in $TSV"
echo "t_bandgaps: $n rows agree with QE within 1 meV"
