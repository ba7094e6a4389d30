/* Merging configurations after the prerelaxation (docs/scan.md, "merging after the prerelaxation").
 *
 * Configurations started on different sites often fall into the same basin (the extra Br- of CsPbBr3:
 * all six sites end in i5's).  Once every configuration has finished its prerelaxation (the lower
 * cutoff, the looser fmax), two of one family whose prerelaxed structures are host-symmetry images of
 * each other, every atom within tol (crystal/match.h), are one minimum found twice: only the lower in
 * energy goes on to the corrected prerelaxation and the full cutoff; the other is `same as` it, without
 * energies of its own.  Energies play no part in the test: at the prerelaxation's fmax, configurations
 * of one basin still differ along its soft directions (on the bench deck, 3 meV at 0.05 eV/angstrom and
 * up to 240 meV at 0.15).  The decision depends
 * only on the prerelaxations' results, so it is the same on any number of ranks and after a restart. */
#ifndef AS_SCAN_MERGE_H
#define AS_SCAN_MERGE_H

#include "core/error.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"

typedef struct as_scan_merge_item {
    const char *family;    /* only configurations of one family are compared (scan/config.h) */
    double energy;         /* Ha: the prerelaxation's final energy */
    const as_structure *s; /* its final structure; NULL: not a candidate (no converged prerelaxation) */
    int fixed;             /* already finished: never merged into another (it may take others) */
} as_scan_merge_item;

/* Greedy, lowest energy first (ties: the lower index): each candidate is merged into the first
 * lower-energy representative of its family that it matches under sym within tol (bohr), else it is a
 * representative itself.  into[i]: the representative's index, or -1; dev[i] (may be NULL): the largest
 * atom deviation of the match (bohr), or -1.  Returns AS_OK, or an error (memory). */
int as_scan_merge(const as_scan_merge_item *item, int n, const as_symmetry *sym, double tol, int *into, double *dev,
                  as_error *err);

#endif
