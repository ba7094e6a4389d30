/* Whether a relaxation still makes progress (docs/relax.md, "When a relaxation stops making progress").
 *
 * A relaxation that has not converged after AS_RELAX_STALL_STEPS steps in which neither the largest force (or
 * stress) fell below 0.9 x its best value nor the energy (enthalpy with the cell) fell by more than
 * AS_RELAX_STALL_DE below its best is going nowhere, except near convergence (the largest force within
 * AS_RELAX_STALL_NEAR x fmax), where the energy left to gain is small and a fall of more than
 * AS_RELAX_STALL_DE_TOLS x the SCF tolerance (the SCF's own error: 1e-6 Ha at the default 1e-8) counts: with a
 * tight scf_tol for a tight fmax the steady progress along a flat valley is ~1e-8 Ha a step.  A stalled run
 * usually has forces noisier than fmax (the SCF tolerance or the cutoff too loose for it), steps too short
 * (max_step), or an optimizer cycling between rejected steps.  The driver (relax/run.c) then
 * stops it as it stops at max_steps: the last step's results are written, exit status 3 (AS_ENOCONV), and a
 * message saying what did not improve since when and what to try.  The window starts again at a restart (it is
 * not checkpointed). */
#ifndef AS_RELAX_PROGRESS_H
#define AS_RELAX_PROGRESS_H

#include <stddef.h>

#define AS_RELAX_STALL_STEPS 8
#define AS_RELAX_STALL_DE 1e-6 /* Ha */
#define AS_RELAX_STALL_DE_TOLS 100.0
#define AS_RELAX_STALL_NEAR 4.0

typedef struct as_relax_progress {
    int seen;          /* steps told */
    double best_f;     /* smallest max(|F|, stress measure), and the step where it fell by 10 % */
    int best_f_step;
    double de_near;    /* Ha: the energy fall that counts as progress near convergence */
    double best_e;     /* lowest energy (enthalpy), and the step where it fell by enough */
    int best_e_step;
} as_relax_progress;

/* scf_tol: the SCF's energy tolerance (Ha). */
void as_relax_progress_init(as_relax_progress *p, double scf_tol);

/* Tell the result of step (1-based): energy (Ha; enthalpy with the cell) and the largest force measure in
 * units of its criterion (max |F| / fmax; with the cell the larger of that and max stress / stress_tol).
 * Returns 1 when the relaxation stalls, with a sentence in why (size n). */
int as_relax_progress_tell(as_relax_progress *p, int step, double energy, double fmax_now, char *why, size_t n);

#endif
