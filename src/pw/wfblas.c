#include "pw/wfblas.h"
#include "core/clock.h"

#include <cblas.h>
#include <mpi.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

/* Sum a partial nx x ny block (leading dimension lds) over the plane-wave group. */
static void reduce_block(const as_basis *b, int nx, int ny, double complex *s, int lds)
{
    int np = 1;
    MPI_Comm_size(b->comm, &np);
    if (np == 1)
        return;
    if (lds == nx) {
        MPI_Allreduce(MPI_IN_PLACE, s, nx * ny, MPI_C_DOUBLE_COMPLEX, MPI_SUM, b->comm);
        return;
    }
    for (int j = 0; j < ny; j++)
        MPI_Allreduce(MPI_IN_PLACE, s + (size_t)j * lds, nx, MPI_C_DOUBLE_COMPLEX, MPI_SUM, b->comm);
}

static void as_wf_overlap_body(const as_basis *b, int nx, const double complex *x, int ny, const double complex *y,
                   double complex *s, int lds, double *r)
{
    const int npw = b->npw;
    if (nx == 0 || ny == 0)
        return;
    if (!b->real) {
        const double complex one = 1.0, zero = 0.0;
        if (npw > 0)
            cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, nx, ny, npw, &one, x, npw, y, npw, &zero, s,
                        lds);
        else
            for (int j = 0; j < ny; j++)
                memset(s + (size_t)j * lds, 0, (size_t)nx * sizeof *s);
        reduce_block(b, nx, ny, s, lds);
        return;
    }
    /* sum over the full sphere = 2 sum over the stored half (- the self-paired G = 0 term, real) */
    if (npw > 0)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, nx, ny, 2 * npw, 2.0, (const double *)x, 2 * npw,
                    (const double *)y, 2 * npw, 0.0, r, nx);
    else
        memset(r, 0, (size_t)nx * ny * sizeof *r);
    for (int j = 0; j < ny; j++) {
        const double y0 = b->self0 ? creal(y[(size_t)j * npw]) : 0.0;
        for (int i = 0; i < nx; i++)
            r[(size_t)j * nx + i] -= creal(x[(size_t)i * npw]) * y0;
    }
    int np = 1;
    MPI_Comm_size(b->comm, &np);
    if (np > 1)
        MPI_Allreduce(MPI_IN_PLACE, r, nx * ny, MPI_DOUBLE, MPI_SUM, b->comm);
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++)
            s[(size_t)j * lds + i] = r[(size_t)j * nx + i];
}

void as_wf_overlap(const as_basis *b, int nx, const double complex *x, int ny, const double complex *y,
                   double complex *s, int lds, double *r)
{
    as_clock_start(AS_CLK_SUBSPACE);
    as_wf_overlap_body(b, nx, x, ny, y, s, lds, r);
    as_clock_stop(AS_CLK_SUBSPACE);
}

static void as_wf_combine_body(const as_basis *b, int nx, const double complex *x, const double complex *c, int ldc, int ny,
                   double beta, double complex *y, double *cr)
{
    const int npw = b->npw;
    if (ny == 0)
        return;
    if (nx == 0) {
        if (beta == 0.0)
            memset(y, 0, (size_t)npw * ny * sizeof *y);
        else if (beta != 1.0)
            for (size_t i = 0; i < (size_t)npw * ny; i++)
                y[i] *= beta;
        return;
    }
    if (npw == 0)
        return;
    if (!b->real) {
        const double complex one = 1.0, bb = beta;
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, npw, ny, nx, &one, x, npw, c, ldc, &bb, y, npw);
        return;
    }
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++)
            cr[(size_t)j * nx + i] = creal(c[(size_t)j * ldc + i]);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, 2 * npw, ny, nx, 1.0, (const double *)x, 2 * npw, cr, nx,
                beta, (double *)y, 2 * npw);
}

void as_wf_combine(const as_basis *b, int nx, const double complex *x, const double complex *c, int ldc, int ny,
                   double beta, double complex *y, double *cr)
{
    as_clock_start(AS_CLK_SUBSPACE);
    as_wf_combine_body(b, nx, x, c, ldc, ny, beta, y, cr);
    as_clock_stop(AS_CLK_SUBSPACE);
}

double as_wf_norm2(const as_basis *b, const double complex *x)
{
    double s = 0.0;
    for (int g = 0; g < b->npw; g++)
        s += as_wf_weight(b, g) * creal(x[g] * conj(x[g]));
    int np = 1;
    MPI_Comm_size(b->comm, &np);
    if (np > 1)
        MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_SUM, b->comm);
    return s;
}

void as_wf_norm2_many(const as_basis *b, int n, const double complex *x, double *out)
{
    for (int j = 0; j < n; j++) {
        const double complex *c = x + (size_t)j * b->npw;
        double s = 0.0;
        for (int g = 0; g < b->npw; g++)
            s += as_wf_weight(b, g) * creal(c[g] * conj(c[g]));
        out[j] = s;
    }
    int np = 1;
    MPI_Comm_size(b->comm, &np);
    if (np > 1 && n > 0)
        MPI_Allreduce(MPI_IN_PLACE, out, n, MPI_DOUBLE, MPI_SUM, b->comm);
}

int as_wf_orthonormalize(const as_basis *b, int nb, double complex *psi, as_error *err)
{
    double complex *s = malloc((size_t)nb * nb * sizeof *s);
    double *w = malloc((size_t)nb * nb * sizeof *w);
    if (!s || !w) {
        free(s), free(w);
        return as_error_nomem(err, "overlap", (size_t)nb * nb * 24);
    }
    as_wf_overlap(b, nb, psi, nb, psi, s, nb, w);
    if (LAPACKE_zpotrf(LAPACK_COL_MAJOR, 'U', nb, s, nb) != 0) {
        free(s), free(w);
        return as_error_set(err, AS_EINTERNAL, "wavefunctions are linearly dependent (Cholesky failed)");
    }
    /* psi <- psi U^{-1}: with U real in the Gamma layout the product stays real-structured. */
    if (LAPACKE_ztrtri(LAPACK_COL_MAJOR, 'U', 'N', nb, s, nb) != 0) {
        free(s), free(w);
        return as_error_set(err, AS_EINTERNAL, "overlap matrix could not be inverted");
    }
    for (int j = 0; j < nb; j++)
        for (int i = j + 1; i < nb; i++)
            s[(size_t)j * nb + i] = 0.0;
    double complex *t = malloc((size_t)b->npw * nb * sizeof *t);
    if (!t) {
        free(s), free(w);
        return as_error_nomem(err, "orthonormalisation", (size_t)b->npw * nb * 16);
    }
    as_wf_combine(b, nb, psi, s, nb, nb, 0.0, t, w);
    memcpy(psi, t, (size_t)b->npw * nb * sizeof *t);
    free(t);
    free(s);
    free(w);
    return AS_OK;
}
