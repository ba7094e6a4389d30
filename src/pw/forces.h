/* Hellmann-Feynman forces and the stress tensor at a converged SCF state.
 *
 * Forces F_a = -dE/dtau_a (Ha/bohr, cartesian):
 *   local     sum_G Re[ i G rho*(G) v_a(|G|) e^{-iG.tau_a} ]          (v_a = Omega x FT of the atom's v_loc)
 *   nonlocal  -2 Re sum_k w_k sum_n f_n sum_ij <psi_n|beta_i> h_ij <d beta_j/d tau_a|psi_n>
 *   Ewald     from pw/ewald.h.
 * Stress sigma_ij = -(1/Omega) dE/d(strain_ij) (Ha/bohr^3; QE's sign: pressure = trace/3 > 0
 * when the cell wants to expand), at a fixed number of plane waves, as pw.x computes it:
 *   kinetic   (1/Omega) sum f |c|^2 q_i q_j
 *   Hartree   E_H/Omega d_ij - sum_G 4 pi |rho(G)|^2 G_i G_j / G^4
 *   local     E_loc/Omega d_ij + (1/Omega) sum_G Re[rho* sum_a v_a'(|G|) e^{-iG.tau_a}] G_i G_j/|G|
 *   XC        -(E_xc - int v_xc rho)/Omega d_ij + (1/Omega) int 2 de/dsigma d_i rho d_j rho
 *   nonlocal  E_nl/Omega d_ij + (2/Omega) Re sum f <psi|beta> h <d_ij beta|psi>, d_ij beta the
 *             change of Y_lm(q^) P(|q|) under q -> (1 - strain) q
 *   Ewald     from pw/ewald.h.
 * Forces and stress are symmetrised with the space group (the k-points are irreducible). */
#ifndef AS_PW_FORCES_H
#define AS_PW_FORCES_H

#include "pw/disc.h"
#include "pw/model.h"
#include "pw/scf.h"

typedef struct as_force_terms {
    double (*local)[3], (*nonlocal)[3], (*ewald)[3]; /* natoms x 3 each, owned by the caller or NULL */
} as_force_terms;

/* f: natoms x 3.  terms may be NULL. */
int as_forces(const as_model *m, const as_disc *d, const as_scf_state *st, double (*f)[3], as_force_terms *terms,
              as_error *err);

typedef struct as_stress_terms {
    double kinetic[3][3], hartree[3][3], local[3][3], xc[3][3], nonlocal[3][3], ewald[3][3];
} as_stress_terms;

int as_stress(const as_model *m, const as_disc *d, const as_scf_state *st, double sigma[3][3],
              as_stress_terms *terms, as_error *err);

#endif
