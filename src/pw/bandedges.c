#include "pw/bandedges.h"
#include "core/clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw/davidson.h"
#include "pw/gmap.h"
#include "pw/ham.h"
#include "pw/occupations.h"
#include "pw/wfblas.h"

/* Offer a valence (ev) and a conduction (ec) candidate; +-INFINITY offers nothing. */
static void consider(as_band_edges *be, const double k[3], const char *label, double ev, double ec)
{
    if (ev > be->vbm) {
        be->vbm = ev;
        memcpy(be->vbm_k, k, sizeof be->vbm_k);
        snprintf(be->vbm_label, sizeof be->vbm_label, "%s", label);
    }
    if (ec < be->cbm) {
        be->cbm = ec;
        memcpy(be->cbm_k, k, sizeof be->cbm_k);
        snprintf(be->cbm_label, sizeof be->cbm_label, "%s", label);
    }
}

/* Index of this pool's mesh point nearest to k (modulo reciprocal lattice vectors, cartesian
 * metric). */
static int nearest_mesh_point(const as_model *m, const as_disc *d, const double k[3])
{
    double rec[3][3];
    as_lattice_reciprocal(m->s->lattice, rec);
    int best = -1;
    double bd = INFINITY;
    for (int i = 0; i < d->kp->nk; i++) {
        if (!d->owns[i])
            continue;
        double f[3], c[3];
        for (int x = 0; x < 3; x++) {
            f[x] = k[x] - d->kp->k[i][x];
            f[x] -= round(f[x]);
        }
        for (int x = 0; x < 3; x++)
            c[x] = f[0] * rec[0][x] + f[1] * rec[1][x] + f[2] * rec[2][x];
        double dd = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
        if (dd < bd)
            bd = dd, best = i;
    }
    return best;
}

/* Starting vectors at a new k from a mesh point's bands: the same periodic part
 * u(r) = sum_G c_G e^{iGr}, i.e. the coefficients copied by Miller index.  Much closer
 * to the answer than random vectors; a little noise keeps degenerate sets spanning. */
static void guess_from_mesh(const as_basis *src, const double complex *psrc, int nsrc, const as_basis *dst,
                            int kindex, int nb, double complex *psi, as_gmap *where)
{
    as_random_wavefunctions(dst, kindex, nb, psi);
    /* where: (0, g) for a stored G, (1, g) for the partner -G-G0 of a real-layout pair (conjugated) */
    as_gmap_clear(where);
    int g0[3], p[3];
    as_kpoint_g0(src->kfrac, g0);
    for (int g = 0; g < src->npw; g++) {
        if (src->real) {
            as_partner_mill(src->mill[g], g0, p);
            as_gmap_put(where, p, 1, g);
        }
        as_gmap_put(where, src->mill[g], 0, g);
    }
    for (int g = 0; g < dst->npw; g++) {
        int conjugate = 0, j = -1;
        const int found = as_gmap_get(where, dst->mill[g], &conjugate, &j);
        for (int n = 0; n < nb && n < nsrc; n++) {
            const double complex c = found ? psrc[(size_t)n * src->npw + j] : 0.0;
            psi[(size_t)n * dst->npw + g] = (conjugate ? conj(c) : c) + 1e-3 * psi[(size_t)n * dst->npw + g];
        }
    }
}

/* Occupation (0..1 of the state's capacity) of band n with energy e in channel s at a point
 * off the mesh: fixed occupations fill whole bands; smearing uses the Fermi level. */
static double occupation_off_mesh(const as_model *m, const as_scf_state *st, int s, int n, double e)
{
    if (m->smearing == AS_SMEAR_NONE) {
        double ns = st->nspin == 1 ? m->nelec / 2.0 : m->nelec_spin[s];
        return n < (int)round(ns) ? 1.0 : 0.0;
    }
    return as_smear_occ(m->smearing, (st->efermi_spin[st->nspin == 2 ? s : 0] - e) / m->smear_width);
}

/* Whether the bands eig[0..nb) of channel s at a point off the mesh, converged only to the
 * screening threshold, cannot hold a band edge: no partly occupied band, the highest fully
 * occupied more than AS_EDGES_SCREEN_MARGIN below the mesh's valence band maximum and the lowest
 * empty one more than that above its conduction band minimum.  The valence side is safe whatever
 * the threshold: a Ritz value is an upper bound of its eigenvalue.  The conduction side relies on
 * the threshold being far below the margin. */
