#include "pw/disc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

static int local_potential(const as_model *m, as_disc *d, as_error *err)
{
    const as_gvecs *gv = d->gv;
    free(d->vloc_g);
    d->vloc_g = calloc((size_t)gv->ng, sizeof *d->vloc_g);
    double *vsp = malloc((size_t)gv->ng * sizeof *vsp);
    double complex *phase = malloc((size_t)gv->ng * sizeof *phase);
    if (!d->vloc_g || !vsp || !phase) {
        free(vsp), free(phase);
        return as_error_nomem(err, "local potential", (size_t)gv->ng * 40);
    }
    for (int sp = 0; sp < m->nspecies; sp++) {
        const as_pseudo *p = &m->species[sp];
        for (int ig = 0; ig < gv->ng; ig++) {
            double g = sqrt(gv->g2[ig]);
            vsp[ig] = as_pseudo_vloc_g(p, g, ig == gv->ig0) / m->omega;
        }
        for (int a = 0; a < m->s->natoms; a++) {
            if (m->species_of_atom[a] != sp)
                continue;
            as_gvecs_phases(gv, m->s->frac[a], phase);
            for (int ig = 0; ig < gv->ng; ig++)
                d->vloc_g[ig] += vsp[ig] * phase[ig];
        }
    }
    free(vsp), free(phase);
    return AS_OK;
}

void as_disc_sum_pools(const as_disc *d, double *v, int n)
{
    if (d->lay->npools > 1 && n > 0)
        MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, d->lay->inter);
}

void as_disc_sum_pw(const as_disc *d, double *v, int n)
{
    if (d->lay->pw_size > 1 && n > 0)
        MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, d->lay->pw);
}

/* The stick pairing the real layout at k needs, (G0_x, G0_y) mod the grid; 1 when it is not (0, 0). */
static int pair_shift(const as_disc *d, const double kfrac[3], int sh[2])
{
    int g0[3];
    as_kpoint_g0(kfrac, g0);
    for (int i = 0; i < 2; i++)
        sh[i] = (g0[i] % d->fft->n[i] + d->fft->n[i]) % d->fft->n[i];
    return sh[0] != 0 || sh[1] != 0;
}

/* The sticks for a basis at k in the real or complex layout; NULL if no layout pairs its plane waves. */
static as_fft_sticks *sticks_at(const as_disc *d, const double kfrac[3], int real)
{
    int sh[2];
    if (!real || d->lay->pw_size == 1 || !pair_shift(d, kfrac, sh))
        return d->wst;
    for (int i = 0; i < d->npair; i++)
        if (d->wst_pair[i]->pair_shift[0] == sh[0] && d->wst_pair[i]->pair_shift[1] == sh[1])
            return d->wst_pair[i];
    return NULL;
}

as_disc *as_disc_create(const as_model *m, double ecut, as_kpoints *kp, int real, const as_layout *lay,
                        as_error *err)
{
    as_disc *d = calloc(1, sizeof *d);
    if (!d) {
        as_kpoints_destroy(kp);
        as_error_nomem(err, "discretisation", sizeof *d);
        return NULL;
    }
    d->ecut = ecut;
    d->kp = kp;
    d->real = real;
    if (!lay) {
        if (!(lay = as_layout_serial(err))) {
            as_disc_destroy(d);
            return NULL;
        }
        d->own_lay = 1;
    }
    d->lay = lay;
    d->owns = calloc((size_t)kp->nk, sizeof *d->owns);
    if (!d->owns) {
        as_error_nomem(err, "k-point owners", (size_t)kp->nk * 4);
        goto fail;
    }
    /* k-points dealt to the pools round robin (all have similar cost) */
    for (int k = 0; k < kp->nk; k++)
        d->owns[k] = k % lay->npools == lay->pool;
    int n[3], fact[3];
    as_symmetry_fft_factors(m->sym, fact);
    as_gvecs_grid_size(m->s->lattice, ecut, fact, n);
    if (!(d->fft = as_fft_create(n, lay->pw, err)) || !(d->gv = as_gvecs_create(m->s->lattice, ecut, d->fft, err)))
        goto fail;
    {
        /* Wavefunction sticks: the columns of |k+G|^2 <= 2 ecut for the mesh points and the
         * 8 special points (band edges are computed there later). */
        int *mask = calloc((size_t)n[0] * n[1], sizeof *mask);
        if (!mask) {
            as_error_nomem(err, "stick mask", (size_t)n[0] * n[1]);
            goto fail;
        }
        int rc = AS_OK;
        for (int k = 0; k < kp->nk && rc == AS_OK; k++)
            rc = as_sphere_columns(m->s->lattice, kp->k[k], 2.0 * ecut, d->fft, mask, err);
        for (int t = 0; t < 8 && rc == AS_OK; t++) {
            const double kt[3] = {0.5 * (t & 1), 0.5 * ((t >> 1) & 1), 0.5 * ((t >> 2) & 1)};
            rc = as_sphere_columns(m->s->lattice, kt, 2.0 * ecut, d->fft, mask, err);
        }
        if (rc == AS_OK)
            d->wst = as_fft_sticks_create(d->fft, mask, AS_FFT_PLANES, err);
        /* the other real-layout pairings of this pool's k-points (distributed plane waves) */
        for (int k = 0; k < kp->nk && d->wst && real && lay->pw_size > 1; k++) {
            int sh[2];
            if (!d->owns[k] || !as_kpoint_is_trim(kp->k[k]) || !pair_shift(d, kp->k[k], sh) ||
                sticks_at(d, kp->k[k], 1) || d->npair == AS_DISC_MAX_PAIRINGS)
                continue;
            if (!(d->wst_pair[d->npair] = as_fft_sticks_create_paired(d->fft, mask, sh, AS_FFT_PLANES, err))) {
                rc = err->code;
                break;
            }
            d->npair++;
        }
        free(mask);
        if (!d->wst || rc)
            goto fail;
    }
    if (!(d->nl = as_nonlocal_create(m->s, m->pseudo_of_atom, err)))
        goto fail;
    d->basis = calloc((size_t)kp->nk, sizeof *d->basis);
    d->proj = calloc((size_t)kp->nk, sizeof *d->proj);
    if (!d->basis || !d->proj) {
        as_error_nomem(err, "k-point bases", (size_t)kp->nk * 16);
        goto fail;
    }
    for (int k = 0; k < kp->nk; k++)
        if (d->owns[k] &&
            as_disc_kpoint(m, d, kp->k[k], as_disc_real_at(d, kp->k[k]), &d->basis[k], &d->proj[k], err)) {
            as_error_prefix(err, "k-point %d (%.4f %.4f %.4f): ", k + 1, kp->k[k][0], kp->k[k][1], kp->k[k][2]);
            goto fail;
        }
    if (lay->pw_size > 1 && !(d->blacs = as_blacs_create(lay->pw, err)))
        goto fail;
    d->npw_k = calloc((size_t)kp->nk, sizeof *d->npw_k);
    if (!d->npw_k) {
        as_error_nomem(err, "plane-wave counts", (size_t)kp->nk * 4);
        goto fail;
    }
    for (int k = 0; k < kp->nk; k++)
        d->npw_k[k] = d->owns[k] ? d->basis[k]->npw_global : 0;
    if (lay->npools > 1)
        MPI_Allreduce(MPI_IN_PLACE, d->npw_k, kp->nk, MPI_INT, MPI_SUM, lay->inter);
    if (m->sym && !(d->symz = as_symmetrizer_create(m->sym, d->gv, d->fft, err)))
        goto fail;
    if (local_potential(m, d, err))
        goto fail;
    return d;
fail:
    as_disc_destroy(d);
    return NULL;
}

