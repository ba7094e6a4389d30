/* The scan's workflow (scan/scan.h, docs/scan.md). */
#include "scan/scan.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/log.h"
#include "core/timer.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/match.h"
#include "crystal/sites.h"
#include "crystal/symmetry.h"
#include "io/cif.h"
#include "io/sites_out.h"
#include "io/structure_input.h"
#include "parallel/layout.h"
#include "parallel/stop.h"
#include "pw/kpoints.h"
#include "relax/run.h"
#include "scan/classify.h"
#include "scan/compat.h"
#include "scan/config.h"
#include "scan/correction.h"
#include "scan/farm.h"
#include "scan/journal.h"
#include "scan/merge.h"
#include "scan/outcome.h"
#include "scan/plan.h"
#include "scan/rank.h"

#define FP_LEN 4096

typedef struct scan_ctx {
    const as_scan_job *job;
    MPI_Comm comm;
    int rank, size;
    char journal[AS_PATH_MAX + 32];
    char hostdir[AS_PATH_MAX + 32];
    as_journal_log *log;        /* rank 0: the journal as read at the start */
    as_structure *host;         /* relaxed (or, for a dry run, as built) */
    as_symmetry *sym;
    as_sites *sites;
    as_scan_configs *cs;
    double host_energy, host_gap;
    int host_first_scf;
    int host_relaxed;           /* the configurations are built on the relaxed host (else: a dry run before it) */
    void *seed;
    size_t seed_len;
    int *merged_into;           /* per configuration: the representative it was merged into (scan/merge.h), or -1 */
    double *merge_dev;          /* bohr: the largest atom deviation of that match */
} scan_ctx;

/* rank 0's status (and message) to every rank */
static int shared(const scan_ctx *x, int rc, as_error *err)
{
    MPI_Bcast(&rc, 1, MPI_INT, 0, x->comm);
    if (rc) {
        MPI_Bcast(err->msg, AS_ERROR_MSG_LEN, MPI_CHAR, 0, x->comm);
        err->code = rc;
    }
    return rc;
}

/* DIR/result.json and DIR/final.cif of a configuration that recombined in its prerelaxation: the
 * relaxed host's, with "recombined_in_prerelaxation": true and the relaxation's steps, SCF
 * iterations and wall time set to 0 (none were spent on it at the full cutoff).  Rank 0 of the group. */
/* The relaxed host's result.json and final.cif as a Frenkel configuration's own: the pair fell back into
 * the host, in its prerelaxation (relax NULL: no steps at the full cutoff) or in its relaxation at the
 * full cutoff (relax: the steps done before the watch stopped it). */
static int take_host_result(const scan_ctx *x, const char *dir, const as_relax_summary *relax, as_error *err)
{
    char src[AS_PATH_MAX + 64], dst[AS_PATH_MAX + 64];
    char *text = NULL, *cif = NULL, *out = NULL;
    size_t len = 0, clen = 0;
    cJSON *j = NULL;
    int rc;
    if ((rc = as_path_join(src, sizeof src, x->hostdir, "result.json", err)) ||
        (rc = as_file_read_all(src, &text, &len, err)))
        goto done;
    cJSON *rl;
    if (!(j = cJSON_ParseWithLength(text, len)) || !(rl = cJSON_GetObjectItemCaseSensitive(j, "relax"))) {
        rc = as_error_set(err, AS_EINPUT, "%s: not a relaxation's result", src);
        goto done;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(rl, "steps", cJSON_CreateNumber(relax ? relax->steps : 0));
    cJSON_ReplaceItemInObjectCaseSensitive(rl, "total_scf_iterations",
                                           cJSON_CreateNumber(relax ? (double)relax->scf_iterations : 0));
    cJSON_ReplaceItemInObjectCaseSensitive(rl, "wall_s", cJSON_CreateNumber(relax ? relax->wall : 0));
    cJSON_AddBoolToObject(j, "recombined_in_prerelaxation", !relax);
    cJSON_AddBoolToObject(j, "recombined_during_relaxation", relax != NULL);
    if (!(out = cJSON_Print(j))) {
        rc = as_error_nomem(err, "result.json", len);
        goto done;
    }
    if ((rc = as_path_join(src, sizeof src, x->hostdir, "final.cif", err)) ||
        (rc = as_file_read_all(src, &cif, &clen, err)) || (rc = as_path_join(dst, sizeof dst, dir, "final.cif", err)) ||
        (rc = as_file_write_atomic(dst, cif, clen, err)) ||
        (rc = as_path_join(dst, sizeof dst, dir, "result.json", err)) ||
        (rc = as_file_write_atomic(dst, out, strlen(out), err)))
        goto done;
done:
    cJSON_Delete(j);
    free(text);
    free(cif);
    free(out);
    return rc;
}

static int config_dir(const scan_ctx *x, const char *name, char *out, size_t n, as_error *err)
{
    char sub[AS_PATH_MAX];
    if (as_path_join(sub, sizeof sub, x->job->outdir, "configs", err))
        return err->code;
    return as_path_join(out, n, sub, name, err);
}

/* "key=value" from a journal detail (0 if absent) */
static double detail_value(const char *detail, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "%s=", key);
    const char *p = detail ? strstr(detail, k) : NULL;
    return p ? atof(p + strlen(k)) : 0.0;
}

/* ------------------------------------------------------------- settings ---- */
static int check_settings(scan_ctx *x, const as_structure *host0, as_error *err)
{
    char fp[FP_LEN];
    as_scan_fingerprint(x->job->set, host0, fp, sizeof fp);
    int rc = AS_OK;
    if (x->rank == 0) {
        rc = as_journal_read(x->journal, &x->log, err);
        if (rc == AS_OK) {
            static const char *const ev[] = {"settings", NULL};
            const as_journal_entry *e = as_journal_last(x->log, "-", ev);
            if (e)
                rc = as_scan_fingerprint_compare(e->detail, fp, x->journal, err);
            else if (!x->job->dry_run)
                rc = as_journal_append(x->journal, "settings", "-", fp, err);
            if (rc == AS_EINPUT)
                as_error_prefix(err, "%s: ", x->job->deck);
        }
    }
    return shared(x, rc, err);
}

/* ----------------------------------------------------------------- host ---- */
static int relax_host(scan_ctx *x, const as_structure *host0, as_error *err)
{
    const as_settings *set = x->job->set;
    int done = 0;
    if (x->rank == 0) {
        static const char *const ev[] = {"done", NULL};
        char p[AS_PATH_MAX + 64];
        done = as_journal_last(x->log, "host", ev) != NULL &&
               as_path_join(p, sizeof p, x->hostdir, "state.chk", err) == AS_OK && as_file_exists(p);
    }
    MPI_Bcast(&done, 1, MPI_INT, 0, x->comm);
    int rc = AS_OK;
    if (!done && x->job->dry_run) { /* the plan on the structure as built */
        return (x->host = as_structure_copy(host0, err)) ? AS_OK : err->code;
    }
    if (!done) {
        as_relax_settings rs = set->relax;
        rs.cell = set->scan.relax_host == AS_HOST_RELAX_CELL;
        if (set->scan.relax_host == AS_HOST_RELAX_NONE)
            rs.fmax = 1e30; /* one SCF: converged at the first step */
        as_log("  host             relaxing %s (%s) in %s/relax.log\n", x->job->deck,
               set->scan.relax_host == AS_HOST_RELAX_NONE ? "no relaxation: one SCF"
               : rs.cell                                  ? "positions and cell"
                                                          : "positions",
               x->hostdir);
        if (x->rank == 0 && !(rc = as_file_mkdirs(x->hostdir, err)))
            rc = as_journal_append(x->journal, "started", "host", "", err);
        if ((rc = shared(x, rc, err)))
            return rc;
        FILE *lf = NULL;
        if (x->rank == 0) {
            char lp[AS_PATH_MAX + 64];
            if (as_path_join(lp, sizeof lp, x->hostdir, "relax.log", err) == AS_OK)
                lf = fopen(lp, "a");
            as_log_set_stream(lf);
        }
        as_relax_job rj = {.comm = x->comm, .outdir = x->hostdir, .label = x->job->deck, .dft = &set->dft,
                           .relax = &rs, .start = host0, .npools = x->job->npools, .restart = 2,
                           .save_state = 1};
        as_relax_summary sum;
        rc = as_relax_run(&rj, &sum, err);
        if (x->rank == 0) {
            as_log_set_stream(NULL);
            if (lf)
                fclose(lf);
        }
        if (rc) {
            if (x->rank == 0) { /* a stop leaves the host "started": the scan continues its relaxation */
                as_error e2;
                as_journal_append(x->journal, rc == AS_ESTOPPED ? "stopped" : "failed", "host", err->msg, &e2);
            }
            return as_error_prefix(err, "the host's relaxation (%s/relax.log): ", x->hostdir);
        }
        if (x->rank == 0) {
            char d[128];
            snprintf(d, sizeof d, "steps=%d scf=%ld first_scf=%d", sum.steps, sum.scf_iterations, sum.first_scf);
            rc = as_journal_append(x->journal, "done", "host", d, err);
        }
        x->host_first_scf = sum.first_scf;
        if ((rc = shared(x, rc, err)))
            return rc;
    }
    /* everyone reads the relaxed host from its result.json */
    as_scan_record hr;
    memset(&hr, 0, sizeof hr);
    if (x->rank == 0) {
        rc = as_scan_outcome_read(x->hostdir, &hr, &x->host, err);
        if (!rc && !x->host_first_scf) {
            static const char *const ev[] = {"done", NULL};
            const as_journal_entry *e = as_journal_last(x->log, "host", ev);
            x->host_first_scf = e ? (int)detail_value(e->detail, "first_scf") : 0;
        }
    }
    if ((rc = shared(x, rc, err)))
        return rc;
    int n = x->rank == 0 ? x->host->natoms : 0;
    MPI_Bcast(&n, 1, MPI_INT, 0, x->comm);
    if (x->rank != 0 && !(x->host = as_structure_create(n, err)))
        return err->code; /* (allocation of a few atoms) */
    MPI_Bcast(x->host->lattice, 9, MPI_DOUBLE, 0, x->comm);
    MPI_Bcast(x->host->z, n, MPI_INT, 0, x->comm);
    MPI_Bcast(x->host->frac, 3 * n, MPI_DOUBLE, 0, x->comm);
    double eg[3] = {hr.energy, hr.gap, x->host_first_scf};
    MPI_Bcast(eg, 3, MPI_DOUBLE, 0, x->comm);
    x->host_energy = eg[0], x->host_gap = eg[1], x->host_first_scf = (int)eg[2];
    as_log("  host             E = %.8f Ha, gap %.4f eV (%s/result.json)\n", x->host_energy,
           x->host_gap * AS_HA_EV, x->hostdir);
    x->host_relaxed = 1;
    if (x->job->dry_run)
        return AS_OK;
    return as_relax_read_state(x->hostdir, x->comm, &x->seed, &x->seed_len, err);
}

