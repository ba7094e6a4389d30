/* The relaxation driver (relax/run.h): the loop of cmd relax, reusable by the scan. */
#include "relax/run.h"

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
#include "io/cif.h"
#include "io/extxyz.h"
#include "parallel/stop.h"
#include "pw/bandedges.h"
#include "pw/calculator.h"
#include "pw/forces.h"
#include "pw/report.h"
#include "relax/calc_state.h"
#include "relax/checkpoint.h"
#include "relax/progress.h"
#include "relax/relax.h"
#include "relax/serial.h"

#define CHK_MAGIC "ASRELAX2" /* 2: the auto-smearing flag after the optimizer state */
#define STATE_MAGIC "ASCALC01"
#define EV_ANG3 (AS_HA_EV / (AS_BOHR_ANG * AS_BOHR_ANG * AS_BOHR_ANG)) /* Ha/bohr^3 -> eV/angstrom^3 */

typedef struct relax_run {
    const as_relax_job *job;
    MPI_Comm comm;
    int rank, nranks;
    as_dft_settings dft;     /* the job's, with smearing when auto_smearing switched it on */
    as_relax *r;
    as_calculator *c;
    as_structure *base;      /* the structure the calculator's model was built from */
    as_strbuf traj;
    int stalled;             /* stopped for want of progress (relax/progress.h) */
} relax_run;

/* Every rank gets rank 0's status (and rank 0 keeps the message). */
static int on_root(relax_run *run, int rc, as_error *err)
{
    MPI_Bcast(&rc, 1, MPI_INT, 0, run->comm);
    if (rc)
        MPI_Bcast(err->msg, AS_ERROR_MSG_LEN, MPI_CHAR, 0, run->comm), err->code = rc;
    return rc;
}

static int path_in(const relax_run *run, const char *name, char *out, size_t n, as_error *err)
{
    return as_path_join(out, n, run->job->outdir, name, err);
}

/* relax state + calculator state + trajectory text -> DIR/relax.chk (collective: every rank's share of
 * the wavefunctions goes to rank 0, which writes the file). */
static int write_checkpoint(relax_run *run, as_error *err)
{
    as_ser b;
    as_ser_init(&b);
    if (run->rank == 0) {
        as_relax_save(run->r, &b);
        /* auto smearing: 0 off; 1 on; minus the band count when on with the bands pinned (the SCF guard's
         * smeared retry keeps those of the fixed occupations, fewer than a smeared start chooses: the
         * calculator read back must have them, pw/calculator.c) */
        const int on = run->dft.smearing != run->job->dft->smearing;
        as_ser_put_i32(&b, !on ? 0 : run->dft.nbands != run->job->dft->nbands ? -run->dft.nbands : 1);
    }
    int rc = as_calc_state_save(run->c, run->base, &b, err);
    if (rc == AS_OK && run->rank == 0) {
        char path[AS_PATH_MAX + 32];
        const int64_t tl = (int64_t)run->traj.len;
        as_ser_put(&b, &tl, sizeof tl);
        as_ser_put(&b, run->traj.data, run->traj.len);
        if (b.failed || run->traj.failed)
            rc = as_error_nomem(err, "checkpoint", b.len);
        else if (!(rc = path_in(run, "relax.chk", path, sizeof path, err)))
            rc = as_checkpoint_write(path, CHK_MAGIC, b.data, b.len, err);
    }
    as_ser_free(&b);
    return on_root(run, rc, err);
}

static void smear(as_dft_settings *dft)
{
    dft->smearing = AS_SMEAR_MARZARI_VANDERBILT;
    dft->smearing_width = AS_RELAX_AUTO_SMEARING_HA;
}

