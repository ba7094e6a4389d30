/* Each density-dependent energy term's potential is the derivative of that energy (what makes the Kohn-Sham
 * equations the minimum condition of the total energy):
 *     dE/dh at h = 0 of E(rho + h delta) = sum_r V(r) delta(r) Omega / N
 * checked by central differences (h = +-1e-4, truncation error ~1e-8 relative) for the Hartree, local
 * pseudopotential and exchange-correlation terms (LDA, PBE, PBEsol) and their sum (the potential the
 * Hamiltonian uses), at a converged Si density (PBE SCF, 8 Ha, 2x2x2) plus a random perturbation that reaches
 * every shell of the density sphere and G = 0.  Ratio finite difference / potential within 1e-6.
 *
 * The potentials are taken from the code's own outputs only: as_xc_eval gives V_xc; as_potential gives
 * V = V_loc + V_H + V_xc; V_H is separated using its linearity (V_H(rho) = 2 [V - V_xc](rho) - 2 [V - V_xc](rho/2))
 * and V_loc = V - V_xc - V_H. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <mpi.h>
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "scf_fixture.h"

static as_structure *g_si;
static double complex *g_rho; /* converged PBE density, sphere coefficients (8 Ha) */
static int g_ng;

static int setup(void **state)
{
    (void)state;
    as_error err;
    as_error_clear(&err);
    as_log_set_enabled(0);
    if (!(g_si = fix_si(&err)))
        return -1;
    as_model *m = fix_model(g_si, "PBE", 1, &err);
    if (!m)
        return -1;
    const int mesh[3] = {2, 2, 2}, shift[3] = {0, 0, 0};
    as_kpoints *kp = as_kpoints_mesh(m->s, mesh, shift, 1, m->sym->symprec, &err);
    as_disc *d = kp ? as_disc_create(m, 8.0, kp, 0, NULL, &err) : NULL;
    as_scf_state *st = d ? as_scf_state_create(m, d, 0, &err) : NULL;
    if (!st) {
        fprintf(stderr, "set-up: %s\n", err.msg);
        return -1;
    }
    as_scf_opts o = {.tol = 1e-9, .max_scf = 60, .beta = 0.5, .kerker_q0 = 0.0, .nhist = 8, .nbands = 0, .quiet = 1};
    as_scf_result res;
    if (as_scf_run(m, d, &o, st, &res, &err)) {
        fprintf(stderr, "set-up SCF: %s\n", err.msg);
        return -1;
    }
    g_ng = d->gv->ng;
    g_rho = malloc((size_t)g_ng * sizeof *g_rho);
    memcpy(g_rho, st->rho_g, (size_t)g_ng * sizeof *g_rho);
    printf("  set-up: Si PBE 8 Ha 2x2x2 SCF, E = %.10f Ha in %d iterations, %d G-vectors\n", res.e.total,
           res.iterations, g_ng);
    as_scf_state_destroy(st);
    as_disc_destroy(d);
    as_model_destroy(m);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g_rho);
    as_structure_destroy(g_si);
    return 0;
}

typedef struct terms {
    double e[4]; /* hartree, local, xc, sum */
} terms;

static const char *term_name[4] = {"Hartree", "local", "xc", "H + loc + xc"};

static terms energies(const as_model *m, const as_disc *d, const double complex *rho, double *rho_r, double *v_r)
{
    as_error err;
    as_error_clear(&err);
    as_energies e = {0};
    FIX_CHECK(as_potential(m, d, rho, rho_r, v_r, &e, &err) == 0, &err);
    terms t = {{e.hartree, e.local, e.xc, e.hartree + e.local + e.xc}};
    return t;
}

/* V - V_xc at density rho (ntot values into out). */
static void v_minus_vxc(const as_model *m, const as_disc *d, const double complex *rho, double *rho_r, double *v,
                        double *vxc, double *out)
{
    as_error err;
    as_error_clear(&err);
    energies(m, d, rho, rho_r, v);
    double exc;
    FIX_CHECK(as_xc_eval(m->xc, d->gv, m->omega, rho_r, rho, vxc, &exc, NULL, MPI_COMM_NULL, &err) == 0, &err);
    for (size_t r = 0; r < d->fft->ntot; r++)
        out[r] = v[r] - vxc[r];
}