/* ------------------------------------------------------ plan and journal ---- */
static const char *state_of(const scan_ctx *x, const char *name, const as_journal_entry **entry)
{
    static const char *const ev[] = {"planned", "started", "done", "failed", "merged", NULL};
    const as_journal_entry *e = x->log ? as_journal_last(x->log, name, ev) : NULL;
    if (entry)
        *entry = e;
    return e ? e->event : "new";
}

static void print_plan(const scan_ctx *x)
{
    as_log("\n  configuration           family                 site  vacancy (A)  mult  atoms  state\n");
    for (int i = 0; i < x->cs->n; i++) {
        const as_scan_config *c = &x->cs->c[i];
        char vac[32] = "          -";
        if (c->mode == AS_SCAN_FRENKEL)
            snprintf(vac, sizeof vac, "%4d %6.3f", c->vacancy + 1, c->vacancy_dist * AS_BOHR_ANG);
        as_log("  %-22s  %-20s  %4s  %11s  %4d  %5d  %s\n", c->name, c->family, x->sites->site[c->site].name, vac,
               c->multiplicity, c->start->natoms, state_of(x, c->name, NULL));
    }
}

/* initial.cif of every configuration, and "planned" for the new ones (rank 0) */
/* DIR/plan.json: every configuration as planned (the tests' independent enumerations read it) */
static int plan_json(const scan_ctx *x, as_error *err)
{
    cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "configurations");
    cJSON_AddStringToObject(j, "schema", "anionscan-plan/1");
    cJSON_AddStringToObject(j, "deck", x->job->deck);
    cJSON_AddBoolToObject(j, "host_relaxed", x->host_relaxed);
    cJSON_AddNumberToObject(j, "rattle_angstrom", x->job->set->scan.rattle * AS_BOHR_ANG);
    cJSON_AddNumberToObject(j, "seed", (double)x->job->set->scan.seed);
    for (int i = 0; i < x->cs->n; i++) {
        const as_scan_config *c = &x->cs->c[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", c->name);
        cJSON_AddStringToObject(o, "family", c->family);
        cJSON_AddStringToObject(o, "mode", c->mode == AS_SCAN_FRENKEL ? "frenkel" : "interstitial");
        cJSON_AddStringToObject(o, "species", as_element_symbol(c->species_z));
        cJSON_AddNumberToObject(o, "charge", c->charge);
        cJSON_AddStringToObject(o, "site", x->sites->site[c->site].name);
        cJSON_AddItemToObject(o, "site_frac", cJSON_CreateDoubleArray(c->site_frac, 3));
        cJSON_AddNumberToObject(o, "vacancy", c->vacancy >= 0 ? c->vacancy + 1 : 0);
        cJSON_AddNumberToObject(o, "vacancy_orbit", c->vacancy_orbit);
        cJSON_AddNumberToObject(o, "vacancy_distance_angstrom", c->vacancy_dist * AS_BOHR_ANG);
        cJSON_AddNumberToObject(o, "distortion", c->distortion);
        cJSON_AddNumberToObject(o, "multiplicity", c->multiplicity);
        cJSON_AddNumberToObject(o, "interstitial_atom", c->interstitial + 1);
        cJSON_AddNumberToObject(o, "natoms", c->start->natoms);
        cJSON_AddNumberToObject(o, "relative_cost", c->cost);
        cJSON_AddItemToArray(arr, o);
    }
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    char path[AS_PATH_MAX + 32];
    int rc = !text ? as_error_nomem(err, "plan.json", 0)
                   : as_path_join(path, sizeof path, x->job->outdir, "plan.json", err) ||
                             as_file_write_atomic(path, text, strlen(text), err)
                         ? err->code
                         : AS_OK;
    free(text);
    return rc;
}

static int write_plan(scan_ctx *x, as_error *err)
{
    int rc = AS_OK;
    if (x->rank == 0) {
        char hp[AS_PATH_MAX + 32];
        if ((rc = as_sites_write_all(x->job->outdir, x->sites, x->host, x->sym, err)) ||
            (rc = as_path_join(hp, sizeof hp, x->job->outdir, "host.cif", err)) ||
            (rc = as_cif_write(hp, x->host, NULL, x->host_relaxed ? "host (relaxed)" : "host (unrelaxed)", err)) ||
            (rc = plan_json(x, err)))
            return shared(x, rc, err);
        for (int i = 0; i < x->cs->n && !rc; i++) {
            const as_scan_config *c = &x->cs->c[i];
            char dir[AS_PATH_MAX + 64], path[AS_PATH_MAX + 96], title[160];
            snprintf(title, sizeof title, "%s start (%s)", c->name, c->family);
            if ((rc = config_dir(x, c->name, dir, sizeof dir, err)) || (rc = as_file_mkdirs(dir, err)) ||
                (rc = as_path_join(path, sizeof path, dir, "initial.cif", err)) ||
                (rc = as_cif_write(path, c->start, NULL, title, err)))
                break;
            if (!x->job->dry_run && !strcmp(state_of(x, c->name, NULL), "new")) {
                char d[160];
                snprintf(d, sizeof d, "family=%s site=%s multiplicity=%d", c->family, x->sites->site[c->site].name,
                         c->multiplicity);
                rc = as_journal_append(x->journal, "planned", c->name, d, err);
            }
        }
    }
    return shared(x, rc, err);
}

/* Ranks per configuration group that k-point pools use at full efficiency: the most that divide both the
 * ranks and a configuration's k-points (the deck's mesh reduced by time reversal only, as a configuration
 * keeps no symmetry), 1 at Gamma or when the mesh cannot be made. */
static int pool_ranks(const scan_ctx *x)
{
    const as_dft_settings *dft = &x->job->set->dft;
    if (dft->gamma_only)
        return 1;
    as_error e;
    as_error_clear(&e);
    as_kpoints *kp = as_kpoints_mesh(x->host, dft->kmesh, dft->kshift, 0, 1e-5, &e);
    const int nk = kp ? kp->nk : 1;
    as_kpoints_destroy(kp);
    int r = nk < x->size ? nk : x->size;
    while (r > 1 && (nk % r || x->size % r))
        r--;
    return r;
}

/* The configuration groups: --groups, [parallel] groups, or automatically: each group as many ranks as its
 * k-point pools use at full efficiency (pool_ranks), so one per rank at Gamma; at most one per pending
 * configuration; fewer while a configuration's estimated memory per rank would not fit into a rank's share of
 * the node's available memory (larger groups share the plane waves and so the memory).  Larger groups lose
 * nothing where pools scale, and the scan's last configurations then run on more ranks instead of one group
 * running them alone while the others wait (docs/scan.md, window 7: 780 s of a 2044 s scan). */
static int choose_groups(const scan_ctx *x, int npending)
{
    int ng = x->job->ngroups > 0 ? x->job->ngroups : x->job->set->parallel.groups;
    if (ng > 0)
        return ng < x->size ? ng : x->size;
    const int per_group = pool_ranks(x);
    ng = x->size / per_group;
    if (npending < ng)
        ng = npending;
    if (ng < 1)
        ng = 1;
    const double avail_mb = as_layout_memory_per_rank(x->comm) / (1024.0 * 1024.0);
    for (; ng > 1; ng--) {
        as_scan_cost c;
        as_scan_cost_estimate(x->cs, &x->job->set->dft, x->job->set->scan.prerelax, x->size, ng, &c);
        if (c.mem_per_rank_mb < avail_mb)
            break;
    }
    return ng;
}

