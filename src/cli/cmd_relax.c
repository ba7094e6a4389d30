/* anionscan relax DECK [-o DIR] [--restart]: geometry optimisation (relax/relax.h) with the
 * plane-wave calculator (pw/calculator.h), positions only or with the cell ([relax] cell = true).
 * Prints the run header, one line per ionic step and the final energy breakdown; writes
 *   DIR/trajectory.extxyz  one frame per completed step (ASE's extended XYZ: energy in eV,
 *                          forces in eV/angstrom, stress in eV/angstrom^3 with ASE's sign)
 *   DIR/final.cif          the last structure
 *   DIR/result.json        the scf schema for the last structure plus "relax": {...}
 *   DIR/relax.chk          after every completed step (atomically): the optimizer state, the
 *                          calculator's density and wavefunctions, the trajectory so far.
 * --restart continues from relax.chk; the continued run ends where an uninterrupted one ends. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "core/file.h"
#include "core/log.h"
#include "core/timer.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "io/cif.h"
#include "io/extxyz.h"
#include "io/structure_input.h"
#include "pw/bandedges.h"
#include "pw/calculator.h"
#include "pw/forces.h"
#include "relax/calc_state.h"
#include "relax/checkpoint.h"
#include "relax/relax.h"
#include "relax/serial.h"

#define CHK_MAGIC "ASRELAX1"
#define EV_ANG3 (AS_HA_EV / (AS_BOHR_ANG * AS_BOHR_ANG * AS_BOHR_ANG)) /* Ha/bohr^3 -> eV/angstrom^3 */

typedef struct relax_run {
    MPI_Comm comm;
    int rank;
    char outdir[AS_PATH_MAX];
    as_settings set;
    as_relax *r;
    as_calculator *c;
    as_structure *base; /* the structure the calculator's model was built from */
    as_strbuf traj;
} relax_run;

/* Rank 0 runs fn; everyone gets its status (and rank 0 keeps the message). */
static int on_root(relax_run *run, int rc)
{
    MPI_Bcast(&rc, 1, MPI_INT, 0, run->comm);
    return rc;
}

static int path_in(const relax_run *run, const char *name, char *out, size_t n, as_error *err)
{
    return as_path_join(out, n, run->outdir, name, err);
}

/* relax state + calculator state + trajectory text -> DIR/relax.chk (collective: every rank's share of
 * the wavefunctions goes to rank 0, which writes the file). */
static int write_checkpoint(relax_run *run, as_error *err)
{
    as_ser b;
    as_ser_init(&b);
    if (run->rank == 0)
        as_relax_save(run->r, &b);
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
    return on_root(run, rc);
}

