/* Progress of a relaxation (relax/progress.h). */
#include "relax/progress.h"

#include <math.h>
#include <stdio.h>

void as_relax_progress_init(as_relax_progress *p, double scf_tol)
{
    p->seen = 0;
    p->de_near = fmin(AS_RELAX_STALL_DE, AS_RELAX_STALL_DE_TOLS * scf_tol);
    p->best_f = INFINITY;
    p->best_e = INFINITY;
    p->best_f_step = p->best_e_step = 0;
}

int as_relax_progress_tell(as_relax_progress *p, int step, double energy, double fmax_now, char *why, size_t n)
{
    if (p->seen == 0) { /* the first step told (also after a restart): the reference */
        p->best_f = fmax_now, p->best_f_step = step;
        p->best_e = energy, p->best_e_step = step;
        p->seen = 1;
        return 0;
    }
    p->seen++;
    if (fmax_now < 0.9 * p->best_f)
        p->best_f = fmax_now, p->best_f_step = step;
    const double de = fmax_now < AS_RELAX_STALL_NEAR ? p->de_near : AS_RELAX_STALL_DE;
    if (energy < p->best_e - de)
        p->best_e = energy, p->best_e_step = step;
    const int since = step - (p->best_f_step > p->best_e_step ? p->best_f_step : p->best_e_step);
    if (since < AS_RELAX_STALL_STEPS)
        return 0;
    snprintf(why, n, "no progress in the last %d steps: the largest force has not fallen below 0.9 x its best "
             "(step %d) and the energy not by more than %.0e Ha below its best (step %d)", since, p->best_f_step,
             de, p->best_e_step);
    return 1;
}
