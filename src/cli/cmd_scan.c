/* anionscan scan DECK [-o DIR] [--restart] [--dry-run] [--groups G] [--pools P]: the whole
 * interstitial scan (scan/scan.h, docs/scan.md).  Running the same command again continues an
 * interrupted scan (--restart says so explicitly; it is the same). */
#include "cli/cli.h"
#include "io/structure_input.h"
#include "scan/scan.h"

int as_cmd_scan(int argc, char **argv, MPI_Comm comm, as_error *err)
{
    as_cli_opts o;
    const char *decks[1];
    int nd = 0;
    if (as_cli_parse(argc, argv, &o, decks, &nd, 1, err))
        return err->code;
    as_deck *deck = NULL;
    as_settings set;
    int rc;
    if ((rc = as_cli_load(o.deck_path, comm, &deck, &set, err)))
        return rc;
    char outdir[AS_PATH_MAX];
    as_cli_outdir(&o, &set, outdir, sizeof outdir);
    as_scan_job job = {.comm = comm,
                       .deck = o.deck_path,
                       .set = &set,
                       .outdir = outdir,
                       .dry_run = o.dry_run,
                       .ngroups = o.ngroups,
                       .npools = o.npools > 0 ? o.npools : set.parallel.pools};
    as_structure *host = o.dry_run ? NULL : as_structure_from_settings(&set.structure, o.deck_path, err);
    if (!o.dry_run && (!host || as_cli_check_calc(&set, o.deck_path, host, comm, err)))
        rc = err->code; /* the host's model, k points, bands and memory: refused up front, as check does */
    else
        rc = as_scan_run(&job, err);
    as_structure_destroy(host);
    as_settings_free(&set);
    as_deck_destroy(deck);
    return rc;
}