static int read_checkpoint(relax_run *run, const char *path, const as_structure *start, as_error *err)
{
    void *payload = NULL;
    size_t len = 0;
    if (as_checkpoint_read(path, CHK_MAGIC, &payload, &len, err))
        return err->code;
    as_ser b;
    as_ser_wrap(&b, payload, len);
    int rc = AS_OK;
    if (!(run->r = as_relax_load(&b, start, &run->set.relax, err)) ||
        as_calc_state_load(run->c, &b, &run->base, err)) {
        rc = as_error_prefix(err, "%s cannot be continued: ", path);
        goto done;
    }
    int64_t tl = 0;
    as_ser_get(&b, &tl, sizeof tl);
    const void *t = tl >= 0 ? as_ser_peek(&b, (size_t)tl) : NULL;
    if (!t || b.pos != b.len) {
        rc = as_error_set(err, AS_EINPUT, "%s has a damaged trajectory record; delete it and start afresh", path);
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
    char stress[512] = "";
    as_extxyz_info info[6];
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
    return on_root(run, rc);
}

/* result.json (scf schema) + "relax" block, final.cif, the final breakdown. */
static int write_final(relax_run *run, const as_structure *s, const as_calc_result *res, int nranks, double wall,
                       as_error *err)
{
    const as_calculator *c = run->c;
    const as_relax *r = run->r;
    as_band_edges be = {0};
    as_stress_terms terms;
    double stress[3][3];
    int rc;
    if ((rc = as_band_edges_compute(c->m, c->d, c->st, run->set.dft.band_edges_special, &be, err)) ||
        (rc = as_stress(c->m, c->d, c->st, stress, &terms, err)))
        goto done;
    as_report_energies(c->m, c->st, &res->terms, &be);
    as_report_forces_stress(c->m, (const double(*)[3])res->forces, stress, &terms);
    if (run->rank == 0) {
        char path[AS_PATH_MAX + 32];
        as_scf_result sr;
        memset(&sr, 0, sizeof sr);
        sr.e = res->terms;
        sr.converged = res->converged;
        sr.iterations = res->scf_iterations;
        sr.wall = res->wall;
        if ((rc = path_in(run, "final.cif", path, sizeof path, err)) ||
            (rc = as_cif_write(path, s, NULL, "relaxed", err)) ||
            (rc = path_in(run, "result.json", path, sizeof path, err)) ||
            (rc = as_report_write_result(path, c->m, c->d, c->st, &sr, &be, (const double(*)[3])res->forces,
                                         (const double(*)[3])stress, nranks, wall, err)))
            goto root_done;
        /* add the relaxation summary */
        char *text = NULL;
        size_t len = 0;
        if ((rc = as_file_read_all(path, &text, &len, err)))
            goto root_done;
        cJSON *j = cJSON_Parse(text);
        free(text);
        if (!j) {
            rc = as_error_set(err, AS_EINTERNAL, "%s: cannot re-read what was just written", path);
            goto root_done;
        }
        cJSON *o = cJSON_AddObjectToObject(j, "relax");
        cJSON_AddStringToObject(o, "method", run->set.relax.method == AS_RELAX_FIRE ? "fire" : "bfgs");
        cJSON_AddBoolToObject(o, "cell", run->set.relax.cell);
        cJSON_AddNumberToObject(o, "steps", r->step);
        cJSON_AddBoolToObject(o, "converged", r->converged);
        cJSON_AddNumberToObject(o, "fmax_ev_per_ang", run->set.relax.fmax * AS_HA_BOHR_EV_ANG);
        cJSON_AddNumberToObject(o, "final_max_force_ev_per_ang", r->max_force * AS_HA_BOHR_EV_ANG);
        cJSON_AddNumberToObject(o, "total_scf_iterations", (double)r->total_scf);
        if (run->set.relax.cell) {
            cJSON_AddNumberToObject(o, "stress_tol_gpa", run->set.relax.stress_tol * AS_HA_BOHR3_GPA);
            cJSON_AddNumberToObject(o, "target_pressure_gpa", run->set.relax.pressure * AS_HA_BOHR3_GPA);
            cJSON_AddNumberToObject(o, "final_max_stress_gpa", r->max_stress * AS_HA_BOHR3_GPA);
            cJSON_AddNumberToObject(o, "enthalpy_ha", r->enthalpy);
        }
        cJSON_AddBoolToObject(o, "keep_symmetry", run->set.relax.keep_symmetry);
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
        text = cJSON_Print(j);
        cJSON_Delete(j);
        if (!text) {
            rc = as_error_nomem(err, "result.json", 0);
            goto root_done;
        }
        rc = as_file_write_atomic(path, text, strlen(text), err);
        free(text);
    root_done:;
    }
    rc = on_root(run, rc);
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
    const as_relax_settings *rs = &run->set.relax;
    as_log("  relax            %s, %s; fmax %.4g eV/angstrom", rs->method == AS_RELAX_FIRE ? "FIRE" : "BFGS",
           rs->cell ? "positions and cell" : "positions", rs->fmax * AS_HA_BOHR_EV_ANG);
    if (rs->cell)
        as_log(", stress_tol %.4g GPa, pressure %.4g GPa", rs->stress_tol * AS_HA_BOHR3_GPA,
               rs->pressure * AS_HA_BOHR3_GPA);
    as_log("\n                   max_step %.3f angstrom, max_steps %d, symmetry %s\n", rs->max_step * AS_BOHR_ANG,
           rs->max_steps, run->r->sym ? run->r->sym->international : "not kept");
    table_header();
}

int as_cmd_relax(int argc, char **argv, MPI_Comm comm, as_error *err)
{
    const double t0 = as_wtime();
    as_cli_opts o;
    const char *decks[1];
    int nd = 0, nranks = 1;
    relax_run run;
    memset(&run, 0, sizeof run);
    run.comm = comm;
    MPI_Comm_rank(comm, &run.rank);
    MPI_Comm_size(comm, &nranks);
    as_strbuf_init(&run.traj);
    if (as_cli_parse(argc, argv, &o, decks, &nd, 1, err))
        return err->code;
    as_deck *deck = NULL;
    as_structure *start = NULL, *s = NULL;
    as_calc_result res;
    memset(&res, 0, sizeof res);
    int rc = AS_OK, header = 0;
    if ((rc = as_cli_load(o.deck_path, comm, &deck, &run.set, err)))
        return rc;
    as_cli_outdir(&o, &run.set, run.outdir, sizeof run.outdir);
    char chk[AS_PATH_MAX + 32];
    if ((rc = path_in(&run, "relax.chk", chk, sizeof chk, err)) || (rc = as_file_mkdirs(run.outdir, err)))
        goto done;
    if (!(start = as_structure_from_settings(&run.set.structure, o.deck_path, err)) ||
        !(run.c = as_calculator_create(&run.set.dft, comm, o.npools, err))) {
        rc = err->code;
        goto done;
    }
    run.c->opts.quiet = 1;
    const as_relax_settings *rs = &run.set.relax;
    if (o.restart && as_file_exists(chk)) {
        if ((rc = read_checkpoint(&run, chk, start, err)))
            goto done;
        as_report_header("relax", o.deck_path, run.c->m, run.c->d, run.c->st, &run.set.dft);
        header = 1;
        as_log("  restart          %s: %d steps done, %ld SCF iterations\n", chk, run.r->step, run.r->total_scf);
        if (run.r->converged) {
            as_log("  the relaxation had converged at step %d; the results in %s stand\n", run.r->step, run.outdir);
            goto done;
        }
    } else {
        if (o.restart)
            as_warn("--restart: no %s yet; starting from the deck's structure", chk);
        if (!(run.r = as_relax_create(start, rs, err))) {
            rc = err->code;
            goto done;
        }
    }
    if (header)
        intro(&run);
    const int want_stress = rs->cell;
    int stop_rc = AS_OK;
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
        const double ts = as_wtime();
        as_structure_destroy(s);
        if (!(s = as_relax_structure(run.r, err))) {
            rc = err->code;
            goto done;
        }
        const void *prev = run.c->m;
        as_calc_result_free(&res);
        rc = as_calculator_run(run.c, s, want_stress, &res, err);
        if (rc == AS_ENOCONV) {
            as_error_prefix(err, "relax step %d: the SCF did not converge (raise max_scf or lower mixing_beta; "
                            "--restart continues from step %d): ", run.r->step + 1, run.r->step);
            goto done;
        }
        if (rc || (rc = as_calc_state_track(run.c, prev, s, &run.base, err)))
            goto done;
        if (!header) {
            as_report_header("relax", o.deck_path, run.c->m, run.c->d, run.c->st, &run.set.dft);
            header = 1;
            intro(&run);
        }
        int tell = as_relax_tell(run.r, res.energy, (const double(*)[3])res.forces, res.have_stress ? res.stress : NULL,
                                 &stop_err);
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
        step_line(&run, &res, as_wtime() - ts);
        if (tell) {
            stop_rc = tell;
            break;
        }
        if (run.r->converged)
            break;
    }
    as_log("\n  relaxation %s after %d steps, %ld SCF iterations, %.1f s\n",
           run.r->converged ? "converged" : "stopped", run.r->step, run.r->total_scf, run.r->wall);
    if (res.forces && (rc = write_final(&run, s, &res, nranks, as_wtime() - t0, err)))
        goto done;
    as_log("     wrote %s/{result.json,final.cif,trajectory.extxyz,relax.chk}\n", run.outdir);
    if (stop_rc) {
        *err = stop_err;
        rc = stop_rc;
    }
done:
    as_calc_result_free(&res);
    as_structure_destroy(s);
    as_structure_destroy(start);
    as_structure_destroy(run.base);
    as_relax_destroy(run.r);
    as_calculator_destroy(run.c);
    as_strbuf_free(&run.traj);
    as_settings_free(&run.set);
    as_deck_destroy(deck);
    return rc;
}
