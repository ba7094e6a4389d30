/* The Kohn-Sham Hamiltonian as an operator (pw/ham.h), checked against properties it must have whatever the
 * implementation:
 *  - H is Hermitian: the dense matrix built by applying as_ham_apply to unit vectors (a k-point off Gamma,
 *    complex layout) satisfies |H - H^H| < 1e-12 Ha, for Si (s, p projectors) and cubic CsPbBr3 (s, p, d, f);
 *  - at k = 0, H maps real functions (c(-G) = conj c(G)) to real functions;
 *  - the Gamma-point real layout (half sphere, two bands per FFT) represents the same operator: its matrix on
 *    the real parameters is symmetric in the layout's metric and has the spectrum of the complex k = 0 matrix
 *    (1e-10 Ha), eigenvalue by eigenvalue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <mpi.h>
#include <complex.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pw/ham.h"
#include "scf_fixture.h"

typedef struct fixture {
    as_structure *s;
    as_model *m;
    as_disc *d; /* the FFT box, density sphere and nonlocal set; its k-point list is just Gamma */
    double *v_r;
} fixture;

/* A model, a discretisation at ecut and a realistic local potential: that of a uniform density plus a smooth
 * random modulation (as_potential: V_loc + V_H + V_xc). */
static void fixture_init(fixture *f, as_structure *(*build)(as_error *), double ecut, int gamma)
{
    as_error err;
    as_error_clear(&err);
    FIX_CHECK(f->s = build(&err), &err);
    FIX_CHECK(f->m = fix_model(f->s, "PBE", 0, &err), &err);
    const double k0[1][3] = {{0, 0, 0}};
    FIX_CHECK(f->d = fix_disc(f->m, ecut, 1, k0, gamma, &err), &err);
    const as_gvecs *gv = f->d->gv;
    double complex *rho = malloc((size_t)gv->ng * sizeof *rho);
    double *rho_r = malloc(f->d->fft->ntot * sizeof *rho_r);
    f->v_r = malloc(f->d->fft->ntot * sizeof *f->v_r);
    assert_non_null(rho);
    assert_non_null(rho_r);
    assert_non_null(f->v_r);
    const double n0 = f->m->nelec / f->m->omega;
    fix_smooth_perturbation(gv, 3.0, 0.05 * n0, n0, 12345, rho);
    as_energies e = {0};
    FIX_CHECK(as_potential(f->m, f->d, rho, rho_r, f->v_r, &e, &err) == 0, &err);
    free(rho);
    free(rho_r);
}

static void fixture_free(fixture *f)
{
    free(f->v_r);
    as_disc_destroy(f->d);
    as_model_destroy(f->m);
    as_structure_destroy(f->s);
}

/* Dense H (npw x npw, column-major) from as_ham_apply on unit vectors (all at once, as a block of npw bands). */
static double complex *dense_h(const fixture *f, const as_basis *b, const as_projectors *p)
{
    as_error err;
    as_error_clear(&err);
    const int n = b->npw;
    as_ham h = {.basis = b, .nl = f->d->nl, .proj = p, .fft = as_disc_sticks(f->d, b), .vloc = f->v_r, .hdiag = NULL};
    FIX_CHECK(as_ham_prepare(&h, &err) == 0, &err);
    double complex *id = calloc((size_t)n * n, sizeof *id), *hm = calloc((size_t)n * n, sizeof *hm);
    double complex *work = malloc(AS_NONLOCAL_WORK(f->d->nl->nproj, n) * sizeof *work);
    assert_non_null(id);
    assert_non_null(hm);
    assert_non_null(work);
    for (int j = 0; j < n; j++)
        id[(size_t)j * n + j] = 1.0;
    as_ham_apply(&h, n, id, hm, work);
    as_ham_release(&h);
    free(id);
    free(work);
    return hm;
}

