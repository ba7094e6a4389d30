/* anionscan sites DECK [-o DIR]: the interstitial sites of the host the deck
 * describes (crystal/sites.h), printed as a table and written to DIR/sites.json,
 * DIR/sites.csv and DIR/sites.cif (io/sites_out.h).  docs/sites.md explains the
 * method and how to read the output.  Rank 0 does the work (it takes well under
 * a second); the other ranks return its status. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/timer.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/sites.h"
#include "crystal/symmetry.h"
#include "io/cif.h"
#include "io/sites_out.h"
#include "io/structure_input.h"

static void print_header(const char *deck, const as_structure *s, const as_structure_info *info,
                         const as_symmetry *sym, const as_sites_params *p)
{
    char formula[256];
    as_structure_formula(s, formula, sizeof formula);
    as_log("anionscan sites: %s\n", deck);
    as_log("  source           %s\n", info->source);
    as_log("  formula          %s (%d atoms)\n", formula, s->natoms);
    double abc[3], ang[3];
    as_lattice_to_cellpar(s->lattice, abc, ang);
    as_log("  a b c            %.5f %.5f %.5f angstrom; alpha beta gamma %.3f %.3f %.3f deg\n",
           abc[0] * AS_BOHR_ANG, abc[1] * AS_BOHR_ANG, abc[2] * AS_BOHR_ANG, ang[0], ang[1], ang[2]);
    as_symmetry_print(sym, s);
    if (p->min_dist > 0.0)
        as_log("  min_dist         %.3f angstrom from every atom ([scan] min_dist)\n", p->min_dist * AS_BOHR_ANG);
    else
        as_log("  min_dist         %.2f x (r_atom + r_anion), r_anion %.2f angstrom (Shannon)\n", p->min_dist_factor,
               p->anion_radius * AS_BOHR_ANG);
    as_log("  cluster_tol      %.3f angstrom\n", p->cluster_tol * AS_BOHR_ANG);
}

static int run(const as_cli_opts *o, const as_settings *st, as_error *err)
{
    double t0 = as_wtime();
    as_structure_info info;
    as_structure *s = as_structure_from_settings_info(&st->structure, o->deck_path, &info, err);
    if (!s)
        return err->code;
    int rc = AS_OK;
    as_sites *sites = NULL;
    as_symmetry *sym = as_symmetry_create(s, 0.0, err);
    if (!sym) {
        rc = err->code;
        goto done;
    }
    as_sites_params p;
    as_sites_params_from_scan(&p, &st->scan, s);
    print_header(o->deck_path, s, &info, sym, &p);
    sites = as_sites_find(s, sym, &p, err);
    if (!sites) {
        rc = err->code;
        goto done;
    }
    as_sites_print(sites, s);
    char dir[AS_PATH_MAX];
    as_cli_outdir(o, st, dir, sizeof dir);
    if ((rc = as_sites_write_all(dir, sites, s, sym, err)))
        goto done;
    as_log("\n  wrote            %s/{sites.json, sites.csv, sites.cif}\n", dir);
    as_log("  time             %.2f s\n", as_wtime() - t0);
done:
    as_sites_destroy(sites);
    as_symmetry_destroy(sym);
    as_structure_destroy(s);
    return rc;
}

int as_cmd_sites(int argc, char **argv, MPI_Comm comm, as_error *err)
{
    as_cli_opts o;
    const char *decks[1];
    int nd = 0;
    if (as_cli_parse(argc, argv, &o, decks, &nd, 1, err))
        return err->code;
    if (o.dry_run)
        return as_error_set(err, AS_EINPUT, "--dry-run is an option of \'scan\' only");
    as_deck *deck = NULL;
    as_settings st;
    if (as_cli_load(o.deck_path, comm, &deck, &st, err))
        return err->code;
    int rank = 0, rc = AS_OK;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0)
        rc = run(&o, &st, err);
    rc = as_cli_share(comm, rc, err); /* every rank returns the same status */
    as_settings_free(&st);
    as_deck_destroy(deck);
    return rc;
}
