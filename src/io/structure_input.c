#define _POSIX_C_SOURCE 200809L
#include "io/structure_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/file.h"
#include "core/log.h"
#include "core/units.h"
#include "crystal/composition.h"
#include "crystal/elements.h"
#include "crystal/perovskite.h"
#include "crystal/substitution.h"
#include "crystal/supercell.h"
#include "io/cif.h"
#include "io/poscar.h"

static int has_suffix(const char *s, const char *suf)
{
    size_t ls = strlen(s), lf = strlen(suf);
    return ls >= lf && !strcasecmp(s + ls - lf, suf);
}

as_structure *as_structure_read_file(const char *path, as_error *err)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (has_suffix(base, ".cif"))
        return as_cif_read(path, NULL, err);
    if (!strncasecmp(base, "POSCAR", 6) || !strncasecmp(base, "CONTCAR", 7) || has_suffix(base, ".vasp") ||
        has_suffix(base, ".poscar"))
        return as_poscar_read(path, err);
    if (has_suffix(base, ".xyz") || has_suffix(base, ".extxyz")) {
        as_error_set(err, AS_EINPUT, "%s: an (extended) XYZ file is not read as a structure (anionscan writes them: "
                     "structure.extxyz, trajectory.extxyz); give the CIF or POSCAR written next to it, or convert it "
                     "(ase convert %s POSCAR)", path, path);
        return NULL;
    }
    char *text = NULL;
    if (as_file_read_text(path, &text, NULL, err))
        return NULL;
    if (strstr(text, "Lattice=\"") && strstr(text, "Properties=")) {
        as_error_set(err, AS_EINPUT, "%s:2: this is an extended XYZ file (Lattice=, Properties=), which is not read as a "
                     "structure; give a CIF or POSCAR (ase convert %s POSCAR)", path, path);
        free(text);
        return NULL;
    }
    as_structure *s = (strstr(text, "data_") && strstr(text, "_cell_length_a")) ? as_cif_parse(path, text, NULL, err)
                                                                                : as_poscar_parse(path, text, err);
    free(text);
    return s;
}

/* "deck.in:LINE: " in front of an error from below; input errors stay AS_EINPUT. */
static void at_line(as_error *err, const char *deck_path, int line)
{
    if (err->code == AS_EIO)
        err->code = AS_EINPUT;
    if (line > 0)
        as_error_prefix(err, "%s:%d: ", deck_path, line);
    else
        as_error_prefix(err, "%s: ", deck_path);
}