static void check_hermitian_off_gamma(as_structure *(*build)(as_error *), double ecut, const char *what)
{
    fixture f;
    fixture_init(&f, build, ecut, 0);
    as_error err;
    as_error_clear(&err);
    const double k[3] = {0.13, 0.27, -0.31};
    as_basis *b;
    as_projectors *p;
    FIX_CHECK(as_disc_kpoint(f.m, f.d, k, 0, &b, &p, &err) == 0, &err);
    const int n = b->npw;
    double complex *hm = dense_h(&f, b, p);
    double asym = 0.0, offdiag = 0.0, hmax = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double complex hij = hm[(size_t)j * n + i], hji = hm[(size_t)i * n + j];
            asym = fmax(asym, cabs(hij - conj(hji)));
            hmax = fmax(hmax, cabs(hij));
            if (i != j)
                offdiag = fmax(offdiag, cabs(hij));
        }
    printf("  %s: k = (%.2f %.2f %.2f), %d plane waves, %d projectors: max |H - H^H| = %.2e Ha "
           "(max |H_ij| = %.3f, largest off-diagonal %.3f)\n",
           what, k[0], k[1], k[2], n, f.d->nl->nproj, asym, hmax, offdiag);
    assert_true(n > 50);
    assert_true(offdiag > 1e-2); /* the test has something to check: V_loc and V_nl couple plane waves */
    assert_true(asym < 1e-12);
    free(hm);
    as_projectors_destroy(p);
    as_basis_destroy(b);
    fixture_free(&f);
}

static void si_hermitian(void **state)
{
    (void)state;
    check_hermitian_off_gamma(fix_si, 4.0, "Si 4 Ha");
}

static void cspbbr3_hermitian(void **state)
{
    (void)state;
    check_hermitian_off_gamma(fix_cspbbr3, 3.0, "CsPbBr3 3 Ha");
}

