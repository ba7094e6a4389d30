/* Classification after relaxation, because interstitials move (docs/scan.md):
 *   recombined  a Frenkel interstitial fell back into a vacancy: the final structure matches the
 *               relaxed host atom for atom (crystal/match.h, tolerance AS_MATCH_TOL_ANG), or a twin
 *               of it: the host turned by an operation of the lattice (within AS_SCAN_TWIN_STRAIN)
 *               that the host's space group lacks, e.g. a <-> c in Pnma with a ~ c, where the
 *               octahedral tilts took the other orientation while the pair recombined (detail says so),
 *               or its vacancy refilled with the lattice in another arrangement (within
 *               AS_SCAN_REFILL_TOL_ANG of the host; detail says so);
 *   moved       the interstitial ended nearer another site's orbit than its own (within the
 *               sites' cluster tolerance): "moved to iN";
 *   same        the final structure is a host-symmetry image of a lower-energy configuration of
 *               its family and the energies agree within same_energy: "same as NAME";
 *   ok          otherwise.  Failed configurations keep their class and reason.
 * An ok or moved record that is not a host-symmetry image of a lower-energy one of its family but is one under
 * the lattice's operations within AS_SCAN_TWIN_STRAIN (as_scan_twin_operations) gets twin_of = that one's name:
 * the same arrangement in the cell's other orientation (a <-> c of Pnma with a ~ c), which the strain of the
 * cell makes a configuration of its own, with its own energy and gap (docs/ranking.md; the tight bench deck's
 * Br_i3_q-1 and Br_i6_q-1, 1.5 meV and 12.6 meV in the gap apart).
 * The multiplicity of an ok or moved record (its Boltzmann weight) becomes the number of distinct images of its
 * final structure under the host's operations (as_match_image_count, tolerance AS_MATCH_TOL_ANG): the copies of
 * the configuration it ended as.  The planned one counts the copies of the starting one, which for a moved
 * interstitial is another site's orbit, and for one that left its site's mirror plane half the copies.
 * A rigid drift of the whole cell during the relaxation is removed from final[] first (the mean
 * displacement of the atoms that are not the interstitial).  The interstitial in a final structure is the atom of its species farthest from every host site
 * of that species (after a kick-out it is not the atom that was placed). */
#ifndef AS_SCAN_CLASSIFY_H
#define AS_SCAN_CLASSIFY_H

#include "core/error.h"
#include "crystal/sites.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"
#include "scan/config.h"
#include "scan/record.h"

/* rec[i] and final[i] (NULL for failed ones) for the configurations cfg[i]; host, sym and sites of
 * the relaxed host; cluster_tol (bohr) for the basins, same_energy (Ha). */
int as_scan_classify(as_scan_record *rec, as_structure **final, const as_scan_config *cfg, int n,
                     const as_structure *host, const as_symmetry *sym, const as_sites *sites, double cluster_tol,
                     double same_energy, as_error *err);

/* A Frenkel pair has recombined once its vacancy is refilled: after the rigid drift is removed, every
 * atom lies within AS_SCAN_REFILL_TOL_ANG of a distinct host atom of its element, so no atom is between
 * lattice sites any more.  1 angstrom is below half the distance the sites algorithm keeps between an
 * interstitial site and a lattice anion (0.6 x (r + r) with Shannon radii: 2.35 angstrom for Br-,
 * 2.2 for Cl-), so such an atom is nearer its lattice site than any interstitial site; and below half
 * the shortest bond of CsPbX3 (Pb-X ~2.8 angstrom), so the matcher's pairing stays exact
 * (crystal/match.h).  What is left of such a relaxation is the host's octahedra settling back (tens of
 * steps on the bench deck: Br_i2_v14 took 72 steps at 10 Ha, the last 19 of them within 1 angstrom).
 * as_scan_classify calls a final structure within AS_MATCH_TOL_ANG of the host (or of a twin) the
 * host itself, and one only within this tolerance `recombined` into another arrangement of the
 * lattice, with its own energy. */
#define AS_SCAN_REFILL_TOL_ANG 1.0

/* Whether s, a structure of the Frenkel configuration c (atoms in the host's order), has recombined:
 * its vacancy refilled (AS_SCAN_REFILL_TOL_ANG; the relaxation's watch).  1 yes, 0 no, < 0 an error
 * (err). */
int as_scan_is_recombined(const as_structure *s, const as_scan_config *c, const as_structure *host, as_error *err);

/* Twins: the operations that map the host's lattice onto itself within this strain (1 %, a fraction of
 * the shortest lattice vector as spglib's distance tolerance).  A Pnma cell with a ~ c (CsPbBr3: 8.255
 * and 8.207 angstrom, 0.6 %) has a <-> c among them; its space group does not.  Twins are told apart
 * from the host only at classification; the relaxation's watch (as_scan_is_recombined) asks only
 * whether the vacancy is refilled, which a twin within AS_SCAN_REFILL_TOL_ANG of the host also is. */
#define AS_SCAN_TWIN_STRAIN 0.01

/* The lattice's operations within AS_SCAN_TWIN_STRAIN (spglib on one atom in host's lattice). */
as_symmetry *as_scan_twin_operations(const as_structure *host, as_error *err);

/* The interstitial of species z in s: the index of the atom farthest from every z site of host. */
int as_scan_find_interstitial(const as_structure *s, const as_structure *host, int z);

#endif
