#include "pw/scf.h"
#include "core/clock.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timer.h"
#include "core/units.h"
#include "parallel/stop.h"
#include "pw/davidson.h"
#include "pw/ham.h"
#include "pw/mixer.h"
#include "pw/occupations.h"
#include "pw/potential.h"
#include "pw/scf_guard.h"
#include "pw/startwf.h"
#include "pw/wfblas.h"

void as_scf_opts_from_settings(const as_dft_settings *dft, as_scf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->tol = dft->scf_tol;
    o->max_scf = dft->max_scf;
    o->beta = dft->mixing_beta;
    o->kerker_q0 = 0.0;
    o->nhist = dft->mixing_history > 0 ? dft->mixing_history : 8;
    o->nbands = dft->nbands;
}

int as_scf_band_count(const as_model *m, int nbands, int *nocc_out, int *nb_out, as_error *err)
{
    int nocc;
    if (!(m->nelec > 0.0 && m->nelec < 1e6))
        return as_error_set(err, AS_EINPUT, "the cell has %g valence electrons; no calculation can place them", m->nelec);
    if (m->smearing == AS_SMEAR_NONE) {
        if (m->nspin == 1) {
            double half = m->nelec / 2.0;
            if (fabs(half - round(half)) > 1e-8)
                return as_error_set(err, AS_EINPUT,
                             "the cell has %g valence electrons, an odd number, but the occupations are fixed and the "
                             "calculation is not spin-polarised; set 'spin = collinear' (a neutral halide interstitial "
                             "has an unpaired electron) or 'smearing = gaussian 0.01 Ry' in [dft], or change 'charge'",
                             m->nelec);
            nocc = (int)round(half);
        } else {
            nocc = (int)round(fmax(m->nelec_spin[0], m->nelec_spin[1]));
        }
    } else {
        /* smeared: room for the partly filled levels above the highest fully occupied one */
        nocc = (int)ceil(m->nspin == 1 ? m->nelec / 2.0 : fmax(m->nelec_spin[0], m->nelec_spin[1])) + 1;
    }
    int extra = nocc / 10 > 4 ? nocc / 10 : 4;
    if (m->smearing != AS_SMEAR_NONE && nocc / 5 > extra)
        extra = nocc / 5; /* pw.x: 20 % more bands with smearing */
    int nb = nbands > 0 ? nbands : nocc + extra;
    if (nb < nocc + 1)
        return as_error_set(err, AS_EINPUT, "nbands = %d is too few: up to %d bands may be occupied and the gap needs one more",
                     nbands, nocc);
    *nocc_out = nocc;
    *nb_out = nb;
    return AS_OK;
}

as_scf_state *as_scf_state_create(const as_model *m, const as_disc *d, int nbands, as_error *err)
{
    as_scf_state *st = calloc(1, sizeof *st);
    if (!st) {
        as_error_nomem(err, "SCF state", sizeof *st);
        return NULL;
    }
    st->nspin = m->nspin;
    st->nk = d->kp->nk;
    int nb = 0;
    if (as_scf_band_count(m, nbands, &st->nocc, &nb, err)) {
        free(st);
        return NULL;
    }
    st->nbands = nb;
    const int nks = st->nk * st->nspin;
    const size_t ng = (size_t)d->gv->ng, nt = d->fft->ntot;
    st->psi = calloc((size_t)nks, sizeof *st->psi);
    st->eig = calloc((size_t)nks * nb, sizeof *st->eig);
    st->occ = calloc((size_t)nks * nb, sizeof *st->occ);
    st->rho_g = calloc(ng * st->nspin, sizeof *st->rho_g);
    st->rho_r = calloc(nt * st->nspin, sizeof *st->rho_r);
    st->v_r = calloc(nt * st->nspin, sizeof *st->v_r);
    if (!st->psi || !st->eig || !st->occ || !st->rho_g || !st->rho_r || !st->v_r) {
        as_scf_state_destroy(st);
        as_error_nomem(err, "SCF state", nt * 24);
        return NULL;
    }
    for (int k = 0; k < st->nk; k++)
        for (int s = 0; s < st->nspin; s++) {
            if (!d->owns[k])
                continue;
            const as_basis *b = d->basis[k];
            if (b->npw_global < nb) {
                as_scf_state_destroy(st);
                as_error_set(err, AS_EINPUT, "k-point %d has %d plane waves, fewer than the %d bands; raise ecut", k + 1,
                             b->npw_global, nb);
                return NULL;
            }
            double complex *p = malloc((size_t)(b->npw > 0 ? b->npw : 1) * nb * sizeof *p);
            if (!p) {
                as_scf_state_destroy(st);
                as_error_nomem(err, "wavefunctions", (size_t)b->npw * nb * 16);
                return NULL;
            }
            st->psi[k * st->nspin + s] = p;
            as_random_wavefunctions(b, k * st->nspin + s, nb, p);
        }
    st->psi_fresh = 1;
    /* Until the first diagonalisation: the lowest bands filled with each channel's electrons. */
    for (int ks = 0; ks < nks; ks++) {
        double left = st->nspin == 1 ? m->nelec : m->nelec_spin[ks % st->nspin];
        const double g = 2.0 / st->nspin;
        for (int n = 0; n < nb; n++) {
            st->occ[(size_t)ks * nb + n] = fmin(g, fmax(0.0, left));
            left -= g;
        }
    }
    return st;
}