/* ------------------------------------------------------------------ farm ---- */
static int by_cost(const void *a, const void *b, void *cfgs)
{
    const as_scan_config *cfg = cfgs;
    const int i = *(const int *)a, j = *(const int *)b;
    const double x = cfg[i].cost, y = cfg[j].cost;
    return x > y ? -1 : x < y ? 1 : (i > j) - (i < j);
}

/* The relaxations' watch (relax/run.h) for a Frenkel configuration: has the pair fallen back into the
 * host?  as_scan_is_recombined (scan/classify.h), asked of every structure before its SCF: once the
 * vacancy is refilled (every atom within AS_SCAN_REFILL_TOL_ANG of a host atom of its element), the rest
 * of the relaxation would only let the host's octahedra settle back. */
typedef struct recombination_watch {
    const as_scan_config *c;
    const as_structure *host;
} recombination_watch;

static int watch_recombined(const as_structure *s, void *arg)
{
    const recombination_watch *w = arg;
    as_error e;
    as_error_clear(&e);
    return as_scan_is_recombined(s, w->c, w->host, &e) == 1;
}

/* On the group's first rank: has the Frenkel pair recombined in a prerelaxation (stage 1, "prerelax",
 * or one of the corrected rounds, "prerelax2")?  Either the watch stopped it, or it converged (final:
 * its structure) with the vacancy refilled.  Then the configuration takes the host's results (take_host_result): 1. */
static int prerelax_recombined(scan_ctx *x, const as_scan_config *c, const char *dir, const char *stage,
                               const as_relax_summary *pre, const as_structure *final, double ecut)
{
    as_error e;
    as_error_clear(&e);
    int r = 0;
    if (pre->watched) {
        r = take_host_result(x, dir, NULL, &e) == AS_OK;
        if (r)
            as_log("%s: the pair recombined before step %d (its vacancy refilled: every atom within %.2f "
                   "angstrom of a host atom); the configuration takes the host's results (%s/result.json), no "
                   "relaxation at %.4g Ha\n\n", stage, pre->steps + 1, AS_SCAN_REFILL_TOL_ANG, x->hostdir, ecut);
    } else if (final && pre->converged) {
        r = as_scan_is_recombined(final, c, x->host, &e) == 1 && take_host_result(x, dir, NULL, &e) == AS_OK;
        if (r)
            as_log("%s: the pair recombined (its vacancy refilled: every atom within %.2f angstrom of a host "
                   "atom); the configuration takes the host's results (%s/result.json), no relaxation at %.4g "
                   "Ha\n\n", stage, AS_SCAN_REFILL_TOL_ANG, x->hostdir, ecut);
    }
    if (!r && e.msg[0])
        as_log("%s: %s; the relaxation at %.4g Ha runs\n\n", stage, e.msg, ecut);
    return r;
}

/* The corrected prerelaxation of one configuration (scan/correction.h), after stage 1 converged at
 * start (its structure), in rounds k = 1, 2, ... (at most AS_SCAN_CORRECT_ROUNDS):
 *   DIR/probeK       one SCF at the full cutoff at start (its state seeds the next probe and stage 2);
 *                    when its forces are below correct_fmax (the deck's fmax, not below
 *                    AS_SCAN_CORRECT_FMAX_MIN_EV_ANG), or above AS_SCAN_CORRECT_GAIN times
 *                    the last probe's (the shift does not hold that far), the rounds end;
 *   DIR/prerelaxK+1  the lower cutoff from start, with the last Hessian and the last lower-cutoff
 *                    state, every force shifted by the two cutoffs' difference at start, to
 *                    correct_fmax; start's positions and hess become its final structure's (on an SCF failure
 *                    at a step j > 1, that step's).  When it took at most one step, the two surfaces
 *                    agree where it stands and the rounds end.
 * pre2 sums the rounds' steps and SCF iterations (watched: a Frenkel pair recombined in one of them).
 * upto > 0: a merging pass (relax_all) stops after round upto when the rounds would go on (*parked).
 * A failed run only ends the rounds; AS_ESTOPPED (a graceful stop) is returned with err. */
typedef struct corrected_stage {
    scan_ctx *x;
    const as_scan_config *c;
    MPI_Comm group;
    const char *dir;
    const as_dft_settings *dft, *d1;  /* the full and the lower cutoff's settings */
    const as_relax_settings *rs, *r1;
    recombination_watch *rw;
    as_structure *start;
    double *hess;                     /* ncoord^2, or NULL (not BFGS) */
    int upto;                         /* > 0: stop after this round if the rounds would go on */
} corrected_stage;

/* The force the corrected rounds relax to: the deck's fmax, not below AS_SCAN_CORRECT_FMAX_MIN_EV_ANG. */
static double correct_fmax(const as_relax_settings *rs)
{
    return fmax(rs->fmax, AS_SCAN_CORRECT_FMAX_MIN_EV_ANG / AS_HA_BOHR_EV_ANG);
}

/* One round's relaxation on the shifted surface (above); 1 when start moved, 0 when not, or a status. */
static int shifted_relax(const corrected_stage *cs, const char *p2dir, const as_scan_shift *sh, const void *seed,
                         size_t seed_len, as_relax_summary *p, as_error *err)
{
    int grank = 0;
    MPI_Comm_rank(cs->group, &grank);
    const int natoms = cs->start->natoms;
    const size_t ncoord = 3 * (size_t)natoms;
    as_relax_settings r2 = *cs->r1;
    r2.fmax = correct_fmax(cs->rs);
    as_dft_settings d2 = *cs->d1;
    d2.scf_tol = as_scan_stage_scf_tol(cs->dft->scf_tol, r2.fmax, cs->rs->fmax);
    double *h2 = cs->hess ? malloc(ncoord * ncoord * sizeof *h2) : NULL;
    double(*origin)[3] = malloc((size_t)natoms * sizeof *origin);
    double(*last)[3] = malloc((size_t)natoms * sizeof *last);
    int ok = origin && last && (h2 || !cs->hess), rc = AS_OK;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, cs->group);
    if (!ok) {
        as_log("prerelax: no memory for the corrected prerelaxation\n");
        goto done;
    }
    memcpy(origin, cs->start->frac, (size_t)natoms * sizeof *origin);
    as_log("prerelax: corrected, at %.4g Ha with every force shifted by that difference, to fmax %.4g eV/angstrom, "
           "scf_tol %.3g Ha (in %s)\n", d2.ecut, r2.fmax * AS_HA_BOHR_EV_ANG, d2.scf_tol, p2dir);
    as_relax_job j2 = {.comm = cs->group, .outdir = p2dir, .label = cs->c->name, .dft = &d2, .relax = &r2,
                       .start = cs->start, .npools = cs->x->job->npools, .restart = 2,
                       .auto_smearing = d2.smearing == AS_SMEAR_NONE, .adaptive_scf = 1, .seed = seed,
                       .seed_len = seed_len, .save_state = 1, .hessian_in = cs->hess, .hessian_out = h2,
                       .watch = cs->c->mode == AS_SCAN_FRENKEL ? watch_recombined : NULL, .watch_arg = cs->rw,
                       .frac_out = last, .force_shift = (const double(*)[3])sh->shift,
                       .shift_origin = (const double(*)[3])origin};
    as_error e2;
    as_error_clear(&e2);
    rc = as_relax_run(&j2, p, &e2);
    if (rc == AS_ESTOPPED) {
        *err = e2;
        goto done;
    }
    rc = AS_OK;
    if (p->watched)
        goto done;
    int m = 0;
    if (grank == 0 && p->steps > 0) {
        as_scan_record tmp;
        as_structure *s2 = NULL;
        as_error er;
        as_error_clear(&er);
        if (!p->scf_failed && as_scan_outcome_read(p2dir, &tmp, &s2, &er) == AS_OK && s2->natoms == natoms) {
            memcpy(last, s2->frac, (size_t)natoms * sizeof *last);
            m = natoms;
        } else if (p->scf_failed && p->have_frac) {
            m = natoms;
        }
        as_structure_destroy(s2);
    }
    MPI_Bcast(&m, 1, MPI_INT, 0, cs->group);
    if (m > 0) {
        MPI_Bcast(last, 3 * m, MPI_DOUBLE, 0, cs->group);
        memcpy(cs->start->frac, last, (size_t)natoms * sizeof *last);
        if (cs->hess && p->hessian)
            memcpy(cs->hess, h2, ncoord * ncoord * sizeof *h2);
        as_log("prerelax: corrected, %d steps, %ld SCF iterations%s\n", p->steps, p->scf_iterations,
               p->scf_failed ? " (its last SCF failed)" : "");
        rc = 1;
    } else {
        as_log("prerelax: the corrected prerelaxation gave no structure (%s)\n", e2.msg[0] ? e2.msg : "no step");
    }
done:
    free(h2);
    free(origin);
    free(last);
    return rc;
}

