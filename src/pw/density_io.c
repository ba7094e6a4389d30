#include "pw/density_io.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/checksum.h"
#include "core/file.h"
#include "pw/gmap.h"

#include <mpi.h>

#define MAGIC "ASDENS01"

/* The whole sphere (Miller indices and nspin x ng values) on pw-rank 0 of every pool. */
static int gather_sphere(const as_model *m, const as_disc *d, const double complex *rho_g, int32_t **mill_out,
                         double complex **val_out, int *ng_out, as_error *err)
{
    const as_gvecs *gv = d->gv;
    MPI_Comm comm = d->lay->pw;
    const int P = d->lay->pw_size, me = d->lay->pw_rank, ns = m->nspin;
    int *cnt = malloc((size_t)P * sizeof *cnt), *dsp = malloc((size_t)P * sizeof *dsp);
    int *cnt3 = malloc((size_t)P * sizeof *cnt3), *dsp3 = malloc((size_t)P * sizeof *dsp3);
    int32_t *mloc = malloc((size_t)(gv->ng > 0 ? gv->ng : 1) * 3 * sizeof *mloc);
    if (!cnt || !dsp || !cnt3 || !dsp3 || !mloc) {
        free(cnt), free(dsp), free(cnt3), free(dsp3), free(mloc);
        return as_error_nomem(err, "density gather", 64);
    }
    MPI_Gather(&gv->ng, 1, MPI_INT, cnt, 1, MPI_INT, 0, comm);
    int ng = 0;
    if (me == 0)
        for (int r = 0; r < P; r++) {
            dsp[r] = ng;
            cnt3[r] = 3 * cnt[r];
            dsp3[r] = 3 * ng;
            ng += cnt[r];
        }
    for (int i = 0; i < gv->ng; i++)
        for (int k = 0; k < 3; k++)
            mloc[3 * i + k] = gv->mill[i][k];
    int32_t *mill = NULL;
    double complex *val = NULL;
    if (me == 0) {
        mill = malloc((size_t)(ng > 0 ? ng : 1) * 3 * sizeof *mill);
        val = malloc((size_t)(ng > 0 ? ng : 1) * ns * sizeof *val);
    }
    MPI_Gatherv(mloc, 3 * gv->ng, MPI_INT32_T, mill, cnt3, dsp3, MPI_INT32_T, 0, comm);
    for (int sp = 0; sp < ns; sp++)
        MPI_Gatherv(rho_g + (size_t)sp * gv->ng, gv->ng, MPI_C_DOUBLE_COMPLEX, val ? val + (size_t)sp * ng : NULL, cnt,
                    dsp, MPI_C_DOUBLE_COMPLEX, 0, comm);
    free(cnt), free(dsp), free(cnt3), free(dsp3), free(mloc);
    *mill_out = mill;
    *val_out = val;
    *ng_out = ng;
    return AS_OK;
}

int as_density_write(const char *path, const as_model *m, const as_disc *d, const double complex *rho_g,
                     as_error *err)
{
    int32_t *mill = NULL;
    double complex *val = NULL;
    int ngi = 0, rc = gather_sphere(m, d, rho_g, &mill, &val, &ngi, err);
    if (rc == AS_OK && d->lay->group_rank == 0) {
        const int32_t ng = ngi, ns = m->nspin, version = 1;
        const size_t len = 8 + 12 + 72 + (size_t)ng * 12 + (size_t)ns * ng * 16 + 8;
        unsigned char *buf = malloc(len), *p = buf;
        if (!buf || !mill || !val) {
            rc = as_error_nomem(err, path, len);
        } else {
            memcpy(p, MAGIC, 8), p += 8;
            memcpy(p, &version, 4), p += 4;
            memcpy(p, &ns, 4), p += 4;
            memcpy(p, &ng, 4), p += 4;
            memcpy(p, m->s->lattice, 72), p += 72;
            memcpy(p, mill, (size_t)ng * 12), p += (size_t)ng * 12;
            memcpy(p, val, (size_t)ns * ng * 16), p += (size_t)ns * ng * 16;
            uint64_t h = as_checksum(buf, (size_t)(p - buf));
            memcpy(p, &h, 8);
            rc = as_file_write_atomic(path, buf, len, err);
        }
        free(buf);
    }
    free(mill), free(val);
    /* every rank returns what rank 0 got */
    MPI_Bcast(&rc, 1, MPI_INT, 0, d->lay->group);
    if (rc)
        MPI_Bcast(err->msg, AS_ERROR_MSG_LEN, MPI_CHAR, 0, d->lay->group), err->code = rc;
    return rc;
}

