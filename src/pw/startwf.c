#include "pw/startwf.h"

#include <math.h>
#include <stdlib.h>

#include "core/units.h"
#include "pw/wfblas.h"
#include "pw/ylm.h"

static int shells(const as_pseudo *p, int l)
{
    const double per = 2.0 * (2 * l + 1);
    return (int)ceil(p->nelec_l[l] / per - 1e-9);
}

int as_start_orbitals_count(const as_model *m)
{
    int n = 0;
    for (int a = 0; a < m->s->natoms; a++)
        for (int l = 0; l <= AS_PSEUDO_LMAX; l++)
            n += shells(m->pseudo_of_atom[a], l) * (2 * l + 1);
    return n;
}

int as_start_orbitals(const as_model *m, const as_basis *b, double complex *out)
{
    const int npw = b->npw;
    static const double complex il[4] = {1.0, -I, -1.0, I}; /* (-i)^l: real functions in real space */
    double *q2 = malloc((size_t)(npw > 0 ? npw : 1) * sizeof *q2);
    double *ylm = malloc((size_t)(npw > 0 ? npw : 1) * 7 * sizeof *ylm);
    double complex *phase = malloc((size_t)(npw > 0 ? npw : 1) * sizeof *phase);
    if (!q2 || !ylm || !phase) {
        free(q2), free(ylm), free(phase);
        return -1;
    }
    for (int g = 0; g < npw; g++) {
        const double *q = b->kpg[g];
        q2[g] = q[0] * q[0] + q[1] * q[1] + q[2] * q[2];
    }
    size_t col = 0;
    for (int a = 0; a < m->s->natoms; a++) {
        const as_pseudo *p = m->pseudo_of_atom[a];
        const double *f = m->s->frac[a];
        for (int g = 0; g < npw; g++)
            phase[g] = cexp(-I * AS_TWOPI * ((b->mill[g][0] + b->kfrac[0]) * f[0] + (b->mill[g][1] + b->kfrac[1]) * f[1] +
                                             (b->mill[g][2] + b->kfrac[2]) * f[2]));
        for (int l = 0; l <= AS_PSEUDO_LMAX; l++) {
            const int ns = shells(p, l);
            if (ns == 0)
                continue;
            for (int g = 0; g < npw; g++)
                as_ylm(l, b->kpg[g], ylm + (size_t)g * 7);
            for (int i = 0; i < ns; i++) {
                /* semicore shells (Cs 5s) are tighter than the valence one above them (Cs 6s) */
                const double sigma = 2.5 * p->rloc * (1 + i);
                for (int m2 = 0; m2 < 2 * l + 1; m2++, col++) {
                    double complex *c = out + col * (size_t)npw;
                    /* FT of r^l e^{-r^2/2s^2} Y_lm(r^), up to a constant: q^l e^{-q^2 s^2/2} Y_lm(q^) */
                    for (int g = 0; g < npw; g++)
                        c[g] = il[l] * pow(q2[g], 0.5 * l) * exp(-0.5 * q2[g] * sigma * sigma) * ylm[(size_t)g * 7 + m2] *
                               phase[g];
                    const double n2 = as_wf_norm2(b, c);
                    if (n2 > 0.0)
                        for (int g = 0; g < npw; g++)
                            c[g] /= sqrt(n2);
                }
            }
        }
    }
    free(q2), free(ylm), free(phase);
    return 0;
}
