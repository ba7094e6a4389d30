#include "pw/calculator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/timer.h"
#include "pw/density_io.h"
#include "pw/forces.h"
#include "pw/gmap.h"
#include "pw/kpoints.h"
#include "pw/scf_guard.h"

void as_calc_result_free(as_calc_result *r)
{
    free(r->forces);
    memset(r, 0, sizeof *r);
}

as_calculator *as_calculator_create(const as_dft_settings *dft, MPI_Comm comm, int npools, as_error *err)
{
    as_calculator *c = calloc(1, sizeof *c);
    if (!c) {
        as_error_nomem(err, "calculator", sizeof *c);
        return NULL;
    }
    c->dft = *dft;
    c->comm = comm;
    c->npools = npools;
    as_scf_opts_from_settings(dft, &c->opts);
    return c;
}

static void release(as_calculator *c)
{
    as_scf_state_destroy(c->st);
    as_disc_destroy(c->d);
    as_model_destroy(c->m);
    c->st = NULL;
    c->d = NULL;
    c->m = NULL;
}

void as_calculator_destroy(as_calculator *c)
{
    if (!c)
        return;
    release(c);
    as_layout_destroy(c->lay);
    free(c);
}

int as_calculator_build(as_calculator *c, const as_structure *s, as_model **mo, as_disc **do_, as_scf_state **sto,
                        as_error *err)
{
    *mo = NULL, *do_ = NULL, *sto = NULL;
    as_model *m = as_model_create(s, &c->dft, c->dft.use_symmetry, err);
    if (!m)
        return err->code;
    as_kpoints *kp;
    if (c->dft.gamma_only) {
        const double g[1][3] = {{0, 0, 0}};
        kp = as_kpoints_list(1, g, err);
    } else {
        kp = as_kpoints_mesh(m->s, c->dft.kmesh, c->dft.kshift, m->sym != NULL, m->sym ? m->sym->symprec : 0.0, err);
    }
    if (kp && !c->lay && !(c->lay = as_layout_create(c->comm, c->npools, kp->nk, err))) {
        as_kpoints_destroy(kp);
        kp = NULL;
    }
    as_disc *d = kp ? as_disc_create(m, c->dft.ecut, kp, c->dft.real_wavefunctions, c->lay, err) : NULL;
    as_scf_state *st = d ? as_scf_state_create(m, d, c->dft.nbands, err) : NULL;
    if (!st) {
        as_disc_destroy(d);
        as_model_destroy(m);
        return err->code;
    }
    *mo = m, *do_ = d, *sto = st;
    return AS_OK;
}

/* The old wavefunctions as the new starting guess when both discretisations hold the same plane waves
 * (same cell, cutoff, k-points and layout: a structure that only lost symmetry at the same k-points, such
 * as a defect made in the host at Gamma).  Checked by Miller index, coefficient for coefficient; every
 * rank of the group must agree, since Davidson is collective. */
static void carry_wavefunctions(const as_calculator *c, const as_disc *d, as_scf_state *st)
{
    const as_disc *od = c->d;
    const as_scf_state *ost = c->st;
    int ok = ost && od && ost->nspin == st->nspin && ost->nbands == st->nbands && od->kp->nk == d->kp->nk &&
             od->ecut == d->ecut;
    for (int k = 0; ok && k < d->kp->nk; k++) {
        ok = as_kpoint_equal(od->kp->k[k], d->kp->k[k]) && od->owns[k] == d->owns[k];
        if (ok && d->owns[k]) {
            const as_basis *a = od->basis[k], *b = d->basis[k];
            ok = a->npw == b->npw && a->real == b->real &&
                 (b->npw == 0 || !memcmp(a->mill, b->mill, (size_t)b->npw * sizeof *b->mill));
        }
    }
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, c->comm);
    if (!ok)
        return;
    const int nks = st->nk * st->nspin;
    for (int ks = 0; ks < nks; ks++) {
        const int k = ks / st->nspin;
        if (d->owns[k])
            memcpy(st->psi[ks], ost->psi[ks], (size_t)d->basis[k]->npw * st->nbands * sizeof *st->psi[ks]);
    }
    memcpy(st->eig, ost->eig, (size_t)nks * st->nbands * sizeof *st->eig);
    memcpy(st->occ, ost->occ, (size_t)nks * st->nbands * sizeof *st->occ);
    st->psi_fresh = 0; /* a start far better than atomic orbitals: keep it */
}

