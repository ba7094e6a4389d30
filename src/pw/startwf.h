/* Starting wavefunctions from atom-centred orbitals, as pw.x's startingwfc = 'atomic+random':
 * the bands of the first SCF iteration come from a Rayleigh-Ritz step in the span of one
 * orbital per valence shell of every atom (random vectors make up the count when there are
 * more bands than orbitals), instead of from random vectors.  GTH files carry no atomic
 * wavefunctions, so the orbitals are Gaussians r^l exp(-r^2 / (2 sigma^2)) Y_lm with
 * sigma = 2.5 r_loc for the outermost occupied shell of each l and twice that for each
 * further one (Cs 5s and 6s): about the extent of the valence orbitals of these atoms.
 * Only the start depends on them; the first Davidson pass corrects them.
 * Shells per l from the file's electron counts: ceil(n_l / (2 (2l + 1))). */
#ifndef AS_PW_STARTWF_H
#define AS_PW_STARTWF_H

#include <complex.h>

#include "pw/gvec.h"
#include "pw/model.h"

/* Number of atomic orbitals of the cell. */
int as_start_orbitals_count(const as_model *m);

/* The orbitals on basis b (npw x count, column-major), each normalised; -1 when out of memory. */
int as_start_orbitals(const as_model *m, const as_basis *b, double complex *out);

#endif
