/* The host structure a deck describes ([structure] section):
 *   host = CsPbX3   built (crystal/perovskite.h) in `phase`, `lattice` replacing the
 *                   cell, then `supercell`, then for a mixed halide the `pattern`-th
 *                   symmetry-distinct arrangement (crystal/substitution.h);
 *   file = x.cif    read (CIF or POSCAR, by extension, else by content), then `supercell`;
 *   cell + atoms    taken as given, then `supercell`.
 * The result is validated (known elements, no two atoms closer than 0.5 angstrom);
 * errors read "deck.in:LINE: ..." with LINE = st->line (the host/file/atoms line). */
#ifndef AS_IO_STRUCTURE_INPUT_H
#define AS_IO_STRUCTURE_INPUT_H

#include "core/error.h"
#include "crystal/structure.h"
#include "io/settings.h"

#define AS_INFO_MAX_PATTERNS 12

/* What was built, for run headers. */
typedef struct as_structure_info {
    char source[AS_PATH_MAX + 64]; /* "Pnma CsPbBr3, ICSD 97851 ..." or the file path */
    char requested[64];      /* host formula as given (host only) */
    int mixed;               /* a mixed halide was realised */
    char realised[64];       /* realised composition (mixed only) */
    int exact;               /* realised == requested */
    int nsub_sites;          /* halide sites of the pure host (mixed only) */
    char counts[96];         /* "1 Cl + 11 Br" (mixed only) */
    int npatterns;           /* symmetry-distinct arrangements (mixed only) */
    int pattern;             /* chosen, 1-based */
    long multiplicity;       /* equivalent arrangements of the chosen one */
    char pattern_desc[256];  /* which sites were substituted */
    int nlisted;             /* the first AS_INFO_MAX_PATTERNS patterns, for the header */
    long listed_mult[AS_INFO_MAX_PATTERNS];
    char listed_desc[AS_INFO_MAX_PATTERNS][160];
    int supercell[3][3];
    long det;                /* supercell determinant */
} as_structure_info;

as_structure *as_structure_from_settings(const as_structure_settings *st, const char *deck_path, as_error *err);
/* The same, also filling info (may be NULL). */
as_structure *as_structure_from_settings_info(const as_structure_settings *st, const char *deck_path,
                                              as_structure_info *info, as_error *err);

/* Read a CIF or POSCAR: .cif -> CIF; POSCAR, CONTCAR, *.vasp, *.poscar -> POSCAR;
 * otherwise a file containing "data_" and "_cell_length_a" is a CIF, else POSCAR. */
as_structure *as_structure_read_file(const char *path, as_error *err);

#endif
