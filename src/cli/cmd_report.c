/* anionscan report DIR... [--reference NAME] [--temperature T] [--host DIR] [-o OUT]: the ranking of
 * finished runs, computed from their files without computing anything (scan/gather.h): scan directories
 * (e.g. the Cl and Br families run as separate jobs, or a scan continued on another cluster), plain relax
 * or scf directories, and results imported from other codes (analysis/import_results.py).  Writes
 * OUT/ranking.csv, OUT/ranking.json and OUT/report.md with the scan's one ranking (scan/rank.h). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/units.h"
#include "scan/gather.h"
#include "scan/rank.h"

#define MAXDIRS 256

typedef struct report_opts {
    const char *dirs[MAXDIRS];
    int ndirs;
    const char *reference, *host, *out;
    double temperature;
} report_opts;

static int parse(int argc, char **argv, report_opts *o, as_error *err)
{
    memset(o, 0, sizeof *o);
    o->out = "report";
    o->temperature = NAN;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const int more = i + 1 < argc;
        if (!strcmp(a, "-o") || !strcmp(a, "--outdir")) {
            if (!more)
                return as_error_set(err, AS_EINPUT, "%s needs a directory", a);
            o->out = argv[++i];
        } else if (!strcmp(a, "--reference")) {
            if (!more)
                return as_error_set(err, AS_EINPUT, "--reference needs a configuration name");
            o->reference = argv[++i];
        } else if (!strcmp(a, "--host")) {
            if (!more)
                return as_error_set(err, AS_EINPUT, "--host needs the host's run directory (its result.json)");
            o->host = argv[++i];
        } else if (!strcmp(a, "--temperature")) {
            char *end;
            if (!more || ((o->temperature = strtod(argv[++i], &end)), *end) || !(o->temperature > 0.0))
                return as_error_set(err, AS_EINPUT, "--temperature needs a positive number of kelvin, got '%s'",
                                    more ? argv[i] : "");
        } else if (a[0] == '-' && a[1]) {
            return as_error_set(err, AS_EINPUT, "unknown option '%s' of report (see 'anionscan help')", a);
        } else if (o->ndirs < MAXDIRS) {
            o->dirs[o->ndirs++] = a;
        } else {
            return as_error_set(err, AS_EINPUT, "too many directories (at most %d)", MAXDIRS);
        }
    }
    if (o->ndirs == 0)
        return as_error_set(err, AS_EINPUT, "no run given (usage: anionscan report DIR... [--reference NAME] "
                            "[--temperature T] [--host DIR] [-o OUT])");
    return AS_OK;
}

/* the directories ranked, as a JSON array for ranking.json's "sources" */
static char *sources(const report_opts *o)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < o->ndirs; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(o->dirs[i]));
    if (o->host)
        cJSON_AddItemToArray(a, cJSON_CreateString(o->host));
    char *t = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    return t;
}

static int report(const report_opts *o, as_error *err)
{
    as_gathered *g = as_gather_create(err);
    if (!g)
        return err->code;
    as_ranking *r = NULL;
    char *src = NULL;
    int rc = o->host ? as_gather_host(g, o->host, err) : AS_OK;
    for (int i = 0; rc == AS_OK && i < o->ndirs; i++)
        rc = as_gather_add(g, o->dirs[i], err);
    if (rc)
        goto done;
    as_rank_params p;
    as_rank_params_default(&p);
    if (isfinite(o->temperature))
        p.temperature = o->temperature;
    p.reference = o->reference;
    p.host_energy = g->host_energy;
    p.host_gap = g->host_gap;
    p.formula_units = g->formula_units > 0 ? g->formula_units : 1;
    p.settings = g->settings;
    p.sources = src = sources(o);
    as_log("anionscan report: %d configuration%s from %d director%s%s%s\n", g->n, g->n == 1 ? "" : "s", o->ndirs,
           o->ndirs == 1 ? "y" : "ies", isfinite(g->host_energy) ? "; host from " : " (no host: no Δgap)",
           isfinite(g->host_energy) ? g->host_from : "");
    if (!(r = as_rank_compute(g->rec, g->n, &p, err))) {
        rc = err->code;
        goto done;
    }
    as_rank_print(r, g->rec, &p);
    if ((rc = as_rank_write(o->out, r, g->rec, g->n, &p, err)))
        goto done;
    as_log("  wrote %s/{ranking.csv,ranking.json,report.md}; figures: /usr/bin/python3 analysis/plot_scan.py %s\n",
           o->out, o->out);
done:
    free(src);
    as_ranking_destroy(r);
    as_gather_destroy(g);
    return rc;
}

int as_cmd_report(int argc, char **argv, MPI_Comm comm, as_error *err)
{
    report_opts o;
    int rank = 0, rc;
    MPI_Comm_rank(comm, &rank);
    if ((rc = parse(argc, argv, &o, err)))
        return rc;
    if (rank == 0) /* files only: rank 0 reads and writes, the others wait for its status */
        rc = report(&o, err);
    MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
    if (rc) {
        MPI_Bcast(err->msg, AS_ERROR_MSG_LEN, MPI_CHAR, 0, comm);
        err->code = rc;
    }
    return rc;
}
