/* The solver's memory on one rank, by part, in bytes: what the scf header prints and what check, scf,
 * relax and scan refuse against when the machine has less (docs/speed.md, "memory").
 *   wf    the bands of the rank's k-points (its share of their plane-wave coefficients)
 *   dav   the Davidson subspace of one k-point: nvec_factor x nbands vectors and H times them
 *   proj  the projectors of the rank's k-points: whole, or compact (species shapes, atom phases and one
 *         block of columns) above AS_PROJ_WHOLE_MAX columns (pw/nonlocal.h)
 *   grid  the rank's planes of the FFT grid and its share of the density sphere (potentials, densities,
 *         mixing history, XC) and the sticks' transpose buffers
 *   rep   what every rank holds whole: the subspace matrices and the projections of the bands
 * Checked against the peak resident memory the OS measures (tests/e2e/t_memory_estimate.sh). */
#ifndef AS_PW_MEMORY_H
#define AS_PW_MEMORY_H

typedef struct as_memory {
    double wf, dav, proj, grid, rep;
} as_memory;

typedef struct as_memory_sizes {
    double npw_sum;      /* plane-wave coefficients per band stored on the rank, summed over its k-points */
    double npw_max;      /* the same for its largest k-point */
    double proj_cols;    /* projector columns stored per k-point */
    int nbands, nspin, nvec_factor, nproj;
    double grid_points;  /* FFT grid points in the rank's planes */
    double density_g;    /* density-sphere G-vectors on the rank */
    double stick_g;      /* G-vectors of the rank's wavefunction stick layouts, summed over the layouts */
} as_memory_sizes;

/* The parts; returns their sum. */
double as_memory_estimate(const as_memory_sizes *z, as_memory *m);

#endif
