/* anionscan relax DECK... [-o DIR] [--restart] [--groups G]: geometry optimisation of the deck's
 * structure, positions only or with the cell ([relax] cell = true); the driver and its files are in
 * relax/run.h (trajectory.extxyz, final.cif, result.json, relax.chk).  Several decks are farmed over
 * configuration groups of ranks (cli/deck_farm.h), each with its own DIR/relax.log. */
#include <math.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/deck_farm.h"
#include "core/clock.h"
#include "core/timer.h"
#include "core/units.h"
#include "io/structure_input.h"
#include "relax/run.h"
#include "scan/outcome.h"

/* One deck on the ranks of comm; out[0..1]: the final energy (Ha) and gap (eV) for the farm's table. */
static int run_relax(const as_cli_opts *oin, const char *deck_path, MPI_Comm comm, double out[2], as_error *err)
{
    as_cli_opts o = *oin;
    o.deck_path = deck_path;
    as_deck *deck = NULL;
    as_settings set;
    int rc;
    const double t0 = as_wtime();
    as_clock_reset();
    if ((rc = as_cli_load(o.deck_path, comm, &deck, &set, err)))
        return rc;
    char outdir[AS_PATH_MAX];
    as_cli_outdir(&o, &set, outdir, sizeof outdir);
    as_structure *start = as_structure_from_settings(&set.structure, o.deck_path, err);
    if (!start) {
        rc = err->code;
    } else if ((rc = as_cli_check_calc(&set, o.deck_path, start, comm, err))) {
        /* the model, k points, bands and memory: refused before the first step, as check does */
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
    out[0] = out[1] = NAN;
    if (rc == AS_OK || rc == AS_ENOCONV)
        as_clock_report(as_wtime() - t0); /* over every ionic step */
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    if ((rc == AS_OK || rc == AS_ENOCONV) && rank == 0) { /* the table's numbers: the written result */
        as_scan_record r;
        as_error e2;
        if (as_scan_outcome_read(outdir, &r, NULL, &e2) == AS_OK)
            out[0] = r.energy, out[1] = r.gap * AS_HA_EV;
    }
    as_structure_destroy(start);
    as_settings_free(&set);
    as_deck_destroy(deck);
    return rc;
}

int as_cmd_relax(int argc, char **argv, MPI_Comm comm, as_error *err)
{
    as_cli_opts o;
    enum { MAXDECKS = 1024 };
    const char **decks = malloc(MAXDECKS * sizeof *decks);
    int nd = 0;
    if (!decks)
        return as_error_nomem(err, "deck list", MAXDECKS * sizeof *decks);
    int rc = as_cli_parse(argc, argv, &o, decks, &nd, MAXDECKS, err);
    if (rc == AS_OK && o.dry_run)
        rc = as_error_set(err, AS_EINPUT, "--dry-run is an option of \'scan\' only");
    if (rc == AS_OK) {
        double out[2];
        rc = nd == 1 && o.ngroups <= 1 ? run_relax(&o, decks[0], comm, out, err)
                                       : as_cli_deck_farm("relax", &o, decks, nd, comm, run_relax, "relax.log", "a",
                                                          err);
    }
    free(decks);
    return rc;
}