static int read_checkpoint(relax_run *run, const char *path, as_error *err)
{
    void *payload = NULL;
    size_t len = 0;
    if (as_checkpoint_read(path, CHK_MAGIC, &payload, &len, err))
        return err->code;
    as_ser b;
    as_ser_wrap(&b, payload, len);
    int rc = AS_OK;
    if (!(run->r = as_relax_load(&b, run->job->start, run->job->relax, err))) {
        rc = as_error_prefix(err, "%s cannot be continued: ", path);
        goto done;
    }
    const int32_t smeared = as_ser_get_i32(&b); /* write_checkpoint's */
    if (smeared == 1 || smeared < 0)
        smear(&run->dft);
    if (smeared < 0)
        run->dft.nbands = -smeared;
    if (!(run->c = as_calculator_create(&run->dft, run->comm, run->job->npools, err)) ||
        as_calc_state_load(run->c, &b, &run->base, err)) {
        rc = as_error_prefix(err, "%s cannot be continued: ", path);
        goto done;
    }
    run->c->opts.quiet = 1;
    int64_t tl = 0;
    as_ser_get(&b, &tl, sizeof tl);
    const void *t = tl >= 0 ? as_ser_peek(&b, (size_t)tl) : NULL;
    if (!t || b.pos != b.len) {
        rc = as_error_set(err, AS_EIO, "%s has a damaged trajectory record; restore it from a copy, or delete it and start afresh", path);
        goto done;
    }
    as_strbuf_init(&run->traj);
    if (tl > 0)
        as_strbuf_printf(&run->traj, "%.*s", (int)tl, (const char *)t);
done:
    free(payload);
    return rc;
}

static int append_frame(relax_run *run, const as_structure *s, const as_calc_result *res, as_error *err)
{
    const int n = s->natoms;
    double *f = malloc((size_t)n * 3 * sizeof *f);
    if (!f)
        return as_error_nomem(err, "trajectory", (size_t)n * 24);
    for (int a = 0; a < n; a++)
        for (int i = 0; i < 3; i++)
            f[3 * a + i] = res->forces[a][i] * AS_HA_BOHR_EV_ANG;
    as_extxyz_column col = {"forces", 3, f};
    /* the gap on the k mesh at this step (as result.json's gap_mesh_ev: the highest fully occupied to the
     * lowest empty state), so that one sees whether it settled with the structure (docs/relax.md) */
    as_band_edges be = {0};
    if (as_band_edges_compute(run->c->m, run->c->d, run->c->st, AS_EDGES_MESH, &be, err)) {
        free(f);
        return err->code;
    }
    const double gap = be.gap_mesh;
    as_band_edges_free(&be);
    char stress[512] = "";
    as_extxyz_info info[8];
    int ni = 0;
    info[ni++] = (as_extxyz_info){"energy", NULL, res->energy * AS_HA_EV};
    if (res->have_stress) {
        int w = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) /* ASE's sign: -QE's */
                w += snprintf(stress + w, sizeof stress - (size_t)w, "%s%.10g", w ? " " : "",
                              -res->stress[i][j] * EV_ANG3);
        info[ni++] = (as_extxyz_info){"stress", stress, 0};
    }
    info[ni++] = (as_extxyz_info){"step", NULL, run->r->step};
    info[ni++] = (as_extxyz_info){"max_force", NULL, run->r->max_force * AS_HA_BOHR_EV_ANG};
    info[ni++] = (as_extxyz_info){"scf_iterations", NULL, res->scf_iterations};
    if (isfinite(gap))
        info[ni++] = (as_extxyz_info){"gap", NULL, gap * AS_HA_EV};
    int rc = as_extxyz_append(&run->traj, s, &col, 1, info, ni, err);
    free(f);
    return rc;
}

static int write_trajectory(relax_run *run, as_error *err)
{
    int rc = AS_OK;
    if (run->rank == 0) {
        char path[AS_PATH_MAX + 32];
        if (!(rc = path_in(run, "trajectory.extxyz", path, sizeof path, err)))
            rc = as_strbuf_write_atomic(&run->traj, path, err);
    }
    return on_root(run, rc, err);
}

