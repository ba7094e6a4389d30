/* Block linear algebra on wavefunction coefficients, aware of the basis layout: general
 * k-points use complex GEMMs over the full sphere; the real layout (half sphere, real
 * wavefunctions, at time-reversal-invariant k) uses real GEMMs on the coefficients viewed as
 * (re, im) pairs, counting every pair twice and a self-paired G = 0 once.  Everything that takes inner products or linear
 * combinations of bands (Davidson, projections, orthonormalisation) goes through here, so
 * there is one eigensolver and one nonlocal operator for both layouts. */
#ifndef AS_PW_WFBLAS_H
#define AS_PW_WFBLAS_H

#include <complex.h>

#include "core/error.h"
#include "pw/gvec.h"

/* S (nx x ny, leading dimension lds) = X^H Y, X and Y column-major npw x n.
 * Real layout: S is real (stored with zero imaginary parts).
 * work: nx*ny doubles of scratch (used by the real layout only; may be NULL otherwise). */
void as_wf_overlap(const as_basis *b, int nx, const double complex *x, int ny, const double complex *y,
                   double complex *s, int lds, double *work);

/* Y (npw x ny) = X (npw x nx) C (nx x ny, leading dimension ldc) + beta Y.
 * Real layout: only the real part of C is used (it must be real); work as above. */
void as_wf_combine(const as_basis *b, int nx, const double complex *x, const double complex *c, int ldc, int ny,
                   double beta, double complex *y, double *work);

/* <x|x> of one vector. */
double as_wf_norm2(const as_basis *b, const double complex *x);
/* The same for n vectors of npw (x, column after column) into out[n], with one reduction over the group. */
void as_wf_norm2_many(const as_basis *b, int n, const double complex *x, double *out);

/* Orthonormalise the columns of psi (Cholesky of the overlap). */
int as_wf_orthonormalize(const as_basis *b, int nb, double complex *psi, as_error *err);

/* Per-coefficient weight in sums over the full sphere: 2 in the real layout except for a
 * self-paired G = 0, else 1. */
static inline double as_wf_weight(const as_basis *b, int g) { return (b->real && !(b->self0 && g == 0)) ? 2.0 : 1.0; }

#endif
