/* The finished runs that `anionscan report` ranks without computing anything (docs/analysis.md):
 *   - a scan directory: every configuration's record from its ranking.json (the classification
 *     included), the host's energy and gap, and the settings the scan ran with;
 *   - a run directory: a result.json from `relax` or `scf`, or from analysis/import_results.py (Quantum
 *     ESPRESSO, VASP): one configuration named after the directory, in the family
 *     "runs FORMULA qCHARGE" (so runs of another composition or charge are never compared).
 * Every input must have been computed with the same settings (scan/compat.h); a configuration name
 * given twice, or two scans of different hosts, are refused with a message naming both inputs. */
#ifndef AS_SCAN_GATHER_H
#define AS_SCAN_GATHER_H

#include "core/error.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"
#include "io/settings.h"
#include "scan/record.h"

typedef struct as_gathered {
    as_scan_record *rec;
    int n, cap;
    double host_energy, host_gap;      /* Ha; NAN when no input gives the host */
    int formula_units;                 /* of the host cell (0 until known) */
    char host_from[AS_PATH_MAX];       /* the input that gave the host */
    char *settings;                    /* the common settings signature (JSON), or NULL */
    char settings_from[AS_PATH_MAX];
    char (*from)[AS_PATH_MAX];         /* the input of each record */
    as_structure *host;                /* the host's final structure (a run directory given as the host), or NULL */
    as_symmetry *host_sym;             /* its space group: the multiplicity of runs in its cell */
} as_gathered;

as_gathered *as_gather_create(as_error *err);
void as_gather_destroy(as_gathered *g);

/* Add a scan directory or a run directory (told apart by ranking.json / result.json).  AS_EINPUT with
 * the path named for anything else, a damaged file, other settings or a duplicate name. */
int as_gather_add(as_gathered *g, const char *dir, as_error *err);

/* The host from a run directory (its result.json): energy and gap for ΔE(host) and Δgap, formula units, and its
 * final structure's space group.  Given before the runs, a run in the host's cell then has the multiplicity of
 * its final structure under the host's operations (crystal/match.h as_match_image_count, as the scan counts
 * it); without a host, or in another cell, 1. */
int as_gather_host(as_gathered *g, const char *dir, as_error *err);

#endif
