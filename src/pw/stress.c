#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "pw/ewald.h"
#include "pw/forces.h"
#include "pw/wfblas.h"
#include "pw/ylm.h"

static void kinetic_stress(const as_disc *d, const as_scf_state *st, double omega, double s[3][3])
{
    memset(s, 0, 9 * sizeof(double));
    for (int k = 0; k < st->nk; k++) {
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
    const double e_h = 0.5 * m->omega * eh, e_loc = m->omega * el;
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
    int rc = as_xc_eval(m->xc, d->gv, m->omega, rr, rho, v, &exc, sg, err);
    if (rc == AS_OK) {
        double vr = 0.0;
        for (size_t i = 0; i < nt * ns; i++)
            vr += v[i] * rr[i];
        vr *= m->omega / (double)d->fft->nglobal;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                s[i][j] = sg[i][j] - (i == j ? (exc - vr) / m->omega : 0.0);
    }
    free(rr), free(v);
    return rc;
}

/* Nonlocal: E_nl/Omega d_ij + (2/Omega) Re sum f conj(P) D dP_ij, with
 * dP_ij = <dB_ij|psi>, dB_ij(q) = -[d_i(Y P)](q) q_j x (prefactor, phase, (-i)^l). */
static int nonlocal_stress(const as_model *m, const as_disc *d, const as_scf_state *st, double s[3][3],
                           as_error *err)
{
    const as_nonlocal *nl = d->nl;
    const int np = nl->nproj, nb = st->nbands;
    memset(s, 0, 9 * sizeof(double));
    if (np == 0)
        return AS_OK;
    int npwmax = 0;
    for (int k = 0; k < st->nk; k++)
        npwmax = d->basis[k]->npw > npwmax ? d->basis[k]->npw : npwmax;
    double complex *db = malloc((size_t)npwmax * np * sizeof *db);
    double complex *p = malloc((size_t)np * nb * sizeof *p), *dp = malloc((size_t)np * nb * sizeof *dp);
    double *rw = malloc((size_t)np * nb * sizeof *rw);
    double *qn = malloc((size_t)npwmax * sizeof *qn);
    if (!db || !p || !dp || !rw || !qn) {
        free(db), free(p), free(dp), free(rw), free(qn);
        return as_error_nomem(err, "nonlocal stress", (size_t)npwmax * np * 16);
    }
    const double pref = AS_FOURPI / sqrt(m->omega);
    static const double complex il[4] = {1.0, -I, -1.0, I};
    double enl = 0.0;
    for (int k = 0; k < st->nk; k++) {
        const as_basis *b = d->basis[k];
        const as_projectors *pr = d->proj[k];
        for (int g = 0; g < b->npw; g++)
            qn[g] = sqrt(b->kpg[g][0] * b->kpg[g][0] + b->kpg[g][1] * b->kpg[g][1] + b->kpg[g][2] * b->kpg[g][2]);
        for (int sp = 0; sp < st->nspin; sp++) {
            const int ks = k * st->nspin + sp;
            const double *occ = st->occ + (size_t)ks * nb;
            as_wf_overlap(b, np, pr->b, nb, st->psi[ks], p, np, rw);
            /* E_nl of this k and spin */
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
                    for (int j = 0; j < np; j++) {
                        const int a = nl->atom[j], l = nl->l[j], m_ = nl->m[j], ir = nl->i[j];
                        const as_pseudo *ps = m->pseudo_of_atom[a];
                        const double *t = m->s->frac[a];
                        double complex *col = db + (size_t)j * b->npw;
                        for (int g = 0; g < b->npw; g++) {
                            const double *q = b->kpg[g];
                            double y[7], gy[3][7];
                            as_ylm(l, q, y);
                            as_ylm_grad(l, q, gy);
                            const double rad = as_pseudo_proj_q(ps, l, ir, qn[g]);
                            const double drad = qn[g] > 1e-12 ? as_pseudo_proj_dq(ps, l, ir, qn[g]) : 0.0;
                            const double di = (qn[g] > 1e-12 ? drad * q[i] / qn[g] : 0.0) * y[m_] + rad * gy[i][m_];
                            double ph = AS_TWOPI * ((b->mill[g][0] + b->kfrac[0]) * t[0] +
                                                    (b->mill[g][1] + b->kfrac[1]) * t[1] +
                                                    (b->mill[g][2] + b->kfrac[2]) * t[2]);
                            col[g] = -il[l] * pref * di * q[jx] * cexp(-I * ph);
                        }
                    }
                    as_wf_overlap(b, np, db, nb, st->psi[ks], dp, np, rw);
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
                    /* dE/d eps_ij = -d_ij E_nl + acc;  sigma = -(1/Omega) dE/d eps */
                    /* The nonlocal energy is rotation invariant, so the tensor is symmetric
                     * (tests/unit/test_stress_fd.c checks every component). */
                    s[i][jx] -= acc / m->omega;
                    if (jx != i)
                        s[jx][i] = s[i][jx];
                }
        }
    }
    for (int i = 0; i < 3; i++)
        s[i][i] += enl / m->omega;
    free(db), free(p), free(dp), free(rw), free(qn);
    return AS_OK;
}

int as_stress(const as_model *m, const as_disc *d, const as_scf_state *st, double sigma[3][3],
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