static int corrected_prerelax(const corrected_stage *cs, as_relax_summary *pre2, int *probe_scf, void **seed,
                              size_t *seed_len, int *parked, as_error *err)
{
    *parked = 0;
    int grank = 0;
    MPI_Comm_rank(cs->group, &grank);
    const int natoms = cs->start->natoms;
    char lowdir[AS_PATH_MAX + 96], qdir[AS_PATH_MAX + 96], p2dir[AS_PATH_MAX + 96];
    void *lowstate = NULL, *qstate = NULL; /* the last lower-cutoff and full-cutoff states */
    size_t lowlen = 0, qlen = 0;
    as_error e;
    as_error_clear(&e);
    int rc = AS_OK;
    double fprev = 0.0; /* the last probe's largest force */
    if (as_path_join(lowdir, sizeof lowdir, cs->dir, "prerelax", &e))
        return AS_OK;
    if (as_relax_read_state(lowdir, cs->group, &lowstate, &lowlen, &e) != AS_OK)
        lowstate = NULL, lowlen = 0;
    for (int k = 1; k <= AS_SCAN_CORRECT_ROUNDS; k++) {
        char name[32];
        snprintf(name, sizeof name, "probe%d", k);
        if (as_path_join(qdir, sizeof qdir, cs->dir, name, &e))
            break;
        snprintf(name, sizeof name, "prerelax%d", k + 1);
        if (as_path_join(p2dir, sizeof p2dir, cs->dir, name, &e))
            break;
        /* the full cutoff's forces at start: a relaxation that converges at its first step */
        as_relax_settings rq = *cs->rs;
        rq.fmax = 1e3;
        rq.max_steps = 1;
        /* its forces are compared with correct_fmax and shift the rounds: as accurate as they need */
        as_dft_settings dq = *cs->dft;
        dq.scf_tol = as_scan_stage_scf_tol(cs->dft->scf_tol, correct_fmax(cs->rs), cs->rs->fmax);
        as_relax_job qj = {.comm = cs->group, .outdir = qdir, .label = cs->c->name, .dft = &dq, .relax = &rq,
                           .start = cs->start, .npools = cs->x->job->npools, .restart = 2,
                           .auto_smearing = cs->dft->smearing == AS_SMEAR_NONE, .seed = qstate, .seed_len = qlen,
                           .save_state = 1, .quiet = 1};
        as_relax_summary q;
        rc = as_relax_run(&qj, &q, &e);
        *probe_scf += (int)q.scf_iterations;
        if (rc == AS_ESTOPPED) {
            *err = e;
            break;
        }
        if (rc != AS_OK) {
            as_log("prerelax: the SCF at %.4g Ha at its structure failed (%s); no correction\n", cs->dft->ecut, e.msg);
            rc = AS_OK;
            break;
        }
        free(qstate);
        if (as_relax_read_state(qdir, cs->group, &qstate, &qlen, &e) != AS_OK)
            qstate = NULL, qlen = 0;
        /* the shift, read on the first rank */
        as_scan_shift sh;
        memset(&sh, 0, sizeof sh);
        int n = 0;
        if (grank == 0) {
            if (as_scan_shift_read(lowdir, qdir, natoms, &sh, &e) == AS_OK)
                n = natoms;
            else
                as_log("prerelax: %s; no correction\n", e.msg);
        }
        MPI_Bcast(&n, 1, MPI_INT, 0, cs->group);
        if (n > 0 && grank != 0 && !(sh.shift = malloc((size_t)n * sizeof *sh.shift)))
            n = 0;
        int ok = n > 0;
        MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, cs->group);
        if (!ok) {
            as_scan_shift_free(&sh);
            break;
        }
        MPI_Bcast(sh.shift, 3 * n, MPI_DOUBLE, 0, cs->group);
        double f[3] = {sh.fmax_full, sh.fmax_low, sh.largest};
        MPI_Bcast(f, 3, MPI_DOUBLE, 0, cs->group);
        sh.fmax_full = f[0], sh.fmax_low = f[1], sh.largest = f[2], sh.natoms = n;
        as_log("prerelax: round %d: at its structure max|F| = %.4g eV/angstrom at %.4g Ha (%ld SCF iterations in %s), "
               "%.4g at %.4g Ha; the two cutoffs' forces differ by up to %.4g\n", k, sh.fmax_full * AS_HA_BOHR_EV_ANG,
               cs->dft->ecut, q.scf_iterations, qdir, sh.fmax_low * AS_HA_BOHR_EV_ANG, cs->d1->ecut,
               sh.largest * AS_HA_BOHR_EV_ANG);
        if (sh.fmax_full < correct_fmax(cs->rs)) {
            as_log("prerelax: below %.4g eV/angstrom at %.4g Ha already\n", correct_fmax(cs->rs) * AS_HA_BOHR_EV_ANG,
                   cs->dft->ecut);
            as_scan_shift_free(&sh);
            break;
        }
        if (k > 1 && sh.fmax_full > AS_SCAN_CORRECT_GAIN * fprev) {
            as_log("prerelax: the last round brought the forces at %.4g Ha down from %.4g to %.4g eV/angstrom only: "
                   "the shift does not hold that far\n", cs->dft->ecut, fprev * AS_HA_BOHR_EV_ANG,
                   sh.fmax_full * AS_HA_BOHR_EV_ANG);
            as_scan_shift_free(&sh);
            break;
        }
        fprev = sh.fmax_full;
        as_relax_summary p;
        memset(&p, 0, sizeof p);
        rc = shifted_relax(cs, p2dir, &sh, lowstate, lowlen, &p, err);
        as_scan_shift_free(&sh);
        pre2->steps += p.steps;
        pre2->scf_iterations += p.scf_iterations;
        pre2->converged = p.converged;
        pre2->watched = p.watched;
        if (rc == AS_ESTOPPED || p.watched)
            break;
        const int moved = rc == 1;
        rc = AS_OK;
        if (!moved || p.steps <= 1) /* the two surfaces agree where it stands */
            break;
        free(lowstate);
        snprintf(lowdir, sizeof lowdir, "%s", p2dir);
        if (as_relax_read_state(lowdir, cs->group, &lowstate, &lowlen, &e) != AS_OK)
            lowstate = NULL, lowlen = 0;
        if (cs->upto > 0 && k >= cs->upto && k < AS_SCAN_CORRECT_ROUNDS) {
            *parked = 1;
            break;
        }
    }
    if (*parked)
        as_log("prerelax: round %d done; the merging of the configurations comes before the next\n\n", cs->upto);
    else if (rc != AS_ESTOPPED && !pre2->watched)
        as_log("prerelax: the relaxation at %.4g Ha starts from the last structure\n\n", cs->dft->ecut);
    free(lowstate);
    *seed = qstate;
    *seed_len = qstate ? qlen : 0;
    return rc;
}

/* One configuration on the ranks of group; the group's first rank keeps the journal and prints. */
/* stop_after >= 0: a merging pass (relax_all, scan/merge.h): the configuration stops after its
 * prerelaxation (0) or after corrected round stop_after, if it goes on from there (nothing journaled
 * but "started"); one that recombined, failed or ended its rounds is finished at once.  -1: to the end.
 * announce: journal "started" (the later passes do not: every configuration was started in the first). */