void as_scf_state_destroy(as_scf_state *st)
{
    if (!st)
        return;
    if (st->psi)
        for (int i = 0; i < st->nk * st->nspin; i++)
            free(st->psi[i]);
    free(st->psi);
    free(st->eig);
    free(st->occ);
    free(st->rho_g);
    free(st->rho_r);
    free(st->v_r);
    free(st);
}

static uint64_t splitmix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

void as_random_wavefunctions(const as_basis *b, int kindex, int nb, double complex *psi)
{
    for (int n = 0; n < nb; n++)
        for (int g = 0; g < b->npw; g++) {
            const int *m = b->mill[g];
            uint64_t key = ((uint64_t)(uint32_t)(m[0] + 512) << 40) ^ ((uint64_t)(uint32_t)(m[1] + 512) << 20) ^
                           (uint64_t)(uint32_t)(m[2] + 512);
            key ^= (uint64_t)n * 0x100000001B3ULL ^ ((uint64_t)kindex << 52);
            uint64_t r1 = splitmix(key), r2 = splitmix(r1);
            double u1 = (double)(r1 >> 11) * 0x1.0p-53, u2 = (double)(r2 >> 11) * 0x1.0p-53;
            /* Random phase, amplitude decaying with kinetic energy like pw.x's random start. */
            double amp = u1 / (1.0 + b->ekin[g]);
            psi[(size_t)n * b->npw + g] = amp * cexp(I * AS_TWOPI * u2);
            if (b->self0 && g == 0)
                psi[(size_t)n * b->npw + g] = amp * (u2 < 0.5 ? 1.0 : -1.0); /* real at G = 0 */
        }
}

void as_atomic_density(const as_model *m, const as_disc *d, double scale, double complex *rho_g)
{
    const as_gvecs *gv = d->gv;
    const double sigma = 1.0; /* bohr: a valence-like width; only the starting point depends on it */
    double complex *phase = malloc((size_t)gv->ng * sizeof *phase);
    for (int a = 0; a < m->s->natoms; a++) {
        const double *t = m->s->frac[a];
        double z = scale * m->zion_of_atom[a] * m->nelec / (m->nelec + m->charge);
        /* starting magnetisation spread evenly over the atoms */
        double zup = 0.5 * (z + scale * m->magnetization / m->s->natoms), zdn = z - zup;
        if (phase)
            as_gvecs_phases(gv, t, phase);
        for (int ig = 0; ig < gv->ng; ig++) {
            const int *k = gv->mill[ig];
            const double complex e =
                phase ? phase[ig] : cexp(-I * AS_TWOPI * (k[0] * t[0] + k[1] * t[1] + k[2] * t[2]));
            double complex v = exp(-0.5 * gv->g2[ig] * sigma * sigma) * e / m->omega;
            if (m->nspin == 1)
                rho_g[ig] += z * v;
            else {
                rho_g[ig] += zup * v;
                rho_g[(size_t)gv->ng + ig] += zdn * v;
            }
        }
    }
    free(phase);
}

