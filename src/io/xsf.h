/* XCrySDen structure file (XSF), periodic CRYSTAL block: PRIMVEC and PRIMCOORD in
 * angstrom, Cartesian.  Atoms are written by element symbol; Z = 0 as "X"
 * (XCrySDen's dummy atom).  Read by XCrySDen, VESTA and ASE. */
#ifndef AS_IO_XSF_H
#define AS_IO_XSF_H

#include "core/error.h"
#include "core/file.h"
#include "crystal/structure.h"

void as_xsf_format(as_strbuf *b, const as_structure *s);
int as_xsf_write(const char *path, const as_structure *s, as_error *err);

#endif