static int far_from_edges(const as_model *m, const as_scf_state *st, int s, const double *eig, int nb, double vbm,
                          double cbm)
{
    double top = -INFINITY, bottom = INFINITY;
    for (int n = 0; n < nb; n++) {
        const double f = occupation_off_mesh(m, st, s, n, eig[n]);
        if (f > 0.99)
            top = fmax(top, eig[n]);
        else if (f < 0.01)
            bottom = fmin(bottom, eig[n]);
        else
            return 0;
    }
    return top < vbm - AS_EDGES_SCREEN_MARGIN && bottom > cbm + AS_EDGES_SCREEN_MARGIN;
}

/* Bands of one extra k-point at fixed potential.  The threshold 1e-7 Ha (3e-6 eV) is far
 * below the 1 meV the gap is quoted to.  With finite vbm and cbm (the mesh's edges) the bands
 * are first converged to the screening threshold only; a channel far from both edges
 * (far_from_edges) stops there, and *screened says that every channel did. */
static int nscf_point(const as_model *m, const as_disc *d, const as_scf_state *st, const double k[3], int kindex,
                      int nb, double vbm, double cbm, double *eig, int *screened, as_error *err)
{
    *screened = 0;
    as_basis *b = NULL;
    as_projectors *pr = NULL;
    if (as_disc_kpoint(m, d, k, as_disc_real_at(d, k), &b, &pr, err))
        return err->code;
    double complex *psi = malloc((size_t)b->npw * nb * sizeof *psi);
    as_gmap *where = as_gmap_create(d->fft, err);
    int rc = AS_OK, nscreened = 0;
    if (!psi || !where) {
        rc = as_error_nomem(err, "band-edge wavefunctions", (size_t)b->npw * nb * 16);
        goto done;
    }
    const int src = nearest_mesh_point(m, d, k);
    const int screen = isfinite(vbm) && isfinite(cbm);
    for (int s = 0; s < st->nspin; s++) {
        guess_from_mesh(d->basis[src], st->psi[src * st->nspin + s], st->nbands, b,
                        100000 + kindex * st->nspin + s, nb, psi, where);
        if ((rc = as_wf_orthonormalize(b, nb, psi, err)))
            goto done;
        as_ham h = {.basis = b, .nl = d->nl, .proj = pr, .fft = as_disc_sticks(d, b), .blacs = d->blacs, .vloc = st->v_r + (size_t)s * d->fft->ntot};
        if ((rc = as_ham_prepare(&h, err)))
            goto done;
        /* Only the bands next to the gap need the tight threshold; the Rayleigh-Ritz step
         * makes their error second order in that of the deeper bands. */
        const int tight_lo = st->nocc > 4 ? st->nocc - 4 : 0;
        const as_david_opts loose = {.ethr = AS_EDGES_SCREEN_ETHR, .ethr_empty = 10.0 * AS_EDGES_SCREEN_ETHR,
                                     .tight_lo = tight_lo, .ntight = st->nocc + 2, .maxiter = 60, .nvec_factor = 2};
        const as_david_opts tight = {.ethr = 1e-7, .ethr_empty = 1e-5, .tight_lo = tight_lo, .ntight = st->nocc + 2,
                                     .maxiter = 60, .nvec_factor = 2};
        double *e = eig + (size_t)s * nb;
        as_david_stats ds;
        for (int stage = screen ? 0 : 1; stage < 2 && !rc; stage++) {
            for (int pass = 0; pass < 10; pass++) {
                if ((rc = as_davidson(&h, nb, psi, e, stage ? &tight : &loose, &ds, err)))
                    break;
                if (ds.notconv == 0)
                    break;
            }
            if (!rc && ds.notconv)
                rc = as_error_set(err, AS_ENOCONV, "bands at k = (%.3f %.3f %.3f) did not converge", k[0], k[1], k[2]);
            if (!rc && stage == 0 && far_from_edges(m, st, s, e, nb, vbm, cbm)) {
                nscreened++;
                break;
            }
        }
        as_ham_release(&h);
        if (rc)
            goto done;
    }
    *screened = nscreened == st->nspin;
done:
    free(psi);
    as_gmap_destroy(where);
    as_projectors_destroy(pr);
    as_basis_destroy(b);
    return rc;
}

