/* Forces and stress against finite differences, on displaced Si (s, p channels; complex path
 * off Gamma and the Gamma layout) and a distorted cubic CsPbBr3 cell (every GTH channel of Cs,
 * Pb, Br):
 * - each stress term that depends on the wavefunctions (kinetic, nonlocal) against the derivative
 *   of its energy under a homogeneous strain at fixed plane-wave coefficients, which is the
 *   definition of the analytic stress pw.x and anionscan compute; the Ewald stress likewise;
 * - forces against central differences of the self-consistent total energy. */
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

/* Si (s and p channels) or a distorted cubic CsPbBr3 cell (Cs: s, p, d, f; Pb and Br: three
 * s projectors, p, d), displaced off every symmetry element, at low cutoffs. */
static fixture *setup(int gamma, int perovskite)
{
    fixture *fx = calloc(1, sizeof *fx);
    as_error err;
    as_settings set;
    as_settings_defaults(&set);
    snprintf(set.dft.potentials, sizeof set.dft.potentials, "%s", AS_POTENTIALS_DIR);
    if (!perovskite) {
        fx->s = as_structure_create(2, &err);
        const double a = 2.71551025 * AS_ANG_BOHR;
        const double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
        memcpy(fx->s->lattice, lat, sizeof lat);
        fx->s->z[0] = fx->s->z[1] = 14;
        const double f0[3] = {0.125, 0.125, 0.125}, f1[3] = {-0.12, -0.125, -0.128};
        memcpy(fx->s->frac[0], f0, sizeof f0);
        memcpy(fx->s->frac[1], f1, sizeof f1);
        set.dft.ecut = 6.0;
    } else {
        fx->s = as_structure_create(5, &err);
        const double a = 5.874 * AS_ANG_BOHR;
        const double lat[3][3] = {{a, 0.02 * a, 0}, {0, 1.01 * a, 0.03 * a}, {0.01 * a, 0, 0.99 * a}};
        memcpy(fx->s->lattice, lat, sizeof lat);
        const int z[5] = {55, 82, 35, 35, 35};
        const double f[5][3] = {{0.52, 0.49, 0.51}, {0.01, -0.02, 0.0}, {0.5, 0.03, 0.0}, {0.02, 0.5, -0.01},
                                {0.0, 0.01, 0.47}};
        memcpy(fx->s->z, z, sizeof z);
        memcpy(fx->s->frac, f, sizeof f);
        set.dft.ecut = 5.0;
    }
    fx->m = as_model_create(fx->s, &set.dft, 0, &err);
    assert_non_null(fx->m);
    /* gamma: 0 = complex path off Gamma, 1 = real layout at Gamma, 2 = real layout at a
     * time-reversal-invariant point other than Gamma (no self-paired coefficient) */
    const double k[1][3] = {{0.1, 0.2, 0.3}}, g[1][3] = {{0, 0, 0}}, t[1][3] = {{0.5, 0.5, 0.0}};
    as_kpoints *kp = as_kpoints_list(1, gamma == 2 ? t : (gamma ? g : k), &err);
    fx->d = as_disc_create(fx->m, set.dft.ecut, kp, gamma, NULL, &err);
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

static void check_terms(int gamma, int perovskite)
{
    fixture *fx = setup(gamma, perovskite);
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
    check_terms(0, 0);
}

static void kinetic_nonlocal_gamma(void **state)
{
    (void)state;
    check_terms(1, 0);
}

static void kinetic_nonlocal_trim(void **state)
{
    (void)state;
    check_terms(2, 0);
}

static void perovskite_all_channels(void **state)
{
    (void)state;
    check_terms(0, 1);
}

/* Total energy of the fixture's structure with atom a moved by dx along x, converged tightly. */
static double energy_displaced(const fixture *fx, int perovskite, int gamma, int a, int x, double dx)
{
    fixture *g = setup(gamma, perovskite);
    /* move atom a in cartesian direction x, then redo the whole calculation */
    as_error err;
    double inv[3][3], c[3], f[3];
    as_lattice_inverse(g->s->lattice, inv);
    as_frac_to_cart(g->s->lattice, g->s->frac[a], c);
    c[x] += dx;
    as_cart_to_frac(inv, c, f);
    as_structure *s2 = as_structure_copy(g->s, &err);
    memcpy(s2->frac[a], f, sizeof f);
    as_settings set;
    as_settings_defaults(&set);
    snprintf(set.dft.potentials, sizeof set.dft.potentials, "%s", AS_POTENTIALS_DIR);
    set.dft.ecut = fx->d->ecut;
    as_model *m = as_model_create(s2, &set.dft, 0, &err);
    as_kpoints *kp = as_kpoints_list(1, (const double(*)[3])fx->d->kp->k, &err);
    as_disc *d = as_disc_create(m, set.dft.ecut, kp, gamma, NULL, &err);
    as_scf_state *st = as_scf_state_create(m, d, 0, &err);
    as_scf_opts o;
    as_scf_opts_from_settings(&set.dft, &o);
    o.tol = 1e-12;
    o.quiet = 1;
    as_scf_result res;
    if (as_scf_run(m, d, &o, st, &res, &err))
        fail_msg("%s", err.msg);
    double e = res.e.total;
    as_scf_state_destroy(st);
    as_disc_destroy(d);
    as_model_destroy(m);
    as_structure_destroy(s2);
    teardown(g);
    return e;
}

/* F = -dE/dtau by central differences of the total energy (the basis does not depend on the
 * positions, so this is exact up to the step): several atoms and directions. */
static void check_forces(int gamma, int perovskite, const int (*cases)[2], int ncases)
{
    fixture *fx = setup(gamma, perovskite);
    as_error err;
    double(*f)[3] = calloc((size_t)fx->s->natoms, sizeof *f);
    assert_int_equal(as_forces(fx->m, fx->d, fx->st, f, NULL, &err), 0);
    const double h = 2e-3;
    for (int c = 0; c < ncases; c++) {
        int a = cases[c][0], x = cases[c][1];
        double ep = energy_displaced(fx, perovskite, gamma, a, x, h), em = energy_displaced(fx, perovskite, gamma, a, x, -h);
        double fd = -(ep - em) / (2 * h);
        if (fabs(fd - f[a][x]) > 2e-6)
            fail_msg("force atom %d dir %d: analytic %.9f, finite difference %.9f", a + 1, x, f[a][x], fd);
    }
    free(f);
    teardown(fx);
}

static void forces_si_k(void **state)
{
    (void)state;
    const int cases[3][2] = {{0, 0}, {0, 2}, {1, 1}};
    check_forces(0, 0, cases, 3);
}

static void forces_si_gamma(void **state)
{
    (void)state;
    const int cases[2][2] = {{0, 1}, {1, 2}};
    check_forces(1, 0, cases, 2);
}

static void forces_si_trim(void **state)
{
    (void)state;
    const int cases[2][2] = {{0, 0}, {1, 1}};
    check_forces(2, 0, cases, 2);
}

static void forces_perovskite(void **state)
{
    (void)state;
    const int cases[3][2] = {{0, 0}, {1, 2}, {3, 1}}; /* Cs x, Pb z, Br y */
    check_forces(0, 1, cases, 3);
}

/* Ewald: energy under strain of the whole cell (fractional coordinates fixed). */
static void ewald_stress(void **state)
{
    (void)state;
    fixture *fx = setup(0, 0);
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
        cmocka_unit_test(kinetic_nonlocal_trim),
        cmocka_unit_test(perovskite_all_channels),
        cmocka_unit_test(forces_si_k),
        cmocka_unit_test(forces_si_gamma),
        cmocka_unit_test(forces_si_trim),
        cmocka_unit_test(forces_perovskite),
    };
    MPI_Init(NULL, NULL);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return rc;
}
