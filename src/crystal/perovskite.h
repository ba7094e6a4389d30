/* CsPbX3 host cells built from Wyckoff positions.
 *
 *   Pnma (No. 62, standard setting, Hall 292), 20 atoms, atom order:
 *     Pb 4b, Cs 4c, X1 4c (apical), X2 8d (equatorial)
 *   Pm-3m (No. 221, Hall 517), 5 atoms: Cs 1a, Pb 1b, X 3c
 *
 * Default geometries (shared/reference/structures/README.md):
 *   CsPbBr3 Pnma   ICSD 97851 (a 8.255, b 11.759, c 8.207 angstrom)
 *   CsPbI3  Pnma   gamma-CsPbI3, Sutton et al., ACS Energy Lett. 3, 1787 (2018)
 *   everything else (CsPbCl3, any mix) Pnma: the bromide cell scaled by Vegard's
 *     rule, see as_perovskite_vegard_a().
 *   cubic: a from as_perovskite_vegard_a() (pure compounds: the experimental a).
 * A deck `lattice` (a b c) replaces the cell and keeps the fractional coordinates.
 *
 * The builders return the PURE host: every halide site carries the majority halide
 * of the composition (as_composition_major).  A mixed composition is realised on
 * that host (after any supercell) by crystal/substitution.h. */
#ifndef AS_CRYSTAL_PEROVSKITE_H
#define AS_CRYSTAL_PEROVSKITE_H

#include "core/error.h"
#include "crystal/composition.h"
#include "crystal/structure.h"

typedef enum { AS_PEROVSKITE_PNMA, AS_PEROVSKITE_CUBIC } as_perovskite_phase;

#define AS_HALL_PNMA 292  /* spglib Hall number of Pnma, standard setting "-P 2ac 2n" */
#define AS_HALL_PM3M 517  /* spglib Hall number of Pm-3m "-P 4 2 3" */

/* Experimental cubic lattice constant (angstrom) of pure CsPbX3, X = AS_HALIDE_*:
 * Cl 5.605, Br 5.874 (425 K), I 6.289 (634 K). */
double as_perovskite_cubic_a_pure(int halide);

/* Vegard's rule: a(mix) = sum_h (x_h / 3) a_h over the pure cubic constants (angstrom). */
double as_perovskite_vegard_a(const as_composition *c);

/* Default lattice constants a b c (angstrom) of the phase for the composition. */
void as_perovskite_default_abc(const as_composition *c, as_perovskite_phase phase, double abc_ang[3]);

/* A short text saying where the default cell comes from ("ICSD 97851", "Vegard ..."). */
const char *as_perovskite_source(const as_composition *c, as_perovskite_phase phase);

/* Build the pure host (see above).  abc_bohr: a b c in bohr, or NULL for the default. */
as_structure *as_perovskite_build(const as_composition *c, as_perovskite_phase phase, const double *abc_bohr,
                                  as_error *err);

#endif
