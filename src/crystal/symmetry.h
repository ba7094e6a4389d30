/* Space-group symmetry of a structure, through spglib.
 * Operations act on fractional coordinates: x' = R x + t (mod 1). */
#ifndef AS_CRYSTAL_SYMMETRY_H
#define AS_CRYSTAL_SYMMETRY_H

#include "core/error.h"
#include "crystal/structure.h"

/* Default tolerance: 1e-3 angstrom in bohr (experimental CIFs give 3-4 decimals). */
#define AS_SYMPREC_DEFAULT 1.889726e-3

typedef struct as_symmetry {
    int number;                /* space-group number, 1..230 */
    char international[16];    /* "Pnma" */
    char hall[24];
    char pointgroup[8];
    int nops;
    int (*rot)[3][3];          /* rotations, fractional */
    double (*trans)[3];        /* translations, fractional */
    int natoms;
    int *equivalent;           /* representative atom index of each atom's orbit */
    char *wyckoff;             /* Wyckoff letter per atom */
    char (*site_symmetry)[8];  /* site-symmetry symbol per atom (oriented, spglib's) */
    double symprec;            /* bohr */
} as_symmetry;

/* Larger |lattice component| (bohr) or |fractional coordinate| is refused before spglib (which crashes on
 * non-finite or absurd values); 1e5 bohr is 5 micrometres, far beyond any cell a DFT code treats. */
#define AS_SYMMETRY_MAX_BOHR 1e5

/* symprec in bohr (<= 0: default); a non-finite or absurd cell or position is AS_EINPUT. */
as_symmetry *as_symmetry_create(const as_structure *s, double symprec, as_error *err);
void as_symmetry_destroy(as_symmetry *sym);

/* Apply operation op to a fractional point. */
void as_symmetry_apply(const as_symmetry *sym, int op, const double x[3], double y[3]);

/* map[a] = the atom that operation op takes atom a to (periodic match within symprec);
 * returns -1 if some atom has no image (the structure changed since sym was made). */
int as_symmetry_atom_map(const as_symmetry *sym, const as_structure *s, int op, int *map);

/* The operation's rotation in cartesian coordinates: r' = Rc r (+ translation). */
void as_symmetry_cart_rotation(const as_symmetry *sym, const as_structure *s, int op, double rc[3][3]);

/* Symmetrise per-atom vectors (forces) and a 3x3 tensor (stress) with the space group:
 * v_sym(op(a)) = (1/N) sum_op Rc v(a); t_sym = (1/N) sum_op Rc t Rc^T.  Either may be NULL. */
int as_symmetry_symmetrize(const as_symmetry *sym, const as_structure *s, double (*v)[3], double t[3][3],
                           as_error *err);

/* Number of distinct orbits (irreducible atoms). */
int as_symmetry_norbits(const as_symmetry *sym);

/* Print the run-header block: space group, operations, Wyckoff letters per orbit. */
void as_symmetry_print(const as_symmetry *sym, const as_structure *s);

#endif
