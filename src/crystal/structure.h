/* A periodic crystal: lattice, atoms (atomic number + fractional position).
 * Lengths are bohr.  Lattice vectors are the ROWS of lattice[][]:
 * r_cart = sum_i frac[i] * lattice[i][:]  (the convention of spglib's transpose,
 * ASE's cell and QE's CELL_PARAMETERS). */
#ifndef AS_CRYSTAL_STRUCTURE_H
#define AS_CRYSTAL_STRUCTURE_H

#include "core/error.h"

typedef struct as_structure {
    double lattice[3][3]; /* rows a1, a2, a3, bohr */
    int natoms;
    int *z;               /* atomic number per atom (0 = dummy site) */
    double (*frac)[3];    /* fractional coordinates per atom */
} as_structure;

/* An empty structure with room for natoms (zeroed); NULL + err on failure. */
as_structure *as_structure_create(int natoms, as_error *err);
void as_structure_destroy(as_structure *s);
as_structure *as_structure_copy(const as_structure *s, as_error *err);

/* Append one atom (reallocates). */
int as_structure_add_atom(as_structure *s, int z, const double frac[3], as_error *err);

/* Cell volume in bohr^3 (signed determinant; positive for a right-handed cell). */
double as_lattice_volume(const double lat[3][3]);
/* Reciprocal vectors as rows, b_i . a_j = 2 pi delta_ij; returns 0, or -1 if singular. */
int as_lattice_reciprocal(const double lat[3][3], double rec[3][3]);
/* Inverse of the lattice matrix (rows) such that frac = cart * inv; -1 if singular. */
int as_lattice_inverse(const double lat[3][3], double inv[3][3]);

void as_frac_to_cart(const double lat[3][3], const double f[3], double c[3]);
void as_cart_to_frac(const double inv[3][3], const double c[3], double f[3]);

/* Map each fractional coordinate into [0, 1). */
void as_structure_wrap(as_structure *s);

/* Shortest periodic distance (bohr) between fractional points a and b. */
double as_periodic_distance(const double lat[3][3], const double a[3], const double b[3]);

/* Shortest interatomic distance (bohr) over all pairs and images; the pair in i, j. */
double as_structure_min_distance(const as_structure *s, int *i, int *j);

/* Checks every calculation relies on: a non-singular right- or left-handed cell,
 * known elements, no two atoms closer than min_dist_bohr.  The message names the
 * atoms (1-based, with symbols) and their distance in angstrom. */
int as_structure_validate(const as_structure *s, double min_dist_bohr, as_error *err);

/* Chemical formula in Hill-like order of first appearance, e.g. "Cs4Pb4Br12". */
void as_structure_formula(const as_structure *s, char *out, int n);

/* Count of atoms with atomic number z. */
int as_structure_count(const as_structure *s, int z);

#endif
