/* What a restart may reuse: the settings that fix every result of a scan, as "key=value" pairs
 * kept in the journal's first record.  A deck changed in one of these (cutoff, functional,
 * k-points, the host, how it is relaxed, the starting structures' rattle...) is refused naming
 * the key; keys not listed (more sites, another species, distortions, temperature, reference)
 * only add configurations or re-rank.  And the cost estimate of --dry-run. */
#ifndef AS_SCAN_PLAN_H
#define AS_SCAN_PLAN_H

#include "core/error.h"
#include "crystal/structure.h"
#include "io/settings.h"
#include "scan/config.h"

/* "key=value; key=value; ..." of everything that fixes the results; host0 is the unrelaxed host. */
void as_scan_fingerprint(const as_settings *set, const as_structure *host0, char *out, int n);

/* AS_OK when old and now agree; otherwise AS_EINPUT naming the first key that changed, its old and
 * new values and what to do. */
int as_scan_fingerprint_compare(const char *old, const char *now, const char *journal, as_error *err);

typedef struct as_scan_cost {
    double scf_equivalents;    /* whole SCF runs from scratch, all configurations */
    double seconds_per_scf;    /* one SCF of one configuration on one rank (model) */
    double mem_per_rank_mb;    /* one configuration on the ranks of one group */
    double wall_s;             /* the whole scan on nranks ranks in ngroups groups */
} as_scan_cost;

/* The model of docs/scan.md: a configuration's relaxation costs AS_SCAN_EST_SCF whole SCF runs (the SCF
 * iterations of all its ionic steps over those of one SCF from scratch), AS_SCAN_EST_SCF_PRERELAX with the
 * prerelaxation (its iterations at 0.46 of the cost); an SCF's time scales the 20-atom Pnma cell's (make
 * bench) by plane waves, bands and FFT grid. */
void as_scan_cost_estimate(const as_scan_configs *cs, const as_dft_settings *dft, int prerelax, int nranks,
                           int ngroups, as_scan_cost *c);

/* Measured on the demonstration scan (input/scan_demo.in, 6 Frenkel pairs, fmax 0.1 eV/angstrom; bench/scan.sh):
 * 199 SCF iterations per relaxation without the prerelaxation, 125 + 69 at 0.6 ecut with it; 12 for one SCF. */
#define AS_SCAN_EST_SCF 16.6
#define AS_SCAN_EST_SCF_PRERELAX 13.1

#endif
