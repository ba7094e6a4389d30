/* VASP POSCAR / CONTCAR (VASP 5 format, with the species line).
 *
 * Reading: comment line; scale factor (one number; negative = target cell volume in
 * angstrom^3; or three numbers, one per lattice vector); three lattice vectors
 * (angstrom); the species line; the counts; an optional "Selective dynamics" line;
 * "Direct" or "Cartesian" (first letter D or C/K, any case); the positions.  Species
 * names may carry POTCAR suffixes ("Pb_d", "Br/1a2b3c").  A file without the
 * species line (VASP 4) is an error that says so.  Errors name the file and line.
 *
 * Writing: VASP 5, scale 1, Direct coordinates, species in runs of consecutive equal
 * elements (the atom order is kept; Z = 0 is written as "X"). */
#ifndef AS_IO_POSCAR_H
#define AS_IO_POSCAR_H

#include "core/error.h"
#include "core/file.h"
#include "crystal/structure.h"

as_structure *as_poscar_parse(const char *path, const char *text, as_error *err);
as_structure *as_poscar_read(const char *path, as_error *err);

void as_poscar_format(as_strbuf *b, const as_structure *s, const char *comment);
int as_poscar_write(const char *path, const as_structure *s, const char *comment, as_error *err);

#endif
