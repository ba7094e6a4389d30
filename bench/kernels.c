/* The measured costs behind the scaling model in docs/parallel.md, for the 160-atom cell
 * (2x2x2 Pnma CsPbBr3 supercell) at 25 Ha:
 *   - one wavefunction FFT pair (g2r + r2g) on the stick grid, per band,
 *   - the sticks <-> planes all-to-all of that FFT on the ranks given (mpirun -np N),
 *   - dgemm and zgemm rates at the eigensolver's shapes,
 *   - one subspace eigenproblem (dsygvx) at the size of the 160-atom cell's Davidson basis.
 * Prints "kernel value unit" lines.  Built and run by bench/run.sh (make bench). */
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

static double time_fft(void *arg)
{
    as_fft_sticks *s = arg;
    memset(s->gbuf, 0, s->ng * sizeof *s->gbuf);
    for (size_t i = 0; i < s->ng; i += 7)
        s->gbuf[i] = 1.0;
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

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    as_error err;
    as_composition comp;
    as_composition_parse("CsPbBr3", &comp, &err);
    as_structure *s = as_perovskite_build(&comp, AS_PEROVSKITE_PNMA, NULL, &err);
    const int sc[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 2}};
    as_structure *big = as_supercell_build(s, sc, NULL, &err);
    const double ecut = 25.0;
    int n[3];
    as_gvecs_grid_size(big->lattice, ecut, NULL, n);
    as_fft *grid = as_fft_create(n, MPI_COMM_WORLD, &err);
    int *count = calloc((size_t)n[0] * n[1], sizeof *count);
    const double k0[3] = {0, 0, 0};
    as_sphere_columns(big->lattice, k0, 2.0 * ecut, grid, count, &err);
    as_fft_sticks *wst = as_fft_sticks_create(grid, count, &err);
    if (rank == 0)
        printf("cell 160 atoms, grid %d %d %d, wavefunction sticks %d, ranks %d\n", n[0], n[1], n[2], wst->nst_global,
               size);
    double t = best_of(5, time_fft, wst);
    MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("fft_pair_per_band %.6f s\n", t);
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
        /* eigensolver shapes: npw ~ 130k coefficients (Gamma half sphere ~65k), 2 nbands = 1360 */
        const int npw = 65000, nb = 680;
        gemm_arg g = {nb, nb, 2 * npw, 1, NULL, NULL, NULL};
        g.a = malloc((size_t)2 * npw * nb * sizeof(double));
        g.b = malloc((size_t)2 * npw * nb * sizeof(double));
        g.c = malloc((size_t)nb * nb * sizeof(double complex));
        for (size_t i = 0; i < (size_t)2 * npw * nb; i++)
            ((double *)g.a)[i] = ((double *)g.b)[i] = 1e-3 * (double)(i % 97);
        double td = best_of(3, time_gemm, &g);
        printf("dgemm %.2f GFLOP/s (%d x %d x %d)\n", 2.0 * nb * nb * 2.0 * npw / td * 1e-9, nb, nb, 2 * npw);
        g.real = 0;
        g.k = npw;
        double tz = best_of(3, time_gemm, &g);
        printf("zgemm %.2f GFLOP/s (%d x %d x %d)\n", 8.0 * nb * nb * npw / tz * 1e-9, nb, nb, npw);
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
    as_fft_sticks_destroy(wst);
    as_fft_destroy(grid);
    free(count);
    as_structure_destroy(big);
    as_structure_destroy(s);
    MPI_Finalize();
    return 0;
}
