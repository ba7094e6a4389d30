/* Structure matching in one fixed host cell: is configuration b a symmetry image of configuration a?
 *
 * After relaxation two configurations of a scan may be the same structure up to an operation of the host's
 * space group (including the pure translations of a supercell), and a Frenkel interstitial may fall back into
 * its vacancy so that the final structure is the host itself.  Both structures live in the same lattice (the
 * scan never changes the cell); atom order may differ.
 *
 * A match: some operation g = (R, t) maps every atom of a onto a distinct atom of b of the same element within
 * tol (periodic).  Tried for every operation of sym (NULL: the identity only): its own translation t, and
 * every translation that puts one chosen atom a0 of a's rarest species exactly on an atom of b of that species,
 * b_j - R a0.  Any match must take a0 to some such b_j, so these cover every lattice translation and every
 * translation sym lacks (a shifted copy matches with sym = NULL); the operation's own t is tried first because
 * the anchored one carries a0's noise into every other atom.  Each anchored translation is also tried moved
 * by the mean displacement of all the rare species' atoms from their nearest partners, which averages that
 * noise out (a relaxed structure 0.28 angstrom from a host image at the best translation is 0.32 angstrom
 * from it at an anchored one).
 *
 * Atoms are paired greedily, each atom of a with the nearest free atom of b within tol.  This finds the
 * matching whenever tol is below half the shortest interatomic distance of b (then at most one atom of b lies
 * within tol of any point); with a larger tol it can miss a match (never report a false one).
 *
 * Cost per pair: at most nops + 2 nrot * n_rare candidate operations (nrot distinct rotations), each O(natoms)
 * through a grid of b's atoms (O(natoms^2) only when tol exceeds half a lattice plane spacing).  A candidate
 * stops at the first atom of a without a partner, which is tried first in the next candidate (in a defect cell
 * most operations pair the host atoms and fail only at the defect), and once its squared deviations exceed the
 * best match's.  320 atoms, 128 operations: ~0.4 ms for a pair that does not match (measured before the mean
 * translations were added; they at most double it). */
#ifndef AS_CRYSTAL_MATCH_H
#define AS_CRYSTAL_MATCH_H

#include "core/error.h"
#include "core/units.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"

/* Default tolerance on each atom's deviation: 0.3 angstrom.  The rattle noise left in a relaxed structure is
 * ~0.01-0.05 angstrom, distinct interstitial sites are more than 1 angstrom apart, and the shortest bonds in
 * CsPbX3 (Pb-X ~2.8-3.2 angstrom) are far above twice this, so the greedy pairing is exact. */
#define AS_MATCH_TOL_ANG 0.3
#define AS_MATCH_TOL (AS_MATCH_TOL_ANG * AS_ANG_BOHR) /* bohr */

/* The two lattices are "the same" when every component of their vectors agrees within this fraction of the
 * longest vector: CIF round-off (6+ significant digits) passes, a relaxed or different cell does not.  Even
 * at this limit an atom moves by less than 1e-4 bohr. */
#define AS_MATCH_LATTICE_RTOL 1e-5

/* Whether b is a symmetry image of a (see above).  sym: the host's space group (its operations act on the
 * fractional coordinates of the shared lattice), or NULL for the identity only.  tol: bohr, <= 0 for
 * AS_MATCH_TOL.  Different lattices, atom counts or compositions never match.
 * Returns 1 (match), 0 (no match), or -1 with err set (AS_ENOMEM) if the work arrays cannot be allocated.
 * On a match: *op the operation whose rotation gave the best match (index into sym; -1 for the identity when
 * sym is NULL; its translation may have been replaced by an anchored one), *rms and *maxdev the rms and the
 * largest atom deviation (bohr) of the best match (least rms) over all candidates.  On no match: *op = -1,
 * *rms = *maxdev = -1.  op, rms, maxdev and err may be NULL. */
int as_match_structures(const as_structure *a, const as_structure *b, const as_symmetry *sym, double tol, int *op,
                        double *rms, double *maxdev, as_error *err);

/* How many distinct images of s the operations of sym make: sym's order over the number of its operations that
 * map s onto itself (any translation allowed, each atom within tol bohr; <= 0 for AS_MATCH_TOL).  For a
 * configuration in a fixed host cell this is its multiplicity, the number of equivalent copies in the cell:
 * an interstitial that kept the symmetry of its Wyckoff site has that site's multiplicity, one that left a
 * mirror plane twice as many.  With tol = the tolerance of as_match_structures' "same" test, images that test
 * would call the same count once.  When the operations within tol do not quite form a group (a structure on
 * the edge of tol) the ratio is rounded.  1 when sym is NULL; -1 with err set if memory runs out. */
int as_match_image_count(const as_structure *s, const as_symmetry *sym, double tol, as_error *err);

/* Whether two lattices (rows, bohr) are the same within AS_MATCH_LATTICE_RTOL of the longer vector: the test
 * as_match_structures makes before comparing atoms. */
int as_match_same_lattice(const double p[3][3], const double q[3][3]);

#endif
