/* CIF files (the subset crystal structures use).
 *
 * Reading: the first data block; cell lengths and angles; the symmetry loop
 * (_space_group_symop_operation_xyz or _symmetry_equiv_pos_as_xyz; none = P1);
 * the atom-site loop with _atom_site_fract_x/y/z and _atom_site_type_symbol (or,
 * without it, the element from _atom_site_label).  Numbers may carry standard
 * uncertainties, 0.971(2).  Occupancies below 1 are ignored with a warning.  The
 * asymmetric unit is expanded by the operations and duplicates are merged.  A
 * type symbol "X"/"XX" (or a label "X1"...) is a dummy atom, Z = 0.  Errors name
 * the file and line.
 *
 * Writing: P1 with every atom, cell parameters, _atom_site_label and
 * _atom_site_type_symbol.  Atoms with Z = 0 get the type symbol "XX", which VESTA
 * draws as dummy atoms (interstitial sites).  Labels default to the element and a
 * running number per element (Pb1, Pb2, ..., dummies X1, X2, ...). */
#ifndef AS_IO_CIF_H
#define AS_IO_CIF_H

#include "core/error.h"
#include "core/file.h"
#include "crystal/structure.h"

/* Parse CIF text (path is used in messages).  labels (optional) receives a
 * malloc'd array of s->natoms malloc'd strings: the site label of each atom
 * (free with as_labels_free).  The lattice is in the standard orientation: a
 * along x, b in the xy plane (as ASE's cellpar_to_cell). */
as_structure *as_cif_parse(const char *path, const char *text, char ***labels, as_error *err);
as_structure *as_cif_read(const char *path, char ***labels, as_error *err);

void as_labels_free(char **labels, int n);

/* Append a P1 CIF of s to b.  labels: NULL or natoms strings (NULL entries get the
 * default); whitespace in a label becomes '_'.  title names the data block. */
void as_cif_format(as_strbuf *b, const as_structure *s, const char *const *labels, const char *title);
/* Write it atomically to path. */
int as_cif_write(const char *path, const as_structure *s, const char *const *labels, const char *title,
                 as_error *err);

/* Cell parameters a b c (bohr) and alpha beta gamma (degrees) <-> lattice rows in the
 * standard orientation (a along x, b in the xy plane). */
void as_lattice_to_cellpar(const double lat[3][3], double abc[3], double angles[3]);
int as_cellpar_to_lattice(const double abc[3], const double angles[3], double lat[3][3]);

#endif
