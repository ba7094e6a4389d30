#include "pw/forces.h"
#include "core/clock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "pw/ewald.h"
#include "pw/wfblas.h"
#include "pw/ylm.h"

/* Total (spin-summed) output density of the current wavefunctions, sphere coefficients. */
static double complex *output_density(const as_model *m, const as_disc *d, const as_scf_state *st, as_error *err)
{
    const size_t ng = (size_t)d->gv->ng;
    double complex *rho = malloc(ng * m->nspin * sizeof *rho);
    if (!rho) {
        as_error_nomem(err, "density", ng * 32);
        return NULL;
    }
    if (as_scf_density(m, d, st, rho, err)) {
        free(rho);
        return NULL;
    }
    return rho;
}

/* The local potential's force on each atom, -sum_G G Re[i conj(rho(G)) v(|G|) e^{-iG.tau}] (rank-local G, summed
 * over the plane-wave group), with v(|G|) tabulated once per run of atoms of one species and the phases from
 * per-axis tables (as_gvecs_phases). */
static int local_forces(const as_model *m, const as_disc *d, const double complex *rho, int nspin, double (*f)[3],
                        as_error *err)
{
    const as_gvecs *gv = d->gv;
    double *vsp = malloc((size_t)gv->ng * sizeof *vsp);
    double complex *phase = malloc((size_t)gv->ng * sizeof *phase);
    if (!vsp || !phase) {
        free(vsp), free(phase);
        return as_error_nomem(err, "local forces", (size_t)gv->ng * 24);
    }
    const as_pseudo *last = NULL;
    for (int a = 0; a < m->s->natoms; a++) {
        const as_pseudo *p = m->pseudo_of_atom[a];
        if (p != last) /* atoms come grouped by species as a rule: each table is made once */
            for (int ig = 0; ig < gv->ng; ig++)
                vsp[ig] = ig == gv->ig0 ? 0.0 : as_pseudo_vloc_g(p, sqrt(gv->g2[ig]), 0);
        last = p;
        as_gvecs_phases(gv, m->s->frac[a], phase);
        double acc[3] = {0, 0, 0};
        for (int ig = 0; ig < gv->ng; ig++) {
            if (ig == gv->ig0)
                continue;
            double complex r = rho[ig];
            if (nspin == 2)
                r += rho[(size_t)gv->ng + ig];
            /* Re[i G conj(rho) v e^{-i ph}] */
            const double im = cimag(conj(r) * phase[ig]) * vsp[ig];
            for (int x = 0; x < 3; x++)
                acc[x] -= gv->g[ig][x] * im;
        }
        for (int x = 0; x < 3; x++)
            f[a][x] = acc[x];
    }
    free(vsp), free(phase);
    as_disc_sum_pw(d, &f[0][0], 3 * m->s->natoms);
    return AS_OK;
}

