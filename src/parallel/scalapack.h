/* Distributed dense eigensolver for the Davidson subspace problem (ScaLAPACK on a BLACS grid
 * over a pool's plane-wave group).  The subspace matrices are replicated on every rank after
 * their reductions, so distributing them is a local copy of each rank's block-cyclic blocks;
 * the eigenvectors come back replicated through one all-reduce.  Used when the subspace is
 * large enough (n >= min_n) for the O(n^3) work to matter; smaller problems are solved by
 * LAPACK on every rank, which is faster below a few hundred. */
#ifndef AS_PARALLEL_SCALAPACK_H
#define AS_PARALLEL_SCALAPACK_H

#include <complex.h>
#include <mpi.h>

#include "core/error.h"

typedef struct as_blacs {
    MPI_Comm comm;
    int size;
    int sys, ctxt, nprow, npcol, myrow, mycol;
    int nb;       /* block size */
    int min_n;    /* smallest subspace solved here */
} as_blacs;

/* A grid as square as possible over comm (NULL for a single rank). */
as_blacs *as_blacs_create(MPI_Comm comm, as_error *err);
void as_blacs_destroy(as_blacs *b);

/* Lowest nev eigenpairs of the generalised Hermitian (real: symmetric, imaginary parts zero)
 * problem A z = w B z, n x n, replicated on every rank (column-major, leading dimension ld).
 * z (n x nev, leading dimension ld) is replicated on return.  Returns 0, or -1 on failure
 * (B not positive definite, no convergence) so the caller can fall back. */
int as_blacs_eig(const as_blacs *b, int real, int n, const double complex *a, const double complex *bm, int ld,
                 int nev, double *w, double complex *z);

#endif
