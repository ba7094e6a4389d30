/* anionscan scan: the whole workflow of docs/scan.md in one collective call --
 *   host (relaxed once, DIR/host) -> sites -> configurations (DIR/configs/NAME/initial.cif) ->
 *   relaxation of each in groups of ranks (the task farm, most expensive first, each from the
 *   host's density) -> classification -> ranking (DIR/ranking.{csv,json}, DIR/report.md).
 * DIR/scan.journal records every state change, so running the same command again continues: a
 * finished configuration is never computed again, a started one continues from its relax.chk; a
 * deck changed in a way that would make old results wrong is refused naming the key. */
#ifndef AS_SCAN_SCAN_H
#define AS_SCAN_SCAN_H

#include <mpi.h>

#include "core/error.h"
#include "io/settings.h"

typedef struct as_scan_job {
    MPI_Comm comm;
    const char *deck;          /* for messages and the header */
    const as_settings *set;
    const char *outdir;
    int dry_run;               /* plan, starting structures and the cost estimate only */
    int ngroups;               /* configuration groups (0 = automatic) */
    int npools;                /* k-point pools per group (0 = automatic) */
} as_scan_job;

int as_scan_run(const as_scan_job *job, as_error *err);

/* What `anionscan check` can say of a scan deck without computing: the host, its symmetry, its sites
 * and the configurations on the structure as built (names, counts, starts no closer than 0.5
 * angstrom); *nconfigs their number.  Not collective (call it on one rank). */
int as_scan_check(const as_settings *set, const char *deck, int *nconfigs, as_error *err);

#endif
