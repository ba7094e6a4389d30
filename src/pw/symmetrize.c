#include "pw/symmetrize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "pw/gmap.h"

/* Inverse of an integer matrix with determinant +-1. */
static void int_inverse(const int r[3][3], int inv[3][3])
{
    int det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
              r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    inv[0][0] = (r[1][1] * r[2][2] - r[1][2] * r[2][1]) * det;
    inv[0][1] = (r[0][2] * r[2][1] - r[0][1] * r[2][2]) * det;
    inv[0][2] = (r[0][1] * r[1][2] - r[0][2] * r[1][1]) * det;
    inv[1][0] = (r[1][2] * r[2][0] - r[1][0] * r[2][2]) * det;
    inv[1][1] = (r[0][0] * r[2][2] - r[0][2] * r[2][0]) * det;
    inv[1][2] = (r[0][2] * r[1][0] - r[0][0] * r[1][2]) * det;
    inv[2][0] = (r[1][0] * r[2][1] - r[1][1] * r[2][0]) * det;
    inv[2][1] = (r[0][1] * r[2][0] - r[0][0] * r[2][1]) * det;
    inv[2][2] = (r[0][0] * r[1][1] - r[0][1] * r[1][0]) * det;
}

static int gcd(int a, int b) { return b ? gcd(b, a % b) : a; }

void as_symmetry_fft_factors(const as_symmetry *sym, int fact[3])
{
    fact[0] = fact[1] = fact[2] = 1;
    if (!sym)
        return;
    for (int o = 0; o < sym->nops; o++)
        for (int i = 0; i < 3; i++) {
            double t = sym->trans[o][i];
            int q = 1;
            while (q < 12 && fabs(q * t - round(q * t)) > 1e-5)
                q++;
            fact[i] = fact[i] / gcd(fact[i], q) * q;
        }
}

