#include "pw/gmap.h"

#include <stdlib.h>

as_gmap *as_gmap_create(const as_fft *f, as_error *err)
{
    as_gmap *m = calloc(1, sizeof *m);
    if (m)
        m->slot = malloc(f->nglobal * sizeof *m->slot);
    if (!m || !m->slot) {
        as_gmap_destroy(m);
        as_error_nomem(err, "G-vector map", f->nglobal * 8);
        return NULL;
    }
    m->f = f;
    as_gmap_clear(m);
    return m;
}

void as_gmap_destroy(as_gmap *m)
{
    if (!m)
        return;
    free(m->slot);
    free(m);
}

void as_gmap_clear(as_gmap *m)
{
    for (size_t i = 0; i < m->f->nglobal; i++)
        m->slot[i] = -1;
}

int as_gmap_fits(const as_gmap *map, const int m[3])
{
    /* 2 |m| < n, written so that a Miller index from a file (up to INT_MIN) cannot overflow */
    for (int i = 0; i < 3; i++) {
        const int half = (map->f->n[i] - 1) / 2;
        if (m[i] < -half || m[i] > half)
            return 0;
    }
    return 1;
}

int as_gmap_put(as_gmap *map, const int m[3], int record, int index)
{
    if (!as_gmap_fits(map, m))
        return -1;
    const size_t s = as_fft_index(map->f, m);
    map->slot[s] = (int64_t)record << 32 | (int64_t)(uint32_t)index;
    return 0;
}

int as_gmap_get(const as_gmap *map, const int m[3], int *record, int *index)
{
    if (!as_gmap_fits(map, m))
        return 0;
    const size_t s = as_fft_index(map->f, m);
    if (map->slot[s] < 0)
        return 0;
    *record = (int)(map->slot[s] >> 32);
    *index = (int)(uint32_t)(map->slot[s] & 0xffffffff);
    return 1;
}
