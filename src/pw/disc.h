/* The discretisation of a model: FFT box, density sphere, k-points, per-k plane-wave
 * bases and projectors, the local pseudopotential on the sphere, and the density
 * symmetriser. */
#ifndef AS_PW_DISC_H
#define AS_PW_DISC_H

#include <complex.h>

#include "pw/fft.h"
#include "pw/gvec.h"
#include "pw/kpoints.h"
#include "pw/model.h"
#include "pw/nonlocal.h"
#include "pw/symmetrize.h"

typedef struct as_disc {
    double ecut;            /* Ha */
    int gamma;              /* Gamma-point real layout for the (single) mesh point */
    as_fft *fft;
    as_gvecs *gv;
    as_kpoints *kp;
    as_basis **basis;       /* nk */
    as_projectors **proj;   /* nk */
    as_nonlocal *nl;
    as_symmetrizer *symz;   /* NULL without symmetry */
    double complex *vloc_g; /* local pseudopotential on the sphere (ng), G = 0 finite part included */
} as_disc;

/* kp is taken over (destroyed with the discretisation).  gamma: use the real-wavefunction
 * half-sphere layout (only when kp is the single point k = 0). */
as_disc *as_disc_create(const as_model *m, double ecut, as_kpoints *kp, int gamma, as_error *err);
void as_disc_destroy(as_disc *d);

/* The atoms of m moved (same cell, same species order): rebuild what depends on positions
 * (local potential, projectors). */
int as_disc_update_positions(as_disc *d, const as_model *m, as_error *err);

/* Basis and projectors for a k-point (gamma: the half-sphere layout). */
int as_disc_kpoint(const as_model *m, const as_disc *d, const double kfrac[3], int gamma, as_basis **basis,
                   as_projectors **proj, as_error *err);

#endif