as_symmetrizer *as_symmetrizer_create(const as_symmetry *sym, const as_gvecs *gv, const as_fft *fft,
                                      as_error *err)
{
    as_symmetrizer *s = calloc(1, sizeof *s);
    if (!s) {
        as_error_nomem(err, "symmetriser", sizeof *s);
        return NULL;
    }
    s->nops = sym->nops;
    s->ng = gv->ng;
    s->ng_global = gv->ng_global;
    s->comm = fft->comm;
    s->nproc = fft->nproc;
    s->counts = malloc((size_t)s->nproc * sizeof *s->counts);
    s->displs = malloc((size_t)s->nproc * sizeof *s->displs);
    s->all = malloc((size_t)gv->ng_global * sizeof *s->all);
    s->map = malloc((size_t)sym->nops * (size_t)(gv->ng > 0 ? gv->ng : 1) * sizeof *s->map);
    /* translations that are multiples of 1/12 give phases exp(2 pi i p/12): one byte each */
    int twelfths = 1;
    for (int o = 0; o < sym->nops; o++)
        for (int i = 0; i < 3; i++)
            twelfths &= fabs(12.0 * sym->trans[o][i] - round(12.0 * sym->trans[o][i])) < 1e-8;
    s->phase12 = malloc((size_t)sym->nops * (size_t)(gv->ng > 0 ? gv->ng : 1) * sizeof *s->phase12);
    if (!twelfths)
        s->phase = malloc((size_t)sym->nops * (size_t)(gv->ng > 0 ? gv->ng : 1) * sizeof *s->phase);
    int(*mall)[3] = malloc((size_t)gv->ng_global * sizeof *mall);
    as_gmap *where = as_gmap_create(fft, err);
    if (!s->counts || !s->displs || !s->all || !s->map || !s->phase12 || (!twelfths && !s->phase) || !mall || !where) {
        free(mall), as_gmap_destroy(where);
        as_symmetrizer_destroy(s);
        as_error_nomem(err, "symmetrisation maps", (size_t)sym->nops * (size_t)gv->ng * 20 + fft->nglobal * 8);
        return NULL;
    }
    /* the whole sphere, rank after rank */
    MPI_Allgather(&s->ng, 1, MPI_INT, s->counts, 1, MPI_INT, s->comm);
    for (int r = 0, o = 0; r < s->nproc; r++) {
        s->displs[r] = o;
        o += s->counts[r];
    }
    {
        int *c3 = malloc((size_t)s->nproc * sizeof *c3), *d3 = malloc((size_t)s->nproc * sizeof *d3);
        if (!c3 || !d3) {
            free(c3), free(d3), free(mall), as_gmap_destroy(where);
            as_symmetrizer_destroy(s);
            as_error_nomem(err, "symmetrisation maps", 64);
            return NULL;
        }
        for (int r = 0; r < s->nproc; r++)
            c3[r] = 3 * s->counts[r], d3[r] = 3 * s->displs[r];
        MPI_Allgatherv(gv->mill, 3 * gv->ng, MPI_INT, mall, c3, d3, MPI_INT, s->comm);
        free(c3), free(d3);
    }
    for (int ig = 0; ig < gv->ng_global; ig++)
        as_gmap_put(where, mall[ig], 0, ig); /* the sphere fits its grid */
    for (int o = 0; o < sym->nops; o++) {
        int inv[3][3];
        int rt[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                rt[i][j] = sym->rot[o][j][i];
        int_inverse(rt, inv);
        for (int ig = 0; ig < gv->ng; ig++) {
            const int *m = gv->mill[ig];
            int mp[3];
            for (int i = 0; i < 3; i++)
                mp[i] = inv[i][0] * m[0] + inv[i][1] * m[1] + inv[i][2] * m[2];
            int r, j;
            if (!as_gmap_get(where, mp, &r, &j)) {
                as_gmap_destroy(where), free(mall);
                as_symmetrizer_destroy(s);
                as_error_set(err, AS_EINTERNAL,
                             "symmetry operation %d maps G-vector (%d %d %d) outside the density sphere; the cell "
                             "and its space group disagree",
                             o + 1, m[0], m[1], m[2]);
                return NULL;
            }
            const size_t i = (size_t)o * gv->ng + ig;
            s->map[i] = j;
            if (twelfths) {
                long p = 0;
                for (int x = 0; x < 3; x++)
                    p += (long)mp[x] * lround(12.0 * sym->trans[o][x]);
                p %= 12;
                s->phase12[i] = (signed char)(p < 0 ? p + 12 : p);
            } else {
                double ph = AS_TWOPI * (mp[0] * sym->trans[o][0] + mp[1] * sym->trans[o][1] + mp[2] * sym->trans[o][2]);
                s->phase12[i] = -1;
                s->phase[i] = cexp(I * ph);
            }
        }
    }
    as_gmap_destroy(where);
    free(mall);
    return s;
}

void as_symmetrizer_destroy(as_symmetrizer *s)
{
    if (!s)
        return;
    free(s->map);
    free(s->phase12);
    free(s->phase);
    free(s->counts);
    free(s->displs);
    free(s->all);
    free(s);
}

void as_symmetrize(const as_symmetrizer *s, double complex *rho, double complex *work)
{
    (void)work;
    if (s->nops <= 1)
        return;
    if (s->nproc > 1)
        MPI_Allgatherv(rho, s->ng, MPI_C_DOUBLE_COMPLEX, s->all, s->counts, s->displs, MPI_C_DOUBLE_COMPLEX, s->comm);
    else
        memcpy(s->all, rho, (size_t)s->ng * sizeof *rho);
    double complex root[12];
    for (int p = 0; p < 12; p++)
        root[p] = cexp(I * AS_TWOPI * p / 12.0);
    /* exact values for the common ones, so +-1 and +-i stay exact */
    root[0] = 1.0, root[3] = I, root[6] = -1.0, root[9] = -I;
    const double inv = 1.0 / s->nops;
    for (int ig = 0; ig < s->ng; ig++) {
        double complex acc = 0.0;
        for (int o = 0; o < s->nops; o++) {
            const size_t i = (size_t)o * s->ng + ig;
            const int p = s->phase12[i];
            acc += s->all[s->map[i]] * (p >= 0 ? root[p] : s->phase[i]);
        }
        rho[ig] = acc * inv;
    }
}
