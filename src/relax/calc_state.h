/* Saving and restoring a calculator's SCF state (pw/calculator.h) so that a restarted
 * relaxation continues bit for bit: the structure its model and discretisation were built
 * for (the model's symmetry and k-points depend on it), the structure of the last calculation,
 * the input density of the last SCF step (with Miller indices) and the wavefunctions,
 * eigenvalues and occupations.  Restoring builds the model and discretisation exactly as the
 * calculator does and then moves the atoms, so the next as_calculator_run starts from the same
 * extrapolated density and the same wavefunctions as in the uninterrupted run. */
#ifndef AS_RELAX_CALC_STATE_H
#define AS_RELAX_CALC_STATE_H

#include "core/error.h"
#include "crystal/structure.h"
#include "pw/calculator.h"
#include "relax/serial.h"

/* A one-line description of the [dft] settings that fix the basis and the physics (checkpoints compare
 * it; scf_tol, max_scf and mixing_beta may change between runs). */
void as_dft_fingerprint(const as_dft_settings *dft, char *out, int n);

/* base: the structure the calculator's model was last built from (see as_calc_state_track).
 * Collective over the calculator's communicator: rank 0 appends the common part and every rank's
 * share (G-vectors, density, the wavefunctions of its k-points and plane waves) to b. */
int as_calc_state_save(const as_calculator *c, const as_structure *base, as_ser *b, as_error *err);
/* Into a fresh calculator (no model yet) created with the same [dft] settings; every rank passes
 * the whole record and finds its G-vectors in the writers' shares by Miller index, so the run may
 * have another number of ranks and pools (bit for bit when they are the same; otherwise the
 * wavefunctions are converted between the real and complex layouts as needed).
 * Collective; all ranks return the same status. */
int as_calc_state_load(as_calculator *c, as_ser *b, as_structure **base, as_error *err);

/* Call after every as_calculator_run: if the calculator rebuilt its model (new cell, broken
 * symmetry, first call), *base becomes a copy of s.  prev_model: c->m before the call. */
int as_calc_state_track(const as_calculator *c, const void *prev_model, const as_structure *s, as_structure **base,
                        as_error *err);

#endif