int as_density_read(const char *path, const as_model *m, const as_disc *d, double complex *rho_g, as_error *err)
{
    /* rank 0 of the group reads, everyone gets the bytes and picks its G-vectors */
    char *data = NULL;
    size_t len = 0;
    long blen = 0;
    if (d->lay->group_rank == 0)
        blen = as_file_read_all(path, &data, &len, err) == AS_OK ? (long)len : -1;
    MPI_Bcast(&blen, 1, MPI_LONG, 0, d->lay->group);
    if (blen < 0) {
        MPI_Bcast(err->msg, AS_ERROR_MSG_LEN, MPI_CHAR, 0, d->lay->group);
        err->code = AS_EIO;
        return AS_EIO;
    }
    if (d->lay->group_rank != 0) {
        data = malloc((size_t)blen + 1);
        if (!data) {
            /* the others would wait for these bytes: nothing to do but stop */
            MPI_Abort(d->lay->group, AS_ENOMEM);
            return AS_ENOMEM;
        }
    }
    MPI_Bcast(data, (int)blen, MPI_CHAR, 0, d->lay->group);
    len = (size_t)blen;
    const unsigned char *p = (const unsigned char *)data;
    int rc = AS_OK;
    int32_t version, ns, ng;
    if (len < 8 + 12 + 72 + 8 || memcmp(p, MAGIC, 8) != 0) {
        rc = as_error_set(err, AS_EIO, "%s is not an anionscan density file (bad header: damaged or truncated); "
                          "restore it from a copy, or delete it or run without --restart", path);
        goto done;
    }
    memcpy(&version, p + 8, 4);
    memcpy(&ns, p + 12, 4);
    memcpy(&ng, p + 16, 4);
    size_t want = 8 + 12 + 72 + (size_t)ng * 12 + (size_t)ns * ng * 16 + 8;
    if (version != 1) {
        rc = as_error_set(err, AS_EIO, "%s is in density format %d, this program reads format 1 (another version, or "
                          "damaged); delete it or run without --restart", path, (int)version);
        goto done;
    }
    if (ns < 1 || ns > 2 || ng < 1) {
        rc = as_error_set(err, AS_EIO, "%s is damaged: its header gives %d spin channels and %d G-vectors; restore it "
                          "from a copy, or delete it or run without --restart", path, (int)ns, (int)ng);
        goto done;
    }
    if (len != want) {
        rc = as_error_set(err, AS_EIO, "%s is truncated or corrupt (%zu bytes, expected %zu); restore it from a "
                          "copy, or delete it or run without --restart", path, len, want);
        goto done;
    }
    uint64_t h;
    memcpy(&h, p + len - 8, 8);
    if (h != as_checksum(p, len - 8)) {
        rc = as_error_set(err, AS_EIO, "%s fails its checksum (corrupt); restore it from a copy, or delete it or run "
                          "without --restart", path);
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
    for (size_t i = 0; i < (size_t)ns * ng * 2; i++) { /* a checksum holds for any bytes: the numbers too */
        double x;
        memcpy(&x, val + i * 8, 8);
        if (!isfinite(x) || fabs(x) > 1e12) {
            rc = as_error_set(err, AS_EIO, "%s holds a non-finite or absurd density value (coefficient %zu); "
                              "restore it from a copy, or delete it or run without --restart", path, i / 2 + 1);
            goto done;
        }
    }
    const as_gvecs *gv = d->gv;
    as_gmap *where = as_gmap_create(d->fft, err);
    if (!where) {
        rc = err->code;
        goto done;
    }
    for (int i = 0; i < gv->ng; i++)
        as_gmap_put(where, gv->mill[i], 0, i); /* the sphere fits its grid */
    memset(rho_g, 0, (size_t)gv->ng * m->nspin * sizeof *rho_g);
    for (int i = 0; i < ng; i++) {
        int32_t mi[3];
        memcpy(mi, mill + (size_t)i * 12, 12);
        const int mm[3] = {mi[0], mi[1], mi[2]};
        int r, j; /* beyond this grid (a lower cutoff) or outside this rank's sphere: not ours */
        if (!as_gmap_get(where, mm, &r, &j))
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
    as_gmap_destroy(where);
done:
    free(data);
    return rc;
}