static as_structure *build_host(const as_structure_settings *st, const char *deck_path, as_structure_info *info,
                                as_error *err)
{
    as_composition c;
    if (as_composition_parse(st->host, &c, err)) {
        at_line(err, deck_path, st->line);
        return NULL;
    }
    as_perovskite_phase ph = st->phase == AS_PHASE_CUBIC ? AS_PEROVSKITE_CUBIC : AS_PEROVSKITE_PNMA;
    snprintf(info->requested, sizeof info->requested, "%s", c.formula);
    if (st->have_lattice)
        snprintf(info->source, sizeof info->source, "%s %s from Wyckoff positions, lattice from the deck",
                 ph == AS_PEROVSKITE_CUBIC ? "cubic" : "Pnma", c.formula);
    else
        snprintf(info->source, sizeof info->source, "%s", as_perovskite_source(&c, ph));
    as_structure *unit = as_perovskite_build(&c, ph, st->have_lattice ? st->lattice : NULL, err);
    if (!unit) {
        at_line(err, deck_path, st->line);
        return NULL;
    }
    as_structure *host = unit;
    if (!as_supercell_is_identity(st->supercell)) {
        host = as_supercell_build(unit, st->supercell, NULL, err);
        as_structure_destroy(unit);
        if (!host) {
            at_line(err, deck_path, st->supercell_line ? st->supercell_line : st->line);
            return NULL;
        }
    }
    if (as_composition_nspecies(&c) == 1) {
        if (st->pattern > 1) {
            as_structure_destroy(host);
            as_error_set(err, AS_EINPUT,
                         "%s:%d: 'pattern = %d', but %s is not a mixed halide: it has one arrangement only "
                         "(remove 'pattern' or give a mix such as CsPbCl0.25Br2.75)",
                         deck_path, st->line, st->pattern, c.formula);
            return NULL;
        }
        return host;
    }
    as_substitution *sub = as_substitution_enumerate(host, &c, 0.0, 0.0, err);
    if (!sub) {
        as_structure_destroy(host);
        at_line(err, deck_path, st->line);
        return NULL;
    }
    info->mixed = 1;
    snprintf(info->realised, sizeof info->realised, "%s", sub->formula);
    info->exact = sub->exact;
    info->nsub_sites = sub->nsites;
    info->npatterns = sub->npatterns;
    info->counts[0] = '\0';
    for (int k = sub->nspecies - 1; k >= 0; k--) {
        size_t l = strlen(info->counts);
        snprintf(info->counts + l, sizeof info->counts - l, "%s%d %s", l ? " + " : "", sub->count[k],
                 as_element_symbol(sub->species_z[k]));
    }
    if (st->pattern > sub->npatterns) {
        as_error_set(err, AS_EINPUT,
                     "%s:%d: 'pattern = %d' is out of range: %s in this cell (%s on %d halide sites) has %d "
                     "symmetry-distinct arrangement%s; choose pattern 1..%d",
                     deck_path, st->line, st->pattern, sub->formula, info->counts, sub->nsites, sub->npatterns,
                     sub->npatterns == 1 ? "" : "s", sub->npatterns);
        as_substitution_destroy(sub);
        as_structure_destroy(host);
        return NULL;
    }
    info->nlisted = sub->npatterns < AS_INFO_MAX_PATTERNS ? sub->npatterns : AS_INFO_MAX_PATTERNS;
    for (int q = 0; q < info->nlisted; q++) {
        info->listed_mult[q] = sub->multiplicity[q];
        as_substitution_describe(sub, q + 1, info->listed_desc[q], sizeof info->listed_desc[q]);
    }
    int p = st->pattern < 1 ? 1 : st->pattern;
    as_structure *s = as_substitution_apply(sub, host, p, err);
    if (s) {
        info->pattern = p;
        info->multiplicity = sub->multiplicity[p - 1];
        as_substitution_describe(sub, p, info->pattern_desc, sizeof info->pattern_desc);
        if (!sub->exact)
            as_warn("%s:%d: %s is realised as %s in this cell (%s on %d halide sites); a supercell with a multiple "
                    "of the sites makes it exact",
                    deck_path, st->line, c.formula, sub->formula, info->counts, sub->nsites);
    } else {
        at_line(err, deck_path, st->line);
    }
    as_substitution_destroy(sub);
    as_structure_destroy(host);
    return s;
}

as_structure *as_structure_from_settings_info(const as_structure_settings *st, const char *deck_path,
                                              as_structure_info *info_in, as_error *err)
{
    as_structure_info local;
    as_structure_info *info = info_in ? info_in : &local;
    memset(info, 0, sizeof *info);
    memcpy(info->supercell, st->supercell, sizeof info->supercell);
    info->det = as_supercell_det(st->supercell);
    if (!deck_path)
        deck_path = "deck";
    as_structure *s = NULL;
    if (st->source == AS_SRC_HOST) {
        s = build_host(st, deck_path, info, err);
        if (!s)
            return NULL;
    } else {
        if (st->pattern > 1) {
            as_error_set(err, AS_EINPUT, "%s:%d: 'pattern' applies only to a mixed-halide 'host'", deck_path,
                         st->line);
            return NULL;
        }
        as_structure *base = NULL;
        if (st->source == AS_SRC_FILE) {
            snprintf(info->source, sizeof info->source, "file %s", st->file);
            base = as_structure_read_file(st->file, err);
        } else {
            snprintf(info->source, sizeof info->source, "cell and atoms in the deck");
            base = as_structure_create(st->natoms, err);
            if (base) {
                memcpy(base->lattice, st->cell, sizeof base->lattice);
                for (int a = 0; a < st->natoms; a++) {
                    base->z[a] = st->z[a];
                    memcpy(base->frac[a], st->pos[a], sizeof base->frac[a]);
                }
            }
        }
        if (!base) {
            at_line(err, deck_path, st->line);
            return NULL;
        }
        as_structure_wrap(base);
        if (as_supercell_is_identity(st->supercell)) {
            s = base;
        } else {
            s = as_supercell_build(base, st->supercell, NULL, err);
            as_structure_destroy(base);
            if (!s) {
                at_line(err, deck_path, st->supercell_line ? st->supercell_line : st->line);
                return NULL;
            }
        }
    }
    if (as_structure_validate(s, 0.5 * AS_ANG_BOHR, err)) {
        at_line(err, deck_path, st->line);
        as_structure_destroy(s);
        return NULL;
    }
    return s;
}

as_structure *as_structure_from_settings(const as_structure_settings *st, const char *deck_path, as_error *err)
{
    return as_structure_from_settings_info(st, deck_path, NULL, err);
}
