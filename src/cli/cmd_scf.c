/* anionscan scf DECK [-o DIR] [--restart]: one self-consistent ground state.
 * Prints a header (structure, symmetry, basis, FFT grid, memory estimate), one line per
 * SCF iteration and the energy breakdown; writes DIR/result.json and DIR/density.dat. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/deck_farm.h"
#include "pw/report.h"
#include "core/clock.h"
#include "core/file.h"
#include "core/log.h"
#include "core/timer.h"
#include "core/units.h"
#include "io/structure_input.h"
#include "parallel/layout.h"
#include "pw/bandedges.h"
#include "pw/density_io.h"
#include "pw/disc.h"
#include "pw/forces.h"
#include "pw/model.h"
#include "pw/pseudo.h"
#include "pw/scf.h"
#include "pw/scf_guard.h"

/* One deck on the ranks of comm; out[0..1] receive the energy (Ha) and gap (eV) for summaries. */
static int run_scf(const as_cli_opts *oin, const char *deck_path, MPI_Comm comm, double out[2], as_error *err)
{
    const double t0 = as_wtime();
    as_cli_opts o = *oin;
    o.deck_path = deck_path;
    int nranks = 1;
    MPI_Comm_size(comm, &nranks);
    as_deck *deck = NULL;
    as_settings set;
    as_structure *s = NULL;
    as_model *m = NULL;
    as_disc *d = NULL;
    as_layout *lay = NULL;
    as_scf_state *st = NULL;
    as_band_edges be = {0};
    as_kpoints *kp = NULL;
    double(*forces)[3] = NULL, stress[3][3];
    int rc = AS_OK;
    as_clock_reset();
    as_clock_start(AS_CLK_INPUT);
    if ((rc = as_cli_load(o.deck_path, comm, &deck, &set, err)))
        return rc;
    char outdir[AS_PATH_MAX], path[AS_PATH_MAX + 32];
    as_cli_outdir(&o, &set, outdir, sizeof outdir);
    if (!(s = as_structure_from_settings(&set.structure, o.deck_path, err))) {
        rc = err->code;
        goto done;
    }
    as_clock_stop(AS_CLK_INPUT);
    if ((rc = as_cli_model_kpoints(&set, o.deck_path, s, comm, &m, &kp, err)))
        goto done;
    as_clock_start(AS_CLK_PLAN);
    /* refused up front: too few bands for the basis, or more memory than the machine has */
    if ((rc = as_cli_check_size(&set, o.deck_path, m, kp, comm, NULL, err))) {
        as_kpoints_destroy(kp);
        goto done;
    }
    int npools = o.npools > 0 ? o.npools : set.parallel.pools;
    double need = 0.0;
    if (kp && npools <= 0) {
        /* automatic: pools first, fewer when a rank's share would not fit in memory */
        int nocc = 0, nb = 0; /* as_cli_check_size above has refused a band count that fails */
        as_memory mem = {0};
        if (as_scf_band_count(m, set.dft.nbands, &nocc, &nb, err) == AS_OK)
            as_cli_memory(&set, m, nb, 1, 1, &mem);
        const double wf = mem.wf + mem.proj, work = mem.dav + mem.rep, grid = mem.grid;
        npools = as_layout_choose_pools(comm, kp->nk, wf, work, grid, &need);
    }
    if (kp && !(lay = as_layout_create(comm, npools, kp->nk, err))) {
        if (o.npools > 0) /* where the pools came from: the command line or the deck */
            as_error_prefix(err, "--pools %d: ", o.npools);
        else if (set.parallel.pools > 0)
            as_cli_deck_context(err, o.deck_path, set.parallel.pools_line);
        as_kpoints_destroy(kp);
        kp = NULL;
    }
    if (!kp || !(d = as_disc_create(m, set.dft.ecut, kp, set.dft.real_wavefunctions, lay, err)) ||
        !(st = as_scf_state_create(m, d, set.dft.nbands, err))) {
        rc = err->code;
        goto done;
    }
    as_clock_stop(AS_CLK_PLAN);
    as_report_header("scf", o.deck_path, m, d, st, &set.dft);
    if ((rc = as_file_mkdirs(outdir, err)))
        goto done;
    if (as_path_join(path, sizeof path, outdir, "density.dat", err)) {
        rc = err->code;
        goto done;
    }
    if (o.restart && as_file_exists(path)) {
        if ((rc = as_density_read(path, m, d, st->rho_g, err)))
            goto done;
        as_log("  restart          density from %s\n", path);
    }
    as_scf_opts so;
    as_scf_opts_from_settings(&set.dft, &so);
    as_scf_result res;
    int scf_rc = as_scf_run(m, d, &so, st, &res, err);
    as_scf_adopt_smearing(m, &res); /* an oscillating SCF retried with smearing: what follows is smeared */
    if (scf_rc && scf_rc != AS_ENOCONV && scf_rc != AS_ESTOPPED) {
        rc = scf_rc;
        goto done;
    }
    as_error werr; /* the density is kept whatever the SCF's outcome: --restart starts from it */
    as_clock_start(AS_CLK_OUTPUT);
    if ((rc = as_density_write(path, m, d, st->rho_g, scf_rc ? &werr : err))) {
        if (scf_rc)
            *err = werr;
        goto done;
    }
    as_clock_stop(AS_CLK_OUTPUT);
    if (scf_rc == AS_ESTOPPED) {
        char msg[AS_ERROR_MSG_LEN / 2];
        snprintf(msg, sizeof msg, "%.1000s", err->msg);
        as_error_set(err, AS_ESTOPPED, "scf %s: %s; the density so far is in %s; continue with: anionscan scf %s "
                     "--restart", o.deck_path, msg, path, o.deck_path);
    }
    if (scf_rc) {
        rc = scf_rc;
        goto done;
    }
    if ((rc = as_band_edges_compute(m, d, st, set.dft.band_edges, &be, err)))
        goto done;
    as_report_energies(m, st, &res.e, &be);
    if (!(forces = calloc((size_t)m->s->natoms, sizeof *forces))) {
        rc = as_error_nomem(err, "forces", (size_t)m->s->natoms * 24);
        goto done;
    }
    as_stress_terms sterms;
    if ((rc = as_forces(m, d, st, forces, NULL, err)))
        goto done;
    if (set.dft.stress && (rc = as_stress(m, d, st, stress, &sterms, err)))
        goto done;
    as_report_forces_stress(m, (const double(*)[3])forces, set.dft.stress ? stress : NULL,
                            set.dft.stress ? &sterms : NULL);
    as_log("\n     convergence has been achieved in %d iterations\n", res.iterations);
    as_clock_start(AS_CLK_OUTPUT);
    const double wall = as_wtime() - t0;
    if (as_path_join(path, sizeof path, outdir, "result.json", err)) {
        rc = err->code;
        goto done;
    }
    if (lay->group_rank == 0)
        rc = as_report_write_result(path, m, d, st, &res, &be, (const double(*)[3])forces,
                                    set.dft.stress ? (const double(*)[3])stress : NULL, nranks, wall, err);
    MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
    if (rc) {
        MPI_Bcast(err->msg, AS_ERROR_MSG_LEN, MPI_CHAR, 0, comm);
        err->code = rc;
        goto done;
    }
    as_clock_stop(AS_CLK_OUTPUT);
    as_log("     wrote %s\n", path);
    as_clock_report(as_wtime() - t0);
    out[0] = res.e.total;
    out[1] = be.gap * AS_HA_EV;
done:
    free(forces);
    as_band_edges_free(&be);
    as_scf_state_destroy(st);
    as_disc_destroy(d);
    as_layout_destroy(lay);
    as_model_destroy(m);
    as_structure_destroy(s);
    as_settings_free(&set);
    as_deck_destroy(deck);
    return rc;
}

int as_cmd_scf(int argc, char **argv, MPI_Comm comm, as_error *err)
{
    as_cli_opts o;
    enum { MAXDECKS = 1024 };
    const char **decks = malloc(MAXDECKS * sizeof *decks);
    int nd = 0, nranks = 1, rank = 0;
    MPI_Comm_size(comm, &nranks);
    MPI_Comm_rank(comm, &rank);
    if (!decks)
        return as_error_nomem(err, "deck list", MAXDECKS * sizeof *decks);
    if (as_cli_parse(argc, argv, &o, decks, &nd, MAXDECKS, err)) {
        free(decks);
        return err->code;
    }
    double out[2] = {0, 0};
    if (nd == 1 && o.ngroups <= 1) {
        int rc = run_scf(&o, decks[0], comm, out, err);
        free(decks);
        return rc;
    }
    int rc = as_cli_deck_farm("scf", &o, decks, nd, comm, run_scf, "scf.log", "w", err);
    free(decks);
    return rc;
}
