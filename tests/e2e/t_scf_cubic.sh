# anionscan scf on cubic CsPbX3 (5 atoms, 12 Ha) against Quantum ESPRESSO 6.7 and ABINIT 9.6.
# QE 6.7's GTH f-channel projector is 1/sqrt(105) too small (tests/reference/qe/potentials_qe67/README.md), and
# Cs q9 has an f channel: every QE comparison here runs with potentials = tests/reference/qe/potentials_qe67
# (the shipped set with Cs's h_f / 105, which is what QE computes).  ABINIT implements the channel correctly and is
# compared with the shipped potentials.  Tolerances: tests/tools/compare_result.py defaults (1e-5 Ha/atom, 1 meV).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scf_lib.sh"

for f in cspbbr3_cubic_12_k222_qe67 cspbbr3_cubic_12_k222_shift_qe67 cspbbr3_cubic_12_gamma_pbq14_qe67 \
         cspbcl3_cubic_12_k222_qe67 cspbi3_cubic_12_k222_qe67; do
  grep -q '^potentials = ../reference/qe/potentials_qe67' "$SCF_DECKS/$f.in" || die "$f.in must use the QE-6.7 potentials"
done

# CsPbBr3, a = 5.874 A, PBE, 2x2x2 (contains R, where the gap is)
scf_run "$SCF_DECKS/cspbbr3_cubic_12_k222_qe67.in"
compare "$RESULT" "$QE_RES/cspbbr3_cubic_12_k222.json" --label "cubic CsPbBr3 PBE 12 Ha 2x2x2, QE-6.7 potentials"
[ "$(json "$RESULT" 'd["cbm_k"]')" = "[0.5, 0.5, 0.5]" ] || die "the CBM of cubic CsPbBr3 must be at R"
[ "$(json "$RESULT" 'd["vbm_k"]')" = "[0.5, 0.5, 0.5]" ] || die "the VBM of cubic CsPbBr3 must be at R"

# the same with the shipped (correct) potentials against ABINIT; and the f-channel correction must matter
scf_run "$SCF_DECKS/cspbbr3_cubic_12_k222.in"
SHIPPED="$RESULT"
if abinit_ref cspbbr3_cubic_12_k222; then
  compare "$SHIPPED" "$REF" --label "cubic CsPbBr3 PBE 12 Ha 2x2x2, shipped potentials (ABINIT)"
fi
e67=$(json "$QE_RES/cspbbr3_cubic_12_k222.json" 'd["energy_ha"]')
eship=$(json "$SHIPPED" 'd["energy_ha"]')
"$PY" -c "import sys; sys.exit(0 if abs($eship - ($e67)) > 1e-4 else 1)" ||
  die "shipped-potential energy $eship equals QE's $e67: the Cs f channel has no effect?"
echo "  ok    shipped potentials differ from QE 6.7 by $("$PY" -c "print('%.2e' % ($eship - ($e67)))") Ha (the f-channel bug)"

# half-step shifted 2x2x2 mesh (kshift = 1 1 1): no R, Gamma or X on the mesh
scf_run "$SCF_DECKS/cspbbr3_cubic_12_k222_shift_qe67.in"
compare "$RESULT" "$QE_RES/cspbbr3_cubic_12_k222_shift.json" --label "cubic CsPbBr3 12 Ha 2x2x2 shifted"

# Pb q14 (5s5p5d semicore: three d projectors), Gamma only
scf_run "$SCF_DECKS/cspbbr3_cubic_12_gamma_pbq14_qe67.in"
compare "$RESULT" "$QE_RES/cspbbr3_cubic_12_gamma_pbq14.json" --label "cubic CsPbBr3 12 Ha Gamma, Pb q14"
if abinit_ref cspbbr3_cubic_12_gamma_pbq14; then
  scf_run "$SCF_DECKS/cspbbr3_cubic_12_gamma_pbq14.in"
  compare "$RESULT" "$REF" --label "cubic CsPbBr3 12 Ha Gamma, Pb q14 (ABINIT)"
fi

# the other halides
scf_run "$SCF_DECKS/cspbcl3_cubic_12_k222_qe67.in"
compare "$RESULT" "$QE_RES/cspbcl3_cubic_12_k222.json" --label "cubic CsPbCl3 PBE 12 Ha 2x2x2"
scf_run "$SCF_DECKS/cspbi3_cubic_12_k222_qe67.in"
compare "$RESULT" "$QE_RES/cspbi3_cubic_12_k222.json" --label "cubic CsPbI3 PBE 12 Ha 2x2x2"
echo "t_scf_cubic: all comparisons passed"
