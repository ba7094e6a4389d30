/* The SCF divergence guard (docs/theory.md, "When the SCF diverges").
 *
 * as_scf_run (pw/scf.c) runs its loop through as_scf_guard_run, which watches the density residual dr2 of
 * every iteration (as_scf_guard_step, called by the loop) and stops an attempt that is going nowhere:
 *   - dr2 or the energy is not a finite number;
 *   - dr2 has grown to more than AS_SCF_GUARD_BLOWUP times the smallest seen (a blow-up);
 *   - or, AS_SCF_GUARD_WINDOW iterations after the smallest dr2, it is still above AS_SCF_GUARD_STALL times it
 *     (the residual grows or wanders instead of falling: charge sloshing, a mixing step too long).
 * A slowly but steadily converging SCF keeps renewing its smallest residual and is never stopped; it runs to
 * max_scf.  A diverging attempt is retried once, from the density it started from, with safer mixing
 * (mixing_beta x 0.3, at most 0.2; a history of at least 12, twice the deck's); max_scf applies to each attempt.
 * Every decision is taken on numbers that are equal on all ranks (the loop broadcasts them), so all ranks
 * agree.  When no attempt converges, the error (AS_ENOCONV) carries the iteration history: never a silent
 * result.  When the occupations are fixed and the occupied and empty levels cross (or come within
 * AS_SCF_GUARD_GAP) in 3 or more iterations of the failing attempt (the occupations oscillate), the retry is
 * also smeared (Marzari-Vanderbilt, AS_SCF_AUTO_SMEARING_HA, on a copy of the model, where the bands leave
 * room) and res->auto_smeared says so: the caller adopts the smearing on its model (as_scf_adopt_smearing)
 * so that the band edges, forces and reports that follow use the occupations the SCF converged with. */
#ifndef AS_PW_SCF_GUARD_H
#define AS_PW_SCF_GUARD_H

#include "pw/scf.h"

#define AS_SCF_GUARD_BLOWUP 1e4
#define AS_SCF_GUARD_STALL 10.0
#define AS_SCF_GUARD_WINDOW 10
#define AS_SCF_GUARD_GAP 2e-3 /* Ha: fixed occupations, frontier levels this close "cross" */
#define AS_SCF_AUTO_SMEARING_HA 0.005 /* Ha: the smearing of an oscillating retry (and of a scan's auto smearing) */

typedef struct as_scf_guard {
    int n, cap;           /* iterations recorded */
    double *e, *de, *dr2; /* per iteration (index iter - 1) */
    double best;          /* smallest dr2 so far, and its iteration */
    int best_iter;
    int diverged_at;      /* the iteration at which the attempt was judged diverging (0: not) */
    int crossed;          /* fixed occupations: iterations (after the second) whose highest occupied level lay
                             above, or within AS_SCF_GUARD_GAP of, the lowest empty one; 3 or more: the
                             occupations oscillate */
    char why[160];
} as_scf_guard;

typedef int (*as_scf_body_fn)(const as_model *m, const as_disc *d, const as_scf_opts *o, as_scf_state *st,
                              as_scf_result *res, as_error *err);

/* Runs body under the guard (and once more with safer mixing if it diverges); fills res's guard fields. */
int as_scf_guard_run(as_scf_body_fn body, const as_model *m, const as_disc *d, const as_scf_opts *o,
                     as_scf_state *st, as_scf_result *res, as_error *err);

/* Records iteration iter; returns 1 when the attempt should stop (diverging).  st: for the level crossing
 * check with fixed occupations (may be NULL). */
int as_scf_guard_step(as_scf_guard *g, const as_model *m, const as_scf_state *st, int iter, double e, double de,
                      double dr2);

/* After an SCF whose retry was smeared (res->auto_smeared): the model takes that smearing. */
void as_scf_adopt_smearing(as_model *m, const as_scf_result *res);

/* The safer mixing of the retry. */
void as_scf_guard_safer(const as_scf_opts *o, as_scf_opts *safer);

#endif
