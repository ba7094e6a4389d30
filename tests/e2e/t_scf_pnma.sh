# anionscan scf on orthorhombic (Pnma) CsPbBr3, 20 atoms (ICSD 97851, tests/reference/qe/structures), PBE, 10 Ha,
# Gamma only (the real path), against Quantum ESPRESSO 6.7 with the QE-6.7-compatible Cs potential
# (tests/reference/qe/potentials_qe67: QE's f-channel projector is 1/sqrt(105) too small).  The largest fast case
# (10-20 s on one core).  Tolerances: tests/tools/compare_result.py defaults (1e-5 Ha/atom, 1 meV).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scf_lib.sh"

grep -q '^potentials = ../reference/qe/potentials_qe67' "$SCF_DECKS/cspbbr3_pnma_10_gamma_qe67.in" ||
  die "the Pnma deck must use the QE-6.7 potentials"
scf_run "$SCF_DECKS/cspbbr3_pnma_10_gamma_qe67.in"
compare "$RESULT" "$QE_RES/cspbbr3_pnma_10_gamma.json" --label "Pnma CsPbBr3 PBE 10 Ha Gamma, QE-6.7 potentials"
[ "$(json "$RESULT" 'd["natoms"]')" = 20 ] || die "20 atoms expected"
[ "$(json "$RESULT" 'd["nelectrons"]')" = 136 ] || die "136 valence electrons expected (4 x (9 + 4 + 3 x 7))"
if abinit_ref cspbbr3_pnma_10_gamma; then
  scf_run "$SCF_DECKS/cspbbr3_pnma_10_gamma.in"
  compare "$RESULT" "$REF" --label "Pnma CsPbBr3 PBE 10 Ha Gamma, shipped potentials (ABINIT)"
fi
echo "t_scf_pnma: comparison passed"
