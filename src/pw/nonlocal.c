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

static int whole_max = AS_PROJ_WHOLE_MAX, block_cols = AS_PROJ_BLOCK;

void as_projectors_tune(int wmax, int block)
{
    whole_max = wmax > 0 ? wmax : AS_PROJ_WHOLE_MAX;
    block_cols = block > 0 ? block : AS_PROJ_BLOCK;
}

as_projectors *as_projectors_create(const as_nonlocal *nl, const as_basis *basis, const as_structure *s,
                                    const as_pseudo *const *ps, as_error *err)
{
    as_projectors *pr = calloc(1, sizeof *pr);
    const int npw = basis->npw, np = nl->nproj, nat = s->natoms;
    const size_t npw1 = (size_t)(npw > 0 ? npw : 1);
    const int whole = np <= whole_max;
    /* species shapes: one set of columns per distinct potential, in the atoms' order */
    int nshape = 0;
    if (pr) {
        pr->npw = npw;
        pr->nproj = np;
        pr->natoms = nat;
        pr->block = block_cols;
        pr->atom_first = malloc((size_t)(nat + 1) * sizeof *pr->atom_first);
        pr->shape_of_atom = malloc((size_t)(nat > 0 ? nat : 1) * sizeof *pr->shape_of_atom);
    }
    if (pr && pr->atom_first && pr->shape_of_atom) {
        int j = 0;
        for (int a = 0; a < nat; a++) {
            pr->atom_first[a] = j;
            j += as_pseudo_nproj(ps[a]);
            int b0 = -1;
            for (int a2 = 0; a2 < a && b0 < 0; a2++)
                if (ps[a2] == ps[a])
                    b0 = pr->shape_of_atom[a2];
            if (b0 < 0) {
                b0 = nshape;
                nshape += as_pseudo_nproj(ps[a]);
            }
            pr->shape_of_atom[a] = b0;
        }
        pr->atom_first[nat] = j;
        for (int a = 0; a < nat; a++) /* a block holds at least one whole atom */
            if (pr->atom_first[a + 1] - pr->atom_first[a] > pr->block)
                pr->block = pr->atom_first[a + 1] - pr->atom_first[a];
        if (whole)
            pr->b = malloc(npw1 * (size_t)(np > 0 ? np : 1) * sizeof *pr->b);
        pr->shape = malloc(npw1 * (size_t)(nshape > 0 ? nshape : 1) * sizeof *pr->shape);
        pr->phase = malloc(npw1 * (size_t)(nat > 0 ? nat : 1) * sizeof *pr->phase);
        if (!whole)
            pr->scratch = malloc(npw1 * (size_t)pr->block * sizeof *pr->scratch);
    }
    double *q = malloc(npw1 * sizeof *q);
    double *ylm = malloc(npw1 * 7 * sizeof *ylm);
    double *rad = malloc(npw1 * sizeof *rad);
    if (!pr || !pr->atom_first || !pr->shape_of_atom || (whole && !pr->b) || !pr->shape || !pr->phase ||
        (!whole && !pr->scratch) || !q || !ylm || !rad) {
        free(q), free(ylm), free(rad);
        as_projectors_destroy(pr);
        as_error_nomem(err, "projectors", npw1 * (size_t)(whole ? np : nshape + nat + block_cols) * 16);
        return NULL;
    }
    const double omega = fabs(as_lattice_volume(s->lattice));
    const double pref = AS_FOURPI / sqrt(omega);
    for (int g = 0; g < npw; g++) {
        const double *v = basis->kpg[g];
        q[g] = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    }
    static const double complex il[4] = {1.0, -I, -1.0, I}; /* (-i)^l */
    for (int a = 0; a < nat; a++) {
        /* e^{-i (k+G).tau}, tau in fractional: (k+G).tau = 2 pi (m + k) . frac */
        double complex *ph = pr->phase + (size_t)a * npw1;
        for (int g = 0; g < npw; g++)
            ph[g] = cexp(-I * AS_TWOPI * ((basis->mill[g][0] + basis->kfrac[0]) * s->frac[a][0] +
                                          (basis->mill[g][1] + basis->kfrac[1]) * s->frac[a][1] +
                                          (basis->mill[g][2] + basis->kfrac[2]) * s->frac[a][2]));
        int first_of_species = 1;
        for (int a2 = 0; a2 < a && first_of_species; a2++)
            first_of_species = ps[a2] != ps[a];
        if (!first_of_species)
            continue;
        /* the species' shapes, grouped by l: all m, each with nprj radial functions */
        const as_pseudo *p = ps[a];
        int col0 = pr->shape_of_atom[a];
        for (int l = 0; l < p->nl; l++) {
            const int nprj = p->nprj[l];
            for (int g = 0; g < npw; g++)
                as_ylm(l, basis->kpg[g], ylm + (size_t)g * 7);
            for (int i = 0; i < nprj; i++) {
                for (int g = 0; g < npw; g++)
                    rad[g] = pref * as_pseudo_proj_q(p, l, i, q[g]);
                for (int m = 0; m < 2 * l + 1; m++) {
                    /* column (l, m, i): first of l + m*nprj + i */
                    double complex *col = pr->shape + (size_t)(col0 + m * nprj + i) * npw1;
                    for (int g = 0; g < npw; g++)
                        col[g] = il[l] * rad[g] * ylm[(size_t)g * 7 + m];
                }
            }
            col0 += (2 * l + 1) * nprj;
        }
    }
    free(q), free(ylm), free(rad);
    pr->ncols_stored = as_projectors_stored_columns(ps, nat);
    if (whole) {
        for (int a = 0; a < nat; a++)
            for (int c = 0; c < pr->atom_first[a + 1] - pr->atom_first[a]; c++) {
                const double complex *sh = pr->shape + (size_t)(pr->shape_of_atom[a] + c) * npw1;
                const double complex *ph = pr->phase + (size_t)a * npw1;
                double complex *col = pr->b + (size_t)(pr->atom_first[a] + c) * npw1;
                for (int g = 0; g < npw; g++)
                    col[g] = sh[g] * ph[g];
            }
        free(pr->shape), free(pr->phase);
        pr->shape = pr->phase = NULL;
    }
    /* <G|V_nl|G> = sum_jk h_jk conj(beta_j(G)) beta_k(G), block by block (D is block-diagonal per atom) */
    if (!(pr->diag = calloc(npw1, sizeof *pr->diag))) {
        as_projectors_destroy(pr);
        as_error_nomem(err, "projector diagonal", npw1 * 8);
        return NULL;
    }
    pr->max_block = 1;
    for (int j0 = 0; j0 < np;) {
        const int n = as_projectors_block(pr, j0);
        pr->max_block = n > pr->max_block ? n : pr->max_block;
        const double complex *blk = as_projectors_get(pr, j0, n);
        for (int g = 0; g < npw; g++) {
            double dg = 0.0;
            for (int j = j0; j < j0 + n; j++) {
                const double complex bj = blk[(size_t)(j - j0) * npw1 + g];
                for (int k = 0; k < nl->nblk[j]; k++)
                    dg += nl->h[j][k] * creal(conj(bj) * blk[(size_t)(nl->first[j] + k - j0) * npw1 + g]);
            }
            pr->diag[g] += dg;
        }
        j0 += n;
    }
    return pr;
}

