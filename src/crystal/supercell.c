#include "crystal/supercell.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

long as_supercell_det(const int m[3][3])
{
    return (long)m[0][0] * ((long)m[1][1] * m[2][2] - (long)m[1][2] * m[2][1]) -
           (long)m[0][1] * ((long)m[1][0] * m[2][2] - (long)m[1][2] * m[2][0]) +
           (long)m[0][2] * ((long)m[1][0] * m[2][1] - (long)m[1][1] * m[2][0]);
}

int as_supercell_is_identity(const int m[3][3])
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (m[i][j] != (i == j))
                return 0;
    return 1;
}

/* A point inside the supercell: every new fractional coordinate in [-eps, 1 - eps). */
static int inside(const double f[3])
{
    const double eps = 1e-8;
    for (int k = 0; k < 3; k++)
        if (f[k] < -eps || f[k] >= 1.0 - eps)
            return 0;
    return 1;
}

as_structure *as_supercell_build(const as_structure *s, const int m[3][3], int **image_of, as_error *err)
{
    if (image_of)
        *image_of = NULL;
    long det = as_supercell_det(m);
    if (det <= 0) {
        as_error_set(err, AS_EINPUT,
                     det == 0 ? "the supercell matrix is singular (determinant 0)"
                              : "the supercell matrix has a negative determinant (%ld); swap two rows",
                     det);
        return NULL;
    }
    if (det > 100000 || det * (long)s->natoms > AS_SUPERCELL_MAX_ATOMS) {
        as_error_set(err, AS_EINPUT, "the supercell (determinant %ld, %ld atoms) is too large (at most %d atoms)",
                     det, det * (long)s->natoms, AS_SUPERCELL_MAX_ATOMS);
        return NULL;
    }
    /* frac' = frac_old . m^{-1}  (old fractional coordinates as a row vector). */
    double md[3][3], minv[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            md[i][j] = m[i][j];
    if (as_lattice_inverse(md, minv) != 0) {
        as_error_set(err, AS_EINTERNAL, "supercell matrix inversion failed");
        return NULL;
    }
    /* Bounding box, in old lattice units, of the supercell's eight corners. */
    int lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
    for (int c = 0; c < 8; c++) {
        int w[3] = {c & 1, (c >> 1) & 1, (c >> 2) & 1};
        for (int j = 0; j < 3; j++) {
            int v = w[0] * m[0][j] + w[1] * m[1][j] + w[2] * m[2][j];
            lo[j] = v < lo[j] ? v : lo[j];
            hi[j] = v > hi[j] ? v : hi[j];
        }
    }
    /* a sheared matrix with a small determinant can still span a huge box: every lattice point of it is tried */
    const double box = (double)(hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1);
    if (box * s->natoms > 1e6) { /* a compact matrix needs a few times det x natoms */
        as_error_set(err, AS_EINPUT, "the supercell matrix is too sheared (it spans %.3g cells of the original "
                     "for determinant %ld); choose a more compact one", box, det);
        return NULL;
    }
    long want = det * s->natoms;
    as_structure *out = as_structure_create((int)want, err);
    if (!out)
        return NULL;
    int *img = image_of ? malloc((size_t)(want > 0 ? want : 1) * sizeof *img) : NULL;
    if (image_of && !img) {
        as_structure_destroy(out);
        as_error_nomem(err, "supercell", (size_t)want * sizeof *img);
        return NULL;
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            out->lattice[i][j] = m[i][0] * s->lattice[0][j] + m[i][1] * s->lattice[1][j] + m[i][2] * s->lattice[2][j];
    long n = 0;
    for (int a = 0; a < s->natoms; a++) {
        double f0[3];
        for (int k = 0; k < 3; k++)
            f0[k] = s->frac[a][k] - floor(s->frac[a][k]);
        for (int t0 = lo[0]; t0 <= hi[0]; t0++)
            for (int t1 = lo[1]; t1 <= hi[1]; t1++)
                for (int t2 = lo[2]; t2 <= hi[2]; t2++) {
                    double g[3] = {f0[0] + t0, f0[1] + t1, f0[2] + t2}, f[3];
                    for (int k = 0; k < 3; k++)
                        f[k] = g[0] * minv[0][k] + g[1] * minv[1][k] + g[2] * minv[2][k];
                    if (!inside(f))
                        continue;
                    if (n >= want) {
                        n++;
                        continue;
                    }
                    for (int k = 0; k < 3; k++) {
                        double x = f[k] - floor(f[k]);
                        out->frac[n][k] = x >= 1.0 ? 0.0 : x;
                    }
                    out->z[n] = s->z[a];
                    if (img)
                        img[n] = a;
                    n++;
                }
    }
    if (n != want) {
        as_error_set(err, AS_EINTERNAL, "supercell: found %ld atoms, expected det %ld x %d = %ld", n, det,
                     s->natoms, want);
        as_structure_destroy(out);
        free(img);
        return NULL;
    }
    if (image_of)
        *image_of = img;
    return out;
}
