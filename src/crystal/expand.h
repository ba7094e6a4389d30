/* Expansion of an asymmetric unit by space-group operations: the step shared by
 * the CsPbX3 builders (Wyckoff positions) and the CIF reader (symmetry loops).
 * Operations act on fractional coordinates, x' = R x + t (mod 1). */
#ifndef AS_CRYSTAL_EXPAND_H
#define AS_CRYSTAL_EXPAND_H

#include "core/error.h"
#include "crystal/structure.h"

/* Images closer than this are one atom (a site on a special position maps onto
 * itself); 0.02 angstrom, well above the rounding of 4-5 decimal CIF coordinates. */
#define AS_EXPAND_TOL_BOHR (0.02 / 0.529177210903)

/* At most this many sites x operations (each image is compared with every atom kept: quadratic work), and at
 * most AS_SUPERCELL_MAX_ATOMS atoms in the result; more is an AS_EINPUT error. */
#define AS_EXPAND_MAX_CANDIDATES 100000

/* Expand sites (z[i], frac[i]) with nops operations.  Atoms come out site by site,
 * each site's images in operation order (first occurrence kept), wrapped into
 * [0, 1).  Images of one site closer than tol_bohr merge silently; images of two
 * different sites of the same element merge with a warning (a file that lists an
 * atom twice); different elements on one position are an AS_EINPUT error naming
 * both sites (1-based, with labels if given: partial occupancy is not supported).
 * site_of_atom (optional) receives a malloc'd array: the site index of each atom. */
as_structure *as_structure_expand(const double lattice[3][3], int nsites, const int *z, const double (*frac)[3],
                                  const char *const *labels, int nops, const int (*rot)[3][3],
                                  const double (*trans)[3], double tol_bohr, int **site_of_atom, as_error *err);

/* The operations of a space group in spglib's database, by Hall number (e.g. 292 =
 * Pnma standard setting, 517 = Pm-3m).  *rot and *trans are malloc'd; returns the
 * number of operations, or 0 with err set. */
int as_spacegroup_operations(int hall_number, int (**rot)[3][3], double (**trans)[3], as_error *err);

#endif
