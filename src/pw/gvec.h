/* Reciprocal-space sets: the density sphere |G|^2/2 <= 4 ecut (G-vectors of the
 * density and potentials) and, per k-point, the plane-wave basis |k+G|^2/2 <= ecut.
 * Both keep their Miller indices and their place in the FFT box, so the FFT and
 * the coefficient arrays can later be distributed without changing callers. */
#ifndef AS_PW_GVEC_H
#define AS_PW_GVEC_H

#include <stddef.h>

#include "core/error.h"
#include "pw/fft.h"

typedef struct as_gvecs {
    int ng;
    int (*mill)[3];
    double (*g)[3];   /* cartesian, bohr^-1 */
    double *g2;       /* |G|^2 */
    size_t *box;      /* index in the FFT box */
    int *minus;       /* index of -G in this list (the sphere is inversion symmetric) */
    int ig0;          /* index of G = 0 */
    double gcut2;     /* |G|^2 cutoff = 8 ecut */
} as_gvecs;

/* FFT sizes for the density sphere of cutoff ecut (QE's rule: the smallest size with prime
 * factors 2, 3, 5 that is >= 2 max|m_i| + 1 and a multiple of fact[i], fact being what makes
 * the grid commensurate with the fractional translations; fact may be NULL). */
void as_gvecs_grid_size(const double lat[3][3], double ecut, const int fact[3], int n[3]);

/* The density sphere for cutoff ecut on FFT box f, sorted by |G|^2 then Miller index. */
as_gvecs *as_gvecs_create(const double lat[3][3], double ecut, const as_fft *f, as_error *err);
void as_gvecs_destroy(as_gvecs *g);

/* The plane-wave basis at one k-point.
 * Gamma-point layout (gamma = 1, only for k = 0): wavefunctions are real in space, so
 * c(-G) = conj(c(G)) and only half the sphere is stored: G = 0 first (its coefficient
 * real), then one G of every +-G pair.  box_minus gives -G's place in the FFT box.
 * Inner products then count every stored G != 0 twice (pw/wfblas.h does this). */
typedef struct as_basis {
    double kfrac[3];  /* k in reciprocal-lattice (fractional) coordinates */
    double kcart[3];
    int gamma;        /* half-sphere real-wavefunction layout */
    int npw;          /* stored coefficients */
    int (*mill)[3];
    double (*kpg)[3]; /* k+G cartesian */
    double *ekin;     /* |k+G|^2 / 2 */
    size_t *box;      /* index in the FFT box */
    size_t *box_minus; /* gamma only: index of -G in the FFT box */
} as_basis;

/* gamma: use the half-sphere layout (kfrac must be 0). */
as_basis *as_basis_create(const double lat[3][3], const double kfrac[3], double ecut, const as_fft *f, int gamma,
                          as_error *err);
void as_basis_destroy(as_basis *b);

#endif
