/* Density symmetrisation in reciprocal space with the space group {R|t}:
 * rho_sym(m) = (1/N_ops) sum_ops rho((R^T)^{-1} m) exp(2 pi i ((R^T)^{-1} m) . t),
 * m a Miller index of the density sphere (the sphere is closed under the group). */
#ifndef AS_PW_SYMMETRIZE_H
#define AS_PW_SYMMETRIZE_H

#include <complex.h>
#include <mpi.h>

#include "core/error.h"
#include "crystal/symmetry.h"
#include "pw/gvec.h"

typedef struct as_symmetrizer {
    int nops, ng, ng_global;
    int *map;              /* nops x ng (local G): global index of (R^T)^{-1} m */
    signed char *phase12;  /* nops x ng: the phase as exp(2 pi i p/12) (crystallographic translations
                              are multiples of 1/12), or -1 when phase holds it */
    double complex *phase; /* nops x ng, only for translations that are not multiples of 1/12 */
    MPI_Comm comm;         /* plane-wave group; the sphere is gathered across it */
    int nproc;
    int *counts, *displs;  /* G-vectors per rank, for the gather */
    double complex *all;   /* ng_global work */
} as_symmetrizer;

/* Precompute the maps; an operation that maps the sphere outside itself is an error
 * (the cell and its symmetry disagree). */
/* Per direction, the least common multiple of the denominators of the fractional
 * translations (1, 2, 3, 4 or 6): an FFT grid divisible by it maps onto itself under
 * every operation. */
void as_symmetry_fft_factors(const as_symmetry *sym, int fact[3]);

as_symmetrizer *as_symmetrizer_create(const as_symmetry *sym, const as_gvecs *gv, const as_fft *fft,
                                      as_error *err);
void as_symmetrizer_destroy(as_symmetrizer *s);

/* In place on this rank's ng coefficients (work: unused, kept for the callers' convenience). */
void as_symmetrize(const as_symmetrizer *s, double complex *rho_g, double complex *work);

#endif
