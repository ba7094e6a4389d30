/* anionscan relax DECK [-o DIR] [--restart]: geometry optimisation of the deck's structure,
 * positions only or with the cell ([relax] cell = true); the driver and its files are in
 * relax/run.h (trajectory.extxyz, final.cif, result.json, relax.chk). */
#include "cli/cli.h"
#include "io/structure_input.h"
#include "relax/run.h"

int as_cmd_relax(int argc, char **argv, MPI_Comm comm, as_error *err)
{
    as_cli_opts o;
    const char *decks[1];
    int nd = 0;
    if (as_cli_parse(argc, argv, &o, decks, &nd, 1, err))
        return err->code;
    if (o.dry_run)
        return as_error_set(err, AS_EINPUT, "--dry-run is an option of \'scan\' only");
    as_deck *deck = NULL;
    as_settings set;
    int rc;
    if ((rc = as_cli_load(o.deck_path, comm, &deck, &set, err)))
        return rc;
    char outdir[AS_PATH_MAX];
    as_cli_outdir(&o, &set, outdir, sizeof outdir);
    as_structure *start = as_structure_from_settings(&set.structure, o.deck_path, err);
    if (!start) {
        rc = err->code;
    } else {
        as_relax_job job = {
            .comm = comm,
            .outdir = outdir,
            .label = o.deck_path,
            .dft = &set.dft,
            .relax = &set.relax,
            .start = start,
            .npools = o.npools > 0 ? o.npools : set.parallel.pools,
            .restart = o.restart,
        };
        as_relax_summary sum;
        rc = as_relax_run(&job, &sum, err);
    }
    as_structure_destroy(start);
    as_settings_free(&set);
    as_deck_destroy(deck);
    return rc;
}
