#include "pw/density_io.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/checksum.h"
#include "core/file.h"

#define MAGIC "ASDENS01"

int as_density_write(const char *path, const as_model *m, const as_disc *d, const double complex *rho_g,
                     as_error *err)
{
    const int32_t ng = d->gv->ng, ns = m->nspin, version = 1;
    const size_t len = 8 + 12 + 72 + (size_t)ng * 12 + (size_t)ns * ng * 16 + 8;
    unsigned char *buf = malloc(len), *p = buf;
    if (!buf)
        return as_error_nomem(err, path, len);
    memcpy(p, MAGIC, 8), p += 8;
    memcpy(p, &version, 4), p += 4;
    memcpy(p, &ns, 4), p += 4;
    memcpy(p, &ng, 4), p += 4;
    memcpy(p, m->s->lattice, 72), p += 72;
    for (int i = 0; i < ng; i++) {
        int32_t mi[3] = {d->gv->mill[i][0], d->gv->mill[i][1], d->gv->mill[i][2]};
        memcpy(p, mi, 12), p += 12;
    }
    memcpy(p, rho_g, (size_t)ns * ng * 16), p += (size_t)ns * ng * 16;
    uint64_t h = as_checksum(buf, (size_t)(p - buf));
    memcpy(p, &h, 8);
    int rc = as_file_write_atomic(path, buf, len, err);
    free(buf);
    return rc;
}

int as_density_read(const char *path, const as_model *m, const as_disc *d, double complex *rho_g, as_error *err)
{
    char *data = NULL;
    size_t len = 0;
    if (as_file_read_all(path, &data, &len, err))
        return err->code;
    const unsigned char *p = (const unsigned char *)data;
    int rc = AS_OK;
    int32_t version, ns, ng;
    if (len < 8 + 12 + 72 + 8 || memcmp(p, MAGIC, 8) != 0) {
        rc = as_error_set(err, AS_EINPUT, "%s is not an anionscan density file (bad header); delete it or run "
                          "without --restart", path);
        goto done;
    }
    memcpy(&version, p + 8, 4);
    memcpy(&ns, p + 12, 4);
    memcpy(&ng, p + 16, 4);
    size_t want = 8 + 12 + 72 + (size_t)ng * 12 + (size_t)ns * ng * 16 + 8;
    if (version != 1 || ns < 1 || ns > 2 || ng < 1 || len != want) {
        rc = as_error_set(err, AS_EINPUT, "%s is truncated or corrupt (%zu bytes, expected %zu); delete it or run "
                          "without --restart", path, len, want);
        goto done;
    }
    uint64_t h;
    memcpy(&h, p + len - 8, 8);
    if (h != as_checksum(p, len - 8)) {
        rc = as_error_set(err, AS_EINPUT, "%s fails its checksum (corrupt); delete it or run without --restart", path);
        goto done;
    }
    double lat[3][3];
    memcpy(lat, p + 20, 72);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (fabs(lat[i][j] - m->s->lattice[i][j]) > 1e-6 * (1.0 + fabs(lat[i][j]))) {
                rc = as_error_set(err, AS_EINPUT, "%s belongs to another cell (lattice differs); delete it or run "
                                  "without --restart", path);
                goto done;
            }
    /* Map Miller indices onto the current sphere (a different cutoff is fine). */
    const unsigned char *mill = p + 92, *val = mill + (size_t)ng * 12;
    const as_gvecs *gv = d->gv;
    int *where = malloc(d->fft->nglobal * sizeof *where);
    if (!where) {
        rc = as_error_nomem(err, "density map", d->fft->nglobal * 4);
        goto done;
    }
    for (size_t i = 0; i < d->fft->nglobal; i++)
        where[i] = -1;
    for (int i = 0; i < gv->ng; i++)
        where[as_fft_index(d->fft, gv->mill[i])] = i;
    memset(rho_g, 0, (size_t)gv->ng * m->nspin * sizeof *rho_g);
    for (int i = 0; i < ng; i++) {
        int32_t mi[3];
        memcpy(mi, mill + (size_t)i * 12, 12);
        int mm[3] = {mi[0], mi[1], mi[2]};
        if (abs(mm[0]) * 2 >= d->fft->n[0] || abs(mm[1]) * 2 >= d->fft->n[1] || abs(mm[2]) * 2 >= d->fft->n[2])
            continue;
        int j = where[as_fft_index(d->fft, mm)];
        if (j < 0 || gv->mill[j][0] != mm[0] || gv->mill[j][1] != mm[1] || gv->mill[j][2] != mm[2])
            continue;
        for (int s = 0; s < ns; s++) {
            double complex v;
            memcpy(&v, val + ((size_t)s * ng + i) * 16, 16);
            if (m->nspin == ns)
                rho_g[(size_t)s * gv->ng + j] = v;
            else if (m->nspin == 1)
                rho_g[j] += v; /* up + down */
            else {
                rho_g[j] += 0.5 * v;
                rho_g[(size_t)gv->ng + j] += 0.5 * v;
            }
        }
    }
    free(where);
done:
    free(data);
    return rc;
}
