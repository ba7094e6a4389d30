/* Each analytic stress term against the finite-difference derivative of its energy under a
 * homogeneous strain at fixed plane-wave coefficients (the definition of the analytic stress
 * pw.x and anionscan compute), for a displaced Si cell: kinetic and nonlocal (which depend on
 * the wavefunctions) and Ewald.  Complex path off Gamma. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/structure.h"
#include "io/settings.h"
#include "pw/disc.h"
#include "pw/ewald.h"
#include "pw/forces.h"
#include "pw/model.h"
#include "pw/scf.h"
#include "pw/wfblas.h"

#ifndef AS_POTENTIALS_DIR
#define AS_POTENTIALS_DIR "potentials"
#endif

typedef struct {
    as_structure *s;
    as_model *m;
    as_disc *d;
    as_scf_state *st;
} fixture;

static fixture *setup_si(int gamma)
{
    fixture *fx = calloc(1, sizeof *fx);
    as_error err;
    fx->s = as_structure_create(2, &err);
    const double a = 2.71551025 * AS_ANG_BOHR;
    const double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    memcpy(fx->s->lattice, lat, sizeof lat);
    fx->s->z[0] = fx->s->z[1] = 14;
    const double f0[3] = {0.125, 0.125, 0.125}, f1[3] = {-0.12, -0.125, -0.128};
    memcpy(fx->s->frac[0], f0, sizeof f0);
    memcpy(fx->s->frac[1], f1, sizeof f1);
    as_settings set;
    as_settings_defaults(&set);
    snprintf(set.dft.potentials, sizeof set.dft.potentials, "%s", AS_POTENTIALS_DIR);
    set.dft.ecut = 6.0;
    fx->m = as_model_create(fx->s, &set.dft, 0, &err);
    assert_non_null(fx->m);
    const double k[1][3] = {{0.1, 0.2, 0.3}}, g[1][3] = {{0, 0, 0}};
    as_kpoints *kp = as_kpoints_list(1, gamma ? g : k, &err);
    fx->d = as_disc_create(fx->m, set.dft.ecut, kp, gamma, &err);
    assert_non_null(fx->d);
    fx->st = as_scf_state_create(fx->m, fx->d, 0, &err);
    assert_non_null(fx->st);
    as_scf_opts o;
    as_scf_opts_from_settings(&set.dft, &o);
    o.tol = 1e-10;
    o.quiet = 1;
    as_scf_result res;
    if (as_scf_run(fx->m, fx->d, &o, fx->st, &res, &err))
        fail_msg("%s", err.msg);
    return fx;
}

static void teardown(fixture *fx)
{
    as_scf_state_destroy(fx->st);
    as_disc_destroy(fx->d);
    as_model_destroy(fx->m);
    as_structure_destroy(fx->s);
    free(fx);
}

/* Copy of basis b with k+G recomputed for the strained lattice (same Miller indices). */
static as_basis *strained_basis(const as_basis *b, const double lat[3][3])
{
    as_basis *c = calloc(1, sizeof *c);
    *c = *b;
    c->kpg = malloc((size_t)b->npw * sizeof *c->kpg);
    c->ekin = malloc((size_t)b->npw * sizeof *c->ekin);
    double rec[3][3];
    as_lattice_reciprocal(lat, rec);
    for (int g = 0; g < b->npw; g++) {
        double m[3] = {b->mill[g][0] + b->kfrac[0], b->mill[g][1] + b->kfrac[1], b->mill[g][2] + b->kfrac[2]};
        for (int x = 0; x < 3; x++)
            c->kpg[g][x] = m[0] * rec[0][x] + m[1] * rec[1][x] + m[2] * rec[2][x];
        c->ekin[g] = 0.5 * (c->kpg[g][0] * c->kpg[g][0] + c->kpg[g][1] * c->kpg[g][1] + c->kpg[g][2] * c->kpg[g][2]);
    }
    return c;
}

static void free_basis_copy(as_basis *c)
{
    free(c->kpg);
    free(c->ekin);
    free(c);
}

