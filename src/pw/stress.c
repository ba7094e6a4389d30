#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/clock.h"

#include "core/units.h"
#include "pw/ewald.h"
#include "pw/forces.h"
#include "pw/wfblas.h"
#include "pw/ylm.h"

static void kinetic_stress(const as_disc *d, const as_scf_state *st, double omega, double s[3][3])
{
    memset(s, 0, 9 * sizeof(double));
    for (int k = 0; k < st->nk; k++) {
        if (!d->owns[k])
            continue;
        const as_basis *b = d->basis[k];
        for (int sp = 0; sp < st->nspin; sp++) {
            const int ks = k * st->nspin + sp;
            for (int n = 0; n < st->nbands; n++) {
                const double w = d->kp->w[k] * st->occ[(size_t)ks * st->nbands + n];
                if (w == 0.0)
                    continue;
                const double complex *c = st->psi[ks] + (size_t)n * b->npw;
                for (int g = 0; g < b->npw; g++) {
                    const double a = w * as_wf_weight(b, g) * creal(c[g] * conj(c[g]));
                    for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 3; j++)
                            s[i][j] += a * b->kpg[g][i] * b->kpg[g][j];
                }
            }
        }
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            s[i][j] /= omega;
    as_disc_sum_pw(d, &s[0][0], 9);
    as_disc_sum_pools(d, &s[0][0], 9);
}

/* Hartree and local stress from the total density. */
static void density_stress(const as_model *m, const as_disc *d, const double complex *rho, double sh[3][3],
                           double sl[3][3])
{
    const as_gvecs *gv = d->gv;
    double eh = 0.0, el = 0.0;
    memset(sh, 0, 9 * sizeof(double));
    memset(sl, 0, 9 * sizeof(double));
    for (int ig = 0; ig < gv->ng; ig++) {
        double complex r = rho[ig];
        if (m->nspin == 2)
            r += rho[(size_t)gv->ng + ig];
        el += creal(conj(r) * d->vloc_g[ig]);
        if (ig == gv->ig0)
            continue;
        const double g2 = gv->g2[ig], gn = sqrt(g2), r2 = creal(r * conj(r));
        eh += AS_FOURPI * r2 / g2;
        /* d v/d|G| summed over atoms with their structure factors */
        double complex dv = 0.0;
        const int *k = gv->mill[ig];
        for (int a = 0; a < m->s->natoms; a++) {
            const double *t = m->s->frac[a];
            double ph = AS_TWOPI * (k[0] * t[0] + k[1] * t[1] + k[2] * t[2]);
            dv += as_pseudo_vloc_dg(m->pseudo_of_atom[a], gn) * cexp(-I * ph);
        }
        const double cl = creal(conj(r) * dv) / gn, ch = AS_FOURPI * r2 / (g2 * g2);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                const double gg = gv->g[ig][i] * gv->g[ig][j];
                sh[i][j] -= ch * gg;
                sl[i][j] += cl * gg / m->omega;
            }
    }
    as_disc_sum_pw(d, &sh[0][0], 9);
    as_disc_sum_pw(d, &sl[0][0], 9);
    double e2[2] = {eh, el};
    as_disc_sum_pw(d, e2, 2);
    const double e_h = 0.5 * m->omega * e2[0], e_loc = m->omega * e2[1];
    for (int i = 0; i < 3; i++) {
        sh[i][i] += e_h / m->omega;
        sl[i][i] += e_loc / m->omega;
    }
}

static int xc_stress(const as_model *m, const as_disc *d, const double complex *rho, double s[3][3],
                     as_error *err)
{
    const size_t nt = d->fft->ntot;
    const int ns = m->nspin;
    double *rr = malloc(nt * ns * sizeof *rr), *v = malloc(nt * ns * sizeof *v);
    if (!rr || !v) {
        free(rr), free(v);
        return as_error_nomem(err, "XC stress", nt * 16);
    }
    as_density_g2r(d, ns, rho, rr);
    double exc = 0.0, sg[3][3];
    int rc = as_xc_eval(m->xc, d->gv, m->omega, rr, rho, v, &exc, sg, d->lay->inter, err);
    if (rc == AS_OK) {
        double vr = 0.0;
        for (size_t i = 0; i < nt * ns; i++)
            vr += v[i] * rr[i];
        vr = as_fft_sum(d->fft, vr) * m->omega / (double)d->fft->nglobal;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                s[i][j] = sg[i][j] - (i == j ? (exc - vr) / m->omega : 0.0);
    }
    free(rr), free(v);
    return rc;
}

/* Nonlocal: E_nl/Omega d_ij + (2/Omega) Re sum f conj(P) D dP_ij, with
 * dP_ij = <dB_ij|psi>, dB_ij(q) = -[d_i(Y P)](q) q_j x (prefactor, phase, (-i)^l).
 * Per k-point, Y_lm and its gradient, the radial functions and the atomic phases are
 * computed once; each strain component then only assembles columns. */
typedef struct {
    const as_pseudo *p;
    int l, i;
    double *rad, *drad; /* P(q), dP/dq per plane wave */
} radial_cache;

