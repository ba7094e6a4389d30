/* Per-phase wall clocks, as pw.x prints at the end of a run: where a run's time went.
 * One process-wide table (the phases of one calculation on this rank); start/stop pairs
 * accumulate, nested phases (H|psi> inside the diagonalisation) count in both. */
#ifndef AS_CORE_CLOCK_H
#define AS_CORE_CLOCK_H

typedef enum {
    AS_CLK_INPUT,      /* deck, structure, potentials */
    AS_CLK_SYMMETRY,   /* space group (spglib), atom maps */
    AS_CLK_PLAN,       /* G-vectors, FFT plans, projectors, k-points, layout */
    AS_CLK_SCF,        /* the SCF loop, all of it */
    AS_CLK_DIAG,       /*   Davidson at every k-point */
    AS_CLK_HPSI,       /*     H|psi> (kinetic, local via FFT, nonlocal) */
    AS_CLK_SUBSPACE,   /*     overlaps, the reduced eigenproblem, rotations */
    AS_CLK_DENSITY,    /*   the density from the bands */
    AS_CLK_POTENTIAL,  /*   Hartree, local and XC potential and energies */
    AS_CLK_MIX,        /*   density mixing */
    AS_CLK_EDGES,      /* band edges (special points off the mesh) */
    AS_CLK_FORCES,
    AS_CLK_STRESS,
    AS_CLK_OUTPUT,     /* result.json, density, logs */
    AS_CLK_N
} as_clock_id;

void as_clock_start(as_clock_id id);
void as_clock_stop(as_clock_id id);
void as_clock_reset(void);
double as_clock_seconds(as_clock_id id);
long as_clock_calls(as_clock_id id);
/* Short name of a phase (result.json key). */
const char *as_clock_name(as_clock_id id);
/* Print the table through as_log, with each phase's share of total seconds. */
void as_clock_report(double total);

#endif