/* Index of -G in a full-sphere basis (by Miller index). */
static int *minus_map(const as_basis *b)
{
    int *mm = malloc((size_t)b->npw * sizeof *mm);
    assert_non_null(mm);
    for (int g = 0; g < b->npw; g++) {
        mm[g] = -1;
        for (int h = 0; h < b->npw; h++)
            if (b->mill[h][0] == -b->mill[g][0] && b->mill[h][1] == -b->mill[g][1] &&
                b->mill[h][2] == -b->mill[g][2]) {
                mm[g] = h;
                break;
            }
        assert_true(mm[g] >= 0);
    }
    return mm;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void check_gamma_layout(as_structure *(*build)(as_error *), double ecut, const char *what)
{
    fixture f;
    fixture_init(&f, build, ecut, 1);
    as_error err;
    as_error_clear(&err);
    const double k0[3] = {0, 0, 0};
    /* complex layout at k = 0 */
    as_basis *bc;
    as_projectors *pc;
    FIX_CHECK(as_disc_kpoint(f.m, f.d, k0, 0, &bc, &pc, &err) == 0, &err);
    const int nc = bc->npw;
    double complex *hc = dense_h(&f, bc, pc);

    /* (1) real functions to real functions, on the complex path: random c with c(-G) = conj c(G) */
    int *mm = minus_map(bc);
    double complex *x = malloc((size_t)nc * sizeof *x), *y = calloc((size_t)nc, sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    unsigned long long seed = 777;
    for (int g = 0; g < nc; g++)
        x[g] = fix_rand(&seed) - 0.5 + I * (fix_rand(&seed) - 0.5);
    for (int g = 0; g < nc; g++) {
        if (mm[g] == g)
            x[g] = creal(x[g]);
        else if (mm[g] < g)
            x[g] = conj(x[mm[g]]);
    }
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            y[i] += hc[(size_t)j * nc + i] * x[j];
    double realdev = 0.0, ynorm = 0.0;
    for (int g = 0; g < nc; g++) {
        realdev = fmax(realdev, cabs(y[g] - conj(y[mm[g]])));
        ynorm = fmax(ynorm, cabs(y[g]));
    }
    printf("  %s: H (complex path, k = 0) on a real function: max |h(G) - conj h(-G)| = %.2e (max |h| %.3f)\n", what,
           realdev, ynorm);
    assert_true(realdev < 1e-12);

    /* (2) the Gamma layout's matrix on the real parameters (Re c0, Re c_G, Im c_G) */
    const as_basis *bg = f.d->basis[0];
    assert_true(bg->real && bg->self0);
    const int nh = bg->npw, n = 2 * nh - 1;
    assert_int_equal(n, nc); /* the half sphere and its mirror are the full sphere */
    double complex *units = calloc((size_t)n * nh, sizeof *units), *hu = calloc((size_t)n * nh, sizeof *hu);
    double complex *work = malloc(AS_NONLOCAL_WORK(f.d->nl->nproj, n) * sizeof *work);
    assert_non_null(units);
    assert_non_null(hu);
    assert_non_null(work);
    units[0] = 1.0; /* column 0: c0 = 1 */
    for (int g = 1; g < nh; g++) {
        units[(size_t)(2 * g - 1) * nh + g] = 1.0; /* Re c_G */
        units[(size_t)(2 * g) * nh + g] = I;       /* Im c_G */
    }
    as_ham h = {.basis = bg, .nl = f.d->nl, .proj = f.d->proj[0], .fft = as_disc_sticks(f.d, bg), .vloc = f.v_r, .hdiag = NULL};
    FIX_CHECK(as_ham_prepare(&h, &err) == 0, &err);
    as_ham_apply(&h, n, units, hu, work);
    as_ham_release(&h);
    double *sm = malloc((size_t)n * n * sizeof *sm), *w = malloc((size_t)n * sizeof *w);
    assert_non_null(sm);
    assert_non_null(w);
    double im0 = 0.0;
    for (int j = 0; j < n; j++) {
        const double complex *col = hu + (size_t)j * nh;
        im0 = fmax(im0, fabs(cimag(col[0])));
        /* S = W^{1/2} M W^{-1/2}, W = diag(1, 2, 2, ...): orthonormal real coordinates */
        const double wj = j == 0 ? 1.0 : 2.0;
        sm[(size_t)j * n + 0] = creal(col[0]) / sqrt(wj);
        for (int g = 1; g < nh; g++) {
            sm[(size_t)j * n + 2 * g - 1] = sqrt(2.0) * creal(col[g]) / sqrt(wj);
            sm[(size_t)j * n + 2 * g] = sqrt(2.0) * cimag(col[g]) / sqrt(wj);
        }
    }
    double asym = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            asym = fmax(asym, fabs(sm[(size_t)j * n + i] - sm[(size_t)i * n + j]));
    printf("  %s: Gamma layout, %d stored coefficients: max |Im h(0)| = %.2e, max |S - S^T| = %.2e\n", what, nh, im0,
           asym);
    assert_true(im0 < 1e-13);
    assert_true(asym < 1e-12);
    assert_int_equal(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', n, sm, n, w), 0);
    double *wc = malloc((size_t)nc * sizeof *wc);
    assert_non_null(wc);
    assert_int_equal(LAPACKE_zheev(LAPACK_COL_MAJOR, 'N', 'U', nc, hc, nc, wc), 0);
    qsort(w, (size_t)n, sizeof *w, cmp_double);
    qsort(wc, (size_t)nc, sizeof *wc, cmp_double);
    double dmax = 0.0;
    for (int i = 0; i < n; i++)
        dmax = fmax(dmax, fabs(w[i] - wc[i]));
    printf("  %s: spectra of the Gamma layout and the complex k = 0 matrix (%d eigenvalues, %.4f..%.4f Ha): "
           "max difference %.2e Ha\n", what, n, wc[0], wc[nc - 1], dmax);
    assert_true(dmax < 1e-10);
    free(wc);
    free(sm);
    free(w);
    free(units);
    free(hu);
    free(work);
    free(x);
    free(y);
    free(mm);
    free(hc);
    as_projectors_destroy(pc);
    as_basis_destroy(bc);
    fixture_free(&f);
}

static void si_gamma_layout(void **state)
{
    (void)state;
    check_gamma_layout(fix_si, 4.0, "Si 4 Ha");
}

static void cspbbr3_gamma_layout(void **state)
{
    (void)state;
    check_gamma_layout(fix_cspbbr3, 3.0, "CsPbBr3 3 Ha");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(si_hermitian),
        cmocka_unit_test(cspbbr3_hermitian),
        cmocka_unit_test(si_gamma_layout),
        cmocka_unit_test(cspbbr3_gamma_layout),
    };
    MPI_Init(NULL, NULL);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return rc;
}