/* The "relax" block of result.json. */
static cJSON *relax_block(const relax_run *run, const as_structure *s, int seeded)
{
    const as_relax *r = run->r;
    const as_relax_settings *rs = run->job->relax;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "method", rs->method == AS_RELAX_FIRE ? "fire" : "bfgs");
    cJSON_AddBoolToObject(o, "cell", rs->cell);
    cJSON_AddNumberToObject(o, "steps", r->step);
    cJSON_AddBoolToObject(o, "converged", r->converged);
    cJSON_AddBoolToObject(o, "stalled", run->stalled);
    cJSON_AddNumberToObject(o, "fmax_ev_per_ang", rs->fmax * AS_HA_BOHR_EV_ANG);
    cJSON_AddNumberToObject(o, "final_max_force_ev_per_ang", r->max_force * AS_HA_BOHR_EV_ANG);
    cJSON_AddNumberToObject(o, "total_scf_iterations", (double)r->total_scf);
    if (rs->cell) {
        cJSON_AddNumberToObject(o, "stress_tol_gpa", rs->stress_tol * AS_HA_BOHR3_GPA);
        cJSON_AddNumberToObject(o, "target_pressure_gpa", rs->pressure * AS_HA_BOHR3_GPA);
        cJSON_AddNumberToObject(o, "final_max_stress_gpa", r->max_stress * AS_HA_BOHR3_GPA);
        cJSON_AddNumberToObject(o, "enthalpy_ha", r->enthalpy);
    }
    cJSON_AddBoolToObject(o, "keep_symmetry", rs->keep_symmetry);
    cJSON_AddBoolToObject(o, "auto_smearing", run->dft.smearing != run->job->dft->smearing);
    cJSON_AddBoolToObject(o, "seeded", seeded);
    cJSON *lat = cJSON_AddArrayToObject(o, "lattice_angstrom");
    for (int i = 0; i < 3; i++) {
        double v[3] = {s->lattice[i][0] * AS_BOHR_ANG, s->lattice[i][1] * AS_BOHR_ANG, s->lattice[i][2] * AS_BOHR_ANG};
        cJSON_AddItemToArray(lat, cJSON_CreateDoubleArray(v, 3));
    }
    cJSON_AddNumberToObject(o, "volume_ang3", fabs(as_lattice_volume(s->lattice)) * pow(AS_BOHR_ANG, 3));
    cJSON *pos = cJSON_AddArrayToObject(o, "positions_frac");
    cJSON *sym = cJSON_AddArrayToObject(o, "symbols");
    for (int a = 0; a < s->natoms; a++) {
        cJSON_AddItemToArray(pos, cJSON_CreateDoubleArray(s->frac[a], 3));
        cJSON_AddItemToArray(sym, cJSON_CreateString(as_element_symbol(s->z[a])));
    }
    cJSON_AddNumberToObject(o, "wall_s", r->wall);
    return o;
}

/* result.json (scf schema) + "relax" block, final.cif, the final breakdown, state.chk. */
static int write_final(relax_run *run, const as_structure *s, const as_calc_result *res, double wall, int seeded,
                       as_error *err)
{
    const as_calculator *c = run->c;
    as_band_edges be = {0};
    as_stress_terms terms;
    double stress[3][3];
    int rc;
    if ((rc = as_band_edges_compute(c->m, c->d, c->st, run->dft.band_edges, &be, err)) ||
        (rc = as_stress(c->m, c->d, c->st, stress, &terms, err)))
        goto done;
    if (!run->job->quiet) {
        as_report_energies(c->m, c->st, &res->terms, &be);
        as_report_forces_stress(c->m, (const double(*)[3])res->forces, stress, &terms);
    }
    if (run->job->save_state) {
        as_ser b;
        as_ser_init(&b);
        rc = as_calc_state_save(run->c, run->base, &b, err);
        if (rc == AS_OK && run->rank == 0) {
            char path[AS_PATH_MAX + 32];
            if (b.failed)
                rc = as_error_nomem(err, "state.chk", b.len);
            else if (!(rc = path_in(run, "state.chk", path, sizeof path, err)))
                rc = as_checkpoint_write(path, STATE_MAGIC, b.data, b.len, err);
        }
        as_ser_free(&b);
        if ((rc = on_root(run, rc, err)))
            goto done;
    }
    if (run->rank == 0) {
        char path[AS_PATH_MAX + 32];
        as_scf_result sr;
        memset(&sr, 0, sizeof sr);
        sr.e = res->terms;
        sr.converged = res->converged;
        sr.iterations = res->scf_iterations;
        sr.wall = res->wall;
        char *text = NULL;
        size_t len = 0;
        cJSON *j = NULL;
        if ((rc = path_in(run, "final.cif", path, sizeof path, err)) ||
            (rc = as_cif_write(path, s, NULL, "relaxed", err)) ||
            (rc = path_in(run, "result.json", path, sizeof path, err)) ||
            (rc = as_report_write_result(path, c->m, c->d, c->st, &sr, &be, (const double(*)[3])res->forces,
                                         (const double(*)[3])stress, run->nranks, wall, err)) ||
            (rc = as_file_read_all(path, &text, &len, err)))
            goto root_done;
        if (!(j = cJSON_Parse(text))) {
            rc = as_error_set(err, AS_EINTERNAL, "%s: cannot re-read what was just written", path);
            goto root_done;
        }
        free(text);
        cJSON_AddItemToObject(j, "relax", relax_block(run, s, seeded));
        if (!(text = cJSON_Print(j))) {
            rc = as_error_nomem(err, "result.json", 0);
            goto root_done;
        }
        rc = as_file_write_atomic(path, text, strlen(text), err);
    root_done:
        free(text);
        cJSON_Delete(j);
    }
    rc = on_root(run, rc, err);
done:
    as_band_edges_free(&be);
    return rc;
}

