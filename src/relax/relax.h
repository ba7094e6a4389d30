/* Geometry optimisation as an ask/tell loop, independent of how energies are computed:
 *
 *   r = as_relax_create(start, settings)
 *   loop: s = as_relax_structure(r); evaluate E, F (and the stress with cell = true);
 *         as_relax_tell(r, E, F, stress) -> converged, or the next structure is prepared
 *
 * Generalised coordinates (as ASE's UnitCellFilter, or pw.x's vc-relax):
 *   the cell is L = L0 F^T (rows; L0 the starting cell, F the deformation gradient), an atom at
 *   r_i = F x_i, x_i = frac_i L0 its position in the undeformed cell; q = (x_1..x_N, c F) with
 *   c = sqrt(Omega0 C / h0) (C = 100 GPa, h0 the initial BFGS stiffness), so the initial Hessian
 *   h0 I means a stiffness Omega0 C for strain, near a real crystal's (docs/relax.md).
 *   The objective is the enthalpy H = E + p Omega.  With QE's stress sign
 *   (sigma = -(1/Omega) dE/d(strain), positive when the cell wants to expand):
 *     -dH/dx_i = F^T f_i                     (f_i the cartesian forces)
 *     -dH/dF   = Omega (sigma - p I) F^{-T}   (a strain eps on top of F changes F by eps F;
 *                                             dE/d eps = -Omega sigma, d(p Omega)/d eps = p Omega I)
 *     -dH/d(cF) = -dH/dF / c.
 * Symmetry (keep_symmetry): forces, stress and every step are symmetrised with the space group
 * of the starting structure (crystal/symmetry.h's as_symmetry_symmetrize: per-atom vectors and
 * the strain step as a tensor), so rounding cannot break it.
 * Step control: the step is scaled so that no atom moves more than max_step and no strain
 * component changes by more than 0.05.  In a positions-only BFGS relaxation a step that raises the
 * energy by more than AS_RELAX_ENERGY_TOL is rejected and retried at the minimum of the cubic through
 * the energies and slopes at its two ends (pw.x's BFGS does the same with a quadratic); a cell
 * relaxation does not, because at a fixed cutoff each cell has its own basis and the energy is not
 * the integral of the stress (Pulay).  A step that would bring two atoms closer than 0.5
 * angstrom is shortened, and if even a negligible step would, the relaxation stops with an
 * error naming the two atoms. */
#ifndef AS_RELAX_RELAX_H
#define AS_RELAX_RELAX_H

#include "core/error.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"
#include "io/settings.h"
#include "relax/optimizer.h"
#include "relax/serial.h"

#define AS_RELAX_MIN_DIST_ANG 0.5   /* no two atoms closer than this (angstrom) */
#define AS_RELAX_MAX_STRAIN_STEP 0.05 /* largest change of a deformation-gradient component per step */
#define AS_RELAX_STIFFNESS_GPA 100.0 /* the strain stiffness the initial Hessian stands for */
#define AS_RELAX_ENERGY_TOL 1e-5     /* Ha: BFGS rejects a step that raises the energy by more (positions only) */
/* The initial stiffness guess, 10 eV/angstrom^2 in Ha/bohr^2: between the force constants of halide perovskites
 * (0.3-8 eV/angstrom^2: Cs rattling to Pb-Br stretching) and covalent semiconductors (Si ~10); ASE's 70 suits
 * molecules and makes the first step of a soft crystal tiny.  BFGS rescales it after the first step. */
#define AS_RELAX_H0 (10.0 * 0.0367493224 * 0.280028520)

typedef struct as_relax {
    as_relax_settings set;  /* copy */
    int natoms, ncoord;     /* ncoord = 3 natoms (+ 9 with the cell) */
    as_structure *start;    /* the starting structure; its cell is the reference L0 */
    double cell_factor;     /* c: q_cell = c F */
    double *q;              /* coordinates of the structure to evaluate next */
    as_optimizer *opt;
    as_symmetry *sym;       /* of the starting structure (keep_symmetry), else NULL */
    int step;               /* completed evaluations */
    int converged;
    /* the last evaluation */
    double energy, enthalpy; /* Ha */
    double max_force;        /* Ha/bohr, largest |F_i| */
    double max_stress;       /* Ha/bohr^3, largest |sigma_ij - p delta_ij| (cell = true) */
    double pressure;         /* Ha/bohr^3, trace(sigma)/3 (cell = true, else 0) */
    /* the last step */
    double step_length;      /* bohr, largest atomic displacement */
    int shortened;           /* shortened to keep atoms apart */
    int rejected;            /* BFGS: the last point went uphill; the step is being retried shorter */
    double e_acc;            /* BFGS: energy of the last accepted point */
    int nreject;             /* consecutive rejections */
    /* book-keeping the caller updates and checkpoints with the state */
    long total_scf;
    double wall;             /* seconds over all runs */
} as_relax;

as_relax *as_relax_create(const as_structure *start, const as_relax_settings *set, as_error *err);
void as_relax_destroy(as_relax *r);

/* The structure to evaluate next (a new structure: the current coordinates). */
as_structure *as_relax_structure(const as_relax *r, as_error *err);

/* The evaluation of as_relax_structure(r): energy (Ha), forces (Ha/bohr, natoms x 3) and, with
 * cell = true, the stress (Ha/bohr^3, QE's sign; NULL otherwise).  Counts the step, checks
 * convergence (max |F| < fmax and, with the cell, max |sigma - p| < stress_tol) and, unless
 * converged, prepares the next structure.  AS_ENOCONV with a message naming two atoms when no
 * step can keep them 0.5 angstrom apart. */
int as_relax_tell(as_relax *r, double energy, const double (*forces)[3], const double stress[3][3], as_error *err);

/* Whether the last evaluation meets r's criteria (max |F| < fmax, with the cell max |sigma - p| < stress_tol):
 * as_relax_tell's convergence test, asked again after a restart with another fmax or stress_tol. */
int as_relax_meets_criteria(const as_relax *r);

/* Generalised forces at the current coordinates (exposed for tests): g = -dH/dq. */
int as_relax_gradient(const as_relax *r, const double (*forces)[3], const double stress[3][3], double *g,
                      as_error *err);

/* Checkpoint the whole state; load refuses a state for another structure or other settings. */
void as_relax_save(const as_relax *r, as_ser *b);
as_relax *as_relax_load(as_ser *b, const as_structure *start, const as_relax_settings *set, as_error *err);

#endif