static int nonlocal_stress(const as_model *m, const as_disc *d, const as_scf_state *st, double s[3][3],
                           as_error *err)
{
    const as_nonlocal *nl = d->nl;
    const int np = nl->nproj, nb = st->nbands, nat = m->s->natoms;
    memset(s, 0, 9 * sizeof(double));
    if (np == 0)
        return AS_OK;
    int npwmax = 1;
    for (int k = 0; k < st->nk; k++)
        if (d->owns[k])
            npwmax = d->basis[k]->npw > npwmax ? d->basis[k]->npw : npwmax;
    /* distinct (pseudo, l, i) radial functions */
    radial_cache *rc = calloc((size_t)np, sizeof *rc);
    int *rid = malloc((size_t)np * sizeof *rid), nrad = 0;
    int blk = 1; /* columns of the largest projector block */
    for (int k = 0; k < st->nk; k++)
        if (d->owns[k] && d->proj[k]->max_block > blk)
            blk = d->proj[k]->max_block;
    double complex *db = malloc((size_t)npwmax * blk * sizeof *db);
    double complex *p = malloc((size_t)np * nb * sizeof *p), *dp = malloc((size_t)np * nb * sizeof *dp);
    double complex *phase = malloc((size_t)npwmax * nat * sizeof *phase);
    double *rw = malloc((size_t)np * nb * sizeof *rw), *qn = malloc((size_t)npwmax * sizeof *qn);
    double *ylm = malloc((size_t)npwmax * 4 * 7 * sizeof *ylm);          /* [l][g][m] */
    double *dylm = malloc((size_t)npwmax * 4 * 3 * 7 * sizeof *dylm);    /* [l][g][x][m] */
    int ok = rc && rid && db && p && dp && phase && rw && qn && ylm && dylm;
    for (int j = 0; ok && j < np; j++) {
        const as_pseudo *ps = m->pseudo_of_atom[nl->atom[j]];
        int f = -1;
        for (int r = 0; r < nrad && f < 0; r++)
            if (rc[r].p == ps && rc[r].l == nl->l[j] && rc[r].i == nl->i[j])
                f = r;
        if (f < 0) {
            f = nrad++;
            rc[f].p = ps, rc[f].l = nl->l[j], rc[f].i = nl->i[j];
            rc[f].rad = malloc((size_t)npwmax * sizeof(double));
            rc[f].drad = malloc((size_t)npwmax * sizeof(double));
            ok = rc[f].rad && rc[f].drad;
        }
        rid[j] = f;
    }
    int status = AS_OK;
    if (!ok) {
        status = as_error_nomem(err, "nonlocal stress", (size_t)npwmax * blk * 16);
        goto done;
    }
    const double pref = AS_FOURPI / sqrt(m->omega);
    static const double complex il[4] = {1.0, -I, -1.0, I};
    double enl = 0.0;
    for (int k = 0; k < st->nk; k++) {
        if (!d->owns[k])
            continue;
        const as_basis *b = d->basis[k];
        const as_projectors *pr = d->proj[k];
        const int npw = b->npw;
        for (int g = 0; g < npw; g++) {
            const double *q = b->kpg[g];
            qn[g] = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
            for (int l = 0; l <= AS_PSEUDO_LMAX; l++) {
                double gy[3][7];
                as_ylm(l, q, ylm + ((size_t)l * npwmax + g) * 7);
                as_ylm_grad(l, q, gy);
                for (int x = 0; x < 3; x++)
                    for (int mm = 0; mm < 2 * l + 1; mm++)
                        dylm[(((size_t)l * npwmax + g) * 3 + x) * 7 + mm] = gy[x][mm];
            }
        }
        for (int r = 0; r < nrad; r++)
            for (int g = 0; g < npw; g++) {
                rc[r].rad[g] = as_pseudo_proj_q(rc[r].p, rc[r].l, rc[r].i, qn[g]);
                rc[r].drad[g] = qn[g] > 1e-12 ? as_pseudo_proj_dq(rc[r].p, rc[r].l, rc[r].i, qn[g]) : 0.0;
            }
        for (int a = 0; a < nat; a++) {
            const double *t = m->s->frac[a];
            for (int g = 0; g < npw; g++) {
                double ph = AS_TWOPI * ((b->mill[g][0] + b->kfrac[0]) * t[0] + (b->mill[g][1] + b->kfrac[1]) * t[1] +
                                        (b->mill[g][2] + b->kfrac[2]) * t[2]);
                phase[(size_t)a * npwmax + g] = cexp(-I * ph);
            }
        }
        for (int sp = 0; sp < st->nspin; sp++) {
            const int ks = k * st->nspin + sp;
            const double *occ = st->occ + (size_t)ks * nb;
            as_projectors_project(pr, b, nb, st->psi[ks], p, rw);
            for (int n = 0; n < nb; n++) {
                const double w = d->kp->w[k] * occ[n];
                if (w == 0.0)
                    continue;
                for (int j = 0; j < np; j++) {
                    double complex hs = 0.0;
                    for (int q = 0; q < nl->nblk[j]; q++)
                        hs += nl->h[j][q] * p[(size_t)n * np + nl->first[j] + q];
                    enl += w * creal(conj(p[(size_t)n * np + j]) * hs);
                }
            }
            for (int i = 0; i < 3; i++)
                for (int jx = i; jx < 3; jx++) {
                    for (int j0 = 0; j0 < np;) {
                        const int nblock = as_projectors_block(pr, j0);
                        for (int j = j0; j < j0 + nblock; j++) {
                            const int l = nl->l[j], mj = nl->m[j];
                            const double *rad = rc[rid[j]].rad, *drad = rc[rid[j]].drad;
                            const double *y = ylm + (size_t)l * npwmax * 7;
                            const double *dy = dylm + (size_t)l * npwmax * 21;
                            const double complex *ph = phase + (size_t)nl->atom[j] * npwmax;
                            const double complex c = -il[l] * pref;
                            double complex *col = db + (size_t)(j - j0) * npw;
                            for (int g = 0; g < npw; g++) {
                                const double *q = b->kpg[g];
                                const double di =
                                    (qn[g] > 1e-12 ? drad[g] * q[i] / qn[g] : 0.0) * y[(size_t)g * 7 + mj] +
                                    rad[g] * dy[((size_t)g * 3 + i) * 7 + mj];
                                col[g] = c * (di * q[jx]) * ph[g];
                            }
                        }
                        as_wf_overlap(b, nblock, db, nb, st->psi[ks], dp + j0, np, rw);
                        j0 += nblock;
                    }
                    double acc = 0.0;
                    for (int n = 0; n < nb; n++) {
                        const double w = d->kp->w[k] * occ[n];
                        if (w == 0.0)
                            continue;
                        for (int j = 0; j < np; j++) {
                            double complex hs = 0.0;
                            for (int q = 0; q < nl->nblk[j]; q++)
                                hs += nl->h[j][q] * dp[(size_t)n * np + nl->first[j] + q];
                            acc += 2.0 * w * creal(conj(p[(size_t)n * np + j]) * hs);
                        }
                    }
                    /* dE/d eps_ij = -d_ij E_nl + acc;  sigma = -(1/Omega) dE/d eps.  The nonlocal
                     * energy is rotation invariant, so the tensor is symmetric
                     * (tests/unit/test_forces_stress.c checks every component). */
                    s[i][jx] -= acc / m->omega;
                    if (jx != i)
                        s[jx][i] = s[i][jx];
                }
        }
    }
    /* projections are complete on every rank of a pool; the k-sum runs over the pools */
    as_disc_sum_pools(d, &s[0][0], 9);
    as_disc_sum_pools(d, &enl, 1);
    for (int i = 0; i < 3; i++)
        s[i][i] += enl / m->omega;
done:
    for (int r = 0; r < nrad; r++)
        free(rc[r].rad), free(rc[r].drad);
    free(rc), free(rid), free(db), free(p), free(dp), free(phase), free(rw), free(qn), free(ylm), free(dylm);
    return status;
}

