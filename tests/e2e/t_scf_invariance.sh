# Invariances of the total energy (and the gap) that any correct plane-wave code has, on Si at 10 Ha (decks in
# tests/scf/si_*.in).  Each compares two runs of ours that must agree for a physical or mathematical reason:
#  - rigid translation of all atoms by whole FFT-grid steps ((5,-7,11)/24): every term is the same; 1e-8 Ha
#    (SCF accuracy at scf_tol 1e-10);
#  - rigid translation by an arbitrary vector: the sphere-based terms (kinetic, Hartree, local, nonlocal, Ewald)
#    are exactly invariant, but E_xc is a sum over the real-space grid of a non-linear function of the density,
#    which is not band-limited: its aliasing moves with the atoms relative to the grid (the egg-box effect,
#    measured 2.3e-7 Ha here, the same size as in QE); 1e-6 Ha;
#  - another primitive cell of the same crystal (a1' = a1 + a2): the same plane waves and k-points, but another FFT
#    grid (36x24x24 for 24x24x24), so E_xc is summed on other points: the egg-box again, 1e-6 Ha;
#  - a 2x1x1 supercell with the folded 1x2x2 mesh: twice the energy, 1e-6 Ha per atom (1e-8 would hold when its grid
#    is exactly the doubled primitive grid, as it is now: that is printed);
#  - the symmetry-reduced mesh and the full mesh (symmetry = false), 3x3x3 (points off the special points, weights
#    1..8 per star): energy 1e-8 Ha, gap 1e-6 eV (scf_tol 1e-13: eigenvalues are first order in the density error).
#    Only a mesh the point group maps onto itself can pass this: a half-step shifted mesh of an fcc lattice is not
#    (its symmetrised run differs from the full mesh by 2.4e-4 Ha, in QE 6.7 exactly as in ours; t_scf_si.sh compares
#    both modes with QE);
#  - the Gamma-point real path (kpoints = gamma) and the complex path at Gamma (kpoints = 1 1 1): 1e-8 Ha, gap 1e-6 eV.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scf_lib.sh"

E() { json "$1" 'repr(d["energy_ha"])'; }
G() { json "$1" 'repr(d["gap_ev"])'; }

scf_run "$SCF_DECKS/si_10_k222.in"
BASE="$RESULT"
E0=$(E "$BASE")

# --- rigid translations ------------------------------------------------------------------------------------------
scf_run "$SCF_DECKS/si_10_k222_shift_grid.in"
close "$(E "$RESULT")" "$E0" 1e-8 "translation by whole grid steps: energy (Ha)"
[ "$(json "$RESULT" 'd["fft_grid"]')" = "$(json "$BASE" 'd["fft_grid"]')" ] || die "the translated cell has another FFT grid"
scf_run "$SCF_DECKS/si_10_k222_shift_any.in"
close "$(E "$RESULT")" "$E0" 1e-6 "arbitrary translation: energy (Ha; XC egg-box)"

# --- another primitive cell ------------------------------------------------------------------------------------------
scf_run "$SCF_DECKS/si_10_k222_cell_a1a2.in"
close "$(E "$RESULT")" "$E0" 1e-6 "primitive cell a1+a2, a2, a3: energy (Ha; other FFT grid)"
close "$(G "$RESULT")" "$(G "$BASE")" 1e-4 "primitive cell a1+a2, a2, a3: gap (eV)"

# --- 2x1x1 supercell, folded mesh ------------------------------------------------------------------------------------
scf_run "$SCF_DECKS/si_10_super211_k122.in"
[ "$(json "$RESULT" 'd["natoms"]')" = 4 ] || die "the supercell has 4 atoms"
close "$(json "$RESULT" 'repr(d["energy_ha"] / 4)')" "$(json "$BASE" 'repr(d["energy_ha"] / 2)')" 1e-6 \
  "2x1x1 supercell (1x2x2) vs primitive (2x2x2): energy per atom (Ha)"
echo "        (FFT grids: supercell $(json "$RESULT" 'd["fft_grid"]'), primitive $(json "$BASE" 'd["fft_grid"]'))"
close "$(G "$RESULT")" "$(G "$BASE")" 1e-4 "2x1x1 supercell vs primitive: gap (eV)"

# --- symmetry-reduced mesh = full mesh -------------------------------------------------------------------------------
for m in k333; do
  scf_run "$SCF_DECKS/si_10_${m}_tight.in"
  R1="$RESULT"
  scf_run "$SCF_DECKS/si_10_${m}_tight_nosym.in"
  n1=$(json "$R1" 'd["nkpoints"]') n2=$(json "$RESULT" 'd["nkpoints"]')
  [ "$n1" -lt "$n2" ] || die "$m: the reduced mesh ($n1 points) is not smaller than the full one ($n2)"
  close "$(E "$R1")" "$(E "$RESULT")" 1e-8 "$m: symmetry-reduced ($n1 points) vs full mesh ($n2): energy (Ha)"
  close "$(G "$R1")" "$(G "$RESULT")" 1e-6 "$m: symmetry-reduced vs full mesh: gap (eV)"
done

# --- Gamma: real path = complex path -------------------------------------------------------------------------------
scf_run "$SCF_DECKS/si_10_gamma.in"
R1="$RESULT"
scf_run "$SCF_DECKS/si_10_k111.in"
close "$(E "$R1")" "$(E "$RESULT")" 1e-8 "Gamma real path vs complex path at k = 0: energy (Ha)"
close "$(G "$R1")" "$(G "$RESULT")" 1e-5 "Gamma real path vs complex path at k = 0: gap (eV)"
echo "t_scf_invariance: passed"
