/* A whole relaxation in a directory, as `anionscan relax` runs it and as the scan runs it for
 * every configuration: the ask/tell loop of relax/relax.h with the plane-wave calculator,
 *   DIR/trajectory.extxyz  one frame per completed step (ASE's extended XYZ: energy in eV,
 *                          forces in eV/angstrom, stress in eV/angstrom^3 with ASE's sign)
 *   DIR/final.cif          the last structure
 *   DIR/result.json        the scf schema for the last structure plus "relax": {...}
 *   DIR/relax.chk          after every completed step (atomically): the optimizer state, the
 *                          calculator's density and wavefunctions, the trajectory so far.
 * restart continues from relax.chk; the continued run ends where an uninterrupted one ends.
 *
 * A seed (a calculator state saved with as_calc_state_save, e.g. the relaxed host's) gives the
 * first SCF its density, moved to the new atoms as between ionic steps; a seed made with other
 * [dft] settings (another charge) is not used.  auto_smearing: when the first SCF with fixed
 * occupations does not converge, or converges with the lowest empty state below the highest
 * occupied one (an unrelaxed Frenkel pair often does), the relaxation starts again with
 * Marzari-Vanderbilt smearing of AS_RELAX_AUTO_SMEARING_HA (docs/scan.md). */
#ifndef AS_RELAX_RUN_H
#define AS_RELAX_RUN_H

#include <mpi.h>
#include <stddef.h>

#include "core/error.h"
#include "crystal/structure.h"
#include "io/settings.h"
#include "pw/scf_guard.h"

/* 0.01 Ry, pw.x's customary cold smearing for defect cells: small against a halide perovskite's gap. */
#define AS_RELAX_AUTO_SMEARING_HA AS_SCF_AUTO_SMEARING_HA

typedef struct as_relax_job {
    MPI_Comm comm;              /* the ranks working on this relaxation */
    const char *outdir;
    const char *label;          /* the deck (or configuration) named in the header and messages */
    const as_dft_settings *dft;
    const as_relax_settings *relax;
    const as_structure *start;
    int npools;                 /* 0 = automatic */
    int restart;                /* continue from outdir/relax.chk: 1 when it exists (a warning if not), 2 silently */
    int auto_smearing;
    const void *seed;           /* calculator state to start from, or NULL */
    size_t seed_len;
    int save_state;             /* also write outdir/state.chk: the converged calculator state (a seed) */
    int quiet;                  /* no header and step table (the caller prints its own lines) */
    int adaptive_scf;           /* SCF tolerance tied to the force error: see AS_RELAX_SCF_LOOSEN */
    /* BFGS curvature carried between relaxations of the same coordinates (the scan's prerelaxation
     * hands its Hessian to the relaxation at the full cutoff): hessian_in (ncoord x ncoord,
     * relax/relax.h's coordinates) starts a fresh relaxation instead of h0 I (not one continued from
     * relax.chk, which has its own); hessian_out (ncoord^2 doubles) receives the final Hessian, and
     * the summary's `hessian` says whether it did. */
    const double *hessian_in;
    double *hessian_out;
    /* watch (optional): asked on the first rank before each step's SCF, with the structure about to be
     * computed; nonzero stops the relaxation there, before that SCF (the summary's `watched`).  Nothing
     * is written then but the checkpoint of the steps done (no result.json, no final.cif): the caller
     * decides what the structure is.  A restart from that checkpoint asks again about the same
     * structure, so an interrupted run stops where the uninterrupted one stops.  The scan watches for
     * a Frenkel pair that has fallen back into the host (scan/classify.h). */
    int (*watch)(const as_structure *s, void *arg);
    void *watch_arg;
    /* frac_out (optional, natoms x 3): receives the fractional positions of the structure the
     * relaxation last computed or, when a step's SCF did not converge, the structure of that step
     * (the optimizer's step from the last good one); the summary's `have_frac` says whether it did.
     * With hessian_out it lets a caller go on from a relaxation whose SCF failed (the scan's
     * prerelaxation) instead of from its start. */
    double (*frac_out)[3];
    /* force_shift (optional, natoms x 3, Cartesian Ha/bohr): added to every step's forces before the
     * optimizer sees them, the energy it sees changed to match, E - sum_a shift_a . (r_a - o_a), with
     * o the fractional positions shift_origin (the shortest periodic image of each displacement).  The
     * trajectory, result.json and the step table keep the computed energy and forces; the table's
     * max|F| and the convergence test are the shifted forces'.  The scan's corrected prerelaxation
     * gives it the difference of the full and the lower cutoff's forces at one structure (docs/scan.md). */
    const double (*force_shift)[3];
    const double (*shift_origin)[3];
} as_relax_job;

/* The energy and forces the optimizer sees with job->force_shift (relax/run.h): f (natoms x 3) gets
 * forces + shift; returns energy - sum_a shift_a . (r_a - o_a), r from frac and lattice (rows). */
double as_relax_shifted(const as_structure *s, double energy, const double (*forces)[3], const double (*shift)[3],
                        const double (*origin)[3], double (*f)[3]);

/* adaptive_scf: while the largest force F of the last step is well above fmax, the next SCF stops at
 * scf_tol x min(AS_RELAX_SCF_LOOSEN, (F / fmax)^2): the forces then carry a relative error far below
 * what the BFGS step needs, and the steps near convergence (F ~ fmax) use scf_tol itself, so the
 * final energy and forces are as accurate as without it (pw.x tightens its threshold the same way
 * as the forces fall).  The cap keeps the energy error below the BFGS uphill test (1e-5 Ha). */
#define AS_RELAX_SCF_LOOSEN 100.0

typedef struct as_relax_summary {
    int converged;              /* the relaxation converged */
    int steps;
    long scf_iterations;
    double wall;                /* seconds, all runs */
    int smeared;                /* smearing was switched on (auto_smearing) */
    int seeded;                 /* the seed was used */
    int first_scf;              /* SCF iterations of the first step of this run (0 if none ran) */
    int hessian;                /* job->hessian_out was written */
    int hessian_used;           /* job->hessian_in started this run */
    int watched;                /* job->watch stopped the run before the SCF of step steps + 1 */
    int have_frac;              /* job->frac_out was written */
    int scf_failed;             /* stopped because the SCF of step steps + 1 did not converge */
} as_relax_summary;

/* Run (or continue) the relaxation.  Returns AS_OK when converged, AS_ENOCONV when the SCF or the
 * relaxation did not converge (err says which and what to do; the last step's results are written
 * when there was one), other codes for errors.  Collective over job->comm; every rank returns the
 * same status. */
int as_relax_run(const as_relax_job *job, as_relax_summary *sum, as_error *err);

/* outdir/state.chk (written with save_state): rank 0 reads, every rank of comm gets a malloc'd copy. */
int as_relax_read_state(const char *outdir, MPI_Comm comm, void **state, size_t *len, as_error *err);

#endif
