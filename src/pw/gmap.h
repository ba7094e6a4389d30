/* A map from Miller indices to (record, index) pairs over an FFT box: how coefficients written
 * by one parallel layout (each rank's share a list of G-vectors with their Miller indices) are
 * found again by another layout, G-vector by G-vector.  A later put of the same Miller index
 * replaces the earlier one. */
#ifndef AS_PW_GMAP_H
#define AS_PW_GMAP_H

#include <stdint.h>

#include "core/error.h"
#include "pw/fft.h"

typedef struct as_gmap {
    const as_fft *f; /* the box (its n[3]); every Miller index put must fit it */
    int64_t *slot;   /* nglobal entries: record << 32 | index, -1 when empty (an index that fits the
                      * box has a slot of its own) */
} as_gmap;

as_gmap *as_gmap_create(const as_fft *f, as_error *err);
void as_gmap_destroy(as_gmap *m);
void as_gmap_clear(as_gmap *m);
/* Whether m fits the box (|m_i| < n_i / 2): an index outside would alias another. */
int as_gmap_fits(const as_gmap *map, const int m[3]);
/* Returns 0, or -1 when m does not fit the box. */
int as_gmap_put(as_gmap *map, const int m[3], int record, int index);
/* 1 and (record, index) when m was put, 0 otherwise. */
int as_gmap_get(const as_gmap *map, const int m[3], int *record, int *index);

#endif