static void table_header(void)
{
    as_log("\n  step           energy (Ha)  max|F| (eV/A)    P (GPa)   SCF  time (s)  step (A)\n");
}

static void step_line(const relax_run *run, const as_calc_result *res, double seconds)
{
    const as_relax *r = run->r;
    char p[32] = "      -";
    if (res->have_stress)
        snprintf(p, sizeof p, "%9.3f", (res->stress[0][0] + res->stress[1][1] + res->stress[2][2]) / 3.0 *
                                           AS_HA_BOHR3_GPA);
    as_log("  %4d  %20.10f  %12.6f  %9s  %4d  %8.2f  %8.4f%s\n", r->step, res->energy, r->max_force * AS_HA_BOHR_EV_ANG,
           p, res->scf_iterations, seconds, r->converged ? 0.0 : r->step_length * AS_BOHR_ANG,
           r->converged ? "  converged" : r->rejected ? "  uphill: retried shorter" : (r->shortened ? "  (shortened)" : ""));
}

static void intro(const relax_run *run)
{
    const as_relax_settings *rs = run->job->relax;
    as_log("  relax            %s, %s; fmax %.4g eV/angstrom", rs->method == AS_RELAX_FIRE ? "FIRE" : "BFGS",
           rs->cell ? "positions and cell" : "positions", rs->fmax * AS_HA_BOHR_EV_ANG);
    if (rs->cell)
        as_log(", stress_tol %.4g GPa, pressure %.4g GPa", rs->stress_tol * AS_HA_BOHR3_GPA,
               rs->pressure * AS_HA_BOHR3_GPA);
    as_log("\n                   max_step %.3f angstrom, max_steps %d, symmetry %s\n", rs->max_step * AS_BOHR_ANG,
           rs->max_steps, run->r->sym ? run->r->sym->international : "not kept");
    if (run->dft.smearing != run->job->dft->smearing)
        as_log("  smearing         switched on (Marzari-Vanderbilt, %.4g Ha): the first SCF had no gap\n",
               run->dft.smearing_width);
    table_header();
}

/* A fresh calculator, seeded when the seed fits (same [dft] settings). */
static int fresh_calculator(relax_run *run, int *seeded, as_error *err)
{
    *seeded = 0;
    if (!(run->c = as_calculator_create(&run->dft, run->comm, run->job->npools, err)))
        return err->code;
    run->c->opts.quiet = 1;
    if (!run->job->seed)
        return AS_OK;
    as_ser b;
    as_ser_wrap(&b, run->job->seed, run->job->seed_len);
    as_error e2;
    as_error_clear(&e2);
    if (as_calc_state_load(run->c, &b, &run->base, &e2) == AS_OK) {
        *seeded = 1;
        return AS_OK;
    }
    /* another charge or smearing than the seed's: start from atomic densities */
    as_calculator_destroy(run->c);
    as_structure_destroy(run->base);
    run->base = NULL;
    if (!(run->c = as_calculator_create(&run->dft, run->comm, run->job->npools, err)))
        return err->code;
    run->c->opts.quiet = 1;
    return AS_OK;
}

