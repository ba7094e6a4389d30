/* Printing and writing the result of a ground-state calculation (scf, relax). */
#ifndef AS_PW_REPORT_H
#define AS_PW_REPORT_H

#include "core/error.h"
#include "io/settings.h"
#include "pw/bandedges.h"
#include "pw/disc.h"
#include "pw/forces.h"
#include "pw/model.h"
#include "pw/scf.h"

/* Run header: structure, symmetry, potentials, electrons, basis, FFT grid, k-points, memory. */
void as_report_header(const char *command, const char *deck, const as_model *m, const as_disc *d,
                      const as_scf_state *st, const as_dft_settings *dft);
/* Energy breakdown and band edges, as pw.x prints them. */
void as_report_energies(const as_model *m, const as_scf_state *st, const as_energies *e, const as_band_edges *be);
/* Forces (Ha/bohr), total stress (GPa) and its terms (kbar). */
void as_report_forces_stress(const as_model *m, const double (*f)[3], const double s[3][3],
                             const as_stress_terms *t);
/* DIR/result.json (atomic write): energies, band edges, forces, stress, eigenvalues. */
int as_report_write_result(const char *path, const as_model *m, const as_disc *d, const as_scf_state *st,
                           const as_scf_result *res, const as_band_edges *be, const double (*forces)[3],
                           const double stress[3][3], int nranks, double wall, as_error *err);

#endif
