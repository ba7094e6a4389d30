# anionscan scf on orthorhombic (Pnma) CsPbBr3, 20 atoms (ICSD 97851, tests/reference/qe/structures), PBE, 10 Ha,
# Gamma only (the real path), against Quantum ESPRESSO 6.7 (the Cs potential matching what QE computed: see
# scf_lib.sh's qe_case) and, when its file is there, ABINIT 9.6 (shipped potentials).  The largest fast case
# (10-20 s on one core).  Tolerances: tests/tools/compare_result.py defaults (1e-5 Ha/atom, 1 meV).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scf_lib.sh"

qe_case cspbbr3_pnma_10_gamma cspbbr3_pnma_10_gamma --label "Pnma CsPbBr3 PBE 10 Ha Gamma"
[ "$(json "$RESULT" 'd["natoms"]')" = 20 ] || die "20 atoms expected"
[ "$(json "$RESULT" 'd["nelectrons"]')" = 136 ] || die "136 valence electrons expected (4 x (9 + 4 + 3 x 7))"
for n in cspbbr3_pnma_10_gamma_qegrid cspbbr3_pnma_10_gamma; do
  if abinit_ref $n; then
    scf_run "$SCF_DECKS/cspbbr3_pnma_10_gamma.in"
    compare "$RESULT" "$REF" --label "Pnma CsPbBr3 PBE 10 Ha Gamma, shipped potentials (ABINIT $n)"
    break
  fi
done
echo "t_scf_pnma: comparison passed"
