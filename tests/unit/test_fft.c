/* The stick FFT (pw/fft.h) on a small grid: g2r against the Fourier sum written out by hand, and the
 * plane-by-plane transform (as_fft_g2r_planes) against the whole-grid one, forward and back. */
#include <complex.h>
#include <math.h>
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pw/fft.h"

enum { N0 = 9, N1 = 10, N2 = 8 };

/* sticks: the columns with m0^2 + m1^2 <= 9 (signed Miller indices), three values each */
static as_fft_sticks *make_sticks(as_fft **grid)
{
    as_error err;
    const int n[3] = {N0, N1, N2};
    *grid = as_fft_create(n, MPI_COMM_WORLD, &err);
    assert_non_null(*grid);
    int *count = calloc(N0 * N1, sizeof *count);
    for (int x = 0; x < N0; x++)
        for (int y = 0; y < N1; y++) {
            const int m0 = x <= N0 / 2 ? x : x - N0, m1 = y <= N1 / 2 ? y : y - N1;
            count[x * N1 + y] = m0 * m0 + m1 * m1 <= 9 ? 3 : 0;
        }
    as_fft_sticks *s = as_fft_sticks_create(*grid, count, AS_FFT_WHOLE | AS_FFT_PLANES, &err);
    free(count);
    assert_non_null(s);
    return s;
}

/* a reproducible pseudo-random fill of the sticks */
static void fill(as_fft_sticks *s, unsigned seed)
{
    for (size_t i = 0; i < s->ng; i++) {
        seed = seed * 1103515245u + 12345u;
        const double a = (double)(seed >> 8 & 0xffff) / 65536.0 - 0.5;
        seed = seed * 1103515245u + 12345u;
        const double b = (double)(seed >> 8 & 0xffff) / 65536.0 - 0.5;
        s->gbuf[i] = a + I * b;
    }
}

static void test_g2r_is_the_fourier_sum(void **state)
{
    (void)state;
    as_fft *g;
    as_fft_sticks *s = make_sticks(&g);
    fill(s, 7);
    double complex *c = malloc(s->ng * sizeof *c);
    memcpy(c, s->gbuf, s->ng * sizeof *c);
    as_fft_g2r(s);
    double worst = 0.0;
    for (int z = 0; z < g->nz; z++)
        for (int x = 0; x < N0; x++)
            for (int y = 0; y < N1; y++) {
                double complex f = 0.0;
                for (int st = 0; st < s->nst; st++)
                    for (int k = 0; k < N2; k++) {
                        const double ph = 2.0 * M_PI * ((double)s->col[st][0] * x / N0 +
                                                        (double)s->col[st][1] * y / N1 + (double)k * (g->z0 + z) / N2);
                        f += c[(size_t)st * N2 + k] * cexp(I * ph);
                    }
                const double d = cabs(f - g->rbuf[((size_t)z * N0 + x) * N1 + y]);
                worst = d > worst ? d : worst;
            }
    assert_true(worst < 1e-11);
    free(c);
    as_fft_sticks_destroy(s);
    as_fft_destroy(g);
}

typedef struct {
    double complex *copy; /* the planes, as fn saw them */
    const double *v;      /* a potential to multiply by */
} plane_ctx;

static void keep_and_multiply(void *ctx, int iz, double complex *plane)
{
    plane_ctx *c = ctx;
    const size_t np = (size_t)N0 * N1;
    memcpy(c->copy + (size_t)iz * np, plane, np * sizeof *plane);
    for (size_t i = 0; i < np; i++)
        plane[i] *= c->v[(size_t)iz * np + i];
}

static void test_planes_equal_the_whole_grid(void **state)
{
    (void)state;
    as_fft *g;
    as_fft_sticks *s = make_sticks(&g);
    double *v = malloc(g->ntot * sizeof *v);
    for (size_t r = 0; r < g->ntot; r++)
        v[r] = 1.0 + 0.5 * sin(0.37 * (double)r);
    double complex *c = malloc(s->ng * sizeof *c), *want = malloc(s->ng * sizeof *want);
    double complex *want_r = malloc(g->ntot * sizeof *want_r);
    fill(s, 11);
    memcpy(c, s->gbuf, s->ng * sizeof *c);
    /* the whole grid: g2r, times v, r2g */
    as_fft_g2r(s);
    memcpy(want_r, g->rbuf, g->ntot * sizeof *want_r);
    for (size_t r = 0; r < g->ntot; r++)
        g->rbuf[r] *= v[r];
    as_fft_r2g(s);
    memcpy(want, s->gbuf, s->ng * sizeof *want);
    /* plane by plane */
    plane_ctx ctx = {malloc(g->ntot * sizeof(double complex)), v};
    memcpy(s->gbuf, c, s->ng * sizeof *c);
    as_fft_g2r_planes(s, keep_and_multiply, &ctx, 1);
    double dr = 0.0, dg = 0.0, scale = 0.0;
    for (size_t r = 0; r < g->ntot; r++)
        dr = fmax(dr, cabs(ctx.copy[r] - want_r[r]));
    for (size_t i = 0; i < s->ng; i++) {
        dg = fmax(dg, cabs(s->gbuf[i] - want[i]));
        scale = fmax(scale, cabs(want[i]));
    }
    assert_true(scale > 1.0);
    assert_true(dr < 1e-12);
    assert_true(dg < 1e-12 * scale);
    /* one way only: the same planes */
    memcpy(s->gbuf, c, s->ng * sizeof *c);
    memset(ctx.copy, 0, g->ntot * sizeof(double complex));
    as_fft_g2r_planes(s, keep_and_multiply, &ctx, 0);
    dr = 0.0;
    for (size_t r = 0; r < g->ntot; r++)
        dr = fmax(dr, cabs(ctx.copy[r] - want_r[r]));
    assert_true(dr < 1e-12);
    free(ctx.copy), free(c), free(want), free(want_r), free(v);
    as_fft_sticks_destroy(s);
    as_fft_destroy(g);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_g2r_is_the_fourier_sum),
        cmocka_unit_test(test_planes_equal_the_whole_grid),
    };
    const int rc = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return rc;
}