/* The real layout pairs G with -G-2k: with the plane waves distributed, the sticks must pair
 * column (x, y) with (-x - G0_x, -y - G0_y), G0 = 2k; the other layouts are built for the
 * pool's mesh points (a special point of another pairing, for the band edges, is complex). */
int as_disc_real_at(const as_disc *d, const double kfrac[3])
{
    if (!d->real || !as_kpoint_is_trim(kfrac))
        return 0;
    return sticks_at(d, kfrac, 1) != NULL;
}

as_fft_sticks *as_disc_sticks(const as_disc *d, const as_basis *b)
{
    return sticks_at(d, b->kfrac, b->real);
}

int as_disc_kpoint(const as_model *m, const as_disc *d, const double kfrac[3], int real, as_basis **basis,
                   as_projectors **proj, as_error *err)
{
    *proj = NULL;
    const as_fft_sticks *st = sticks_at(d, kfrac, real);
    if (!st)
        return as_error_set(err, AS_EINTERNAL, "no stick layout for the real layout at k (%g %g %g)", kfrac[0],
                            kfrac[1], kfrac[2]);
    if (!(*basis = as_basis_create(m->s->lattice, kfrac, d->ecut, st, real, err)))
        return err->code;
    if (!(*proj = as_projectors_create(d->nl, *basis, m->s, m->pseudo_of_atom, err))) {
        as_basis_destroy(*basis);
        *basis = NULL;
        return err->code;
    }
    return AS_OK;
}

int as_disc_update_positions(as_disc *d, const as_model *m, as_error *err)
{
    for (int k = 0; k < d->kp->nk; k++) {
        if (!d->owns[k])
            continue;
        as_projectors *p = as_projectors_create(d->nl, d->basis[k], m->s, m->pseudo_of_atom, err);
        if (!p)
            return err->code;
        as_projectors_destroy(d->proj[k]);
        d->proj[k] = p;
    }
    return local_potential(m, d, err);
}

void as_disc_destroy(as_disc *d)
{
    if (!d)
        return;
    if (d->kp) {
        for (int k = 0; k < d->kp->nk; k++) {
            if (d->basis)
                as_basis_destroy(d->basis[k]);
            if (d->proj)
                as_projectors_destroy(d->proj[k]);
        }
    }
    free(d->basis);
    free(d->proj);
    as_kpoints_destroy(d->kp);
    as_nonlocal_destroy(d->nl);
    as_symmetrizer_destroy(d->symz);
    as_gvecs_destroy(d->gv);
    as_fft_sticks_destroy(d->wst);
    for (int i = 0; i < d->npair; i++)
        as_fft_sticks_destroy(d->wst_pair[i]);
    as_fft_destroy(d->fft);
    free(d->vloc_g);
    free(d->owns);
    free(d->npw_k);
    as_blacs_destroy(d->blacs);
    if (d->own_lay)
        as_layout_destroy((as_layout *)d->lay);
    free(d);
}
