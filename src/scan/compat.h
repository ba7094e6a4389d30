/* Whether two runs' energies compare: the settings signature of a run's result.json, and its check.
 *
 * The signature is a small JSON object taken from result.json (pw/report.c writes the fields):
 *   {"xc": "PBE", "ecut_ha": 25, "kmesh": [4,3,4], "kshift": [0,0,0]  (or "kpoints": [[kx,ky,kz,w],...] for
 *    an explicit list), "potentials": {"Cs": "GTH-PBE-q9", ...}, "cell_angstrom": [[...],[...],[...]]}
 * The cell is the run's (the final one of a relaxation).  Charge and composition are not in it: runs of
 * another charge or composition go into another family (they are never compared with each other). */
#ifndef AS_SCAN_COMPAT_H
#define AS_SCAN_COMPAT_H

#include "core/error.h"

/* The signature of DIR/result.json, as malloc'd JSON text; NULL with err (naming the path) when the
 * file is missing, damaged or lacks a field. */
char *as_compat_signature(const char *dir, as_error *err);

/* AS_OK when the signatures compare (numbers within 1e-6 relative, the cell within 1e-4 angstrom);
 * otherwise AS_EINPUT with a message naming the key, both runs (labels a and b) and both values. */
int as_compat_check(const char *sig_a, const char *a, const char *sig_b, const char *b, as_error *err);

#endif