static int run_config(scan_ctx *x, const as_scan_config *c, MPI_Comm group, int ngroups, int gid, int task,
                      int ntasks, double t_farm, double *my_wall, int *my_done, int stop_after, int announce)
{
    int grank = 0, gsize = 1;
    MPI_Comm_rank(group, &grank);
    MPI_Comm_size(group, &gsize);
    as_error err;
    as_error_clear(&err);
    char dir[AS_PATH_MAX + 64];
    if (config_dir(x, c->name, dir, sizeof dir, &err))
        return err.code;
    const double t0 = as_wtime();
    if (grank == 0 && announce) {
        char d[96];
        snprintf(d, sizeof d, "group=%d of %d, %d ranks", gid + 1, ngroups, gsize);
        if (as_journal_append(x->journal, "started", c->name, d, &err))
            fprintf(stderr, "anionscan: %s\n", err.msg);
    }
    /* the configuration's electronic settings: the deck's, with the extra anion's charge and, for a
     * neutral extra halogen (an odd electron count), spin polarisation */
    as_dft_settings dft = x->job->set->dft;
    as_relax_settings rs = x->job->set->relax;
    rs.cell = 0;
    rs.keep_symmetry = 0;
    if (c->mode == AS_SCAN_INTERSTITIAL) {
        dft.charge += c->charge;
        if (c->charge == 0 && dft.spin == AS_SPIN_NONE) {
            dft.spin = AS_SPIN_COLLINEAR;
            dft.magnetization = NAN;
        }
    }
    const int console = as_log_enabled();
    FILE *lf = NULL;
    if (grank == 0) {
        char lp[AS_PATH_MAX + 96];
        if (as_file_mkdirs(dir, &err) == AS_OK && as_path_join(lp, sizeof lp, dir, "relax.log", &err) == AS_OK)
            lf = fopen(lp, "a");
    }
    as_log_set_enabled(grank == 0 && lf);
    if (grank == 0)
        as_log_set_stream(lf);
    /* stage 1 (prerelax): at a lower cutoff to a looser fmax, in DIR/prerelax; its final structure
     * starts stage 2, the relaxation at the deck's settings.  A stage 1 that fails leaves stage 2 to
     * start from the configuration's own start. */
    const as_structure *start = c->start;
    as_structure *start2 = NULL;
    double *hess = NULL; /* stage 1's BFGS Hessian: stage 2's starting curvature */
    double (*last)[3] = NULL; /* stage 1's last positions */
    as_relax_summary pre;
    memset(&pre, 0, sizeof pre);
    const as_scan_settings *sc = &x->job->set->scan;
    int stopped1 = 0;
    recombination_watch rw = {.c = c, .host = x->host};
    int (*watch)(const as_structure *, void *) = c->mode == AS_SCAN_FRENKEL ? watch_recombined : NULL;
    as_dft_settings d1 = dft; /* the prerelaxation's settings */
    as_relax_settings r1 = rs;
    const int correct = sc->prerelax && sc->prerelax_correct;
    if (sc->prerelax) {
        char pdir[AS_PATH_MAX + 96];
        d1.ecut = sc->prerelax_ecut > 0.0 ? sc->prerelax_ecut : AS_SCAN_PRERELAX_ECUT * dft.ecut;
        r1.fmax = sc->prerelax_fmax > 0.0 ? sc->prerelax_fmax
                                          : fmax(AS_SCAN_PRERELAX_FMAX * rs.fmax, AS_SCAN_PRERELAX_FMAX_MIN);
        d1.scf_tol = as_scan_stage_scf_tol(dft.scf_tol, r1.fmax, rs.fmax);
        as_log("prerelax: %.4g Ha, fmax %.4g eV/angstrom, scf_tol %.3g Ha (in %s/prerelax)\n", d1.ecut,
               r1.fmax * AS_HA_BOHR_EV_ANG, d1.scf_tol, dir);
        as_error e1;
        as_error_clear(&e1);
        int rc1 = as_path_join(pdir, sizeof pdir, dir, "prerelax", &e1);
        const size_t ncoord = 3 * (size_t)c->start->natoms;
        if (rc1 == AS_OK && rs.method == AS_RELAX_BFGS && !(hess = malloc(ncoord * ncoord * sizeof *hess)))
            rc1 = as_error_nomem(&e1, "the prerelaxation's Hessian", ncoord * ncoord * sizeof *hess);
        if (rc1 == AS_OK && !(last = malloc((size_t)c->start->natoms * sizeof *last)))
            rc1 = as_error_nomem(&e1, "the prerelaxation's positions", (size_t)c->start->natoms * sizeof *last);
        if (rc1 == AS_OK) {
            as_relax_job pj = {.comm = group, .outdir = pdir, .label = c->name, .dft = &d1, .relax = &r1,
                               .start = c->start, .npools = x->job->npools, .restart = 2,
                               .auto_smearing = d1.smearing == AS_SMEAR_NONE, .adaptive_scf = 1,
                               .hessian_out = hess, .watch = watch, .watch_arg = &rw, .frac_out = last,
                               .save_state = correct};
            rc1 = as_relax_run(&pj, &pre, &e1);
        }
        if (rc1 == AS_ESTOPPED) /* a graceful stop: stage 2 waits for the restart */
            stopped1 = 1, err = e1;
        /* its final structure, read by the group's first rank and sent to the others */
        int n = 0;
        if (grank == 0 && !stopped1 && !pre.watched && (rc1 == AS_OK || pre.steps > 0)) {
            as_scan_record tmp;
            as_error er; /* e1 keeps why the prerelaxation stopped */
            as_error_clear(&er);
            if (as_scan_outcome_read(pdir, &tmp, &start2, &er) != AS_OK || start2->natoms != c->start->natoms) {
                as_structure_destroy(start2);
                start2 = NULL;
            }
            n = start2 ? start2->natoms : 0;
        }
        MPI_Bcast(&n, 1, MPI_INT, 0, group);
        /* a step's SCF failed at the lower cutoff (rarer at the full one): stage 2 goes on from that
         * step's structure and the curvature so far, not from the start (the steps done count) */
        const int went_on = n == 0 && !stopped1 && !pre.watched && pre.scf_failed && pre.have_frac && pre.steps > 0;
        if (went_on) {
            if ((start2 = as_structure_copy(c->start, &e1))) {
                memcpy(start2->frac, last, (size_t)c->start->natoms * sizeof *last);
                n = c->start->natoms;
                as_log("prerelax: %s\nprerelax: the relaxation at %.4g Ha goes on from the structure of step %d\n",
                       e1.msg, dft.ecut, pre.steps + 1);
            }
        }
        if (n > 0 && grank != 0 && !start2 && !(start2 = as_structure_copy(c->start, &e1)))
            n = 0;
        if (n > 0) {
            MPI_Bcast(start2->frac, 3 * n, MPI_DOUBLE, 0, group);
            memcpy(start2->z, c->start->z, (size_t)n * sizeof *start2->z);
            memcpy(start2->lattice, c->start->lattice, sizeof start2->lattice);
            start = start2;
            as_log("prerelax: %d steps, %ld SCF iterations; the relaxation at %.4g Ha starts from its structure%s\n\n",
                   pre.steps, pre.scf_iterations, dft.ecut, pre.hessian ? " and its BFGS Hessian" : "");
        } else if (!stopped1 && !pre.watched) {
            as_log("prerelax: no usable structure (%s); the relaxation starts from initial.cif\n\n",
                   e1.msg[0] ? e1.msg : "failed");
        }
    }
    /* a Frenkel pair that recombined in the prerelaxation is the host: stage 2 would only relax the host
     * again.  It takes the relaxed host's results (take_host_result) and is classified `recombined`. */
    int recombined = 0;
    if (grank == 0 && !stopped1)
        recombined = prerelax_recombined(x, c, dir, "prerelax", &pre, start2, dft.ecut);
    MPI_Bcast(&recombined, 1, MPI_INT, 0, group);
    /* the merging pass stops a converged prerelaxation here: merged or not is decided once every
     * configuration has come this far */
    int parked = stop_after == 0 && !recombined && !stopped1 && start2 && pre.converged;
    /* the corrected prerelaxation (scan/correction.h): the full cutoff's forces at stage 1's structure,
     * then stage 1 goes on from there on the shifted surface to the deck's fmax (not below
     * AS_SCAN_CORRECT_FMAX_MIN_EV_ANG: correct_fmax) */
    as_relax_summary pre2;
    memset(&pre2, 0, sizeof pre2);
    int probe_scf = 0;
    void *seed2 = NULL; /* the probe's converged state: stage 2's first density */
    size_t seed2_len = 0;
    if (correct && !parked && !recombined && !stopped1 && start2 && pre.converged) {
        corrected_stage cs = {.x = x, .c = c, .group = group, .dir = dir, .dft = &dft, .rs = &rs, .d1 = &d1,
                              .r1 = &r1, .rw = &rw, .start = start2, .hess = hess,
                              .upto = stop_after > 0 ? stop_after : 0};
        int rc2 = corrected_prerelax(&cs, &pre2, &probe_scf, &seed2, &seed2_len, &parked, &err);
        if (rc2 == AS_ESTOPPED)
            stopped1 = 1;
        else if (grank == 0)
            recombined = prerelax_recombined(x, c, dir, "prerelax2", &pre2, start2, dft.ecut);
        MPI_Bcast(&recombined, 1, MPI_INT, 0, group);
    }
    /* stage 2 starts with stage 1's curvature: the two surfaces differ in their forces (the cutoff) far
     * more than in their force constants, so its first steps are near-Newton steps, not the short
     * steps of a fresh h0 I (docs/scan.md) */
    as_relax_job rj = {.comm = group, .outdir = dir, .label = c->name, .dft = &dft, .relax = &rs,
                       .start = start, .npools = x->job->npools, .restart = 2,
                       .auto_smearing = dft.smearing == AS_SMEAR_NONE, .seed = seed2 ? seed2 : x->seed,
                       .seed_len = seed2 ? seed2_len : x->seed_len,
                       .adaptive_scf = 1, .hessian_in = start2 && pre.hessian ? hess : NULL,
                       .watch = watch, .watch_arg = &rw};
    as_relax_summary sum;
    memset(&sum, 0, sizeof sum);
    int rc = stopped1 ? AS_ESTOPPED : recombined || parked ? AS_OK : as_relax_run(&rj, &sum, &err);
    if (rc == AS_OK && sum.watched) { /* recombined at the full cutoff: the host's results, as above */
        if (grank == 0) {
            rc = take_host_result(x, dir, &sum, &err);
            if (rc == AS_OK)
                as_log("the pair recombined before step %d (its vacancy refilled: every atom within %.2f "
                       "angstrom of a host atom); the configuration takes the host's results (%s/result.json)\n",
                       sum.steps + 1, AS_SCAN_REFILL_TOL_ANG, x->hostdir);
        }
        MPI_Bcast(&rc, 1, MPI_INT, 0, group);
        if (rc && grank != 0)
            as_error_set(&err, rc, "%s: the host's results could not be taken (see the group's first rank)", c->name);
    }
    as_structure_destroy(start2);
    free(hess);
    free(last);
    free(seed2);
    if (grank == 0) {
        as_log_set_stream(NULL);
        if (lf)
            fclose(lf);
    }
    as_log_set_enabled(console);
    const double wall = as_wtime() - t0;
    if (parked) {
        if (grank == 0) {
            char what[32];
            snprintf(what, sizeof what, stop_after > 0 ? "round %d" : "prerelaxed", stop_after);
            printf("  %-10s %-18s %3d steps %4ld SCF  %7.1f s  (elapsed %.0f s)\n", what, c->name,
                   stop_after > 0 ? pre2.steps : pre.steps, stop_after > 0 ? pre2.scf_iterations : pre.scf_iterations,
                   wall, as_wtime() - t_farm);
            fflush(stdout);
        }
        return AS_OK;
    }
    if (rc == AS_ESTOPPED) {
        /* a graceful stop: "started" stands (the restart continues from relax.chk); "stopped" says why */
        if (grank == 0) {
            as_error e2;
            if (as_journal_append(x->journal, "stopped", c->name, err.msg, &e2))
                fprintf(stderr, "anionscan: %s\n", e2.msg);
            printf("  STOPPED %-21s %s  %7.1f s  (elapsed %.0f s)\n", c->name, err.msg, wall, as_wtime() - t_farm);
            fflush(stdout);
        }
        return AS_ESTOPPED;
    }
    int io = 0; /* a file fault: not the configuration's; the scan stops (exit 4) and the restart continues it */
    if (grank == 0) {
        as_error e2;
        as_scan_record r;
        memset(&r, 0, sizeof r);
        char d[AS_ERROR_MSG_LEN + 128];
        if (rc == AS_EIO) {
            /* it stays "started": after the fault is fixed the restart continues it from its relax.chk */
            fprintf(stderr, "anionscan: %s: %s\n", c->name, err.msg);
            if (as_journal_append(x->journal, "stopped", c->name, err.msg, &e2))
                fprintf(stderr, "anionscan: %s\n", e2.msg);
            printf("  STOPPED %-21s file error (above)  %7.1f s\n", c->name, wall);
            fflush(stdout);
            io = 1;
        } else if (rc == AS_OK && as_scan_outcome_read(dir, &r, NULL, &e2) == AS_OK) {
            snprintf(d, sizeof d, "energy_ha=%.10f gap_ev=%.6f steps=%d scf=%ld first_scf=%d seeded=%d smeared=%d "
                     "pre_steps=%d pre_scf=%ld wall_s=%.1f", r.energy, r.gap * AS_HA_EV, sum.steps, sum.scf_iterations,
                     sum.first_scf, sum.seeded, sum.smeared, pre.steps + pre2.steps,
                     pre.scf_iterations + pre2.scf_iterations + probe_scf, wall);
            if (as_journal_append(x->journal, "done", c->name, d, &e2))
                fprintf(stderr, "anionscan: %s\n", e2.msg), io = 1;
        } else {
            if (rc == AS_OK)
                err = e2, rc = e2.code;
            snprintf(d, sizeof d, "status=%d %s", rc, err.msg);
            if (as_journal_append(x->journal, "failed", c->name, d, &e2))
                fprintf(stderr, "anionscan: %s\n", e2.msg), io = 1;
        }
        if (io) {
            MPI_Bcast(&io, 1, MPI_INT, 0, group);
            return AS_EIO;
        }
        *my_wall += wall;
        (*my_done)++;
        /* ETA: the tasks not yet handed out, at this group's mean time, spread over the groups */
        const int left = ntasks - task - 1 > 0 ? ntasks - task - 1 : 0;
        const double eta = left * (*my_wall / *my_done) / ngroups;
        if (rc == AS_OK)
            printf("  done   %-22s E = %.8f Ha  gap %.4f eV  %3d+%d steps %4ld+%ld SCF  %7.1f s  (elapsed %.0f s, "
                   "ETA %.0f s)\n", c->name, r.energy, r.gap * AS_HA_EV, pre.steps + pre2.steps, sum.steps,
                   pre.scf_iterations + pre2.scf_iterations + probe_scf, sum.scf_iterations, wall,
                   as_wtime() - t_farm, eta);
        else
            printf("  FAILED %-22s %s  %7.1f s  (elapsed %.0f s, ETA %.0f s)\n", c->name,
                   rc == AS_ENOCONV ? "not converged" : "error", wall, as_wtime() - t_farm, eta);
        fflush(stdout);
    }
    MPI_Bcast(&io, 1, MPI_INT, 0, group);
    return io ? AS_EIO : AS_OK; /* a failed configuration is recorded, not fatal; a file fault stops the scan */
}

