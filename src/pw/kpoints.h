/* k-point sets: Monkhorst-Pack meshes (k = (i + s/2)/n along each reciprocal vector,
 * i = 0..n-1, the convention of QE's `K_POINTS automatic n1 n2 n3 s1 s2 s3`) reduced
 * with spglib's operations and time reversal, Gamma only, or explicit lists. */
#ifndef AS_PW_KPOINTS_H
#define AS_PW_KPOINTS_H

#include "core/error.h"
#include "crystal/structure.h"

typedef struct as_kpoints {
    int nk;
    double (*k)[3];   /* fractional (reciprocal-lattice) coordinates */
    double *w;        /* weights, summing to 1 */
    char (*label)[8]; /* names of special points, "" otherwise */
    int mesh[3], shift[3];
    int nfull;        /* points of the full mesh */
} as_kpoints;

/* Mesh reduced by the crystal's symmetry (use_symmetry) and time reversal. */
as_kpoints *as_kpoints_mesh(const as_structure *s, const int mesh[3], const int shift[3], int use_symmetry,
                            double symprec, as_error *err);
/* Explicit points with equal weights. */
as_kpoints *as_kpoints_list(int nk, const double (*k)[3], as_error *err);
void as_kpoints_destroy(as_kpoints *kp);

/* The eight time-reversal-invariant points (k_i in {0, 1/2}), named for orthorhombic
 * and cubic cells (G, X, Y, Z, S, U, T, R; cubic: G, X, M, R).  Band edges of CsPbX3 lie on them. */
as_kpoints *as_kpoints_special(const as_structure *s, as_error *err);

/* Whether k1 and k2 are the same point modulo a reciprocal lattice vector. */
int as_kpoint_equal(const double k1[3], const double k2[3]);

#endif
