/* Supercells from an integer matrix.
 * Rows of m are the new lattice vectors in units of the old ones:
 *   A'_i = sum_j m[i][j] A_j   (lattice rows),  so  lattice' = m . lattice.
 * Any non-singular m with a positive determinant is accepted (det < 0 would flip
 * the handedness; swap two rows instead). */
#ifndef AS_CRYSTAL_SUPERCELL_H
#define AS_CRYSTAL_SUPERCELL_H

#include "core/error.h"
#include "crystal/structure.h"

/* Integer determinant of m. */
long as_supercell_det(const int m[3][3]);

/* Largest supercell built, in atoms: far beyond what a plane-wave calculation can treat, and small enough
 * that the pairwise checks after it (shortest distance, duplicates) end in seconds, not hours. */
#define AS_SUPERCELL_MAX_ATOMS 5000

/* The supercell: det(m) * natoms atoms (at most AS_SUPERCELL_MAX_ATOMS).  Order is deterministic: atom by atom of
 * the original structure, and for each atom its images by lattice translation
 * (t1, t2, t3) in lexicographic order, every position wrapped into [0, 1).
 * image_of (optional) receives a malloc'd array: the original atom of each atom. */
as_structure *as_supercell_build(const as_structure *s, const int m[3][3], int **image_of, as_error *err);

/* Whether m is the identity. */
int as_supercell_is_identity(const int m[3][3]);

#endif
