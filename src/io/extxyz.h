/* Extended XYZ (the ASE / OVITO convention), one frame per call, so a relaxation
 * trajectory is a sequence of as_extxyz_append() calls on one buffer:
 *
 *   20
 *   Lattice="ax ay az bx by bz cx cy cz" Properties=species:S:1:pos:R:3[:name:R:n...] energy=-1.5 pbc="T T T"
 *   Pb  x y z  [extra columns]
 *
 * Units are those ASE expects: angstrom for Lattice and pos; callers convert any
 * extra column or info value themselves (forces in eV/angstrom, energy in eV).
 * Z = 0 is written as species "X". */
#ifndef AS_IO_EXTXYZ_H
#define AS_IO_EXTXYZ_H

#include "core/error.h"
#include "core/file.h"
#include "crystal/structure.h"

/* An extra real per-atom column, e.g. {"forces", 3, f} with f[natoms*3] row-major. */
typedef struct as_extxyz_column {
    const char *name;
    int ncomp;
    const double *data;
} as_extxyz_column;

/* A key=value on the comment line: text if str != NULL (quoted when it has blanks),
 * else the number num (%.15g).  Keys must not contain blanks or '='. */
typedef struct as_extxyz_info {
    const char *key;
    const char *str;
    double num;
} as_extxyz_info;

/* Append one frame.  cols/info may be NULL with ncols/ninfo = 0.  Returns AS_EINTERNAL
 * for a malformed key or column name. */
int as_extxyz_append(as_strbuf *b, const as_structure *s, const as_extxyz_column *cols, int ncols,
                     const as_extxyz_info *info, int ninfo, as_error *err);
/* One frame written atomically to path. */
int as_extxyz_write(const char *path, const as_structure *s, const as_extxyz_column *cols, int ncols,
                    const as_extxyz_info *info, int ninfo, as_error *err);

#endif
