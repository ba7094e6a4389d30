#include "pw/nonlocal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "pw/wfblas.h"
#include "pw/ylm.h"

as_nonlocal *as_nonlocal_create(const as_structure *s, const as_pseudo *const *ps, as_error *err)
{
    as_nonlocal *nl = calloc(1, sizeof *nl);
    if (!nl) {
        as_error_nomem(err, "nonlocal", sizeof *nl);
        return NULL;
    }
    int n = 0;
    for (int a = 0; a < s->natoms; a++)
        n += as_pseudo_nproj(ps[a]);
    nl->nproj = n;
    size_t nn = n > 0 ? (size_t)n : 1;
    nl->atom = malloc(nn * sizeof(int));
    nl->l = malloc(nn * sizeof(int));
    nl->m = malloc(nn * sizeof(int));
    nl->i = malloc(nn * sizeof(int));
    nl->first = malloc(nn * sizeof(int));
    nl->nblk = malloc(nn * sizeof(int));
    nl->h = calloc(nn, sizeof *nl->h);
    if (!nl->atom || !nl->l || !nl->m || !nl->i || !nl->first || !nl->nblk || !nl->h) {
        as_nonlocal_destroy(nl);
        as_error_nomem(err, "nonlocal projector list", nn * 64);
        return NULL;
    }
    int j = 0;
    for (int a = 0; a < s->natoms; a++) {
        const as_pseudo *p = ps[a];
        for (int l = 0; l < p->nl; l++)
            for (int m = 0; m < 2 * l + 1; m++) {
                int first = j;
                for (int i = 0; i < p->nprj[l]; i++, j++) {
                    nl->atom[j] = a;
                    nl->l[j] = l;
                    nl->m[j] = m;
                    nl->i[j] = i;
                    nl->first[j] = first;
                    nl->nblk[j] = p->nprj[l];
                    for (int i2 = 0; i2 < p->nprj[l]; i2++)
                        nl->h[j][i2] = p->h[l][i][i2];
                }
            }
    }
    return nl;
}

void as_nonlocal_destroy(as_nonlocal *nl)
{
    if (!nl)
        return;
    free(nl->atom);
    free(nl->l);
    free(nl->m);
    free(nl->i);
    free(nl->first);
    free(nl->nblk);
    free(nl->h);
    free(nl);
}

as_projectors *as_projectors_create(const as_nonlocal *nl, const as_basis *basis, const as_structure *s,
                                    const as_pseudo *const *ps, as_error *err)
{
    as_projectors *pr = calloc(1, sizeof *pr);
    const int npw = basis->npw, np = nl->nproj;
    if (pr) {
        pr->npw = npw;
        pr->nproj = np;
        pr->b = malloc((size_t)npw * (size_t)(np > 0 ? np : 1) * sizeof *pr->b);
    }
    double *q = malloc((size_t)npw * sizeof *q);
    double *ylm = malloc((size_t)npw * 7 * sizeof *ylm);
    double *rad = malloc((size_t)npw * sizeof *rad);
    double complex *phase = malloc((size_t)npw * sizeof *phase);
    if (!pr || !pr->b || !q || !ylm || !rad || !phase) {
        free(q), free(ylm), free(rad), free(phase);
        as_projectors_destroy(pr);
        as_error_nomem(err, "projectors", (size_t)npw * (size_t)np * sizeof(double complex));
        return NULL;
    }
    const double omega = fabs(as_lattice_volume(s->lattice));
    const double pref = AS_FOURPI / sqrt(omega);
    for (int g = 0; g < npw; g++) {
        const double *v = basis->kpg[g];
        q[g] = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    }
    /* Projectors come grouped by (atom, l): all m, each with nprj radial functions. */
    for (int j = 0; j < np;) {
        const int a = nl->atom[j], l = nl->l[j];
        const as_pseudo *p = ps[a];
        const int nprj = p->nprj[l];
        /* e^{-i (k+G).tau}, tau in fractional: (k+G).tau = 2 pi (m + k) . frac */
        for (int g = 0; g < npw; g++) {
            double ph = AS_TWOPI * ((basis->mill[g][0] + basis->kfrac[0]) * s->frac[a][0] +
                                    (basis->mill[g][1] + basis->kfrac[1]) * s->frac[a][1] +
                                    (basis->mill[g][2] + basis->kfrac[2]) * s->frac[a][2]);
            phase[g] = cexp(-I * ph);
            as_ylm(l, basis->kpg[g], ylm + (size_t)g * 7);
        }
        /* (-i)^l */
        static const double complex il[4] = {1.0, -I, -1.0, I};
        for (int i = 0; i < nprj; i++) {
            for (int g = 0; g < npw; g++)
                rad[g] = pref * as_pseudo_proj_q(p, l, i, q[g]);
            for (int m = 0; m < 2 * l + 1; m++) {
                /* column for (a, l, m, i): index first + m*nprj + i */
                double complex *col = pr->b + (size_t)(j + m * nprj + i) * (size_t)npw;
                for (int g = 0; g < npw; g++)
                    col[g] = il[l] * rad[g] * ylm[(size_t)g * 7 + m] * phase[g];
            }
        }
        j += (2 * l + 1) * nprj;
    }
    free(q), free(ylm), free(rad), free(phase);
    return pr;
}

void as_projectors_destroy(as_projectors *p)
{
    if (!p)
        return;
    free(p->b);
    free(p);
}

/* dp = D p, D block-diagonal in (atom, l, m) with the h^l_ij blocks. */
static void apply_d(const as_nonlocal *nl, int nb, const double complex *p, double complex *dp)
{
    const int np = nl->nproj;
    for (int n = 0; n < nb; n++) {
        const double complex *pn = p + (size_t)n * np;
        double complex *dn = dp + (size_t)n * np;
        for (int j = 0; j < np; j++) {
            double complex s = 0.0;
            for (int k = 0; k < nl->nblk[j]; k++)
                s += nl->h[j][k] * pn[nl->first[j] + k];
            dn[j] = s;
        }
    }
}

void as_nonlocal_apply(const as_nonlocal *nl, const as_projectors *pr, const as_basis *b, int nb,
                       const double complex *psi, double complex *hpsi, double complex *work)
{
    const int np = nl->nproj;
    if (np == 0 || nb == 0)
        return;
    double complex *p = work, *dp = work + (size_t)np * nb;
    double *rw = (double *)(work + (size_t)2 * np * nb);
    as_wf_overlap(b, np, pr->b, nb, psi, p, np, rw);
    apply_d(nl, nb, p, dp);
    as_wf_combine(b, np, pr->b, dp, np, nb, 1.0, hpsi, rw);
}

double as_nonlocal_energy(const as_nonlocal *nl, const as_projectors *pr, const as_basis *b, int nb,
                          const double complex *psi, const double *occ, double complex *work)
{
    const int np = nl->nproj;
    if (np == 0 || nb == 0)
        return 0.0;
    double complex *p = work, *dp = work + (size_t)np * nb;
    double *rw = (double *)(work + (size_t)2 * np * nb);
    as_wf_overlap(b, np, pr->b, nb, psi, p, np, rw);
    apply_d(nl, nb, p, dp);
    double e = 0.0;
    for (int n = 0; n < nb; n++) {
        double complex s = 0.0;
        for (int j = 0; j < np; j++)
            s += conj(p[(size_t)n * np + j]) * dp[(size_t)n * np + j];
        e += occ[n] * creal(s);
    }
    return e;
}
