/* Block Davidson eigensolver for the lowest nbnd eigenpairs of H at one k-point, in the
 * manner of pw.x's cegterg: corrections from preconditioned residuals of the unconverged
 * bands, a subspace of up to nvec_factor*nbnd vectors, restart on the current Ritz
 * vectors, subspace problems through LAPACK (zhegvx, or dsygvx in the Gamma layout where
 * they are real) with a canonical-orthogonalisation fallback when the overlap matrix is
 * ill-conditioned.  Block algebra goes through pw/wfblas.h, so both layouts share this code. */
#ifndef AS_PW_DAVIDSON_H
#define AS_PW_DAVIDSON_H

#include <complex.h>

#include "core/error.h"
#include "pw/ham.h"

typedef struct as_david_opts {
    double ethr;       /* eigenvalue change that counts as converged, Ha */
    double ethr_empty; /* the same for bands outside [tight_lo, ntight) */
    int tight_lo;      /* first band converged to ethr (0: all bands below ntight) */
    int ntight;        /* bands below this (from tight_lo) are converged to ethr */
    int maxiter;       /* Davidson iterations */
    int nvec_factor;   /* subspace size / nbnd (>= 2) */
    int first_open;    /* bands below it enter converged (psi already solved them in this potential) */
} as_david_opts;

typedef struct as_david_stats {
    int iterations;
    int nhpsi;   /* H applications (bands) */
    int notconv; /* bands not converged at exit */
    int fallbacks;
} as_david_stats;

/* psi (npw x nbnd) holds the starting vectors and receives the eigenvectors; eig the values. */
int as_davidson(const as_ham *h, int nbnd, double complex *psi, double *eig, const as_david_opts *o,
                as_david_stats *st, as_error *err);

/* Rayleigh-Ritz in the span of the nvec vectors v (npw x nvec, need not be orthonormal): the
 * lowest nb <= nvec Ritz vectors into psi (npw x nb), their values into eig. */
int as_rayleigh_ritz(const as_ham *h, int nvec, const double complex *v, int nb, double complex *psi, double *eig,
                     as_error *err);

#endif