/* Kinetic and nonlocal energies with the lattice strained by eps (r -> (1+eps) r). */
static void strained_energies(const fixture *fx, const double eps[3][3], double *ekin, double *enl)
{
    as_error err;
    as_structure *s2 = as_structure_copy(fx->s, &err);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double v = 0.0;
            for (int k = 0; k < 3; k++)
                v += fx->s->lattice[i][k] * ((j == k) + eps[j][k]);
            s2->lattice[i][j] = v;
        }
    const as_scf_state *st = fx->st;
    as_basis *b = strained_basis(fx->d->basis[0], s2->lattice);
    as_projectors *pr = as_projectors_create(fx->d->nl, b, s2, fx->m->pseudo_of_atom, &err);
    double complex *work = malloc(AS_NONLOCAL_WORK(fx->d->nl->nproj, st->nbands) * sizeof *work);
    double *occ = malloc((size_t)st->nbands * sizeof *occ);
    double t = 0.0;
    for (int n = 0; n < st->nbands; n++) {
        occ[n] = st->occ[n];
        const double complex *c = st->psi[0] + (size_t)n * b->npw;
        for (int g = 0; g < b->npw; g++)
            t += occ[n] * as_wf_weight(b, g) * b->ekin[g] * creal(c[g] * conj(c[g]));
    }
    *ekin = t;
    *enl = as_nonlocal_energy(fx->d->nl, pr, b, st->nbands, st->psi[0], occ, work);
    free(work), free(occ);
    as_projectors_destroy(pr);
    free_basis_copy(b);
    as_structure_destroy(s2);
}

static void check_terms(int gamma)
{
    fixture *fx = setup_si(gamma);
    as_error err;
    as_stress_terms t;
    double sigma[3][3];
    assert_int_equal(as_stress(fx->m, fx->d, fx->st, sigma, &t, &err), 0);
    const double h = 1e-5;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            /* symmetric strain e_ij = e_ji = h/2 for i != j, so dE/de = (dE/de_ij + dE/de_ji)/2 */
            double ep[3][3] = {{0}}, em[3][3] = {{0}};
            ep[i][j] += (i == j) ? h : 0.5 * h;
            ep[j][i] += (i == j) ? 0.0 : 0.5 * h;
            em[i][j] -= (i == j) ? h : 0.5 * h;
            em[j][i] -= (i == j) ? 0.0 : 0.5 * h;
            double kp, np, km, nm;
            strained_energies(fx, (const double(*)[3])ep, &kp, &np);
            strained_energies(fx, (const double(*)[3])em, &km, &nm);
            const double omega = fx->m->omega;
            double fd_kin = -(kp - km) / (2 * h) / omega, fd_nl = -(np - nm) / (2 * h) / omega;
            if (fabs(fd_kin - t.kinetic[i][j]) > 1e-8)
                fail_msg("kinetic stress [%d][%d]: analytic %.10e, finite difference %.10e", i, j, t.kinetic[i][j],
                         fd_kin);
            if (fabs(fd_nl - t.nonlocal[i][j]) > 1e-8)
                fail_msg("nonlocal stress [%d][%d]: analytic %.10e, finite difference %.10e (gamma %d)", i, j,
                         t.nonlocal[i][j], fd_nl, gamma);
        }
    teardown(fx);
}

static void kinetic_nonlocal_k(void **state)
{
    (void)state;
    check_terms(0);
}

static void kinetic_nonlocal_gamma(void **state)
{
    (void)state;
    check_terms(1);
}

/* Ewald: energy under strain of the whole cell (fractional coordinates fixed). */
static void ewald_stress(void **state)
{
    (void)state;
    fixture *fx = setup_si(0);
    as_error err;
    double st[3][3], e0;
    as_ewald(fx->s->lattice, 2, (const double(*)[3])fx->s->frac, fx->m->zion_of_atom, 0.0, &e0, NULL, st, &err);
    const double h = 1e-5;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double e[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                double lat[3][3], eps[3][3] = {{0}};
                double d = sgn ? -h : h;
                eps[i][j] += i == j ? d : 0.5 * d;
                eps[j][i] += i == j ? 0.0 : 0.5 * d;
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 3; b++) {
                        lat[a][b] = 0.0;
                        for (int k = 0; k < 3; k++)
                            lat[a][b] += fx->s->lattice[a][k] * ((b == k) + eps[b][k]);
                    }
                as_ewald((const double(*)[3])lat, 2, (const double(*)[3])fx->s->frac, fx->m->zion_of_atom, 0.0, &e[sgn],
                         NULL, NULL, &err);
            }
            double fd = -(e[0] - e[1]) / (2 * h) / fx->m->omega;
            if (fabs(fd - st[i][j]) > 1e-8)
                fail_msg("Ewald stress [%d][%d]: analytic %.10e, finite difference %.10e", i, j, st[i][j], fd);
        }
    teardown(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ewald_stress),
        cmocka_unit_test(kinetic_nonlocal_k),
        cmocka_unit_test(kinetic_nonlocal_gamma),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