/* Whether the first SCF needs smearing: it did not converge, or with fixed occupations an empty
 * state lies below an occupied one (a negative gap on the mesh). */
static int needs_smearing(const relax_run *run, int scf_rc, as_error *err)
{
    if (scf_rc == AS_ENOCONV)
        return 1;
    as_band_edges be = {0};
    if (as_band_edges_compute(run->c->m, run->c->d, run->c->st, 0, &be, err))
        return -1;
    const int neg = be.gap_mesh < 0.0;
    as_band_edges_free(&be);
    int any = neg;
    MPI_Bcast(&any, 1, MPI_INT, 0, run->comm);
    return any;
}

/* Fault injection for the tests (tests/e2e/t_scan.sh, section 8): ANIONSCAN_TEST_SCF_FAIL="N@E" makes
 * the SCF of step N of every relaxation at a cutoff of E Ha end as not converged, as a stalled SCF
 * does, so that what follows a failed step can be tested on a small cell where no SCF stalls. */
static int injected_scf_failure(const relax_run *run, as_error *err)
{
    const char *v = getenv("ANIONSCAN_TEST_SCF_FAIL");
    int n = 0;
    double e = 0.0;
    if (!v || sscanf(v, "%d@%lf", &n, &e) != 2 || n != run->r->step + 1 || fabs(e - run->dft.ecut) > 1e-9)
        return AS_OK;
    return as_error_set(err, AS_ENOCONV, "SCF not converged (injected by ANIONSCAN_TEST_SCF_FAIL=%s)", v);
}

double as_relax_shifted(const as_structure *s, double energy, const double (*forces)[3], const double (*shift)[3],
                        const double (*origin)[3], double (*f)[3])
{
    double e = energy;
    for (int a = 0; a < s->natoms; a++) {
        double df[3], dr[3] = {0.0, 0.0, 0.0};
        for (int i = 0; i < 3; i++)
            df[i] = s->frac[a][i] - origin[a][i] - nearbyint(s->frac[a][i] - origin[a][i]);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                dr[j] += df[i] * s->lattice[i][j];
        for (int j = 0; j < 3; j++) {
            f[a][j] = forces[a][j] + shift[a][j];
            e -= shift[a][j] * dr[j];
        }
    }
    return e;
}

