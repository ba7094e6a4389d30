/* The physical model of one calculation: the structure, its potentials, the functional,
 * the electron count and spin, the symmetry, and the ion-ion energy.  Independent of
 * the discretisation (cutoff, k-points, FFT), which lives in as_disc. */
#ifndef AS_PW_MODEL_H
#define AS_PW_MODEL_H

#include "core/error.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"
#include "io/settings.h"
#include "pw/pseudo.h"
#include "pw/xc.h"

typedef struct as_model {
    as_structure *s;            /* owned copy */
    int nspecies;
    as_pseudo *species;         /* one potential per distinct element */
    int *species_of_atom;
    const as_pseudo **pseudo_of_atom;
    double *zion_of_atom;
    as_xc *xc;
    int nspin;                  /* 1 or 2 */
    double magnetization;       /* nspin = 2: total magnetisation, fixed (fixed occupations) or starting */
    as_smearing_kind smearing;  /* occupations: none = fixed */
    double smear_width;         /* Ha */
    double nelec_spin[2];       /* nspin = 2 with a fixed magnetisation: up and down electrons */
    int fixed_spin;             /* nspin = 2: the magnetisation is fixed (fixed occupations, or 'fixed') */
    double charge;              /* net cell charge */
    double nelec;               /* valence electrons = sum Z_ion - charge */
    double omega;               /* bohr^3 */
    as_symmetry *sym;           /* NULL when symmetry is not used */
    double e_ewald;
} as_model;

/* Potentials from dft->potentials ("" = shipped).  use_symmetry: 0 to ignore symmetry. */
as_model *as_model_create(const as_structure *s, const as_dft_settings *dft, int use_symmetry, as_error *err);
void as_model_destroy(as_model *m);

/* Same cell and species, atoms moved: copy the positions and redo the Ewald energy.
 * Returns AS_EINPUT if the cell or the species differ.  The symmetry is kept (callers that
 * move atoms along symmetrised forces keep it); *sym_ok says whether it still holds. */
int as_model_update_positions(as_model *m, const as_structure *s, int *sym_ok, as_error *err);

#endif