/* "the prerelaxation" (k = 0) or "corrected round k": the pass after which a configuration was merged */
static const char *merge_pass(int k, char *buf, size_t n)
{
    snprintf(buf, n, k > 0 ? "corrected round %d" : "the prerelaxation", k);
    return buf;
}

/* Rank 0: x->log becomes the journal as it is now (the passes before appended to it). */
static int journal_reload(scan_ctx *x, as_error *err)
{
    as_journal_log *log = NULL;
    if (as_journal_read(x->journal, &log, err))
        return err->code;
    as_journal_log_destroy(x->log);
    x->log = log;
    return AS_OK;
}

/* Relax the pending configurations (neither done nor failed nor merged) on groups of ranks; stop_after
 * and announce as run_config's.  *nran: how many there were. */
static int farm(scan_ctx *x, int stop_after, int announce, int *nran, as_error *err)
{
    int *pend = malloc((size_t)x->cs->n * sizeof *pend), np = 0;
    if (!pend)
        return as_error_nomem(err, "pending list", (size_t)x->cs->n * sizeof *pend);
    if (x->rank == 0) {
        as_error ej; /* unreadable now: the journal as read before stands */
        journal_reload(x, &ej);
        for (int i = 0; i < x->cs->n; i++) {
            const char *st = state_of(x, x->cs->c[i].name, NULL);
            if (strcmp(st, "done") && strcmp(st, "failed") && x->merged_into[i] < 0)
                pend[np++] = i;
        }
    }
    MPI_Bcast(&np, 1, MPI_INT, 0, x->comm);
    MPI_Bcast(pend, np, MPI_INT, 0, x->comm);
    *nran = np;
    if (np == 0) {
        free(pend);
        return AS_OK;
    }
    qsort_r(pend, (size_t)np, sizeof *pend, by_cost, x->cs->c); /* most expensive first */
    const int ng = choose_groups(x, np);
    MPI_Comm group;
    int gid = 0;
    if (as_layout_split_groups(x->comm, ng, &group, &gid, err)) {
        free(pend);
        return err->code;
    }
    const char *what = stop_after == 0 ? "prerelaxing" : stop_after > 0 ? "correcting" : "relaxing";
    as_log("\n  %s %d configuration%s on %d rank%s in %d group%s (most expensive first); each log in "
           "%s/configs/NAME/relax.log\n", what, np, np > 1 ? "s" : "", x->size, x->size > 1 ? "s" : "", ng,
           ng > 1 ? "s" : "", x->job->outdir);
    fflush(stdout);
    as_farm *f = as_farm_create(x->comm, group, np, err);
    int rc = f ? AS_OK : err->code;
    const double t_farm = as_wtime();
    double my_wall = 0.0;
    int my_done = 0;
    int eio = 0;
    for (int t; f;) {
        /* a signal or the time budget (parallel/stop.h): no group takes another configuration */
        if (as_stop_check(group, 0.0))
            as_farm_stop(f);
        if ((t = as_farm_next(f)) < 0)
            break;
        const int rcc = run_config(x, &x->cs->c[pend[t]], group, ng, gid, t, np, t_farm, &my_wall, &my_done,
                                   stop_after, announce);
        if (rcc == AS_ESTOPPED || rcc == AS_EIO)
            as_farm_stop(f);
        eio |= rcc == AS_EIO;
    }
    int stopped = f ? as_farm_stopped(f) : 0;
    as_farm_destroy(f);
    MPI_Comm_free(&group);
    free(pend);
    MPI_Allreduce(MPI_IN_PLACE, &stopped, 1, MPI_INT, MPI_MAX, x->comm);
    MPI_Allreduce(MPI_IN_PLACE, &eio, 1, MPI_INT, MPI_MAX, x->comm);
    if (rc == AS_OK && eio)
        rc = as_error_set(err, AS_EIO, "the scan stopped on a file error (above: the file and the cause; a full "
                          "disk?); every finished configuration is kept and the stopped one continues from its last "
                          "ionic step: fix it (free space) and run the same command again (--restart)");
    if (rc == AS_OK && stopped) {
        char why[160];
        rc = as_error_set(err, AS_ESTOPPED, "the scan stopped (%s); every finished configuration is kept and a "
                          "started one continues from its last ionic step: run the same command again (--restart)",
                          as_stop_reason(why, sizeof why));
    }
    return rc;
}

/* A configuration's structure and energy at the lower cutoff after stage k (0: the prerelaxation, k:
 * corrected round k), or after the last one before it that converged (its rounds ended earlier);
 * *s NULL when none did.  Every stage is on the lower cutoff's surface (the trajectories and
 * result.json keep the unshifted energies), so the energies compare across configurations. */