int as_relax_run(const as_relax_job *job, as_relax_summary *sum, as_error *err)
{
    const double t0 = as_wtime();
    relax_run run;
    memset(&run, 0, sizeof run);
    memset(sum, 0, sizeof *sum);
    run.job = job;
    run.comm = job->comm;
    run.dft = *job->dft;
    MPI_Comm_rank(run.comm, &run.rank);
    MPI_Comm_size(run.comm, &run.nranks);
    as_strbuf_init(&run.traj);
    as_structure *s = NULL;
    double (*fshift)[3] = NULL; /* the forces the optimizer sees with job->force_shift */
    as_calc_result res;
    memset(&res, 0, sizeof res);
    int rc = AS_OK, header = 0, seeded = 0;
    const as_relax_settings *rs = job->relax;
    char chk[AS_PATH_MAX + 32];
    if ((rc = path_in(&run, "relax.chk", chk, sizeof chk, err)) || (rc = as_file_mkdirs(job->outdir, err)))
        goto done;
    int exists = run.rank == 0 && as_file_exists(chk);
    MPI_Bcast(&exists, 1, MPI_INT, 0, run.comm);
    if (job->restart && exists) {
        if ((rc = read_checkpoint(&run, chk, err)))
            goto done;
        if (!job->quiet) {
            as_report_header("relax", job->label, run.c->m, run.c->d, run.c->st, &run.dft);
            as_log("  restart          %s: %d steps done, %ld SCF iterations\n", chk, run.r->step, run.r->total_scf);
        }
        header = 1;
        char res_path[AS_PATH_MAX + 32];
        int have_result = 0;
        if (path_in(&run, "result.json", res_path, sizeof res_path, err) == AS_OK)
            have_result = run.rank == 0 && as_file_exists(res_path);
        MPI_Bcast(&have_result, 1, MPI_INT, 0, run.comm);
        if (run.r->converged && !as_relax_meets_criteria(run.r)) {
            /* converged under the checkpoint's fmax, not the deck's tighter one: its last structure is
             * evaluated again (one SCF from its saved state), and that step's forces take BFGS on */
            if (!job->quiet)
                as_log("  the relaxation had converged at step %d (max |F| = %.4g eV/angstrom), above the deck's fmax "
                       "%.4g: it goes on from its last structure\n", run.r->step,
                       run.r->max_force * AS_HA_BOHR_EV_ANG, rs->fmax * AS_HA_BOHR_EV_ANG);
            run.r->converged = 0;
        }
        if (run.r->converged && have_result) {
            if (!job->quiet)
                as_log("  the relaxation had converged at step %d; the results in %s stand\n", run.r->step,
                       job->outdir);
            goto summary;
        }
        if (run.r->converged) {
            /* stopped between the last checkpoint and result.json: evaluate the converged structure again */
            if (!job->quiet)
                as_log("  the relaxation had converged at step %d but %s is missing: the last structure is "
                       "computed again\n", run.r->step, res_path);
            run.r->converged = 0;
        }
    } else {
        if (job->restart == 1 && !job->quiet)
            as_warn("--restart: no %s yet; starting from the deck's structure", chk);
        if (!(run.r = as_relax_create(job->start, rs, err)) || fresh_calculator(&run, &seeded, err)) {
            rc = err->code;
            goto done;
        }
        if (job->hessian_in && rs->method == AS_RELAX_BFGS) {
            as_error eh;
            as_error_clear(&eh);
            if (as_optimizer_set_hessian(run.r->opt, job->hessian_in, &eh) == AS_OK)
                sum->hessian_used = 1;
            else if (!job->quiet)
                as_warn("relax: %s; starting from the default curvature", eh.msg);
        }
    }
    if (header && !job->quiet)
        intro(&run);
    const int want_stress = rs->cell;
    int stop_rc = AS_OK;
    double last_step = 0.0; /* the last step's wall time: what the next is expected to take */
    as_relax_progress progress;
    as_relax_progress_init(&progress, run.dft.scf_tol);
    as_error stop_err;
    as_error_clear(&stop_err);
    for (;;) {
        if (run.r->step >= rs->max_steps) {
            stop_rc = as_error_set(&stop_err, AS_ENOCONV,
                                   "relax: not converged after %d steps (max |F| = %.4g eV/angstrom, fmax = %.4g%s); "
                                   "the last step's results are written; continue with --restart and a larger "
                                   "max_steps",
                                   run.r->step, run.r->max_force * AS_HA_BOHR_EV_ANG, rs->fmax * AS_HA_BOHR_EV_ANG,
                                   rs->cell ? ", or the stress is above stress_tol" : "");
            break;
        }
        /* a signal or the time budget (parallel/stop.h): stop before a step that would not finish */
        if (as_stop_check(run.comm, last_step)) {
            char why[160];
            stop_rc = as_error_set(&stop_err, AS_ESTOPPED,
                                   "relax: stopped after step %d (%s); %s holds every step done; continue with "
                                   "--restart", run.r->step, as_stop_reason(why, sizeof why), chk);
            break;
        }
        const double ts = as_wtime();
        as_structure_destroy(s);
        if (!(s = as_relax_structure(run.r, err))) {
            rc = err->code;
            goto done;
        }
        if (job->watch) {
            int w = run.rank == 0 ? job->watch(s, job->watch_arg) != 0 : 0;
            MPI_Bcast(&w, 1, MPI_INT, 0, run.comm);
            if (w) {
                sum->watched = 1;
                if (!job->quiet)
                    as_log("\n  relaxation stopped before step %d: the caller's watch took its structure (%d steps, "
                           "%ld SCF iterations, %.1f s)\n", run.r->step + 1, run.r->step, run.r->total_scf, run.r->wall);
                goto summary;
            }
        }
        const void *prev = run.c->m;
        as_calc_result_free(&res);
        if (job->adaptive_scf && run.r->step > 0) {
            const double q = run.r->max_force / rs->fmax;
            run.c->opts.tol = run.dft.scf_tol * fmin(AS_RELAX_SCF_LOOSEN, fmax(1.0, q * q));
        }
        rc = as_calculator_run(run.c, s, want_stress, &res, err);
        if (rc == AS_OK)
            rc = injected_scf_failure(&run, err);
        if (run.c->dft.smearing != run.dft.smearing) { /* the SCF guard's smeared retry (pw/scf_guard.h) */
            run.dft.smearing = run.c->dft.smearing;
            run.dft.smearing_width = run.c->dft.smearing_width;
            run.dft.nbands = run.c->dft.nbands;
        }
        if (run.r->step == 0 && !sum->first_scf)
            sum->first_scf = res.scf_iterations;
        if (run.r->step == 0 && job->auto_smearing && run.dft.smearing == AS_SMEAR_NONE &&
            (rc == AS_OK || rc == AS_ENOCONV)) {
            int need = needs_smearing(&run, rc, err);
            if (need < 0) {
                rc = err->code;
                goto done;
            }
            if (need) {
                /* start again, smeared (the seed's fixed occupations no longer fit) */
                smear(&run.dft);
                as_calculator_destroy(run.c);
                as_structure_destroy(run.base);
                run.c = NULL, run.base = NULL;
                if (fresh_calculator(&run, &seeded, err)) {
                    rc = err->code;
                    goto done;
                }
                prev = run.c->m;
                as_calc_result_free(&res);
                rc = as_calculator_run(run.c, s, want_stress, &res, err);
                sum->first_scf += res.scf_iterations;
            }
        }
        if (rc == AS_ENOCONV) {
            as_error_prefix(err, "relax step %d: the SCF did not converge (raise max_scf or lower mixing_beta; "
                            "--restart continues from step %d): ", run.r->step + 1, run.r->step);
            sum->scf_failed = 1;
            goto summary; /* the steps done, the Hessian and this step's structure go to the caller */
        }
        if (rc == AS_ESTOPPED) {
            as_error_prefix(err, "relax: stopped in step %d (%s holds the %d steps done; continue with --restart); ",
                            run.r->step + 1, chk, run.r->step);
            goto done;
        }
        if (rc || (rc = as_calc_state_track(run.c, prev, s, &run.base, err)))
            goto done;
        if (!header) {
            if (!job->quiet) {
                as_report_header("relax", job->label, run.c->m, run.c->d, run.c->st, &run.dft);
                intro(&run);
            }
            header = 1;
        }
        double e_tell = res.energy;
        const double(*f_tell)[3] = (const double(*)[3])res.forces;
        if (job->force_shift) { /* the optimizer sees the shifted surface (relax/run.h) */
            if (!fshift && !(fshift = malloc((size_t)s->natoms * sizeof *fshift))) {
                rc = as_error_nomem(err, "the shifted forces", (size_t)s->natoms * sizeof *fshift);
                goto done;
            }
            e_tell = as_relax_shifted(s, res.energy, f_tell, job->force_shift, job->shift_origin, fshift);
            f_tell = (const double(*)[3])fshift;
        }
        int tell = as_relax_tell(run.r, e_tell, f_tell, res.have_stress ? res.stress : NULL, &stop_err);
        if (tell && tell != AS_ENOCONV) {
            rc = tell;
            *err = stop_err;
            goto done;
        }
        run.r->total_scf += res.scf_iterations;
        run.r->wall += as_wtime() - ts;
        if ((rc = append_frame(&run, s, &res, err)) || (rc = write_trajectory(&run, err)) ||
            (rc = write_checkpoint(&run, err)))
            goto done;
        last_step = as_wtime() - ts;
        if (!job->quiet)
            step_line(&run, &res, last_step);
        if (tell) {
            stop_rc = tell;
            break;
        }
        if (run.r->converged)
            break;
        char why[256]; /* stalled (relax/progress.h): stopped as at max_steps */
        if (as_relax_progress_tell(&progress, run.r->step, run.r->enthalpy,
                                   fmax(run.r->max_force / rs->fmax, rs->cell ? run.r->max_stress / rs->stress_tol : 0.0),
                                   why, sizeof why)) {
            stop_rc = as_error_set(&stop_err, AS_ENOCONV, "relax: not converged, stopped after step %d: %s (max |F| = "
                                   "%.4g eV/angstrom, fmax = %.4g); the last step's results are written; the forces "
                                   "may be noisier than fmax (tighten scf_tol or raise ecut), the steps too short "
                                   "(max_step), or fmax stricter than the calculation allows",
                                   run.r->step, why, run.r->max_force * AS_HA_BOHR_EV_ANG, rs->fmax * AS_HA_BOHR_EV_ANG);
            run.stalled = 1;
            if (!job->quiet)
                as_log("  %s\n", stop_err.msg);
            break;
        }
    }
    if (stop_rc == AS_ESTOPPED) { /* the checkpoint has every step done; result.json is written by the run that finishes */
        if (!job->quiet)
            as_log("\n  relaxation stopped after %d steps, %ld SCF iterations, %.1f s: %s\n", run.r->step,
                   run.r->total_scf, run.r->wall, stop_err.msg);
        *err = stop_err;
        rc = stop_rc;
        goto done;
    }
    if (!job->quiet)
        as_log("\n  relaxation %s after %d steps, %ld SCF iterations, %.1f s\n",
               run.r->converged ? "converged" : "stopped", run.r->step, run.r->total_scf, run.r->wall);
    if (res.forces && (rc = write_final(&run, s, &res, as_wtime() - t0, seeded, err)))
        goto done;
    if (!job->quiet)
        as_log("     wrote %s/{result.json,final.cif,trajectory.extxyz,relax.chk}\n", job->outdir);
    if (stop_rc) {
        *err = stop_err;
        rc = stop_rc;
    }
summary:
    sum->converged = run.r->converged;
    sum->steps = run.r->step;
    sum->scf_iterations = run.r->total_scf;
    sum->wall = run.r->wall;
    sum->smeared = run.dft.smearing != job->dft->smearing;
    sum->seeded = seeded;
    if (job->frac_out && s) {
        memcpy(job->frac_out, s->frac, (size_t)s->natoms * sizeof *s->frac);
        sum->have_frac = 1;
    }
    if (job->hessian_out) {
        const double *h = as_optimizer_hessian(run.r->opt);
        if (h) {
            memcpy(job->hessian_out, h, (size_t)run.r->ncoord * run.r->ncoord * sizeof *h);
            sum->hessian = 1;
        }
    }
done:
    free(fshift);
    as_calc_result_free(&res);
    as_structure_destroy(s);
    as_structure_destroy(run.base);
    as_relax_destroy(run.r);
    as_calculator_destroy(run.c);
    as_strbuf_free(&run.traj);
    return rc;
}

