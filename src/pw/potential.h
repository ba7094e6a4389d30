/* The density-dependent energy terms and the local Kohn-Sham potential:
 * Hartree  E_H  = (Omega/2) sum_{G!=0} 4 pi |rho(G)|^2 / G^2,  V_H(G) = 4 pi rho(G)/G^2, V_H(0) = 0;
 * local    E_loc = Omega sum_G Re[rho*(G) V_loc(G)] (G = 0: the finite "alpha Z" part);
 * XC       through as_xc_eval.
 * v_r[s] = V_loc + V_H + V_xc,s on the FFT grid. */
#ifndef AS_PW_POTENTIAL_H
#define AS_PW_POTENTIAL_H

#include <complex.h>

#include "pw/disc.h"
#include "pw/model.h"

typedef struct as_energies {
    double kinetic, local, nonlocal, hartree, xc, ewald;
    double smearing;  /* -T S */
    double total;     /* free energy when smeared */
    double one_electron; /* kinetic + local + nonlocal (QE's "one-electron contribution") */
} as_energies;

/* rho_g: nspin*ng spin-channel coefficients; rho_r: nspin*ntot real values (work/output:
 * recomputed from rho_g).  v_r: nspin*ntot output, or NULL for the energies alone (cheaper: no
 * potential is built).  Fills e->local, e->hartree, e->xc. */
int as_potential(const as_model *m, const as_disc *d, const double complex *rho_g, double *rho_r, double *v_r,
                 as_energies *e, as_error *err);

/* Spin-channel densities on the grid from sphere coefficients. */
void as_density_g2r(const as_disc *d, int nspin, const double complex *rho_g, double *rho_r);

#endif
