/* anionscan structure DECK [-o DIR]: build (or read) the host the deck describes,
 * print it with its symmetry, and write it as CIF, POSCAR, XSF and extended XYZ so
 * it can be looked at (VESTA, XCrySDen, ASE) before any calculation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/file.h"
#include "core/log.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/symmetry.h"
#include "io/cif.h"
#include "io/extxyz.h"
#include "io/poscar.h"
#include "io/structure_input.h"
#include "io/xsf.h"

static void print_header(const char *deck, const as_structure *s, const as_structure_info *info,
                         const as_symmetry *sym)
{
    char formula[256];
    as_structure_formula(s, formula, sizeof formula);
    as_log("anionscan structure: %s\n", deck);
    as_log("  source           %s\n", info->source);
    as_log("  formula          %s (%d atoms)\n", formula, s->natoms);
    const int(*m)[3] = info->supercell;
    int diag = !m[0][1] && !m[0][2] && !m[1][0] && !m[1][2] && !m[2][0] && !m[2][1];
    if (diag)
        as_log("  supercell        %d %d %d\n", m[0][0], m[1][1], m[2][2]);
    else
        as_log("  supercell        [%d %d %d; %d %d %d; %d %d %d] (determinant %ld)\n", m[0][0], m[0][1], m[0][2],
               m[1][0], m[1][1], m[1][2], m[2][0], m[2][1], m[2][2], info->det);
    if (info->mixed) {
        as_log("  composition      %s requested, %s realised%s: %s on %d halide sites\n", info->requested,
               info->realised, info->exact ? " (exact)" : " (NOT exact: choose a supercell)", info->counts,
               info->nsub_sites);
        as_log("  pattern          %d of %d symmetry-distinct arrangements (%ld equivalent): %s\n", info->pattern,
               info->npatterns, info->multiplicity, info->pattern_desc);
        as_log("  patterns         (pattern = k in [structure]; ordered by multiplicity)\n");
        for (int q = 0; q < info->nlisted; q++)
            as_log("   %s%5d  x%-4ld %s\n", q + 1 == info->pattern ? "*" : " ", q + 1, info->listed_mult[q],
                   info->listed_desc[q]);
        if (info->npatterns > info->nlisted)
            as_log("          ... %d more\n", info->npatterns - info->nlisted);
    }
    as_log("  cell (angstrom)  a1 %12.6f %12.6f %12.6f\n", s->lattice[0][0] * AS_BOHR_ANG,
           s->lattice[0][1] * AS_BOHR_ANG, s->lattice[0][2] * AS_BOHR_ANG);
    for (int i = 1; i < 3; i++)
        as_log("                   a%d %12.6f %12.6f %12.6f\n", i + 1, s->lattice[i][0] * AS_BOHR_ANG,
               s->lattice[i][1] * AS_BOHR_ANG, s->lattice[i][2] * AS_BOHR_ANG);
    double abc[3], ang[3];
    as_lattice_to_cellpar(s->lattice, abc, ang);
    as_log("  a b c            %.5f %.5f %.5f angstrom; alpha beta gamma %.3f %.3f %.3f deg\n",
           abc[0] * AS_BOHR_ANG, abc[1] * AS_BOHR_ANG, abc[2] * AS_BOHR_ANG, ang[0], ang[1], ang[2]);
    double vol = fabs(as_lattice_volume(s->lattice)) * pow(AS_BOHR_ANG, 3);
    int npb = as_structure_count(s, 82);
    if (npb > 0)
        as_log("  volume           %.4f angstrom^3 (%.4f per formula unit, pseudo-cubic a %.4f)\n", vol, vol / npb,
               cbrt(vol / npb));
    else
        as_log("  volume           %.4f angstrom^3\n", vol);
    int i, j;
    double dmin = as_structure_min_distance(s, &i, &j);
    if (i >= 0)
        as_log("  shortest bond    %.4f angstrom (atoms %d %s and %d %s)\n", dmin * AS_BOHR_ANG, i + 1,
               as_element_symbol(s->z[i]), j + 1, as_element_symbol(s->z[j]));
    as_symmetry_print(sym, s);
    if (s->natoms <= 40) {
        as_log("  atoms (fractional)\n");
        for (int a = 0; a < s->natoms; a++)
            as_log("   %4d %-2s %10.6f %10.6f %10.6f   %c\n", a + 1, as_element_symbol(s->z[a]), s->frac[a][0],
                   s->frac[a][1], s->frac[a][2], sym->wyckoff[a]);
    }
}

static int write_all(const char *dir, const as_structure *s, const char *title, as_error *err)
{
    char path[AS_PATH_MAX + 32];
    if (as_file_mkdirs(dir, err))
        return err->code;
    if (as_path_join(path, sizeof path, dir, "structure.cif", err) || as_cif_write(path, s, NULL, title, err))
        return err->code;
    if (as_path_join(path, sizeof path, dir, "POSCAR", err) || as_poscar_write(path, s, title, err))
        return err->code;
    if (as_path_join(path, sizeof path, dir, "structure.xsf", err) || as_xsf_write(path, s, err))
        return err->code;
    as_extxyz_info info[1] = {{"comment", title, 0.0}};
    if (as_path_join(path, sizeof path, dir, "structure.extxyz", err) ||
        as_extxyz_write(path, s, NULL, 0, info, 1, err))
        return err->code;
    as_log("  wrote            %s/{structure.cif, POSCAR, structure.xsf, structure.extxyz}\n", dir);
    return AS_OK;
}

int as_cmd_structure(int argc, char **argv, MPI_Comm comm, as_error *err)
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
    int rc = AS_OK;
    as_structure_info info;
    as_structure *s = as_structure_from_settings_info(&st.structure, o.deck_path, &info, err);
    as_symmetry *sym = NULL;
    if (!s) {
        rc = err->code;
        goto done;
    }
    sym = as_symmetry_create(s, 0.0, err);
    if (!sym) {
        rc = err->code;
        goto done;
    }
    print_header(o.deck_path, s, &info, sym);
    char dir[AS_PATH_MAX];
    as_cli_outdir(&o, &st, dir, sizeof dir);
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    char title[320];
    char formula[256];
    as_structure_formula(s, formula, sizeof formula);
    if (info.mixed)
        snprintf(title, sizeof title, "%s_pattern%d", formula, info.pattern);
    else
        snprintf(title, sizeof title, "%s", formula);
    if (rank == 0)
        rc = write_all(dir, s, title, err);
    /* Every rank returns the same status; the message is printed by rank 0 only. */
    MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
    if (rc && rank != 0)
        as_error_set(err, rc, "writing the structure files failed on rank 0");
done:
    as_symmetry_destroy(sym);
    as_structure_destroy(s);
    as_settings_free(&st);
    as_deck_destroy(deck);
    return rc;
}