static int as_stress_body(const as_model *m, const as_disc *d, const as_scf_state *st, double sigma[3][3],
              as_stress_terms *terms, as_error *err)
{
    as_stress_terms t;
    memset(&t, 0, sizeof t);
    const size_t ng = (size_t)d->gv->ng;
    double complex *rho = malloc(ng * m->nspin * sizeof *rho);
    if (!rho)
        return as_error_nomem(err, "stress density", ng * 32);
    int rc = as_scf_density(m, d, st, rho, err);
    if (rc == AS_OK) {
        kinetic_stress(d, st, m->omega, t.kinetic);
        density_stress(m, d, rho, t.hartree, t.local);
        rc = xc_stress(m, d, rho, t.xc, err);
    }
    if (rc == AS_OK)
        rc = nonlocal_stress(m, d, st, t.nonlocal, err);
    if (rc == AS_OK)
        rc = as_ewald(m->s->lattice, m->s->natoms, (const double(*)[3])m->s->frac, m->zion_of_atom, 0.0, NULL, NULL,
                      t.ewald, err);
    if (rc == AS_OK && m->sym) {
        /* k-point sums over the irreducible wedge need the group average. */
        rc = as_symmetry_symmetrize(m->sym, m->s, NULL, t.kinetic, err);
        if (rc == AS_OK)
            rc = as_symmetry_symmetrize(m->sym, m->s, NULL, t.nonlocal, err);
    }
    free(rho);
    if (rc)
        return rc;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            sigma[i][j] = t.kinetic[i][j] + t.hartree[i][j] + t.local[i][j] + t.xc[i][j] + t.nonlocal[i][j] +
                          t.ewald[i][j];
    if (terms)
        *terms = t;
    return AS_OK;
}

int as_stress(const as_model *m, const as_disc *d, const as_scf_state *st, double sigma[3][3],
              as_stress_terms *terms, as_error *err)
{
    as_clock_start(AS_CLK_STRESS);
    const int rc = as_stress_body(m, d, st, sigma, terms, err);
    as_clock_stop(AS_CLK_STRESS);
    return rc;
}
