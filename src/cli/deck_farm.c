/* Several decks in one run (cli/deck_farm.h). */
#include "cli/deck_farm.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/file.h"
#include "core/log.h"
#include "parallel/layout.h"
#include "parallel/stop.h"

int as_cli_deck_farm(const char *cmd, const as_cli_opts *o, const char *const *decks, int nd, MPI_Comm comm,
                     as_cli_deck_fn fn, const char *logname, const char *logmode, as_error *err)
{
    /* The task farm: configuration groups of ranks take the decks in turn. */
    int nranks = 1;
    MPI_Comm_size(comm, &nranks);
    if (o->outdir) {
        return as_error_set(err, AS_EINPUT, "-o names one directory but %d decks were given; give each deck its own "
                            "[output] dir (the default is runs/<deck name>)", nd);
    }
    int ngroups = o->ngroups > 0 ? o->ngroups : (nd < nranks ? nd : nranks);
    if (ngroups > nranks)
        ngroups = nranks;
    MPI_Comm group;
    int gid = 0, grank = 0;
    if (as_layout_split_groups(comm, ngroups, &group, &gid, err))
        return err->code;
    MPI_Comm_rank(group, &grank);
    double *res = calloc((size_t)nd * 3, sizeof *res); /* status, energy, gap per deck */
    if (!res) {
        MPI_Comm_free(&group);
        return as_error_nomem(err, "results", (size_t)nd * 24);
    }
    as_log("anionscan %s: %d decks on %d ranks in %d configuration groups\n", cmd, nd, nranks, ngroups);
    const int console = as_log_enabled();
    for (int i = gid; i < nd; i += ngroups) {
        /* Each deck's console goes to DIR/LOGNAME, written by the group's first rank. */
        FILE *logf = NULL;
        as_log_set_enabled(grank == 0);
        if (grank == 0) {
            as_deck *dk = NULL;
            as_settings st;
            as_error e2;
            char dir[AS_PATH_MAX], lp[AS_PATH_MAX + 64];
            as_cli_opts oi = *o;
            oi.deck_path = decks[i];
            if (as_cli_load(decks[i], MPI_COMM_SELF, &dk, &st, &e2) == AS_OK) {
                as_cli_outdir(&oi, &st, dir, sizeof dir);
                if (as_file_mkdirs(dir, &e2) == AS_OK && as_path_join(lp, sizeof lp, dir, logname, &e2) == AS_OK)
                    logf = fopen(lp, logmode);
                as_settings_free(&st);
                as_deck_destroy(dk);
            }
            as_log_set_stream(logf);
        }
        as_error e;
        as_error_clear(&e);
        double o2[2] = {0, 0};
        char why[160];
        /* a signal or the time budget (parallel/stop.h): the decks not started are left for --restart */
        int rc = as_stop_check(group, 0.0)
                     ? as_error_set(&e, AS_ESTOPPED, "%s: not started (%s)", decks[i], as_stop_reason(why, sizeof why))
                     : fn(o, decks[i], group, o2, &e);
        if (grank == 0) {
            if (rc) /* a clean stop is no error: stdout */
                fprintf(rc == AS_ESTOPPED ? stdout : stderr, "anionscan: %s\n", e.msg);
            res[3 * i] = rc, res[3 * i + 1] = o2[0], res[3 * i + 2] = o2[1];
            if (logf)
                fclose(logf);
            as_log_set_stream(NULL);
        }
    }
    as_log_set_enabled(console);
    MPI_Allreduce(MPI_IN_PLACE, res, 3 * nd, MPI_DOUBLE, MPI_SUM, comm);
    int worst = 0;
    char why_stop[160];
    as_log("\n  deck                                      status      energy (Ha)     gap (eV)\n");
    for (int i = 0; i < nd; i++) {
        const int st = (int)res[3 * i];
        worst = st > worst ? st : worst;
        if (st == 0)
            as_log("  %-40s %6s %18.10f %11.4f\n", decks[i], "ok", res[3 * i + 1], res[3 * i + 2]);
        else if (st == AS_ESTOPPED)
            as_log("  %-40s %6s  (continue with --restart)\n", decks[i], "STOPPED");
        else
            as_log("  %-40s %6s  (exit status %d; see its %s)\n", decks[i], "FAILED", st, logname);
    }
    free(res);
    MPI_Comm_free(&group);
    if (worst == AS_ESTOPPED)
        return as_error_set(err, worst, "stopped (%s): the decks listed STOPPED continue with the same command and "
                            "--restart", as_stop_reason(why_stop, sizeof why_stop));
    if (worst)
        return as_error_set(err, worst, "%s", "some decks failed (listed above)");
    return AS_OK;
}