void as_projectors_destroy(as_projectors *p)
{
    if (!p)
        return;
    free(p->b);
    free(p->atom_first);
    free(p->shape_of_atom);
    free(p->shape);
    free(p->phase);
    free(p->scratch);
    free(p->diag);
    free(p);
}

int as_projectors_block(const as_projectors *pr, int j0)
{
    if (pr->b)
        return pr->nproj - j0;
    int a = 0;
    while (a < pr->natoms && pr->atom_first[a + 1] <= j0)
        a++;
    int end = pr->atom_first[a + 1];
    for (int a2 = a + 1; a2 < pr->natoms && pr->atom_first[a2 + 1] - j0 <= pr->block; a2++)
        end = pr->atom_first[a2 + 1];
    return end - j0;
}

int as_projectors_stored_columns(const as_pseudo *const *ps, int nat)
{
    int np = 0, nshape = 0, blk = block_cols;
    for (int a = 0; a < nat; a++) {
        const int n = as_pseudo_nproj(ps[a]);
        int seen = 0;
        for (int a2 = 0; a2 < a && !seen; a2++)
            seen = ps[a2] == ps[a];
        np += n;
        nshape += seen ? 0 : n;
        blk = n > blk ? n : blk;
    }
    return np <= whole_max ? np : nshape + nat + blk;
}

const double complex *as_projectors_get(const as_projectors *pr, int j0, int n)
{
    const size_t npw1 = (size_t)(pr->npw > 0 ? pr->npw : 1);
    if (pr->b)
        return pr->b + (size_t)j0 * npw1;
    int a = 0;
    while (a < pr->natoms && pr->atom_first[a + 1] <= j0)
        a++;
    for (int c = 0; c < n; c++) {
        const int j = j0 + c;
        while (pr->atom_first[a + 1] <= j)
            a++;
        const double complex *sh = pr->shape + (size_t)(pr->shape_of_atom[a] + j - pr->atom_first[a]) * npw1;
        const double complex *ph = pr->phase + (size_t)a * npw1;
        double complex *col = pr->scratch + (size_t)c * npw1;
        /* the product written out: C's complex multiply checks every result for NaN (Annex G) and stays
         * scalar; for finite values this is the same arithmetic, bit for bit */
        const double *restrict x = (const double *)sh, *restrict y = (const double *)ph;
        double *restrict o = (double *)col;
        for (int g = 0; g < pr->npw; g++) {
            const double ar = x[2 * g], ai = x[2 * g + 1], qr = y[2 * g], qi = y[2 * g + 1];
            o[2 * g] = ar * qr - ai * qi;
            o[2 * g + 1] = ar * qi + ai * qr;
        }
    }
    return pr->scratch;
}

void as_projectors_project(const as_projectors *pr, const as_basis *b, int nb, const double complex *psi,
                           double complex *p, double *rw)
{
    for (int j0 = 0; j0 < pr->nproj;) {
        const int n = as_projectors_block(pr, j0);
        as_wf_overlap(b, n, as_projectors_get(pr, j0, n), nb, psi, p + j0, pr->nproj, rw);
        j0 += n;
    }
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
    as_projectors_project(pr, b, nb, psi, p, rw);
    apply_d(nl, nb, p, dp);
    for (int j0 = 0; j0 < np;) {
        const int n = as_projectors_block(pr, j0);
        as_wf_combine(b, n, as_projectors_get(pr, j0, n), dp + j0, np, nb, 1.0, hpsi, rw);
        j0 += n;
    }
}

double as_nonlocal_energy(const as_nonlocal *nl, const as_projectors *pr, const as_basis *b, int nb,
                          const double complex *psi, const double *occ, double complex *work)
{
    const int np = nl->nproj;
    if (np == 0 || nb == 0)
        return 0.0;
    double complex *p = work, *dp = work + (size_t)np * nb;
    double *rw = (double *)(work + (size_t)2 * np * nb);
    as_projectors_project(pr, b, nb, psi, p, rw);
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