/* A fresh model, discretisation and state for s, carrying the previous density over. */
static int rebuild(as_calculator *c, const as_structure *s, as_error *err)
{
    as_model *m;
    as_disc *d;
    as_scf_state *st;
    if (as_calculator_build(c, s, &m, &d, &st, err))
        return err->code;
    /* Carry the old density over by Miller index, scaled to the new volume: the old sphere is
     * gathered across the plane-wave group, each rank picks its new G-vectors. */
    if (c->st && c->d && c->m && c->m->nspin == m->nspin) {
        const as_gvecs *og = c->d->gv;
        const int P = c->lay->pw_size, ns = m->nspin;
        int *cnt = malloc((size_t)P * sizeof *cnt), *dsp = malloc((size_t)P * sizeof *dsp);
        int ngall = 0;
        if (cnt && dsp) {
            MPI_Allgather(&og->ng, 1, MPI_INT, cnt, 1, MPI_INT, c->lay->pw);
            for (int r = 0; r < P; r++)
                dsp[r] = ngall, ngall += cnt[r];
        }
        int(*mall)[3] = malloc((size_t)(ngall > 0 ? ngall : 1) * sizeof *mall);
        double complex *vall = malloc((size_t)(ngall > 0 ? ngall : 1) * ns * sizeof *vall);
        as_error none; /* without memory for the maps the density simply starts afresh */
        as_gmap *where = as_gmap_create(d->fft, &none);
        if (cnt && dsp && mall && vall && where) {
            int *c3 = malloc((size_t)P * sizeof *c3), *d3 = malloc((size_t)P * sizeof *d3);
            if (c3 && d3) {
                for (int r = 0; r < P; r++)
                    c3[r] = 3 * cnt[r], d3[r] = 3 * dsp[r];
                MPI_Allgatherv(og->mill, 3 * og->ng, MPI_INT, mall, c3, d3, MPI_INT, c->lay->pw);
                for (int sp = 0; sp < ns; sp++)
                    MPI_Allgatherv(c->st->rho_g + (size_t)sp * og->ng, og->ng, MPI_C_DOUBLE_COMPLEX,
                                   vall + (size_t)sp * ngall, cnt, dsp, MPI_C_DOUBLE_COMPLEX, c->lay->pw);
                for (int i = 0; i < d->gv->ng; i++)
                    as_gmap_put(where, d->gv->mill[i], 0, i); /* the sphere fits its grid */
                const double scale = c->m->omega / m->omega;
                for (int i = 0; i < ngall; i++) {
                    int r, j; /* outside the new grid or not this rank's: skipped */
                    if (!as_gmap_get(where, mall[i], &r, &j))
                        continue;
                    for (int sp = 0; sp < ns; sp++)
                        st->rho_g[(size_t)sp * d->gv->ng + j] = scale * vall[(size_t)sp * ngall + i];
                }
            }
            free(c3), free(d3);
        }
        free(cnt), free(dsp), free(mall), free(vall);
        as_gmap_destroy(where);
    }
    if (c->m && !memcmp(c->m->s->lattice, s->lattice, sizeof s->lattice))
        carry_wavefunctions(c, d, st);
    release(c);
    c->m = m;
    c->d = d;
    c->st = st;
    return AS_OK;
}

int as_calculator_run(as_calculator *c, const as_structure *s, int want_stress, as_calc_result *r, as_error *err)
{
    const double t0 = as_wtime();
    memset(r, 0, sizeof *r);
    int reuse = c->m && s->natoms == c->m->s->natoms && memcmp(s->lattice, c->m->s->lattice, sizeof s->lattice) == 0;
    for (int a = 0; reuse && a < s->natoms; a++)
        reuse = s->z[a] == c->m->s->z[a];
    int rc = AS_OK;
    if (reuse) {
        /* Same cell: move the atoms, extrapolate the density, keep the wavefunctions. */
        as_atomic_density(c->m, c->d, -1.0, c->st->rho_g);
        int sym_ok = 1;
        if ((rc = as_model_update_positions(c->m, s, &sym_ok, err)))
            return rc;
        if (!sym_ok) {
            /* The atoms left the starting symmetry: rebuild with the new one. */
            as_atomic_density(c->m, c->d, 1.0, c->st->rho_g);
            if ((rc = rebuild(c, s, err)))
                return rc;
        } else {
            as_atomic_density(c->m, c->d, 1.0, c->st->rho_g);
            if ((rc = as_disc_update_positions(c->d, c->m, err)))
                return rc;
        }
    } else if ((rc = rebuild(c, s, err))) {
        return rc;
    }
    c->calls++;
    as_scf_result res;
    int scf_rc = as_scf_run(c->m, c->d, &c->opts, c->st, &res, err);
    if (scf_rc && scf_rc != AS_ENOCONV)
        return scf_rc;
    if (res.auto_smeared) { /* fixed occupations oscillated, the retry was smeared: so is everything after it */
        as_scf_adopt_smearing(c->m, &res);
        c->dft.smearing = c->m->smearing;
        c->dft.smearing_width = c->m->smear_width;
        /* with the bands of the fixed occupations, fewer than a smeared start chooses: a calculator made
         * again from c->dft (a checkpoint read back, relax/run.c) must have the same */
        c->dft.nbands = c->st->nbands;
    }
    r->natoms = s->natoms;
    r->energy = res.e.total;
    r->terms = res.e;
    r->scf_iterations = res.iterations;
    r->converged = res.converged;
    r->forces = calloc((size_t)s->natoms, sizeof *r->forces);
    if (!r->forces)
        return as_error_nomem(err, "forces", (size_t)s->natoms * 24);
    if ((rc = as_forces(c->m, c->d, c->st, r->forces, NULL, err)))
        return rc;
    if (want_stress) {
        if ((rc = as_stress(c->m, c->d, c->st, r->stress, NULL, err)))
            return rc;
        r->have_stress = 1;
    }
    /* Every rank returns rank 0's numbers: the pools agree only to rounding, and the callers (the
     * optimizer on every rank) must take identical steps and decisions. */
    MPI_Bcast(&r->energy, 1, MPI_DOUBLE, 0, c->comm);
    MPI_Bcast(r->forces, 3 * s->natoms, MPI_DOUBLE, 0, c->comm);
    if (want_stress)
        MPI_Bcast(r->stress, 9, MPI_DOUBLE, 0, c->comm);
    r->wall = as_wtime() - t0;
    return scf_rc;
}
