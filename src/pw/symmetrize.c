#include "pw/symmetrize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

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
    int *where = malloc(fft->nglobal * sizeof *where);
    if (s) {
        s->nops = sym->nops;
        s->ng = gv->ng;
        s->map = malloc((size_t)sym->nops * (size_t)gv->ng * sizeof *s->map);
        s->phase = malloc((size_t)sym->nops * (size_t)gv->ng * sizeof *s->phase);
    }
    if (!s || !where || !s->map || !s->phase) {
        free(where);
        as_symmetrizer_destroy(s);
        as_error_nomem(err, "symmetrisation maps", (size_t)sym->nops * (size_t)gv->ng * 20);
        return NULL;
    }
    for (size_t i = 0; i < fft->nglobal; i++)
        where[i] = -1;
    for (int ig = 0; ig < gv->ng; ig++)
        where[as_fft_index(fft, gv->mill[ig])] = ig;
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
            int j = where[as_fft_index(fft, mp)];
            if (j < 0 || gv->mill[j][0] != mp[0] || gv->mill[j][1] != mp[1] || gv->mill[j][2] != mp[2]) {
                free(where);
                as_symmetrizer_destroy(s);
                as_error_set(err, AS_EINTERNAL,
                             "symmetry operation %d maps G-vector (%d %d %d) outside the density sphere; the cell "
                             "and its space group disagree",
                             o + 1, m[0], m[1], m[2]);
                return NULL;
            }
            double ph = AS_TWOPI * (mp[0] * sym->trans[o][0] + mp[1] * sym->trans[o][1] + mp[2] * sym->trans[o][2]);
            s->map[(size_t)o * gv->ng + ig] = j;
            s->phase[(size_t)o * gv->ng + ig] = cexp(I * ph);
        }
    }
    free(where);
    return s;
}

void as_symmetrizer_destroy(as_symmetrizer *s)
{
    if (!s)
        return;
    free(s->map);
    free(s->phase);
    free(s);
}

void as_symmetrize(const as_symmetrizer *s, double complex *rho, double complex *work)
{
    if (s->nops <= 1)
        return;
    memset(work, 0, (size_t)s->ng * sizeof *work);
    for (int o = 0; o < s->nops; o++) {
        const int *map = s->map + (size_t)o * s->ng;
        const double complex *ph = s->phase + (size_t)o * s->ng;
        for (int ig = 0; ig < s->ng; ig++)
            work[ig] += rho[map[ig]] * ph[ig];
    }
    const double inv = 1.0 / s->nops;
    for (int ig = 0; ig < s->ng; ig++)
        rho[ig] = work[ig] * inv;
}
