/* The measured costs behind the scaling model in docs/parallel.md (bench/scaling_model.py), for an
 * M x M x M supercell of Pnma CsPbBr3 at 25 Ha (M = 2, the 160-atom cell, by default; M = 1 is the
 * 20-atom cell the model is checked against):
 *   - the plane-wave count of the k = 0 sphere and the band count anionscan would use,
 *   - one wavefunction FFT pair (g2r + r2g, plane by plane as H|psi> does it) on the stick grid, per band,
 *   - the sticks <-> planes all-to-all of that FFT on the ranks given (mpirun -np N),
 *   - one FFT pair on the density sphere's sticks (the dense-grid work: density, potential, XC gradients),
 *   - dgemm and zgemm rates at the eigensolver's shapes,
 *   - one subspace eigenproblem (dsygvx) of twice the band count (the full Davidson basis),
 *   - a DGEMM and a memory-bound triad on every rank at once: what the machine lets ranks gain.
 * Prints "kernel value unit" lines.  usage: kernels [M].  Run by bench/run.sh (make bench). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timer.h"
#include "core/units.h"
#include "crystal/composition.h"
#include "crystal/perovskite.h"
#include "crystal/supercell.h"
#include "pw/fft.h"
#include "pw/gvec.h"

static double best_of(int reps, double (*fn)(void *), void *arg)
{
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t = fn(arg);
        best = t < best ? t : best;
    }
    return best;
}

/* a sparse, reproducible input for the timed transforms */
static void fill_sticks(as_fft_sticks *s)
{
    memset(s->gbuf, 0, s->ng * sizeof *s->gbuf);
    for (size_t i = 0; i < s->ng; i += 7)
        s->gbuf[i] = 1.0;
}

/* what H|psi> does with a plane: multiply by the local potential (here 1) */
static void times_one(void *ctx, int iz, double complex *plane)
{
    (void)ctx, (void)iz, (void)plane;
}

static double time_fft_planes(void *arg)
{
    as_fft_sticks *s = arg;
    fill_sticks(s);
    double t0 = as_wtime();
    for (int k = 0; k < 4; k++)
        as_fft_g2r_planes(s, times_one, NULL, 1);
    return (as_wtime() - t0) / 4;
}

static double time_fft(void *arg)
{
    as_fft_sticks *s = arg;
    fill_sticks(s);
    double t0 = as_wtime();
    for (int k = 0; k < 4; k++) {
        as_fft_g2r(s);
        as_fft_r2g(s);
    }
    return (as_wtime() - t0) / 4;
}

typedef struct {
    int m, n, k, real;
    void *a, *b, *c;
} gemm_arg;

static double time_gemm(void *p)
{
    gemm_arg *g = p;
    double t0 = as_wtime();
    if (g->real)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, g->m, g->n, g->k, 1.0, g->a, g->k, g->b, g->k, 0.0, g->c,
                    g->m);
    else {
        const double complex one = 1.0, zero = 0.0;
        cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, g->m, g->n, g->k, &one, g->a, g->k, g->b, g->k,
                    &zero, g->c, g->m);
    }
    return as_wtime() - t0;
}

/* What the machine lets ranks gain: the same DGEMM and the same memory-bound triad on every rank at once (after a
 * barrier; on 1 rank, alone).  The slowest rank's rate together over the rate of one rank alone is the most that
 * dividing compute-bound or memory-bound work over the ranks can give: on a guest whose cores share a physical
 * core's units or its memory channels it is below 1, and so is every parallel efficiency measured on it. */
