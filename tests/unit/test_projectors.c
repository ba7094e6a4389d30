/* The compact projectors (species shapes x atom phases, assembled a block of whole atoms at a time,
 * pw/nonlocal.h) against the whole matrix: the same V_nl|psi>, nonlocal energy, H diagonal,
 * nonlocal forces and stress, on a distorted cubic CsPbBr3 cell (every GTH channel of Cs, Pb, Br)
 * at Gamma (real layout) and at a general k (complex path), with blocks of one atom and of two. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <mpi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/structure.h"
#include "io/settings.h"
#include "pw/disc.h"
#include "pw/forces.h"
#include "pw/ham.h"
#include "pw/model.h"
#include "pw/nonlocal.h"
#include "pw/scf.h"

#ifndef AS_POTENTIALS_DIR
#define AS_POTENTIALS_DIR "potentials"
#endif

typedef struct {
    double *hpsi, enl, *hdiag, f[5][3], sigma[3][3];
    int npw, nb;
} outputs;

/* Everything that uses the projectors, with the projector form set by as_projectors_tune. */
static void compute(int gamma, int whole_max, int block, outputs *o)
{
    as_error err;
    as_settings set;
    as_settings_defaults(&set);
    snprintf(set.dft.potentials, sizeof set.dft.potentials, "%s", AS_POTENTIALS_DIR);
    as_structure *s = as_structure_create(5, &err);
    const double a = 5.874 * AS_ANG_BOHR;
    const double lat[3][3] = {{a, 0.02 * a, 0}, {0, 1.01 * a, 0.03 * a}, {0.01 * a, 0, 0.99 * a}};
    memcpy(s->lattice, lat, sizeof lat);
    const int z[5] = {55, 82, 35, 35, 35};
    const double f[5][3] = {{0.52, 0.49, 0.51}, {0.01, -0.02, 0.0}, {0.5, 0.03, 0.0}, {0.02, 0.5, -0.01},
                            {0.0, 0.01, 0.47}};
    memcpy(s->z, z, sizeof z);
    memcpy(s->frac, f, sizeof f);
    as_model *m = as_model_create(s, &set.dft, 0, &err);
    assert_non_null(m);
    const double k[1][3] = {{0.1, 0.2, 0.3}}, g[1][3] = {{0, 0, 0}};
    as_kpoints *kp = as_kpoints_list(1, gamma ? g : k, &err);
    as_projectors_tune(whole_max, block);
    as_disc *d = as_disc_create(m, 5.0, kp, gamma, NULL, &err);
    as_projectors_tune(0, 0);
    assert_non_null(d);
    assert_true(whole_max > 1000 ? d->proj[0]->b != NULL : d->proj[0]->b == NULL);
    as_scf_state *st = as_scf_state_create(m, d, 0, &err);
    assert_non_null(st);
    const as_basis *b = d->basis[0];
    o->npw = b->npw;
    o->nb = st->nbands;
    o->hpsi = calloc((size_t)2 * b->npw * st->nbands, sizeof *o->hpsi);
    double complex *hp = calloc((size_t)b->npw * st->nbands, sizeof *hp);
    double complex *work = malloc(AS_NONLOCAL_WORK(d->nl->nproj, st->nbands) * sizeof *work);
    as_nonlocal_apply(d->nl, d->proj[0], b, st->nbands, st->psi[0], hp, work);
    for (size_t i = 0; i < (size_t)b->npw * st->nbands; i++)
        o->hpsi[2 * i] = creal(hp[i]), o->hpsi[2 * i + 1] = cimag(hp[i]);
    o->enl = as_nonlocal_energy(d->nl, d->proj[0], b, st->nbands, st->psi[0], st->occ, work);
    as_ham h = {.basis = b, .nl = d->nl, .proj = d->proj[0], .fft = as_disc_sticks(d, b), .vloc = st->v_r};
    assert_int_equal(as_ham_prepare(&h, &err), AS_OK);
    o->hdiag = malloc((size_t)b->npw * sizeof *o->hdiag);
    memcpy(o->hdiag, h.hdiag, (size_t)b->npw * sizeof *o->hdiag);
    as_ham_release(&h);
    as_force_terms ft = {0};
    double fnl[5][3];
    ft.nonlocal = fnl;
    assert_int_equal(as_forces(m, d, st, o->f, &ft, &err), AS_OK);
    memcpy(o->f, fnl, sizeof fnl);
    as_stress_terms sterms;
    assert_int_equal(as_stress(m, d, st, o->sigma, &sterms, &err), AS_OK);
    memcpy(o->sigma, sterms.nonlocal, sizeof o->sigma);
    free(hp), free(work);
    as_scf_state_destroy(st);
    as_disc_destroy(d);
    as_model_destroy(m);
    as_structure_destroy(s);
}

static void same(const outputs *a, const outputs *b)
{
    assert_int_equal(a->npw, b->npw);
    double dh = 0.0, hmax = 0.0, dd = 0.0;
    for (size_t i = 0; i < (size_t)2 * a->npw * a->nb; i++) {
        dh = fmax(dh, fabs(a->hpsi[i] - b->hpsi[i]));
        hmax = fmax(hmax, fabs(a->hpsi[i]));
    }
    for (int g = 0; g < a->npw; g++)
        dd = fmax(dd, fabs(a->hdiag[g] - b->hdiag[g]));
    double df = 0.0, ds = 0.0;
    for (int i = 0; i < 5; i++)
        for (int x = 0; x < 3; x++)
            df = fmax(df, fabs(a->f[i][x] - b->f[i][x]));
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            ds = fmax(ds, fabs(a->sigma[i][j] - b->sigma[i][j]));
    printf("  V_nl psi %.1e (of %.1e), E_nl %.1e (%.6f Ha), H diagonal %.1e, forces %.1e, stress %.1e\n", dh, hmax,
           fabs(a->enl - b->enl), a->enl, dd, df, ds);
    assert_true(hmax > 0.0 && fabs(a->enl) > 1e-3);
    assert_true(dh < 1e-12 * hmax);
    assert_true(fabs(a->enl - b->enl) < 1e-12 * fabs(a->enl));
    assert_true(dd < 1e-12);
    assert_true(df < 1e-12);
    assert_true(ds < 1e-12);
}

static void run(int gamma)
{
    outputs whole = {0}, one = {0}, two = {0};
    compute(gamma, 100000, 0, &whole);
    compute(gamma, 1, 1, &one);   /* compact, a block per atom */
    compute(gamma, 1, 30, &two);  /* compact, blocks of up to 30 columns: Cs+Pb (34) does not fit, Br+Br does */
    same(&whole, &one);
    same(&whole, &two);
    free(whole.hpsi), free(one.hpsi), free(two.hpsi);
    free(whole.hdiag), free(one.hdiag), free(two.hdiag);
}

static void compact_gamma(void **state)
{
    (void)state;
    run(1);
}

static void compact_k(void **state)
{
    (void)state;
    run(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compact_gamma),
        cmocka_unit_test(compact_k),
    };
    MPI_Init(NULL, NULL);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return rc;
}