static void check_functional(const char *xc)
{
    as_error err;
    as_error_clear(&err);
    as_model *m = fix_model(g_si, xc, 0, &err);
    FIX_CHECK(m, &err);
    const double k0[1][3] = {{0, 0, 0}};
    as_disc *d = fix_disc(m, 8.0, 1, k0, 0, &err);
    FIX_CHECK(d, &err);
    assert_int_equal(d->gv->ng, g_ng); /* same sphere, same order as the SCF's */
    const size_t nt = d->fft->ntot;
    const int ng = g_ng;
    double *rho_r = malloc(nt * sizeof *rho_r), *v = malloc(nt * sizeof *v), *vxc = malloc(nt * sizeof *vxc);
    double *a = malloc(nt * sizeof *a), *b = malloc(nt * sizeof *b), *dr = malloc(nt * sizeof *dr);
    double complex *delta = malloc((size_t)ng * sizeof *delta), *x = malloc((size_t)ng * sizeof *x);
    assert_true(rho_r && v && vxc && a && b && dr && delta && x);

    /* perturbation: every shell, amplitude 5 % of the mean density at G -> 0, and 1 % at G = 0 */
    const double n0 = creal(g_rho[d->gv->ig0]);
    fix_smooth_perturbation(d->gv, d->gv->gcut2, 0.05 * n0, 0.01 * n0, 2024, delta);
    as_density_g2r(d, 1, delta, dr);

    /* potentials at rho */
    v_minus_vxc(m, d, g_rho, rho_r, v, vxc, a); /* a = V_loc + V_H (rho) */
    for (int ig = 0; ig < ng; ig++)
        x[ig] = 0.5 * g_rho[ig];
    v_minus_vxc(m, d, x, rho_r, v, b, b); /* b = V_loc + V_H (rho/2); vxc scratch into b first, then overwritten */
    /* recompute V_xc(rho) and the total V(rho) (the calls above overwrote them) */
    double *vh = malloc(nt * sizeof *vh), *vl = malloc(nt * sizeof *vl);
    assert_true(vh && vl);
    for (size_t r = 0; r < nt; r++) {
        vh[r] = 2.0 * (a[r] - b[r]);
        vl[r] = a[r] - vh[r];
    }
    terms t0 = energies(m, d, g_rho, rho_r, v); /* v = V(rho) */
    double exc;
    FIX_CHECK(as_xc_eval(m->xc, d->gv, m->omega, rho_r, g_rho, vxc, &exc, NULL, MPI_COMM_NULL, &err) == 0, &err);
    assert_true(fabs(exc - t0.e[2]) < 1e-12 * fabs(exc));

    /* analytic first-order changes: sum_r V delta Omega / N */
    double an[4] = {0, 0, 0, 0};
    for (size_t r = 0; r < nt; r++) {
        an[0] += vh[r] * dr[r];
        an[1] += vl[r] * dr[r];
        an[2] += vxc[r] * dr[r];
        an[3] += v[r] * dr[r];
    }
    for (int i = 0; i < 4; i++)
        an[i] *= m->omega / (double)nt;

    /* central differences */
    const double h = 1e-4;
    for (int ig = 0; ig < ng; ig++)
        x[ig] = g_rho[ig] + h * delta[ig];
    terms tp = energies(m, d, x, rho_r, b);
    for (int ig = 0; ig < ng; ig++)
        x[ig] = g_rho[ig] - h * delta[ig];
    terms tm = energies(m, d, x, rho_r, b);
    for (int i = 0; i < 4; i++) {
        if (i < 2 && strcmp(xc, "PBE") != 0)
            continue; /* Hartree and local do not depend on the functional: checked once */
        const double fd = (tp.e[i] - tm.e[i]) / (2.0 * h);
        const double ratio = fd / an[i];
        printf("  %-7s %-13s dE/dh: finite difference %+.12e, sum V delta Omega/N %+.12e, ratio - 1 = %+.2e\n", xc,
               term_name[i], fd, an[i], ratio - 1.0);
        assert_true(fabs(an[i]) > 1e-6); /* a change that is there to be measured */
        assert_true(fabs(ratio - 1.0) < 1e-6);
    }
    free(vh);
    free(vl);
    free(rho_r);
    free(v);
    free(vxc);
    free(a);
    free(b);
    free(dr);
    free(delta);
    free(x);
    as_disc_destroy(d);
    as_model_destroy(m);
}

static void pbe(void **state)
{
    (void)state;
    check_functional("PBE");
}

static void lda(void **state)
{
    (void)state;
    check_functional("LDA");
}

static void pbesol(void **state)
{
    (void)state;
    check_functional("PBEsol");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pbe),
        cmocka_unit_test(lda),
        cmocka_unit_test(pbesol),
    };
    MPI_Init(NULL, NULL);
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    MPI_Finalize();
    return rc;
}
