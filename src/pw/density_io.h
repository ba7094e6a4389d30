/* The restartable density file DIR/density.dat: the density's sphere coefficients with
 * their Miller indices, so it can be read back on any cutoff or FFT grid of the same cell.
 * Layout (little-endian host order): "ASDENS01", int32 version, int32 nspin, int32 ng,
 * double lattice[3][3] (bohr), ng x int32[3] Miller indices, nspin x ng complex doubles,
 * uint64 FNV-1a checksum of everything before it.  Written atomically. */
#ifndef AS_PW_DENSITY_IO_H
#define AS_PW_DENSITY_IO_H

#include <complex.h>

#include "pw/disc.h"
#include "pw/model.h"

int as_density_write(const char *path, const as_model *m, const as_disc *d, const double complex *rho_g,
                     as_error *err);
/* Refuses a truncated or corrupt file, or one for another cell, with a clear message. */
int as_density_read(const char *path, const as_model *m, const as_disc *d, double complex *rho_g, as_error *err);

#endif
