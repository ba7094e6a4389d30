/* Exchange-correlation through libxc: LDA (PZ, PW) and GGA (PBE, PBEsol), spin-unpolarised
 * or collinear.  GGA gradients and the divergence term are taken by FFT on the density
 * sphere, as Quantum ESPRESSO does, so energies match it on the same grid. */
#ifndef AS_PW_XC_H
#define AS_PW_XC_H

#include <complex.h>
#include <mpi.h>
#include <xc.h>

#include "core/error.h"
#include "pw/fft.h"
#include "pw/gvec.h"

typedef struct as_xc {
    char name[16];
    int nfunc;
    xc_func_type func[2]; /* exchange, correlation */
    int gga;
    int nspin;
} as_xc;

/* name: PBE, PBEsol, LDA (= PZ), PW.  nspin 1 or 2. */
as_xc *as_xc_create(const char *name, int nspin, as_error *err);
void as_xc_destroy(as_xc *xc);

/* Energy and potential on the FFT grid.
 * rho_r: nspin arrays of ntot real densities (spin channels, not total/magnetisation);
 * rho_g: nspin arrays of ng sphere coefficients of the same densities (used for gradients).
 * vxc_r: nspin arrays of ntot (output), or NULL for the energy alone (no potential, no stress:
 * libxc's exc only and no divergence transforms).  *exc: E_xc.  stress_gga (may be NULL): the
 * gradient part of the XC stress, (1/Omega) int sum_s d_i rho_s h_s,j with h_s the vector
 * field whose divergence enters v_xc,s (2 vsigma grad rho for one spin), to which the caller
 * adds the diagonal term -(E_xc - int v_xc rho)/Omega.
 * share: MPI_COMM_NULL, or ranks that hold the same grid points (the k-point pools' ranks with the
 * same plane-wave rank): each evaluates libxc on its share of the points and they exchange the
 * results (identical to evaluating all points on every rank). */
int as_xc_eval(const as_xc *xc, const as_gvecs *gv, double omega, const double *rho_r,
               const double complex *rho_g, double *vxc_r, double *exc, double stress_gga[3][3], MPI_Comm share,
               as_error *err);

#endif