static void stage_result(const scan_ctx *x, const as_scan_config *c, int k, double *energy, as_structure **s)
{
    *s = NULL;
    char dir[AS_PATH_MAX + 64], sdir[AS_PATH_MAX + 96], name[32];
    as_error e;
    if (config_dir(x, c->name, dir, sizeof dir, &e) != AS_OK)
        return;
    for (int j = k; j >= 0 && !*s; j--) {
        if (j == 0)
            snprintf(name, sizeof name, "prerelax");
        else
            snprintf(name, sizeof name, "prerelax%d", j + 1);
        as_scan_record r;
        as_structure *t = NULL;
        if (as_path_join(sdir, sizeof sdir, dir, name, &e) == AS_OK && as_file_exists(sdir) &&
            as_scan_outcome_read(sdir, &r, &t, &e) == AS_OK && r.cls == AS_CLASS_OK &&
            t->natoms == c->start->natoms) {
            *energy = r.energy;
            *s = t;
        } else {
            as_structure_destroy(t);
        }
    }
}

/* Merging after stage k (scan/merge.h), on rank 0, sent to every rank: x->merged_into from the stages'
 * result.json files (stage_result).  A configuration merged before stays merged unless its
 * representative failed (then it is relaxed itself); a failed one takes no part; a done one is a
 * representative.  "merged" in the journal for each configuration newly merged. */
static int merge_decide(scan_ctx *x, int k, as_error *err)
{
    const int n = x->cs->n;
    int rc = AS_OK;
    if (x->rank == 0) {
        as_scan_merge_item *item = calloc((size_t)n, sizeof *item);
        as_structure **s1 = calloc((size_t)n, sizeof *s1);
        if (!item || !s1)
            rc = as_error_nomem(err, "merging", (size_t)n * sizeof *item);
        int *into = calloc((size_t)n, sizeof *into);
        double *dev = calloc((size_t)n, sizeof *dev);
        if (rc == AS_OK && (!into || !dev))
            rc = as_error_nomem(err, "merging", (size_t)n * sizeof *dev);
        if (rc == AS_OK)
            rc = journal_reload(x, err);
        /* merged before: stays so while its representative has not failed */
        for (int i = 0; rc == AS_OK && i < n; i++) {
            const int j = x->merged_into[i];
            if (j >= 0 && !strcmp(state_of(x, x->cs->c[j].name, NULL), "failed")) {
                as_log("  unmerged   %-18s its representative %s failed: it is relaxed itself\n", x->cs->c[i].name,
                       x->cs->c[j].name);
                x->merged_into[i] = -2; /* pending again, no candidate now */
            }
        }
        for (int i = 0; rc == AS_OK && i < n; i++) {
            const char *st = state_of(x, x->cs->c[i].name, NULL);
            item[i].family = x->cs->c[i].family;
            item[i].fixed = !strcmp(st, "done");
            if (strcmp(st, "failed") && x->merged_into[i] == -1) {
                stage_result(x, &x->cs->c[i], k, &item[i].energy, &s1[i]);
                item[i].s = s1[i];
            }
        }
        if (rc == AS_OK)
            rc = as_scan_merge(item, n, x->sym, x->job->set->scan.merge_tol, into, dev, err);
        for (int i = 0; rc == AS_OK && i < n; i++) {
            if (x->merged_into[i] == -2)
                x->merged_into[i] = -1;
            if (into[i] < 0 || x->merged_into[i] >= 0)
                continue;
            x->merged_into[i] = into[i];
            x->merge_dev[i] = dev[i];
            const int j = into[i];
            if (!strcmp(state_of(x, x->cs->c[i].name, NULL), "merged"))
                continue;
            char d[160];
            snprintf(d, sizeof d, "into=%s stage=%d max_dev_ang=%.4f e_low_ha=%.10f e_low_into_ha=%.10f",
                     x->cs->c[j].name, k, x->merge_dev[i] * AS_BOHR_ANG, item[i].energy, item[j].energy);
            rc = as_journal_append(x->journal, "merged", x->cs->c[i].name, d, err);
            char when[48];
            as_log("  merged     %-18s same as %s after %s (every atom within %.3f angstrom); not relaxed further\n",
                   x->cs->c[i].name, x->cs->c[j].name, merge_pass(k, when, sizeof when), x->merge_dev[i] * AS_BOHR_ANG);
        }
        for (int i = 0; s1 && i < n; i++)
            as_structure_destroy(s1[i]);
        free(s1);
        free(item);
        free(into);
        free(dev);
    }
    if ((rc = shared(x, rc, err)))
        return rc;
    MPI_Bcast(x->merged_into, n, MPI_INT, 0, x->comm);
    MPI_Bcast(x->merge_dev, n, MPI_DOUBLE, 0, x->comm);
    return AS_OK;
}

/* The configurations' relaxations.  With merging (the default with the prerelaxation): a pass that
 * prerelaxes every configuration, the merging; a pass for every corrected round but the last, the
 * merging; then the rest for the representatives, again while a representative failed (its merged
 * configurations are then relaxed themselves). */
static int relax_all(scan_ctx *x, as_error *err)
{
    const as_scan_settings *sc = &x->job->set->scan;
    const int merging = sc->prerelax && sc->merge_tol > 0.0;
    const int stages = merging ? (sc->prerelax_correct ? AS_SCAN_CORRECT_ROUNDS : 1) : 0;
    int rc = AS_OK, nran = 0, total = 0;
    /* the merges of an earlier run stand (the journal): every pass then decides as that run did */
    if (merging && x->rank == 0)
        for (int i = 0; i < x->cs->n; i++) {
            const as_journal_entry *e = NULL;
            if (strcmp(state_of(x, x->cs->c[i].name, &e), "merged"))
                continue;
            const char *p = strstr(e->detail, "into=");
            char rep[AS_SCAN_NAME_LEN] = "";
            if (p)
                sscanf(p + 5, "%63s", rep);
            for (int j = 0; j < x->cs->n; j++)
                if (j != i && !strcmp(x->cs->c[j].name, rep)) {
                    x->merged_into[i] = j;
                    x->merge_dev[i] = detail_value(e->detail, "max_dev_ang") * AS_ANG_BOHR;
                }
        }
    MPI_Bcast(x->merged_into, x->cs->n, MPI_INT, 0, x->comm);
    MPI_Bcast(x->merge_dev, x->cs->n, MPI_DOUBLE, 0, x->comm);
    for (int k = 0; k < stages; k++) {
        if ((rc = farm(x, k, k == 0, &nran, err)) || (rc = merge_decide(x, k, err)))
            return rc;
        total += nran;
    }
    for (int pass = 0; pass < x->cs->n + 1; pass++) {
        if (merging && pass > 0 && (rc = merge_decide(x, stages, err)))
            return rc;
        if ((rc = farm(x, -1, !merging, &nran, err)))
            return rc;
        total += nran;
        if (!merging || nran == 0)
            break;
    }
    if (total == 0)
        as_log("\n  every configuration is finished; ranking from their files\n");
    return AS_OK;
}