int as_relax_read_state(const char *outdir, MPI_Comm comm, void **state, size_t *len, as_error *err)
{
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    *state = NULL;
    *len = 0;
    int rc = AS_OK;
    long n = 0;
    if (rank == 0) {
        char path[AS_PATH_MAX + 32];
        if (!(rc = as_path_join(path, sizeof path, outdir, "state.chk", err)))
            rc = as_checkpoint_read(path, STATE_MAGIC, state, len, err);
        n = rc ? 0 : (long)*len;
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
    if (rc) {
        MPI_Bcast(err->msg, AS_ERROR_MSG_LEN, MPI_CHAR, 0, comm);
        err->code = rc;
        return rc;
    }
    MPI_Bcast(&n, 1, MPI_LONG, 0, comm);
    if (rank != 0 && !(*state = malloc((size_t)n + 1)))
        rc = as_error_nomem(err, "calculator state", (size_t)n);
    int any = rc;
    MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, comm);
    if (any) {
        free(*state);
        *state = NULL;
        return as_error_set(err, AS_ENOMEM, "no memory for the calculator state (%ld bytes)", n);
    }
    /* in chunks: MPI counts are ints */
    for (long off = 0; off < n; off += 1L << 30) {
        const long c = n - off < (1L << 30) ? n - off : (1L << 30);
        MPI_Bcast((char *)*state + off, (int)c, MPI_BYTE, 0, comm);
    }
    *len = (size_t)n;
    return AS_OK;
}