/* e^{2 pi i k_a x_a / n_a} along each axis, so that e^{ik.r} = ph[0][x] ph[1][y] ph[2][z]. */
static int phase_factors(const as_fft *f, const double k[3], double complex *ph[3])
{
    for (int a = 0; a < 3; a++) {
        ph[a] = malloc((size_t)f->n[a] * sizeof *ph[a]);
        if (!ph[a])
            return -1;
        for (int x = 0; x < f->n[a]; x++)
            ph[a][x] = cexp(I * AS_TWOPI * k[a] * x / f->n[a]);
    }
    return 0;
}

/* One band's (or, in the real layout, two bands') |psi|^2 into the density, plane by plane
 * (as_fft_g2r_planes). */
typedef struct {
    const as_fft *f;
    double *acc;
    double w1, w2;
    int complex_band; /* complex layout: w1 |psi|^2 */
    int self0;        /* real layout at k = 0: w1 re^2 + w2 im^2 */
    double complex *const *ph; /* real layout at k = G0/2 with w1 != w2: e^{ik.r} per axis */
} density_plane;

static void density_add_plane(void *ctx, int iz, double complex *pl)
{
    const density_plane *c = ctx;
    const as_fft *f = c->f;
    const int n0 = f->n[0], n1 = f->n[1];
    double *acc = c->acc + (size_t)iz * n0 * n1;
    const size_t np = (size_t)n0 * n1;
    if (c->complex_band) {
        for (size_t r = 0; r < np; r++)
            acc[r] += c->w1 * (creal(pl[r]) * creal(pl[r]) + cimag(pl[r]) * cimag(pl[r]));
    } else if (!c->ph) {
        /* |e^{-ik.r}(psi_1 + i psi_2)|^2 = psi_1^2 + psi_2^2 needs no phase */
        for (size_t r = 0; r < np; r++) {
            const double re = creal(pl[r]), im = cimag(pl[r]);
            acc[r] += c->self0 ? c->w1 * re * re + c->w2 * im * im : c->w1 * (re * re + im * im);
        }
    } else {
        size_t r = 0;
        for (int x = 0; x < n0; x++) {
            const double complex pzx = c->ph[2][f->z0 + iz] * c->ph[0][x];
            for (int y = 0; y < n1; y++, r++) {
                const double complex v = pzx * c->ph[1][y] * pl[r];
                acc[r] += c->w1 * creal(v) * creal(v) + c->w2 * cimag(v) * cimag(v);
            }
        }
    }
}

