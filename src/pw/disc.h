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
#include "parallel/layout.h"
#include "parallel/scalapack.h"

#define AS_DISC_MAX_PAIRINGS 8

typedef struct as_disc {
    const as_layout *lay;   /* pools and plane-wave groups (owned when own_lay) */
    int own_lay;
    int *owns;              /* nk flags: this rank's pool holds the k-point */
    double ecut;            /* Ha */
    int real;               /* real-wavefunction layout at time-reversal-invariant k-points */
    as_fft *fft;            /* the real-space grid */
    as_gvecs *gv;           /* density sphere, with its sticks */
    as_fft_sticks *wst;     /* wavefunction sticks: every k-point of the mesh and the special points */
    /* Plane waves distributed (pw_size > 1): the real layout at k = G0/2 needs G and -G-G0 on one
     * rank, so each pairing (G0_x, G0_y) of this pool's k-points other than (0, 0) has its own stick
     * layout over the same columns (wst serves (0, 0)). */
    as_fft_sticks *wst_pair[AS_DISC_MAX_PAIRINGS];
    int npair;
    as_blacs *blacs;        /* BLACS grid over the plane-wave group (NULL on one rank) */
    as_kpoints *kp;
    as_basis **basis;       /* nk; NULL for k-points of other pools */
    int *npw_k;             /* nk: plane waves of every k-point (all pools) */
    as_projectors **proj;   /* nk; NULL for k-points of other pools */
    as_nonlocal *nl;
    as_symmetrizer *symz;   /* NULL without symmetry */
    double complex *vloc_g; /* local pseudopotential on the sphere (ng), G = 0 finite part included */
} as_disc;

/* kp is taken over (destroyed with the discretisation).  real: use the real-wavefunction
 * half-sphere layout at every time-reversal-invariant k-point (Gamma, the special points, the
 * points of even unshifted meshes). */
as_disc *as_disc_create(const as_model *m, double ecut, as_kpoints *kp, int real, const as_layout *lay,
                        as_error *err);

/* Sums over the pools (k-points) and over the plane-wave group (G-vectors, real space). */
void as_disc_sum_pools(const as_disc *d, double *v, int n);
void as_disc_sum_pw(const as_disc *d, double *v, int n);
void as_disc_destroy(as_disc *d);

/* The atoms of m moved (same cell, same species order): rebuild what depends on positions
 * (local potential, projectors). */
int as_disc_update_positions(as_disc *d, const as_model *m, as_error *err);

/* Basis and projectors for a k-point; real: the real layout (k must be time-reversal invariant).
 * as_disc_real_at(d, k) says which layout the calculation uses at k. */
int as_disc_kpoint(const as_model *m, const as_disc *d, const double kfrac[3], int real, as_basis **basis,
                   as_projectors **proj, as_error *err);
int as_disc_real_at(const as_disc *d, const double kfrac[3]);
/* The wavefunction sticks a basis is laid out on (its FFTs go through them). */
as_fft_sticks *as_disc_sticks(const as_disc *d, const as_basis *b);

#endif
