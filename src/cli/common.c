#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "parallel/stop.h"
#include "io/structure_input.h"
#include "scan/scan.h"

static int cli_budget; /* --max-time was given: it wins over a deck's [run] max_time */

/* "3.5h", "3.5 h", "90min", "5400", "01:30:00" -> seconds */
static int parse_time(const char *text, double *t)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", text);
    size_t n = strspn(buf, "0123456789.eE+-");
    if (n > 0 && n < strlen(buf) && buf[n] != ' ' && !strchr(buf, ':')) { /* "3.5h": a blank before the unit */
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*s %s", (int)n, buf, buf + n);
        snprintf(buf, sizeof buf, "%s", tmp);
    }
    return as_parse_quantity(buf, AS_QTY_TIME, 1, t, NULL) ? -1 : 0;
}

int as_cli_parse(int argc, char **argv, as_cli_opts *o, const char **decks, int *ndecks, int maxdecks,
                 as_error *err)
{
    memset(o, 0, sizeof *o);
    int nd = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--outdir")) {
            if (i + 1 >= argc)
                return as_error_set(err, AS_EINPUT, "%s needs a directory", a);
            o->outdir = argv[++i];
        } else if (!strcmp(a, "--restart")) {
            o->restart = 1;
        } else if (!strcmp(a, "--max-time")) {
            double t = 0.0;
            if (i + 1 >= argc)
                return as_error_set(err, AS_EINPUT, "--max-time needs a time (e.g. 3.5h, '90 min' or 03:30:00)");
            if (parse_time(argv[++i], &t) || t <= 0.0)
                return as_error_set(err, AS_EINPUT, "--max-time: '%s' is not a time; use seconds, a unit (s, min, h, "
                                    "d: '3.5h', '90 min') or SLURM's HH:MM:SS", argv[i]);
            o->max_time = t;
            as_stop_set_budget(t);
            cli_budget = 1;
        } else if (!strcmp(a, "--dry-run")) {
            o->dry_run = 1;
        } else if (!strcmp(a, "--pools") || !strcmp(a, "--groups")) {
            char *end;
            if (i + 1 >= argc)
                return as_error_set(err, AS_EINPUT, "%s needs a number", a);
            errno = 0;
            long v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v < 1 || v > 1000000 || errno) /* never a bare cast of an overflow */
                return as_error_set(err, AS_EINPUT, "%s needs a positive integer, got '%s'", a, argv[i]);
            if (!strcmp(a, "--pools"))
                o->npools = (int)v;
            else
                o->ngroups = (int)v;
        } else if (a[0] == '-' && a[1]) {
            return as_error_set(err, AS_EINPUT, "unknown option '%s' (see 'anionscan help')", a);
        } else {
            if (nd >= maxdecks)
                return as_error_set(err, AS_EINPUT, "too many decks (at most %d here)", maxdecks);
            decks[nd++] = a;
        }
    }
    if (nd == 0)
        return as_error_set(err, AS_EINPUT, "no deck given (usage: anionscan COMMAND DECK [-o DIR])");
    *ndecks = nd;
    o->deck_path = decks[0];
    return AS_OK;
}

int as_cli_load(const char *path, MPI_Comm comm, as_deck **deck, as_settings *s, as_error *err)
{
    *deck = as_deck_read(path, comm, err);
    if (!*deck)
        return err->code;
    if (as_settings_read(*deck, s, err)) {
        as_deck_destroy(*deck);
        *deck = NULL;
        return err->code;
    }
    /* the first deck's [run] max_time, unless --max-time gave one */
    if (!cli_budget && s->run.max_time > 0.0 && as_stop_budget() <= 0.0)
        as_stop_set_budget(s->run.max_time);
    return AS_OK;
}

void as_cli_outdir(const as_cli_opts *o, const as_settings *s, char *out, int n)
{
    if (o->outdir) {
        snprintf(out, (size_t)n, "%s", o->outdir);
        return;
    }
    if (s->output.dir[0]) {
        snprintf(out, (size_t)n, "%s", s->output.dir);
        return;
    }
    char *copy = strdup(o->deck_path);
    const char *base = copy ? basename(copy) : "deck";
    char stem[512];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    snprintf(out, (size_t)n, "runs/%s", stem);
    free(copy);
}

int as_cli_deck_context(as_error *err, const char *deck_path, int line)
{
    if (err->code != AS_EINPUT || !strncmp(err->msg, deck_path, strlen(deck_path)))
        return err->code;
    if (line > 0)
        return as_error_prefix(err, "%s:%d: ", deck_path, line);
    return as_error_prefix(err, "%s: ", deck_path);
}

int as_cli_share(MPI_Comm comm, int rc, as_error *err)
{
    MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
    if (rc) {
        MPI_Bcast(err->msg, AS_ERROR_MSG_LEN, MPI_CHAR, 0, comm);
        err->code = rc;
    }
    return rc;
}

/* One deck, on rank 0: everything a later command would find wrong before computing (cli.h). */
static int check_one(const char *path, const as_deck *deck, const as_settings *s, char *summary, size_t n,
                     as_error *err)
{
    as_structure *st = NULL;
    as_model *m = NULL;
    as_kpoints *kp = NULL;
    double bytes = 0.0;
    int rc = AS_OK, nconf = -1;
    if (!(st = as_structure_from_settings(&s->structure, path, err)))
        return err->code;
    if ((rc = as_cli_model_kpoints(s, path, st, MPI_COMM_SELF, &m, &kp, err)))
        goto done;
    if ((rc = as_cli_check_size(s, path, m, kp, MPI_COMM_SELF, &bytes, err)))
        goto done;
    if (as_deck_has_section(deck, "scan") && (rc = as_scan_check(s, path, &nconf, err)))
        goto done;
    char formula[128];
    as_structure_formula(st, formula, sizeof formula);
    int w = snprintf(summary, n, "%s, %d atoms, %s, %d k-point%s, about %.0f MB", formula, st->natoms,
                     m->sym ? m->sym->international : "symmetry off", kp->nk, kp->nk == 1 ? "" : "s",
                     bytes / (1024.0 * 1024.0));
    if (nconf >= 0 && w > 0 && (size_t)w < n)
        snprintf(summary + w, n - (size_t)w, "; scan: %d configurations on the host as built", nconf);
done:
    as_kpoints_destroy(kp);
    as_model_destroy(m);
    as_structure_destroy(st);
    return rc;
}

int as_cmd_check(int argc, char **argv, MPI_Comm comm, as_error *err)
{
    as_cli_opts o;
    const char *decks[64];
    int nd = 0;
    if (as_cli_parse(argc, argv, &o, decks, &nd, 64, err))
        return err->code;
    if (o.dry_run)
        return as_error_set(err, AS_EINPUT, "--dry-run is an option of \'scan\' only");
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    for (int i = 0; i < nd; i++) {
        as_deck *deck = NULL;
        as_settings s;
        if (as_cli_load(decks[i], comm, &deck, &s, err))
            return err->code;
        /* the structure, model, k points, sizes and (a scan deck) configurations: rank 0; the others wait */
        char summary[512] = "";
        int rc = rank == 0 ? check_one(decks[i], deck, &s, summary, sizeof summary, err) : AS_OK;
        rc = as_cli_share(comm, rc, err);
        as_settings_free(&s);
        as_deck_destroy(deck);
        if (rc)
            return rc;
        as_log("%s: ok (%s)\n", decks[i], summary);
    }
    return AS_OK;
}