static int as_scf_density_body(const as_model *m, const as_disc *d, const as_scf_state *st, double complex *rho_g,
                   as_error *err)
{
    as_fft *f = d->fft;
    as_fft_sticks *ds = d->gv->st;
    double complex *rb = f->rbuf;
    const size_t nt = f->ntot;
    const as_gvecs *gv = d->gv;
    double *acc = calloc(nt, sizeof *acc);
    double complex *work = malloc((size_t)gv->ng * sizeof *work);
    if (!acc || !work) {
        free(acc), free(work);
        return as_error_nomem(err, "density", nt * 8);
    }
    for (int s = 0; s < st->nspin; s++) {
        memset(acc, 0, nt * sizeof *acc);
        for (int k = 0; k < st->nk; k++) {
            if (!d->owns[k])
                continue;
            const as_basis *b = d->basis[k];
            as_fft_sticks *ws = as_disc_sticks(d, b);
            double complex *gb = ws->gbuf;
            const int ks = k * st->nspin + s;
            const double *occ = st->occ + (size_t)ks * st->nbands;
            if (!b->real) {
                for (int n = 0; n < st->nbands; n++) {
                    double w = d->kp->w[k] * occ[n];
                    if (w == 0.0)
                        continue;
                    const double complex *p = st->psi[ks] + (size_t)n * b->npw;
                    memset(gb, 0, ws->ng * sizeof *gb);
                    for (int g = 0; g < b->npw; g++)
                        gb[b->pos[g]] = p[g];
                    density_plane c = {f, acc, w, 0.0, 1, 0, NULL};
                    as_fft_g2r_planes(ws, density_add_plane, &c, 0);
                }
            } else {
                /* two real bands per FFT: the transform gives e^{-ik.r} (psi_1 + i psi_2) */
                int nocc = 0;
                for (int n = 0; n < st->nbands; n++)
                    if (occ[n] != 0.0)
                        nocc = n + 1;
                double complex *ph[3] = {NULL, NULL, NULL};
                if (!b->self0 && phase_factors(f, b->kfrac, ph)) {
                    free(acc), free(work);
                    return as_error_nomem(err, "phase factors", 64);
                }
                for (int n = 0; n < nocc; n += 2) {
                    const double w1 = d->kp->w[k] * occ[n], w2 = n + 1 < nocc ? d->kp->w[k] * occ[n + 1] : 0.0;
                    const double complex *p1 = st->psi[ks] + (size_t)n * b->npw;
                    const double complex *p2 = n + 1 < nocc ? p1 + b->npw : NULL;
                    memset(gb, 0, ws->ng * sizeof *gb);
                    for (int g = 0; g < b->npw; g++) {
                        double complex a = p1[g], c = p2 ? p2[g] : 0.0;
                        gb[b->pos[g]] = a + I * c;
                        gb[b->pos_minus[g]] = conj(a) + I * conj(c);
                    }
                    density_plane c = {f, acc, w1, w2, 0, b->self0, (b->self0 || w1 == w2) ? NULL : ph};
                    as_fft_g2r_planes(ws, density_add_plane, &c, 0);
                }
                for (int i = 0; i < 3; i++)
                    free(ph[i]);
            }
        }
        as_disc_sum_pools(d, acc, (int)nt);
        for (size_t r = 0; r < nt; r++)
            rb[r] = acc[r] / m->omega;
        as_fft_r2g(ds);
        double complex *rs = rho_g + (size_t)s * gv->ng;
        const double inv = 1.0 / (double)f->nglobal;
        for (int ig = 0; ig < gv->ng; ig++)
            rs[ig] = inv * ds->gbuf[gv->pos[ig]];
        if (d->symz)
            as_symmetrize(d->symz, rs, work);
    }
    free(acc);
    free(work);
    return AS_OK;
}

int as_scf_density(const as_model *m, const as_disc *d, const as_scf_state *st, double complex *rho_g,
                   as_error *err)
{
    as_clock_start(AS_CLK_DENSITY);
    const int rc = as_scf_density_body(m, d, st, rho_g, err);
    as_clock_stop(AS_CLK_DENSITY);
    return rc;
}

void as_scf_band_energies(const as_model *m, const as_disc *d, const as_scf_state *st, as_energies *e)
{
    (void)m;
    double ek = 0.0, enl = 0.0;
    int nproj = d->nl->nproj > 0 ? d->nl->nproj : 1;
    double complex *work = malloc(AS_NONLOCAL_WORK(nproj, st->nbands) * sizeof *work);
    double *occ = malloc((size_t)st->nbands * sizeof *occ);
    for (int k = 0; k < st->nk; k++) {
        if (!d->owns[k])
            continue;
        const as_basis *b = d->basis[k];
        for (int s = 0; s < st->nspin; s++) {
            const int ks = k * st->nspin + s;
            for (int n = 0; n < st->nbands; n++) {
                double w = d->kp->w[k] * st->occ[(size_t)ks * st->nbands + n];
                occ[n] = w;
                if (w == 0.0)
                    continue;
                const double complex *p = st->psi[ks] + (size_t)n * b->npw;
                double t = 0.0;
                for (int g = 0; g < b->npw; g++)
                    t += as_wf_weight(b, g) * b->ekin[g] * creal(p[g] * conj(p[g]));
                ek += w * as_fft_sum(d->fft, t);
            }
            if (work && occ)
                enl += as_nonlocal_energy(d->nl, d->proj[k], b, st->nbands, st->psi[ks], occ, work);
        }
    }
    free(work);
    free(occ);
    double v[2] = {ek, enl};
    as_disc_sum_pools(d, v, 2);
    e->kinetic = v[0];
    e->nonlocal = v[1];
}

static void total(as_energies *e)
{
    e->one_electron = e->kinetic + e->local + e->nonlocal;
    e->total = e->one_electron + e->hartree + e->xc + e->ewald + e->smearing;
}

/* Diagonalise at every k-point and spin with the current potential. */
/* full: every band to ethr (the empty ones too, as pw.x's diago_full_acc), used once at the
 * end so all reported eigenvalues are converged and independent of the parallel layout. */
