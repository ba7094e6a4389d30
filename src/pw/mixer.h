/* Density mixing: Pulay/Anderson (DIIS on input densities and residuals, the form of
 * Kresse & Furthmueller, Comput. Mater. Sci. 6, 15 (1996)) with a Kerker preconditioner
 * P(G) = beta G^2 / (G^2 + q0^2), in a Hartree metric 4 pi / G^2 (QE's rho_ddot).
 * Works on the sphere coefficients of (total density[, magnetisation]). */
#ifndef AS_PW_MIXER_H
#define AS_PW_MIXER_H

#include <complex.h>
#include <mpi.h>

#include "core/error.h"

typedef struct as_mixer {
    int n;                 /* complex entries per vector (ng * ncomp) */
    int nhist, nstored;    /* history length, differences stored */
    int steps;             /* mixing steps done */
    double *metric;        /* per entry: 4 pi / G^2 * Omega/2 (Hartree energy weight), 0 at G = 0 */
    double *precond;       /* per entry: P(G) */
    double complex *xprev, *fprev; /* last input and residual */
    float complex *dx, *df;        /* nhist x n differences, newest last; single precision: they only
                                      steer the iteration, the fixed point rho_out = rho_in does not
                                      depend on them */
    MPI_Comm comm;                 /* the plane-wave group over which G is distributed */
} as_mixer;

/* g2: |G|^2 per sphere entry (ng), ncomp = 1 (density) or 2 (density, magnetisation). */
as_mixer *as_mixer_create(int ng, int ncomp, const double *g2, double omega, double beta, double q0, int nhist,
                          MPI_Comm comm, as_error *err);
void as_mixer_destroy(as_mixer *m);

/* Residual norm in the Hartree metric (Ha): QE's "estimated scf accuracy" / 2. */
double as_mixer_norm(const as_mixer *m, const double complex *f);

/* x_in <- next input, given this step's input x_in and output x_out. */
int as_mixer_mix(as_mixer *m, double complex *x_in, const double complex *x_out, as_error *err);

#endif
