/* The self-consistent field loop: Davidson at every k-point with a threshold tied to the
 * density error (pw.x's rule ethr = min(ethr, 0.1 dr2 / N_el)), Pulay/Kerker mixing of the
 * density, convergence on both the energy change and the density residual, and a
 * non-zero status (never a silent result) when max_scf is reached. */
#ifndef AS_PW_SCF_H
#define AS_PW_SCF_H

#include <complex.h>

#include "pw/disc.h"
#include "pw/model.h"
#include "pw/potential.h"

typedef struct as_scf_opts {
    double tol;       /* Ha: |dE| and the density residual (Hartree metric) */
    int max_scf;
    double beta;      /* mixing */
    double kerker_q0; /* bohr^-1 (0 = plain mixing) */
    int nhist;
    int nbands;       /* 0 = occupied + max(4, 10 %) */
    int quiet;        /* no per-iteration lines */
    struct as_scf_guard *guard; /* set by as_scf_run: the divergence guard (pw/scf_guard.h) */
} as_scf_opts;

void as_scf_opts_from_settings(const as_dft_settings *dft, as_scf_opts *o);

typedef struct as_scf_state {
    int nspin, nk, nbands;
    int nocc;              /* bands that can be occupied (highest index + 1): converged tightly */
    double complex **psi; /* [k*nspin + s]: npw(k) x nbands */
    double *eig, *occ;    /* [(k*nspin + s)*nbands + n], Ha; occupations 0..2/nspin */
    double complex *rho_g; /* nspin*ng: spin-channel densities (input density at the last step) */
    double *rho_r, *v_r;   /* nspin*ntot */
    double efermi;         /* Ha: Fermi level (smearing) or highest occupied level (fixed) */
    double efermi_spin[2]; /* per channel when the magnetisation is fixed with smearing */
    double ts;             /* -TS, Ha (smearing) */
    double mag_total, mag_abs; /* Bohr magnetons (nspin = 2) */
    int psi_fresh;         /* psi is the random fill of _create: as_scf_run starts from atomic orbitals */
} as_scf_state;

/* The occupied and the computed band counts of the model (nbands = 0: automatic); AS_EINPUT when the
 * electrons cannot be placed (odd count with fixed occupations) or nbands is too few. */
int as_scf_band_count(const as_model *m, int nbands, int *nocc, int *nb, as_error *err);
as_scf_state *as_scf_state_create(const as_model *m, const as_disc *d, int nbands, as_error *err);
void as_scf_state_destroy(as_scf_state *st);

typedef struct as_scf_result {
    as_energies e;
    int converged, iterations;
    double residual, de;
    double wall;
    long nhpsi;        /* H|psi> products over all k-points and spins, summed over the pools */
    /* the divergence guard (pw/scf_guard.h): the first attempt diverged and was retried with safer mixing */
    int retried, diverged_at, first_iterations; /* its iteration judged diverging, its iterations */
    double retry_beta;
    int retry_nhist;
    int auto_smeared; /* the retry ran with smearing (fixed occupations that oscillated): pw/scf_guard.h */
} as_scf_result;

/* Runs to convergence.  Returns AS_ENOCONV (with the result filled) when max_scf is reached, or when the SCF
 * diverges and diverges again with safer mixing (pw/scf_guard.h). */
int as_scf_run(const as_model *m, const as_disc *d, const as_scf_opts *o, as_scf_state *st, as_scf_result *res,
               as_error *err);

/* Kinetic and nonlocal energies of the current wavefunctions and occupations. */
void as_scf_band_energies(const as_model *m, const as_disc *d, const as_scf_state *st, as_energies *e);

/* Output density of the current wavefunctions into rho_g (nspin*ng), symmetrised. */
int as_scf_density(const as_model *m, const as_disc *d, const as_scf_state *st, double complex *rho_g,
                   as_error *err);

/* rho_g += scale x a superposition of atom-centred Gaussians holding each atom's valence
 * charge (the starting density; scale = -1 then +1 with new positions extrapolates a
 * converged density to moved atoms). */
void as_atomic_density(const as_model *m, const as_disc *d, double scale, double complex *rho_g);

/* Deterministic pseudo-random starting wavefunctions (the same for any parallel layout). */
void as_random_wavefunctions(const as_basis *b, int kindex, int nb, double complex *psi);

#endif