static int diagonalize_body(const as_model *m, const as_disc *d, as_scf_state *st, double ethr, int full, long *nhpsi,
                       int *notconv, as_error *err)
{
    *notconv = 0;
    for (int k = 0; k < st->nk; k++)
        for (int s = 0; s < st->nspin; s++) {
            if (!d->owns[k]) {
                memset(st->eig + (size_t)(k * st->nspin + s) * st->nbands, 0, (size_t)st->nbands * sizeof *st->eig);
                continue;
            }
            as_ham h = {.basis = d->basis[k], .nl = d->nl, .proj = d->proj[k], .fft = as_disc_sticks(d, d->basis[k]),
                        .blacs = d->blacs,
                        .vloc = st->v_r + (size_t)s * d->fft->ntot, .hdiag = NULL};
            if (as_ham_prepare(&h, err))
                return err->code;
            /* full: the empty bands to 1e-9 Ha (3e-8 eV), far below what an eigenvalue is printed to and
             * the 1e-7 Ha the layout-invariance tests ask; the SCF's last ethr (1e-11 or so) would
             * cost several more passes over the largest block of bands for nothing. */
            as_david_opts o = {.ethr = ethr, .ethr_empty = full ? fmax(ethr, 1e-9) : fmax(5.0 * ethr, 1e-5),
                               .ntight = st->nocc + 2,
                               /* the final pass: the SCF's last one solved the bands it converges tightly, in
                                * this same potential; only the empty ones need work */
                               .first_open = full ? (st->nocc + 2 < st->nbands ? st->nocc + 2 : 0) : 0,
                               .maxiter = 100, .nvec_factor = 2};
            if (o.ntight > st->nbands)
                o.ntight = st->nbands;
            as_david_stats ds;
            const int ks = k * st->nspin + s;
            int rc = as_davidson(&h, st->nbands, st->psi[ks], st->eig + (size_t)ks * st->nbands, &o, &ds, err);
            as_ham_release(&h);
            if (rc) {
                as_error_prefix(err, "k-point %d: ", k + 1);
                return rc;
            }
            *nhpsi += ds.nhpsi;
            *notconv += ds.notconv;
        }
    (void)m;
    as_disc_sum_pools(d, st->eig, st->nk * st->nspin * st->nbands);
    return AS_OK;
}

static int diagonalize(const as_model *m, const as_disc *d, as_scf_state *st, double ethr, int full, long *nhpsi,
                       int *notconv, as_error *err)
{
    as_clock_start(AS_CLK_DIAG);
    const int rc = diagonalize_body(m, d, st, ethr, full, nhpsi, notconv, err);
    as_clock_stop(AS_CLK_DIAG);
    return rc;
}

/* Starting bands at k-point k, spin s: Rayleigh-Ritz in the atomic orbitals (pw/startwf.h), topped up
 * with the random vectors psi holds when there are more bands than orbitals.  In the starting
 * potential.  Anything that fails leaves psi as it was (the caller orthonormalises it). */
static int atomic_start(const as_model *m, const as_disc *d, as_scf_state *st, int k, int s)
{
    const as_basis *b = d->basis[k];
    const int nb = st->nbands, nat = as_start_orbitals_count(m), ncol = nat > nb ? nat : nb;
    const size_t npw = (size_t)(b->npw > 0 ? b->npw : 1);
    double complex *v = nat > 0 ? malloc(npw * ncol * sizeof *v) : NULL;
    as_error err;
    /* every rank of the plane-wave group takes the same path: what follows is collective */
    int failed = v == NULL;
    MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, d->lay->pw);
    if (failed || as_start_orbitals(m, b, v)) {
        free(v);
        return AS_ENOMEM;
    }
    double complex *psi = st->psi[k * st->nspin + s];
    /* pw.x's 'atomic+random': a 5 % random factor on every coefficient, so that the start has a component of
     * every symmetry (Davidson's corrections keep the symmetry of what they start from, and a band of a kind
     * no valence orbital has, Cs d at Gamma, would never be found); the stored layout's reality is kept. */
    double complex *r = malloc(npw * sizeof *r);
    if (r) {
        for (int c = 0; c < nat; c++) {
            as_random_wavefunctions(b, 7919 + (k * st->nspin + s) * 4099 + c, 1, r);
            double complex *col = v + npw * c;
            for (int g = 0; g < b->npw; g++)
                col[g] *= 1.0 + 0.05 * r[g] * (1.0 + b->ekin[g]);
        }
        free(r);
    }
    if (ncol > nat)
        memcpy(v + npw * nat, psi + npw * nat, npw * (size_t)(ncol - nat) * sizeof *v);
    as_ham h = {.basis = b, .nl = d->nl, .proj = d->proj[k], .fft = as_disc_sticks(d, b), .blacs = d->blacs,
                .vloc = st->v_r + (size_t)s * d->fft->ntot, .hdiag = NULL};
    int rc = as_ham_prepare(&h, &err);
    if (rc == AS_OK) {
        rc = as_rayleigh_ritz(&h, ncol, v, nb, psi, st->eig + (size_t)(k * st->nspin + s) * nb, &err);
        as_ham_release(&h);
    }
    free(v);
    return rc;
}

