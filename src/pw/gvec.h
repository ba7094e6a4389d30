/* Reciprocal-space sets: the density sphere |G|^2/2 <= 4 ecut (G-vectors of the
 * density and potentials) and, per k-point, the plane-wave basis |k+G|^2/2 <= ecut.
 * Both keep their Miller indices and their place in an FFT stick buffer, so the FFT and
 * the coefficient arrays can be distributed without changing callers. */
#ifndef AS_PW_GVEC_H
#define AS_PW_GVEC_H

#include <complex.h>
#include <stddef.h>

#include "core/error.h"
#include "pw/fft.h"

typedef struct as_gvecs {
    int ng;           /* this rank's G-vectors (those in its sticks) */
    int ng_global;
    int (*mill)[3];
    double (*g)[3];   /* cartesian, bohr^-1 */
    double *g2;       /* |G|^2 */
    as_fft_sticks *st; /* the density sphere's FFT sticks (owned) */
    size_t *pos;      /* place of each G in st->gbuf */
    int *minus;       /* index of -G in this list (the sphere is inversion symmetric) */
    int ig0;          /* index of G = 0, -1 on the ranks that do not hold it */
    double gcut2;     /* |G|^2 cutoff = 8 ecut */
} as_gvecs;

/* FFT sizes for the density sphere of cutoff ecut (QE's rule: the smallest size with prime
 * factors 2, 3, 5 that is >= 2 max|m_i| + 1 and a multiple of fact[i], fact being what makes
 * the grid commensurate with the fractional translations; fact may be NULL). */
void as_gvecs_grid_size(const double lat[3][3], double ecut, const int fact[3], int n[3]);

/* The density sphere for cutoff ecut on grid f, sorted by |G|^2 then Miller index, with its sticks. */
as_gvecs *as_gvecs_create(const double lat[3][3], double ecut, as_fft *f, as_error *err);

/* Add to count (n0 x n1) the number of G-vectors of the sphere |k+G|^2 <= gcut2 in each z-column. */
int as_sphere_columns(const double lat[3][3], const double kfrac[3], double gcut2, const as_fft *f, int *count,
                      as_error *err);
void as_gvecs_destroy(as_gvecs *g);

/* The structure-factor phases e^{-2 pi i m.t} of a position t (fractional) for every G of the sphere, into out
 * (ng values): one table per axis and two products per G (pw.x's eigts1/2/3) instead of a sine and a cosine
 * per G. */
void as_gvecs_phases(const as_gvecs *gv, const double t[3], double complex *out);

/* The plane-wave basis at one k-point.
 * Real layout (real = 1): at a time-reversal-invariant point k = G0/2 (Gamma and the other
 * special points, every point of an even unshifted mesh) the Bloch functions can be chosen
 * real, so c(-G-G0) = conj(c(G)) and only half the sphere is stored: one G of every pair
 * (G, -G-G0).  At Gamma the pair of G = 0 is itself (self0: stored first, its coefficient
 * real).  pos_minus gives the partner's place in the FFT sticks.  Inner products count every
 * stored coefficient twice except a self-paired one (pw/wfblas.h does this). */
typedef struct as_basis {
    double kfrac[3];  /* k in reciprocal-lattice (fractional) coordinates */
    double kcart[3];
    MPI_Comm comm;    /* the plane-wave group over which the coefficients are distributed */
    int npw_global;   /* stored coefficients on all ranks of the group */
    int real;         /* half-sphere real-wavefunction layout */
    int self0;        /* real layout at k = 0: coefficient 0 (G = 0) is its own partner */
    int npw;          /* stored coefficients on this rank */
    int (*mill)[3];
    double (*kpg)[3]; /* k+G cartesian */
    double *ekin;     /* |k+G|^2 / 2 */
    size_t *pos;      /* place of each G in the wavefunction sticks' gbuf */
    size_t *pos_minus; /* real layout: place of the partner -G-G0 */
} as_basis;

/* Whether k is time-reversal invariant (2k a reciprocal-lattice vector). */
int as_kpoint_is_trim(const double kfrac[3]);
/* G0 = 2k (Miller indices) of a time-reversal-invariant k, and the partner -m - G0 of m in the
 * real layout. */
void as_kpoint_g0(const double kfrac[3], int g0[3]);
static inline void as_partner_mill(const int m[3], const int g0[3], int p[3])
{
    p[0] = -m[0] - g0[0], p[1] = -m[1] - g0[1], p[2] = -m[2] - g0[2];
}

/* real: use the half-sphere real layout (k must be time-reversal invariant).  Every column of
 * the sphere must be a stick of st (AS_EINTERNAL otherwise). */
as_basis *as_basis_create(const double lat[3][3], const double kfrac[3], double ecut, const as_fft_sticks *st,
                          int real, as_error *err);
void as_basis_destroy(as_basis *b);

#endif