/* ---------------------------------------------------------------- ranking ---- */
static int rank_all(scan_ctx *x, int *failed, as_error *err)
{
    const int n = x->cs->n;
    as_scan_record *rec = calloc((size_t)n, sizeof *rec);
    as_structure **fin = calloc((size_t)n, sizeof *fin);
    as_ranking *r = NULL;
    int rc = AS_OK, nfailed = 0, seeded_n = 0;
    double first_sum = 0.0;
    char *sig = NULL;
    if (!rec || !fin) {
        rc = as_error_nomem(err, "records", (size_t)n * sizeof *rec);
        goto done;
    }
    if ((rc = journal_reload(x, err)))
        goto done;
    for (int i = 0; i < n; i++) {
        const as_scan_config *c = &x->cs->c[i];
        as_scan_record *q = &rec[i];
        snprintf(q->name, sizeof q->name, "%s", c->name);
        snprintf(q->family, sizeof q->family, "%s", c->family);
        snprintf(q->mode, sizeof q->mode, "%s", c->mode == AS_SCAN_FRENKEL ? "frenkel" : "interstitial");
        q->species_z = c->species_z;
        q->charge = c->charge;
        snprintf(q->site, sizeof q->site, "%s", x->sites->site[c->site].name);
        q->multiplicity = c->multiplicity;
        const as_journal_entry *e = NULL;
        const char *st = state_of(x, c->name, &e);
        char dir[AS_PATH_MAX + 64];
        as_error e2;
        if (!strcmp(st, "merged") && x->merged_into[i] >= 0) {
            /* "same as" the configuration that was relaxed to the end: a representative merged in a later
             * round hands its merged configurations on to its own */
            int root = x->merged_into[i];
            for (int hops = 0; x->merged_into[root] >= 0 && hops < n; hops++)
                root = x->merged_into[root];
            q->cls = AS_CLASS_SAME;
            q->have_energy = 0;
            char via[AS_SCAN_NAME_LEN + 16] = "";
            if (root != x->merged_into[i])
                snprintf(via, sizeof via, " into %s", x->cs->c[x->merged_into[i]].name);
            char when[48];
            snprintf(q->detail, sizeof q->detail, "same as %s (merged after %s%s: every atom within "
                     "%.3f angstrom; not relaxed further)", x->cs->c[root].name,
                     merge_pass(e ? (int)detail_value(e->detail, "stage") : 0, when, sizeof when), via,
                     x->merge_dev[i] * AS_BOHR_ANG);
            continue;
        }
        if (!strcmp(st, "done") && config_dir(x, c->name, dir, sizeof dir, &e2) == AS_OK &&
            as_scan_outcome_read(dir, q, &fin[i], &e2) == AS_OK) {
            q->cls = AS_CLASS_OK;
            if (detail_value(e->detail, "seeded") > 0)
                first_sum += detail_value(e->detail, "first_scf"), seeded_n++;
            continue;
        }
        q->cls = AS_CLASS_FAILED;
        q->have_energy = 0;
        nfailed++;
        if (!strcmp(st, "failed"))
            snprintf(q->detail, sizeof q->detail, "%.200s", e->detail);
        else if (!strcmp(st, "done"))
            snprintf(q->detail, sizeof q->detail, "its results cannot be read: %.200s", e2.msg);
        else
            snprintf(q->detail, sizeof q->detail, "not computed (state: %s)", st);
    }
    if ((rc = as_scan_classify(rec, fin, x->cs->c, n, x->host, x->sym, x->sites, x->job->set->scan.cluster_tol,
                               x->job->set->scan.same_energy, err)))
        goto done;
    as_rank_params p;
    as_rank_params_default(&p);
    p.temperature = x->job->set->scan.temperature;
    p.reference = x->job->set->scan.reference[0] ? x->job->set->scan.reference : NULL;
    p.host_energy = x->host_energy;
    p.host_gap = x->host_gap;
    p.formula_units = as_structure_count(x->host, 82) > 0 ? as_structure_count(x->host, 82) : 1;
    as_error e3;
    sig = as_compat_signature(x->hostdir, &e3); /* for anionscan report (scan/compat.h) */
    p.settings = sig;
    if (!(r = as_rank_compute(rec, n, &p, err))) {
        rc = err->code;
        if (rc == AS_EINPUT && x->job->set->scan.reference_line)
            as_error_prefix(err, "%s:%d: ", x->job->deck, x->job->set->scan.reference_line);
        goto done;
    }
    as_rank_print(r, rec, &p);
    rc = as_rank_write(x->job->outdir, r, rec, n, &p, err);
    free(sig);
    sig = NULL;
    if (rc)
        goto done;
    if (seeded_n)
        as_log("\n  first SCF from the host's density: %.1f iterations on average over %d configurations "
               "(the host's own first SCF from atomic densities: %d)\n", first_sum / seeded_n, seeded_n,
               x->host_first_scf);
    as_log("  wrote %s/{ranking.csv,ranking.json,report.md}\n", x->job->outdir);
    *failed = nfailed;
    if (nfailed)
        as_log("  %d configuration%s failed or could not be read (listed above with the reason; their logs are in "
               "%s/configs/NAME/relax.log)\n", nfailed, nfailed > 1 ? "s" : "", x->job->outdir);
done:
    free(sig);
    as_ranking_destroy(r);
    for (int i = 0; fin && i < n; i++)
        as_structure_destroy(fin[i]);
    free(fin);
    free(rec);
    return rc;
}

/* ------------------------------------------------------------------ run ---- */
static int find_sites(scan_ctx *x, as_error *err)
{
    if (!(x->sym = as_symmetry_create(x->host, 0.0, err)))
        return err->code;
    as_sites_params p;
    as_sites_params_from_scan(&p, &x->job->set->scan, x->host);
    if (!(x->sites = as_sites_find(x->host, x->sym, &p, err)))
        return err->code;
    for (int i = 0; i < x->job->set->scan.npositions; i++) {
        char name[16];
        snprintf(name, sizeof name, "u%d", i + 1);
        if (as_sites_add_point(x->sites, x->host, x->sym, x->job->set->scan.positions[i], name, err))
            return err->code;
    }
    if (!(x->cs = as_scan_configs_build(x->host, x->sym, x->sites, &x->job->set->scan, x->job->deck, err)))
        return err->code;
    return AS_OK;
}

static void dry_run_report(const scan_ctx *x)
{
    as_scan_cost c;
    const int ng = choose_groups(x, x->cs->n);
    as_scan_cost_estimate(x->cs, &x->job->set->dft, x->job->set->scan.prerelax, x->size, ng, &c);
    const int as_given = x->job->set->scan.relax_host == AS_HOST_RELAX_NONE;
    as_log("\n  dry run: %d configurations on the %s; starting structures in %s/configs/NAME/initial.cif\n",
           x->cs->n,
           as_given ? "host as given (relax_host = none)" : x->host_relaxed ? "relaxed host" : "unrelaxed host",
           x->job->outdir);
    as_log("  estimate         %.0f SCF equivalents (%.1f per relaxation, measured on the demonstration scan)\n",
           c.scf_equivalents, c.scf_equivalents / x->cs->n);
    as_log("                   %.0f s per SCF on one rank, %.0f MB per rank, wall time %.0f s (%.1f h) on %d rank%s "
           "in %d group%s, plus the host's %s (model: docs/scan.md; within a factor of two or three; configurations "
           "that merge or recombine on the way cost less)\n", c.seconds_per_scf, c.mem_per_rank_mb, c.wall_s,
           c.wall_s / 3600.0, x->size, x->size > 1 ? "s" : "", ng, ng > 1 ? "s" : "", as_given ? "SCF" : "relaxation");
}

int as_scan_run(const as_scan_job *job, as_error *err)
{
    const double t0 = as_wtime();
    scan_ctx x;
    memset(&x, 0, sizeof x);
    x.job = job;
    x.comm = job->comm;
    MPI_Comm_rank(x.comm, &x.rank);
    MPI_Comm_size(x.comm, &x.size);
    as_structure *host0 = NULL;
    int rc = AS_OK;
    if ((rc = as_path_join(x.journal, sizeof x.journal, job->outdir, "scan.journal", err)) ||
        (rc = as_path_join(x.hostdir, sizeof x.hostdir, job->outdir, "host", err)))
        return rc;
    if (x.rank == 0)
        rc = as_file_mkdirs(job->outdir, err);
    if ((rc = shared(&x, rc, err)))
        return rc;
    if (!(host0 = as_structure_from_settings(&job->set->structure, job->deck, err)))
        return err->code;
    char formula[256];
    as_structure_formula(host0, formula, sizeof formula);
    as_log("anionscan scan: %s\n  host             %s, %d atoms; output in %s\n", job->deck, formula, host0->natoms,
           job->outdir);
    if ((rc = check_settings(&x, host0, err)))
        goto done;
    if ((rc = relax_host(&x, host0, err)))
        goto done;
    if (x.rank == 0)
        rc = find_sites(&x, err);
    if ((rc = shared(&x, rc, err)))
        goto done;
    if (x.rank != 0 && (rc = find_sites(&x, err)))
        goto done; /* deterministic: the same list on every rank */
    as_log("  sites            %d used of %d (%s)\n", job->set->scan.nsites ? job->set->scan.nsites : x.sites->nsites,
           x.sites->nsites_all, x.sites->host_group);
    print_plan(&x);
    if ((rc = write_plan(&x, err)))
        goto done;
    if (job->dry_run) {
        dry_run_report(&x);
        goto done;
    }
    if (!(x.merged_into = malloc((size_t)x.cs->n * sizeof *x.merged_into)) ||
        !(x.merge_dev = malloc((size_t)x.cs->n * sizeof *x.merge_dev))) {
        rc = as_error_nomem(err, "merging", (size_t)x.cs->n * sizeof *x.merge_dev);
        goto done;
    }
    for (int i = 0; i < x.cs->n; i++)
        x.merged_into[i] = -1, x.merge_dev[i] = -1.0;
    if ((rc = relax_all(&x, err)))
        goto done;
    int nfailed = 0;
    if (x.rank == 0)
        rc = rank_all(&x, &nfailed, err);
    if ((rc = shared(&x, rc, err)))
        goto done;
    as_log("  scan finished in %.1f s\n", as_wtime() - t0);
    MPI_Bcast(&nfailed, 1, MPI_INT, 0, x.comm);
    if (nfailed)
        rc = as_error_set(err, AS_ENOCONV, "%d of %d configurations failed (the ranking lists them with the "
                          "reason and ranks the others); exit status 3", nfailed, x.cs->n);
done:
    free(x.merged_into);
    free(x.merge_dev);
    free(x.seed);
    as_scan_configs_destroy(x.cs);
    as_sites_destroy(x.sites);
    as_symmetry_destroy(x.sym);
    as_structure_destroy(x.host);
    as_structure_destroy(host0);
    as_journal_log_destroy(x.log);
    return rc;
}

int as_scan_check(const as_settings *set, const char *deck, int *nconfigs, as_error *err)
{
    as_scan_job job = {.comm = MPI_COMM_SELF, .deck = deck, .set = set, .outdir = "", .dry_run = 1};
    scan_ctx x;
    memset(&x, 0, sizeof x);
    x.job = &job;
    x.comm = MPI_COMM_SELF;
    *nconfigs = 0;
    int rc = AS_OK;
    if (!(x.host = as_structure_from_settings(&set->structure, deck, err)))
        return err->code;
    if ((rc = find_sites(&x, err)) == AS_OK)
        *nconfigs = x.cs->n;
    as_scan_configs_destroy(x.cs);
    as_sites_destroy(x.sites);
    as_symmetry_destroy(x.sym);
    as_structure_destroy(x.host);
    return rc;
}
