/* One structure in; energy, forces and stress out.  The layer relaxations and scans call.
 * Between calls on the same cell it keeps the model, the discretisation and the SCF state,
 * and starts each new SCF from the previous wavefunctions and from the previous density
 * extrapolated to the new positions (rho - rho_atoms(old) + rho_atoms(new), as pw.x's
 * 'atomic' extrapolation), so later ionic steps need few SCF iterations.  A changed cell or a
 * broken symmetry rebuilds everything, carrying the density over by Miller index. */
#ifndef AS_PW_CALCULATOR_H
#define AS_PW_CALCULATOR_H

#include "core/error.h"
#include "crystal/structure.h"
#include "io/settings.h"
#include "pw/bandedges.h"
#include "pw/disc.h"
#include "pw/model.h"
#include "pw/scf.h"
#include "parallel/layout.h"

typedef struct as_calc_result {
    int natoms;
    double energy;        /* Ha (free energy when smeared) */
    as_energies terms;
    double (*forces)[3];  /* Ha/bohr, natoms x 3 (owned) */
    double stress[3][3];  /* Ha/bohr^3, QE's sign (pressure = trace/3 > 0: wants to expand) */
    int have_stress;
    int scf_iterations;
    int converged;
    double wall;
} as_calc_result;

void as_calc_result_free(as_calc_result *r);

typedef struct as_calculator {
    as_dft_settings dft;  /* a copy */
    MPI_Comm comm;        /* the configuration group */
    int npools;           /* requested pools (0 = automatic) */
    as_layout *lay;       /* made with the first structure (owned) */
    as_scf_opts opts;
    as_model *m;          /* of the last structure */
    as_disc *d;
    as_scf_state *st;
    int calls;
} as_calculator;

/* comm: the ranks that work on this structure; npools <= 0 chooses automatically. */
as_calculator *as_calculator_create(const as_dft_settings *dft, MPI_Comm comm, int npools, as_error *err);
void as_calculator_destroy(as_calculator *c);

/* A model, discretisation and (empty) SCF state for s with c's settings and layout, exactly as a
 * calculation of s makes them (the layout is created on first use); c's own state is untouched.
 * Used by the calculator and by checkpoint restores (relax/calc_state.c). */
int as_calculator_build(as_calculator *c, const as_structure *s, as_model **m, as_disc **d, as_scf_state **st,
                        as_error *err);

/* Ground state of s; forces always, stress when want_stress.  Returns AS_ENOCONV (result
 * filled, converged = 0) when the SCF does not converge. */
int as_calculator_run(as_calculator *c, const as_structure *s, int want_stress, as_calc_result *r, as_error *err);

#endif