/* Whether k1 and k2 are the same point up to a rotation of the crystal and time reversal:
 * k2 = +-R^T k1 modulo a reciprocal lattice vector (R in fractional coordinates). */
static int equivalent_k(const as_symmetry *sym, const double k1[3], const double k2[3])
{
    if (!sym)
        return as_kpoint_equal(k1, k2);
    for (int o = 0; o < sym->nops; o++) {
        double r[3];
        for (int i = 0; i < 3; i++)
            r[i] = sym->rot[o][0][i] * k1[0] + sym->rot[o][1][i] * k1[1] + sym->rot[o][2][i] * k1[2];
        const double mr[3] = {-r[0], -r[1], -r[2]};
        if (as_kpoint_equal(r, k2) || as_kpoint_equal(mr, k2))
            return 1;
    }
    return 0;
}

static int add_level(as_band_edges *be, int k, int s, int n, double e, double f)
{
    struct as_level *nl = realloc(be->levels, (size_t)(be->nlevels + 1) * sizeof *nl);
    if (!nl)
        return -1;
    be->levels = nl;
    be->levels[be->nlevels++] = (struct as_level){k, s, n, e, f};
    return 0;
}

int as_band_edges_want_special(const as_model *m, const as_disc *d, as_edges_mode mode, char *why, size_t n)
{
    if (mode == AS_EDGES_MESH) {
        snprintf(why, n, "mesh only (band_edges = mesh)");
        return 0;
    }
    if (mode == AS_EDGES_SPECIAL) {
        snprintf(why, n, "mesh and special points (band_edges = special)");
        return 1;
    }
    if (d->kp->nk == 1 && as_kpoint_equal(d->kp->k[0], (const double[3]){0, 0, 0})) {
        snprintf(why, n, "Gamma only (band_edges = auto: a Gamma-only run takes the Gamma gap; band_edges = special "
                         "adds the special points)");
        return 0;
    }
    if (m->s->natoms > AS_EDGES_AUTO_MAX_ATOMS) {
        snprintf(why, n, "mesh only (band_edges = auto: %d atoms > %d, a supercell; band_edges = special adds the "
                         "special points)", m->s->natoms, AS_EDGES_AUTO_MAX_ATOMS);
        return 0;
    }
    snprintf(why, n, "mesh and special points (band_edges = auto)");
    return 1;
}

