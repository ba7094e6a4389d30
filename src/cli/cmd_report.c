/* anionscan report DIR... [--reference NAME] [--temperature T] [--host DIR] [-o OUT] [--no-figures]: the ranking of
 * finished runs, computed from their files without computing anything (scan/gather.h): scan directories
 * (e.g. the Cl and Br families run as separate jobs, or a scan continued on another cluster), plain relax
 * or scf directories, and results imported from other codes (analysis/import_results.py).  Writes
 * OUT/ranking.csv, OUT/ranking.json and OUT/report.md with the scan's one ranking (scan/rank.h), and the
 * figures of analysis/plot_scan.py in OUT/figures. */
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
    int figures;
} report_opts;

static int parse(int argc, char **argv, report_opts *o, as_error *err)
{
    memset(o, 0, sizeof *o);
    o->out = "report";
    o->temperature = NAN;
    o->figures = 1;
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
        } else if (!strcmp(a, "--no-figures")) {
            o->figures = 0;
        } else if (!strcmp(a, "--temperature")) {
            char *end;
            if (!more || ((o->temperature = strtod(argv[++i], &end)), *end) ||
                !(o->temperature > 0.0 && o->temperature < 1e5)) /* inf made every Boltzmann weight NaN */
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

/* analysis/plot_scan.py beside the binary: BIN/../analysis (a source tree) or BIN/../share/anionscan/analysis
 * (make install); 0 if there is none. */
static int plot_script(char *out, size_t n)
{
    char exe[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l <= 0)
        return 0;
    exe[l] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    static const char *const rel[] = {"/../analysis/plot_scan.py", "/../share/anionscan/analysis/plot_scan.py"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        struct stat st;
        snprintf(out, n, "%s%s", exe, rel[i]);
        if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
            return 1;
    }
    return 0;
}

/* The figures of OUT/ranking.json (analysis/plot_scan.py, matplotlib; docs/analysis.md), with $ANIONSCAN_PYTHON
 * or /usr/bin/python3.  A missing script or a failed plot is said, not fatal: the ranking is written. */
static void figures(const char *out)
{
    char script[PATH_MAX + 64];
    if (!plot_script(script, sizeof script)) {
        as_log("  figures: analysis/plot_scan.py not found beside the binary; no figures\n");
        return;
    }
    const char *py = getenv("ANIONSCAN_PYTHON");
    if (!py || !*py)
        py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execlp(py, py, script, out, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        as_log("  figures: %s %s %s failed (status %d); the ranking stands\n", py, script, out,
               pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
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
    as_log("  wrote %s/{ranking.csv,ranking.json,report.md}\n", o->out);
    if (o->figures)
        figures(o->out);
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
    return as_cli_share(comm, rc, err);
}
