/* Occupation numbers: fixed (insulators, and spin channels with a fixed number of up and
 * down electrons) or smeared around a common Fermi level.  Smearing functions and their
 * entropy terms follow Quantum ESPRESSO's wgauss / w1gauss (so free energies compare):
 * x = (E_F - e)/sigma,
 *   gaussian            f = erfc(-x)/2                            -TS/sigma = -e^{-x^2}/(2 sqrt(pi))
 *   fermi-dirac         f = 1/(1 + e^{-x})                        -TS/sigma = f ln f + (1-f) ln(1-f)
 *   marzari-vanderbilt  f = erf(x')/2 + e^{-x'^2}/sqrt(2 pi) + 1/2, x' = x - 1/sqrt(2)
 *                                                                 -TS/sigma = x' e^{-x'^2}/sqrt(2 pi)
 *   methfessel-paxton   (first order) f = erfc(-x)/2 + x e^{-x^2}/(2 sqrt(pi))
 *                                                                 -TS/sigma = (2x^2 - 1) e^{-x^2}/(4 sqrt(pi))
 * per state, times the spin degeneracy (2 unpolarised, 1 per channel) and the k weight. */
#ifndef AS_PW_OCCUPATIONS_H
#define AS_PW_OCCUPATIONS_H

#include "core/error.h"
#include "io/settings.h"

double as_smear_occ(as_smearing_kind kind, double x);
double as_smear_entropy(as_smearing_kind kind, double x); /* -TS per state / sigma */

/* Occupations for nk k-points x nspin channels x nb bands (eig, occ laid out [(k*nspin+s)*nb+n]),
 * k weights wk (sum 1).  Smeared: a common Fermi level such that sum w g f = nelec (bisection),
 * or with fixed_spin one Fermi level per channel holding nelec_spin[s] (efermi[0..1]);
 * *ts = -TS (Ha).  Fixed: nelec_spin[s] electrons in channel s, lowest bands first, equal at
 * every k (insulators); efermi = the highest occupied level. */
int as_occupations(as_smearing_kind kind, double sigma, int nk, int nspin, int nb, const double *wk,
                   const double *eig, double nelec, const double nelec_spin[2], int fixed_spin, double *occ,
                   double efermi[2], double *ts, as_error *err);

#endif