static int as_scf_run_body(const as_model *m, const as_disc *d, const as_scf_opts *o, as_scf_state *st, as_scf_result *res,
               as_error *err)
{
    const double t0 = as_wtime();
    const as_gvecs *gv = d->gv;
    const int ns = m->nspin;
    const size_t nrho = (size_t)gv->ng * ns;
    memset(res, 0, sizeof *res);
    double complex *rho_out = malloc(nrho * sizeof *rho_out);
    double complex *mix_in = malloc(nrho * sizeof *mix_in), *mix_out = malloc(nrho * sizeof *mix_out);
    double complex *work = malloc((size_t)gv->ng * sizeof *work);
    as_mixer *mixer = NULL;
    int rc = AS_OK;
    if (!rho_out || !mix_in || !mix_out || !work) {
        rc = as_error_nomem(err, "SCF densities", nrho * 48);
        goto done;
    }
    if (!(mixer = as_mixer_create(gv->ng, ns, gv->g2, m->omega, o->beta, o->kerker_q0, o->nhist, d->lay->pw, err))) {
        rc = err->code;
        goto done;
    }
    /* Start: a superposition of atomic charges unless the state carries a density. */
    int have_rho = 0;
    for (size_t i = 0; i < nrho && !have_rho; i++)
        have_rho = st->rho_g[i] != 0.0;
    if (!have_rho) {
        memset(st->rho_g, 0, nrho * sizeof *st->rho_g);
        as_atomic_density(m, d, 1.0, st->rho_g);
        if (d->symz)
            for (int s = 0; s < ns; s++)
                as_symmetrize(d->symz, st->rho_g + (size_t)s * gv->ng, work);
    }
    as_energies e = {0};
    e.ewald = m->e_ewald;
    if ((rc = as_potential(m, d, st->rho_g, st->rho_r, st->v_r, &e, err)))
        goto done;
    for (int k = 0; k < st->nk * ns; k++) {
        if (!d->owns[k / ns])
            continue;
        if (st->psi_fresh && atomic_start(m, d, st, k / ns, k % ns) == AS_OK)
            continue;
        if ((rc = as_wf_orthonormalize(d->basis[k / ns], st->nbands, st->psi[k], err)))
            goto done;
    }
    st->psi_fresh = 0;
    if (!o->quiet)
        as_log("\n  iter      total energy (Ha)        dE (Ha)    residual (Ha)     ethr      time (s)\n");
    /* A supplied density (restart, or the previous ionic step) is already good: diagonalise
     * tightly at once rather than from pw.x's loose 1e-2 for an atomic guess. */
    double ethr = have_rho ? 1e-6 : 1e-2, eprev = 0.0;
    const double nel = fmax(1.0, m->nelec);
    double t_iter = 0.0; /* the last iteration's wall time: what the next one is expected to take */
    for (int iter = 1; iter <= o->max_scf; iter++) {
        const double t_it0 = as_wtime();
        if (as_stop_check(d->lay->group, t_iter)) { /* a signal or the time budget (parallel/stop.h) */
            char why[160];
            rc = as_error_set(err, AS_ESTOPPED, "the SCF stopped before iteration %d: %s", iter,
                              as_stop_reason(why, sizeof why));
            goto done;
        }
        double dr2 = 0.0;
        for (int attempt = 0; attempt < 2; attempt++) {
            int notconv = 0;
            if ((rc = diagonalize(m, d, st, ethr, 0, &res->nhpsi, &notconv, err)))
                goto done;
            if ((rc = as_occupations(m->smearing, m->smear_width, st->nk, st->nspin, st->nbands, d->kp->w, st->eig,
                                     m->nelec, m->nelec_spin, m->fixed_spin, st->occ, st->efermi_spin, &st->ts, err)))
                goto done;
            st->efermi = fmax(st->efermi_spin[0], st->efermi_spin[1]);
            if ((rc = as_scf_density(m, d, st, rho_out, err)))
                goto done;
            /* Residual in (total[, magnetisation]) form. */
            for (int ig = 0; ig < gv->ng; ig++) {
                if (ns == 1) {
                    mix_in[ig] = st->rho_g[ig];
                    mix_out[ig] = rho_out[ig];
                } else {
                    mix_in[ig] = st->rho_g[ig] + st->rho_g[gv->ng + ig];
                    mix_in[gv->ng + ig] = st->rho_g[ig] - st->rho_g[gv->ng + ig];
                    mix_out[ig] = rho_out[ig] + rho_out[gv->ng + ig];
                    mix_out[gv->ng + ig] = rho_out[ig] - rho_out[gv->ng + ig];
                }
            }
            for (size_t i = 0; i < nrho; i++)
                mix_out[i] -= mix_in[i];
            dr2 = as_mixer_norm(mixer, mix_out);
            /* The pools hold densities equal only to rounding (their sums over the pools are added in another
             * order), so every decision below is taken on rank 0's numbers: ranks that disagree about
             * convergence would wait in different collectives. */
            MPI_Bcast(&dr2, 1, MPI_DOUBLE, 0, d->lay->group);
            for (size_t i = 0; i < nrho; i++)
                mix_out[i] += mix_in[i];
            /* pw.x: if the first diagonalisation was looser than the density error, redo it. */
            if (iter == 1 && attempt == 0 && dr2 < ethr * nel) {
                ethr = fmax(0.1 * dr2 / nel, 1e-13);
                continue;
            }
            break;
        }
        /* Energy of the output density and wavefunctions. */
        as_energies eo = e;
        as_scf_band_energies(m, d, st, &eo);
        eo.smearing = st->ts;
        if (ns == 2) {
            /* magnetisation of the output density: total = Omega (rho_up - rho_dn)(G=0), absolute on the grid */
            double mt = gv->ig0 >= 0 ? m->omega * creal(rho_out[gv->ig0] - rho_out[gv->ng + gv->ig0]) : 0.0;
            st->mag_total = as_fft_sum(d->fft, mt);
        }
        {
            /* Energies of rho_out: local and Hartree exactly (sums over G), XC linearised about rho_in,
             * E_xc[rho_in] + int V_xc[rho_in] (rho_out - rho_in), with an error second order in rho_out - rho_in
             * (far below dr2 near convergence; pw.x's energy takes E_H and E_xc of rho_in, an error of the same
             * order).  It spares a second XC evaluation (gradient FFTs and libxc) per iteration. */
            const size_t nt = d->fft->ntot;
            double *rr = malloc(nt * ns * sizeof *rr);
            if (!rr) {
                rc = as_error_nomem(err, "energy work", nt * 8);
                goto done;
            }
            as_density_g2r(d, ns, rho_out, rr);
            if (ns == 2) {
                double a = 0.0;
                for (size_t r = 0; r < nt; r++)
                    a += fabs(rr[r] - rr[nt + r]);
                st->mag_abs = as_fft_sum(d->fft, a) * m->omega / (double)d->fft->nglobal;
            }
            double sums[3] = {0.0, 0.0, 0.0}; /* E_H[out], E_loc[out], int (V_loc + V_H[in]) (out - in) */
            for (int ig = 0; ig < gv->ng; ig++) {
                double complex ro = rho_out[ig], ri = st->rho_g[ig];
                if (ns == 2)
                    ro += rho_out[(size_t)gv->ng + ig], ri += st->rho_g[(size_t)gv->ng + ig];
                double complex v = d->vloc_g[ig];
                sums[1] += creal(conj(ro) * d->vloc_g[ig]);
                if (ig != gv->ig0) {
                    sums[0] += AS_FOURPI * creal(conj(ro) * ro) / gv->g2[ig];
                    v += AS_FOURPI * ri / gv->g2[ig];
                }
                sums[2] += creal(conj(v) * (ro - ri));
            }
            as_disc_sum_pw(d, sums, 3);
            double vd = 0.0; /* int V[rho_in] (rho_out - rho_in), V = V_loc + V_H + V_xc on the grid */
            for (size_t r = 0; r < nt * ns; r++)
                vd += st->v_r[r] * (rr[r] - st->rho_r[r]);
            vd = as_fft_sum(d->fft, vd) * m->omega / (double)d->fft->nglobal;
            eo.hartree = 0.5 * m->omega * sums[0];
            eo.local = m->omega * sums[1];
            eo.xc = e.xc + vd - m->omega * sums[2];
            free(rr);
            if (rc)
                goto done;
        }
        total(&eo);
        MPI_Bcast(&eo.total, 1, MPI_DOUBLE, 0, d->lay->group); /* see dr2 above */
        const double de = eo.total - eprev;
        eprev = eo.total;
        res->e = eo;
        res->iterations = iter;
        res->residual = dr2;
        res->de = de;
        if (!o->quiet)
            as_log("  %4d   %20.10f   %12.3e   %12.3e   %9.2e   %8.2f\n", iter, eo.total, iter > 1 ? de : 0.0, dr2,
                   ethr, as_wtime() - t0);
        /* pw.x's conv_thr: the Hartree-metric residual estimates the energy error (it is within a factor
         * of a few of it), so no energy-change test: that one lags an iteration behind. */
        if (iter > 1 && dr2 < o->tol) {
            res->converged = 1;
            /* Converge the empty bands too, in the potential of these wavefunctions' input
             * density (it does not change the density or the energy above). */
            int notconv = 0;
            if ((rc = diagonalize(m, d, st, fmin(ethr, 1e-10), 1, &res->nhpsi, &notconv, err)))
                goto done;
            break;
        }
        if (as_scf_guard_step(o->guard, m, st, iter, eo.total, de, dr2)) { /* diverging (pw/scf_guard.h) */
            rc = as_error_set(err, AS_ENOCONV, "SCF diverging at iteration %d: %s", iter, o->guard->why);
            goto done;
        }
        if ((rc = as_mixer_mix(mixer, mix_in, mix_out, err)))
            goto done;
        for (int ig = 0; ig < gv->ng; ig++) {
            if (ns == 1)
                st->rho_g[ig] = mix_in[ig];
            else {
                st->rho_g[ig] = 0.5 * (mix_in[ig] + mix_in[gv->ng + ig]);
                st->rho_g[gv->ng + ig] = 0.5 * (mix_in[ig] - mix_in[gv->ng + ig]);
            }
        }
        if ((rc = as_potential(m, d, st->rho_g, st->rho_r, st->v_r, &e, err)))
            goto done;
        t_iter = as_wtime() - t_it0;
        if (iter == 1 && !have_rho)
            ethr = 1e-2;
        ethr = fmax(fmin(ethr, 0.1 * dr2 / nel), 1e-13);
    }
    if (d->lay->npools > 1) /* each pool counted its own k-points */
        MPI_Allreduce(MPI_IN_PLACE, &res->nhpsi, 1, MPI_LONG, MPI_SUM, d->lay->inter);
    res->wall = as_wtime() - t0;
    if (!res->converged)
        rc = as_error_set(err, AS_ENOCONV,
                          "SCF not converged after %d iterations (energy change %.2e Ha, density residual %.2e Ha, "
                          "tolerance %.1e Ha); raise max_scf, lower mixing_beta, or check the structure",
                          res->iterations, res->de, res->residual, o->tol);
done:
    as_mixer_destroy(mixer);
    free(rho_out), free(mix_in), free(mix_out), free(work);
    return rc;
}

int as_scf_run(const as_model *m, const as_disc *d, const as_scf_opts *o, as_scf_state *st, as_scf_result *res,
               as_error *err)
{
    as_clock_start(AS_CLK_SCF);
    const int rc = as_scf_guard_run(as_scf_run_body, m, d, o, st, res, err);
    as_clock_stop(AS_CLK_SCF);
    return rc;
}
