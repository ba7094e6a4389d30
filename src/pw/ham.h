/* The Kohn-Sham Hamiltonian at one k-point, applied to blocks of bands:
 * H psi = |k+G|^2/2 psi + FFT^-1[V_loc(r) FFT[psi]] + V_nl psi. */
#ifndef AS_PW_HAM_H
#define AS_PW_HAM_H

#include <complex.h>

#include "pw/fft.h"
#include "pw/gvec.h"
#include "pw/nonlocal.h"
#include "parallel/scalapack.h"

typedef struct as_ham {
    const as_basis *basis;
    const as_nonlocal *nl;
    const as_projectors *proj;
    as_fft_sticks *fft; /* the wavefunction sticks (their grid holds the real-space buffer) */
    const double *vloc; /* total local potential on the FFT grid (ntot reals) */
    double *hdiag;      /* npw: diagonal of H, for the preconditioner (owned) */
    const as_blacs *blacs; /* large subspace problems through ScaLAPACK (NULL: LAPACK) */
} as_ham;

/* Fills h->hdiag from the kinetic energy, the average local potential and the
 * nonlocal diagonal; returns 0 or AS_ENOMEM. */
int as_ham_prepare(as_ham *h, as_error *err);
void as_ham_release(as_ham *h);

/* hpsi = H psi for nb bands (npw x nb, column-major).  work: AS_NONLOCAL_WORK(nproj, nb)
 * values.  In the Gamma layout two real bands share one FFT (psi_1 + i psi_2). */
void as_ham_apply(const as_ham *h, int nb, const double complex *psi, double complex *hpsi, double complex *work);

#endif
