/* Files of `anionscan sites`: sites.json, sites.csv, sites.cif.  All are written
 * atomically (core/file.h).  Lengths are angstrom in every file.
 *
 *   sites.json  {"host": {"spacegroup": "Pnma", "number": 62, "natoms": 20},
 *                "sites": [{"name": "i1", "frac": [x, y, z], "cart_ang": [x, y, z],
 *                           "multiplicity": 8, "site_symmetry": "1", "min_dist_ang": 2.773,
 *                           "nearest": "Br", "wyckoff": "8d"}, ...]}
 *               ("wyckoff" is an addition to the keys issue 2 specifies)
 *   sites.csv   one line per site, the same fields, a header line
 *   sites.cif   the host plus one dummy atom (type "XX") at EVERY member of each
 *               site's orbit, labelled i1, i1_2, i1_3, ... so VESTA shows the
 *               sites as the crystal has them. */
#ifndef AS_IO_SITES_OUT_H
#define AS_IO_SITES_OUT_H

#include "core/error.h"
#include "crystal/sites.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"

/* The JSON text (malloc'd, NUL-terminated) or NULL on allocation failure. */
char *as_sites_json(const as_sites *s, const as_structure *host, const as_symmetry *sym);

int as_sites_write_json(const char *path, const as_sites *s, const as_structure *host, const as_symmetry *sym,
                        as_error *err);
int as_sites_write_csv(const char *path, const as_sites *s, const as_structure *host, as_error *err);
int as_sites_write_cif(const char *path, const as_sites *s, const as_structure *host, as_error *err);

/* All three into dir (created if needed). */
int as_sites_write_all(const char *dir, const as_sites *s, const as_structure *host, const as_symmetry *sym,
                       as_error *err);

#endif