static void concurrent_rates(int rank)
{
    const int n = 512, k = 8192, reps = 8;
    const size_t nt = (size_t)16 << 20; /* 3 x 128 MB per rank: well beyond the caches */
    double *a = malloc((size_t)n * k * sizeof *a), *b = malloc((size_t)n * k * sizeof *b);
    double *c = malloc((size_t)n * n * sizeof *c);
    double *x = malloc(nt * sizeof *x), *y = malloc(nt * sizeof *y), *z = malloc(nt * sizeof *z);
    if (!a || !b || !c || !x || !y || !z) {
        if (rank == 0)
            printf("concurrent: out of memory\n");
        free(a), free(b), free(c), free(x), free(y), free(z);
        return;
    }
    for (size_t i = 0; i < (size_t)n * k; i++)
        a[i] = b[i] = 1e-3 * (double)(i % 89);
    for (size_t i = 0; i < nt; i++)
        x[i] = y[i] = z[i] = 1e-3 * (double)(i % 83);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, n, n, k, 1.0, a, k, b, k, 0.0, c, n); /* warm */
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = as_wtime();
    for (int r = 0; r < reps; r++)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, n, n, k, 1.0, a, k, b, k, 0.0, c, n);
    double tg = as_wtime() - t0;
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = as_wtime();
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i < nt; i++)
            x[i] = y[i] + 0.5 * z[i];
    double tt = as_wtime() - t0;
    volatile double sink = x[nt / 2] + c[n]; /* the results are used */
    (void)sink;
    double slow[2] = {tg, tt}, slowest[2];
    MPI_Reduce(slow, slowest, 2, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("concurrent_dgemm %.2f GFLOP/s per rank (%d x %d x %d, every rank at once, the slowest)\n",
               2.0 * n * n * k * reps / slowest[0] * 1e-9, n, n, k);
        printf("concurrent_triad %.2f GB/s per rank (3 x %zu MB, every rank at once, the slowest)\n",
               24.0 * (double)nt * reps / slowest[1] * 1e-9, nt * 8 >> 20);
    }
    free(a), free(b), free(c), free(x), free(y), free(z);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const int mult = argc > 1 ? atoi(argv[1]) : 2;
    if (mult < 1 || mult > 3) {
        fprintf(stderr, "usage: kernels [M]   (M x M x M supercell, 1..3)\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    as_error err;
    as_composition comp;
    as_composition_parse("CsPbBr3", &comp, &err);
    as_structure *s = as_perovskite_build(&comp, AS_PEROVSKITE_PNMA, NULL, &err);
    const int sc[3][3] = {{mult, 0, 0}, {0, mult, 0}, {0, 0, mult}};
    as_structure *big = as_supercell_build(s, sc, NULL, &err);
    const double ecut = 25.0;
    int n[3];
    as_gvecs_grid_size(big->lattice, ecut, NULL, n);
    as_fft *grid = as_fft_create(n, MPI_COMM_WORLD, &err);
    int *count = calloc((size_t)n[0] * n[1], sizeof *count);
    const double k0[3] = {0, 0, 0};
    as_sphere_columns(big->lattice, k0, 2.0 * ecut, grid, count, &err);
    as_fft_sticks *wst = as_fft_sticks_create(grid, count, AS_FFT_PLANES, &err);
    long npw = 0; /* plane waves in the k = 0 sphere: the per-column counts, on every rank */
    for (int i = 0; i < n[0] * n[1]; i++)
        npw += count[i];
    /* anionscan's automatic band count: occupied + max(occupied / 10, 4); GTH valences Cs 9, Pb 4, Br 7 */
    int nel = 0;
    for (int a = 0; a < big->natoms; a++)
        nel += big->z[a] == 55 ? 9 : big->z[a] == 82 ? 4 : 7;
    const int nocc = nel / 2, nbands = nocc + (nocc / 10 > 4 ? nocc / 10 : 4);
    if (rank == 0) {
        printf("cell %d atoms, grid %d %d %d, wavefunction sticks %d, ranks %d\n", big->natoms, n[0], n[1], n[2],
               wst->nst_global, size);
        printf("npw_sphere %ld\n", npw);
        printf("nbands %d\n", nbands);
        printf("nz_planes %d\n", n[2]);
    }
    double t = best_of(5, time_fft_planes, wst);
    MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("fft_pair_per_band %.6f s\n", t);
    {
        /* the density sphere |G|^2 / 2 <= 4 ecut on the same grid */
        int *dcount = calloc((size_t)n[0] * n[1], sizeof *dcount);
        as_sphere_columns(big->lattice, k0, 8.0 * ecut, grid, dcount, &err);
        as_fft_sticks *dst = as_fft_sticks_create(grid, dcount, AS_FFT_WHOLE, &err);
        double td = best_of(5, time_fft, dst);
        MPI_Allreduce(MPI_IN_PLACE, &td, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (rank == 0)
            printf("fft_dense_pair %.6f s (%d sticks)\n", td, dst->nst_global);
        as_fft_sticks_destroy(dst);
        free(dcount);
    }
    if (size > 1) {
        /* the all-to-all alone, with the FFT's own counts */
        double best = 1e30;
        for (int r = 0; r < 5; r++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = as_wtime();
            for (int k = 0; k < 4; k++)
                MPI_Alltoallv(wst->sbuf, wst->scount, wst->sdispl, MPI_C_DOUBLE_COMPLEX, wst->tbuf, wst->rcount,
                              wst->rdispl, MPI_C_DOUBLE_COMPLEX, MPI_COMM_WORLD);
            double tt = (as_wtime() - t0) / 4;
            MPI_Allreduce(MPI_IN_PLACE, &tt, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            best = tt < best ? tt : best;
        }
        long bytes = 0;
        for (int r = 0; r < size; r++)
            bytes += (long)wst->scount[r] * 16;
        if (rank == 0)
            printf("alltoall_per_transform %.6f s (%.1f MB sent per rank)\n", best, bytes / 1e6);
    }
    if (rank == 0) {
        /* eigensolver shapes: the Gamma half sphere (real coefficients = npw), the band count */
        const int npwh = (int)(npw / 2), nb = nbands;
        gemm_arg g = {nb, nb, 2 * npwh, 1, NULL, NULL, NULL};
        g.a = malloc((size_t)2 * npwh * nb * sizeof(double));
        g.b = malloc((size_t)2 * npwh * nb * sizeof(double));
        g.c = malloc((size_t)nb * nb * sizeof(double complex));
        for (size_t i = 0; i < (size_t)2 * npwh * nb; i++)
            ((double *)g.a)[i] = ((double *)g.b)[i] = 1e-3 * (double)(i % 97);
        double td = best_of(3, time_gemm, &g);
        printf("dgemm %.2f GFLOP/s (%d x %d x %d)\n", 2.0 * nb * nb * 2.0 * npwh / td * 1e-9, nb, nb, 2 * npwh);
        g.real = 0;
        g.k = npwh;
        double tz = best_of(3, time_gemm, &g);
        printf("zgemm %.2f GFLOP/s (%d x %d x %d)\n", 8.0 * nb * nb * npwh / tz * 1e-9, nb, nb, npwh);
        /* subspace problem of twice the bands */
        const int ns = 2 * nb;
        double *a = malloc((size_t)ns * ns * sizeof *a), *b = malloc((size_t)ns * ns * sizeof *b);
        double *w = malloc((size_t)ns * sizeof *w), *z = malloc((size_t)ns * nb * sizeof *z);
        lapack_int *ifail = malloc((size_t)ns * sizeof *ifail), m = 0;
        for (int j = 0; j < ns; j++)
            for (int i = 0; i < ns; i++) {
                a[(size_t)j * ns + i] = (i == j) ? i : 1e-3 / (1 + abs(i - j));
                b[(size_t)j * ns + i] = (i == j) ? 1.0 : 1e-4 / (1 + abs(i - j));
            }
        double t0 = as_wtime();
        LAPACKE_dsygvx(LAPACK_COL_MAJOR, 1, 'V', 'I', 'U', ns, a, ns, b, ns, 0, 0, 1, nb, 0.0, &m, w, z, ns, ifail);
        printf("dsygvx_subspace %.3f s (n = %d, %d eigenpairs)\n", as_wtime() - t0, ns, nb);
        free(a), free(b), free(w), free(z), free(ifail), free(g.a), free(g.b), free(g.c);
    }
    concurrent_rates(rank);
    as_fft_sticks_destroy(wst);
    as_fft_destroy(grid);
    free(count);
    as_structure_destroy(big);
    as_structure_destroy(s);
    MPI_Finalize();
    return 0;
}
