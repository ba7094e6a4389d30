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

/* The model of docs/scan.md: per configuration one SCF from the host's density and ~0.35 SCF per
 * further ionic step over AS_SCAN_EST_STEPS steps; an SCF's time from the plane waves, bands and
 * FFT grid with constants measured on the 20-atom Pnma cell (make bench). */
void as_scan_cost_estimate(const as_scan_configs *cs, const as_dft_settings *dft, int nranks, int ngroups,
                           as_scan_cost *c);

#define AS_SCAN_EST_STEPS 12

#endif
