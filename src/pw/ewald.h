/* Ion-ion (Ewald) energy, forces and stress of point charges Z_a in a neutralising
 * background.  Energy includes the G = 0 background term -pi (sum Z)^2 / (2 Omega eta^2)
 * and the self term, so the result does not depend on the splitting eta. */
#ifndef AS_PW_EWALD_H
#define AS_PW_EWALD_H

#include "core/error.h"

/* lat: rows, bohr; frac: fractional positions; zion per atom.  forces (natoms x 3,
 * Ha/bohr) and stress (3x3, Ha/bohr^3, sigma = -(1/Omega) dE/d(strain)) may be NULL.
 * eta <= 0 picks a balanced splitting. */
int as_ewald(const double lat[3][3], int natoms, const double (*frac)[3], const double *zion, double eta,
             double *energy, double (*forces)[3], double stress[3][3], as_error *err);

#endif