/* -2 Re sum f conj(P) D dP, dP_x = <-i (k+G)_x beta | psi>. */
static int nonlocal_forces(const as_model *m, const as_disc *d, const as_scf_state *st, double (*f)[3],
                           as_error *err)
{
    const as_nonlocal *nl = d->nl;
    const int np = nl->nproj, nb = st->nbands;
    memset(f, 0, (size_t)m->s->natoms * sizeof *f);
    if (np == 0)
        return AS_OK;
    int npwmax = 1;
    for (int k = 0; k < st->nk; k++)
        if (d->owns[k])
            npwmax = d->basis[k]->npw > npwmax ? d->basis[k]->npw : npwmax;
    int blk = 1; /* columns of the largest projector block */
    for (int k = 0; k < st->nk; k++)
        if (d->owns[k] && d->proj[k]->max_block > blk)
            blk = d->proj[k]->max_block;
    double complex *db = malloc((size_t)npwmax * blk * sizeof *db);
    double complex *p = malloc((size_t)np * nb * sizeof *p), *dp = malloc((size_t)np * nb * sizeof *dp);
    double *rw = malloc((size_t)np * nb * sizeof *rw);
    if (!db || !p || !dp || !rw) {
        free(db), free(p), free(dp), free(rw);
        return as_error_nomem(err, "nonlocal forces", (size_t)npwmax * blk * 16);
    }
    for (int k = 0; k < st->nk; k++) {
        if (!d->owns[k])
            continue;
        const as_basis *b = d->basis[k];
        const as_projectors *pr = d->proj[k];
        for (int s = 0; s < st->nspin; s++) {
            const int ks = k * st->nspin + s;
            const double *occ = st->occ + (size_t)ks * nb;
            as_projectors_project(pr, b, nb, st->psi[ks], p, rw);
            for (int x = 0; x < 3; x++) {
                /* dP_x = <-i (k+G)_x beta | psi>, a block of whole atoms at a time */
                for (int j0 = 0; j0 < np;) {
                    const int n = as_projectors_block(pr, j0);
                    const double complex *bb = as_projectors_get(pr, j0, n);
                    for (int j = 0; j < n; j++)
                        for (int g = 0; g < b->npw; g++)
                            db[(size_t)j * b->npw + g] = -I * b->kpg[g][x] * bb[(size_t)j * b->npw + g];
                    as_wf_overlap(b, n, db, nb, st->psi[ks], dp + j0, np, rw);
                    j0 += n;
                }
                for (int n = 0; n < nb; n++) {
                    const double w = d->kp->w[k] * occ[n];
                    if (w == 0.0)
                        continue;
                    const double complex *pn = p + (size_t)n * np, *dn = dp + (size_t)n * np;
                    for (int j = 0; j < np; j++) {
                        double complex hs = 0.0;
                        for (int q = 0; q < nl->nblk[j]; q++)
                            hs += nl->h[j][q] * dn[nl->first[j] + q];
                        f[nl->atom[j]][x] -= 2.0 * w * creal(conj(pn[j]) * hs);
                    }
                }
            }
        }
    }
    free(db), free(p), free(dp), free(rw);
    /* projections are complete on every rank of a pool; the k-sum runs over the pools */
    as_disc_sum_pools(d, &f[0][0], 3 * m->s->natoms);
    return AS_OK;
}

static int as_forces_body(const as_model *m, const as_disc *d, const as_scf_state *st, double (*f)[3], as_force_terms *terms,
              as_error *err)
{
    const int nat = m->s->natoms;
    double(*fl)[3] = calloc((size_t)nat, sizeof *fl), (*fn)[3] = calloc((size_t)nat, sizeof *fn);
    double(*fe)[3] = calloc((size_t)nat, sizeof *fe);
    double complex *rho = NULL;
    int rc = AS_OK;
    if (!fl || !fn || !fe) {
        rc = as_error_nomem(err, "forces", (size_t)nat * 72);
        goto done;
    }
    if (!(rho = output_density(m, d, st, err))) {
        rc = err->code;
        goto done;
    }
    if ((rc = local_forces(m, d, rho, m->nspin, fl, err)) || (rc = nonlocal_forces(m, d, st, fn, err)))
        goto done;
    if ((rc = as_ewald(m->s->lattice, nat, (const double(*)[3])m->s->frac, m->zion_of_atom, 0.0, NULL, fe, NULL,
                       err)))
        goto done;
    if (m->sym && (rc = as_symmetry_symmetrize(m->sym, m->s, fn, NULL, err)))
        goto done;
    for (int a = 0; a < nat; a++)
        for (int x = 0; x < 3; x++)
            f[a][x] = fl[a][x] + fn[a][x] + fe[a][x];
    if (terms) {
        if (terms->local)
            memcpy(terms->local, fl, (size_t)nat * sizeof *fl);
        if (terms->nonlocal)
            memcpy(terms->nonlocal, fn, (size_t)nat * sizeof *fn);
        if (terms->ewald)
            memcpy(terms->ewald, fe, (size_t)nat * sizeof *fe);
    }
done:
    free(fl), free(fn), free(fe), free(rho);
    return rc;
}

int as_forces(const as_model *m, const as_disc *d, const as_scf_state *st, double (*f)[3], as_force_terms *terms,
              as_error *err)
{
    as_clock_start(AS_CLK_FORCES);
    const int rc = as_forces_body(m, d, st, f, terms, err);
    as_clock_stop(AS_CLK_FORCES);
    return rc;
}