static int as_band_edges_compute_body(const as_model *m, const as_disc *d, const as_scf_state *st, as_edges_mode mode,
                          as_band_edges *be, as_error *err)
{
    memset(be, 0, sizeof *be);
    const int special = as_band_edges_want_special(m, d, mode, be->rule, sizeof be->rule);
    be->special_asked = special;
    be->vbm = -INFINITY;
    be->cbm = INFINITY;
    const int nb = st->nbands;
    const double g = 2.0 / st->nspin;
    for (int k = 0; k < st->nk; k++)
        for (int s = 0; s < st->nspin; s++) {
            const size_t ks = (size_t)(k * st->nspin + s) * nb;
            for (int n = 0; n < nb; n++) {
                const double e = st->eig[ks + n], f = st->occ[ks + n] / g;
                if (f > 0.99)
                    consider(be, d->kp->k[k], "", e, INFINITY);
                else if (f < 0.01)
                    consider(be, d->kp->k[k], "", -INFINITY, e);
                else if (add_level(be, k, s, n, e, f))
                    return as_error_nomem(err, "in-gap levels", 64);
            }
        }
    be->vbm_mesh = be->vbm;
    be->cbm_mesh = be->cbm;
    be->gap_mesh = be->cbm - be->vbm;
    memcpy(be->mesh_vbm_k, be->vbm_k, sizeof be->vbm_k);
    memcpy(be->mesh_cbm_k, be->cbm_k, sizeof be->cbm_k);
    if (special) {
        as_kpoints *sp = as_kpoints_special(m->s, err);
        if (!sp)
            return err->code;
        /* Label mesh points that are special points. */
        for (int i = 0; i < sp->nk; i++) {
            if (as_kpoint_equal(sp->k[i], be->vbm_k) && !be->vbm_label[0])
                snprintf(be->vbm_label, sizeof be->vbm_label, "%s", sp->label[i]);
            if (as_kpoint_equal(sp->k[i], be->cbm_k) && !be->cbm_label[0])
                snprintf(be->cbm_label, sizeof be->cbm_label, "%s", sp->label[i]);
        }
        be->nbands_special = st->nocc + 4;
        be->special_k = calloc((size_t)sp->nk, sizeof *be->special_k);
        be->special_label = calloc((size_t)sp->nk, sizeof *be->special_label);
        be->special_eig = calloc((size_t)sp->nk * st->nspin * be->nbands_special, sizeof *be->special_eig);
        if (!be->special_k || !be->special_label || !be->special_eig) {
            as_kpoints_destroy(sp);
            return as_error_nomem(err, "special points", 1024);
        }
        const int nbs = be->nbands_special;
        for (int i = 0; i < sp->nk; i++) {
            /* skip points equivalent by symmetry to a mesh point or to one already taken
             * (cubic: X, M three times each) */
            int seen = 0;
            for (int k = 0; k < d->kp->nk && !seen; k++)
                seen = equivalent_k(m->sym, sp->k[i], d->kp->k[k]);
            for (int j = 0; j < be->nspecial && !seen; j++)
                seen = equivalent_k(m->sym, sp->k[i], be->special_k[j]);
            if (seen)
                continue;
            memcpy(be->special_k[be->nspecial], sp->k[i], sizeof be->special_k[0]);
            snprintf(be->special_label[be->nspecial], sizeof be->special_label[0], "%s", sp->label[i]);
            be->nspecial++;
        }
        /* the pools share the points; each computes its own and the eigenvalues (and the screened
         * flags, as 0/1) are summed */
        double *scr = calloc((size_t)be->nspecial + 1, sizeof *scr);
        be->special_screened = calloc((size_t)be->nspecial + 1, sizeof *be->special_screened);
        if (!scr || !be->special_screened) {
            free(scr);
            as_kpoints_destroy(sp);
            return as_error_nomem(err, "special points", 1024);
        }
        const double vs = mode == AS_EDGES_AUTO ? be->vbm_mesh : NAN, cs = mode == AS_EDGES_AUTO ? be->cbm_mesh : NAN;
        for (int j = 0; j < be->nspecial; j++) {
            double *e = be->special_eig + (size_t)j * st->nspin * nbs;
            if (j % d->lay->npools != d->lay->pool)
                continue;
            int screened = 0;
            if (nscf_point(m, d, st, be->special_k[j], j, nbs, vs, cs, e, &screened, err)) {
                as_error_prefix(err, "band edges at %s: ", be->special_label[j]);
                as_kpoints_destroy(sp);
                free(scr);
                return err->code;
            }
            scr[j] = screened;
        }
        as_disc_sum_pools(d, be->special_eig, be->nspecial * st->nspin * nbs);
        as_disc_sum_pools(d, scr, be->nspecial);
        for (int j = 0; j < be->nspecial; j++)
            be->special_screened[j] = scr[j] > 0.5;
        free(scr);
        for (int j = 0; j < be->nspecial; j++) {
            const double *e = be->special_eig + (size_t)j * st->nspin * nbs;
            for (int s = 0; s < st->nspin; s++)
                for (int n = 0; n < nbs; n++) {
                    const double en = e[(size_t)s * nbs + n], f = occupation_off_mesh(m, st, s, n, en);
                    if (f > 0.99)
                        consider(be, be->special_k[j], be->special_label[j], en, INFINITY);
                    else if (f < 0.01)
                        consider(be, be->special_k[j], be->special_label[j], -INFINITY, en);
                }
        }
        as_kpoints_destroy(sp);
    }
    be->gap = be->cbm - be->vbm;
    return AS_OK;
}

int as_band_edges_compute(const as_model *m, const as_disc *d, const as_scf_state *st, as_edges_mode mode,
                          as_band_edges *be, as_error *err)
{
    as_clock_start(AS_CLK_EDGES);
    const int rc = as_band_edges_compute_body(m, d, st, mode, be, err);
    as_clock_stop(AS_CLK_EDGES);
    return rc;
}

void as_band_edges_free(as_band_edges *be)
{
    free(be->special_k);
    free(be->special_label);
    free(be->special_eig);
    free(be->special_screened);
    free(be->levels);
    memset(be, 0, sizeof *be);
}
