#include "pw/gvec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/structure.h"

/* Bounds on Miller indices for |k+G| <= gmax: |m_i + k_i| <= gmax |a_i| / (2 pi). */
static void miller_bounds(const double lat[3][3], double gmax, int mmax[3])
{
    for (int i = 0; i < 3; i++) {
        double a = sqrt(lat[i][0] * lat[i][0] + lat[i][1] * lat[i][1] + lat[i][2] * lat[i][2]);
        mmax[i] = (int)floor(gmax * a / AS_TWOPI) + 2;
    }
}

static void cart_of(const double rec[3][3], const double m[3], double g[3])
{
    for (int j = 0; j < 3; j++)
        g[j] = m[0] * rec[0][j] + m[1] * rec[1][j] + m[2] * rec[2][j];
}

void as_gvecs_grid_size(const double lat[3][3], double ecut, const int fact[3], int n[3])
{
    double rec[3][3];
    as_lattice_reciprocal(lat, rec);
    const double gcut2 = 8.0 * ecut;
    int mb[3], mmax[3] = {0, 0, 0};
    miller_bounds(lat, sqrt(gcut2), mb);
    for (int a = -mb[0]; a <= mb[0]; a++)
        for (int b = -mb[1]; b <= mb[1]; b++)
            for (int c = -mb[2]; c <= mb[2]; c++) {
                double m[3] = {a, b, c}, g[3];
                cart_of(rec, m, g);
                if (g[0] * g[0] + g[1] * g[1] + g[2] * g[2] <= gcut2) {
                    mmax[0] = abs(a) > mmax[0] ? abs(a) : mmax[0];
                    mmax[1] = abs(b) > mmax[1] ? abs(b) : mmax[1];
                    mmax[2] = abs(c) > mmax[2] ? abs(c) : mmax[2];
                }
            }
    for (int i = 0; i < 3; i++) {
        int f = fact && fact[i] > 1 ? fact[i] : 1;
        n[i] = as_fft_good_size(2 * mmax[i] + 1);
        while (n[i] % f != 0)
            n[i] = as_fft_good_size(n[i] + 1);
    }
}

typedef struct {
    int m[3];
    double g2;
} gsort;

static int cmp_gsort(const void *pa, const void *pb)
{
    const gsort *a = pa, *b = pb;
    /* |G|^2 to 1e-10 relative, then Miller indices: a deterministic order. */
    double d = a->g2 - b->g2;
    if (fabs(d) > 1e-10 * (1.0 + fabs(a->g2)))
        return d < 0 ? -1 : 1;
    for (int i = 0; i < 3; i++)
        if (a->m[i] != b->m[i])
            return a->m[i] < b->m[i] ? -1 : 1;
    return 0;
}

/* All m with |kf + m|_cart^2 <= cut2, sorted. */
static gsort *sphere(const double lat[3][3], const double kf[3], double cut2, int *count, as_error *err)
{
    double rec[3][3];
    as_lattice_reciprocal(lat, rec);
    int mb[3];
    miller_bounds(lat, sqrt(cut2), mb);
    size_t cap = 1024, n = 0;
    gsort *list = malloc(cap * sizeof *list);
    if (!list) {
        as_error_nomem(err, "G-vectors", cap * sizeof *list);
        return NULL;
    }
    for (int a = -mb[0]; a <= mb[0]; a++)
        for (int b = -mb[1]; b <= mb[1]; b++)
            for (int c = -mb[2]; c <= mb[2]; c++) {
                double m[3] = {a + kf[0], b + kf[1], c + kf[2]}, g[3];
                cart_of(rec, m, g);
                double g2 = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
                if (g2 > cut2)
                    continue;
                if (n == cap) {
                    gsort *nl = realloc(list, 2 * cap * sizeof *nl);
                    if (!nl) {
                        free(list);
                        as_error_nomem(err, "G-vectors", 2 * cap * sizeof *nl);
                        return NULL;
                    }
                    list = nl;
                    cap *= 2;
                }
                list[n].m[0] = a;
                list[n].m[1] = b;
                list[n].m[2] = c;
                list[n].g2 = g2;
                n++;
            }
    qsort(list, n, sizeof *list, cmp_gsort);
    *count = (int)n;
    return list;
}

int as_sphere_columns(const double lat[3][3], const double kfrac[3], double gcut2, const as_fft *f, int *count,
                      as_error *err)
{
    int n = 0;
    gsort *list = sphere(lat, kfrac, gcut2, &n, err);
    if (!list)
        return err->code;
    for (int i = 0; i < n; i++) {
        int i0 = list[i].m[0] % f->n[0], i1 = list[i].m[1] % f->n[1];
        if (i0 < 0)
            i0 += f->n[0];
        if (i1 < 0)
            i1 += f->n[1];
        count[(size_t)i0 * f->n[1] + i1]++;
    }
    free(list);
    return AS_OK;
}

as_gvecs *as_gvecs_create(const double lat[3][3], double ecut, as_fft *f, as_error *err)
{
    const double zero[3] = {0, 0, 0};
    int nall = 0;
    const double gcut2 = 8.0 * ecut;
    gsort *list = sphere(lat, zero, gcut2, &nall, err);
    if (!list)
        return NULL;
    as_gvecs *g = calloc(1, sizeof *g);
    int *count = calloc((size_t)f->n[0] * f->n[1], sizeof *count);
    if (!g || !count) {
        free(list), free(count), free(g);
        as_error_nomem(err, "G-vectors", (size_t)nall * 64);
        return NULL;
    }
    for (int i = 0; i < nall; i++) {
        int i0 = list[i].m[0] % f->n[0], i1 = list[i].m[1] % f->n[1];
        count[(size_t)(i0 < 0 ? i0 + f->n[0] : i0) * f->n[1] + (i1 < 0 ? i1 + f->n[1] : i1)]++;
    }
    g->st = as_fft_sticks_create(f, count, AS_FFT_WHOLE, err);
    free(count);
    if (!g->st) {
        free(list);
        as_gvecs_destroy(g);
        return NULL;
    }
    /* keep this rank's G-vectors, in the global order */
    int n = 0;
    for (int i = 0; i < nall; i++)
        if (as_fft_sticks_pos(g->st, list[i].m) != (size_t)-1)
            list[n++] = list[i];
    g->ng = n;
    g->ng_global = nall;
    g->gcut2 = gcut2;
    size_t nn = n > 0 ? (size_t)n : 1;
    g->mill = malloc(nn * sizeof *g->mill);
    g->g = malloc(nn * sizeof *g->g);
    g->g2 = malloc(nn * sizeof *g->g2);
    g->pos = malloc(nn * sizeof *g->pos);
    g->minus = malloc(nn * sizeof *g->minus);
    int *where = malloc(f->nglobal * sizeof *where);
    if (!g->mill || !g->g || !g->g2 || !g->pos || !g->minus || !where) {
        free(list), free(where);
        as_gvecs_destroy(g);
        as_error_nomem(err, "G-vectors", (size_t)n * 64 + f->nglobal * 4);
        return NULL;
    }
    double rec[3][3];
    as_lattice_reciprocal(lat, rec);
    for (size_t i = 0; i < f->nglobal; i++)
        where[i] = -1;
    g->ig0 = -1;
    for (int i = 0; i < n; i++) {
        memcpy(g->mill[i], list[i].m, sizeof g->mill[i]);
        double m[3] = {list[i].m[0], list[i].m[1], list[i].m[2]};
        cart_of(rec, m, g->g[i]);
        g->g2[i] = list[i].g2;
        g->pos[i] = as_fft_sticks_pos(g->st, list[i].m);
        where[as_fft_index(f, list[i].m)] = i;
        if (!list[i].m[0] && !list[i].m[1] && !list[i].m[2])
            g->ig0 = i;
    }
    /* -G lives in the partner stick, which is on the same rank */
    for (int i = 0; i < n; i++) {
        int mm[3] = {-g->mill[i][0], -g->mill[i][1], -g->mill[i][2]};
        g->minus[i] = where[as_fft_index(f, mm)];
    }
    free(where);
    free(list);
    return g;
}

void as_gvecs_destroy(as_gvecs *g)
{
    if (!g)
        return;
    free(g->mill);
    free(g->g);
    free(g->g2);
    free(g->pos);
    free(g->minus);
    as_fft_sticks_destroy(g->st);
    free(g);
}

/* The "positive" member of a +-G pair: first non-zero Miller index positive. */
static int positive_half(const int m[3])
{
    if (m[0] != 0)
        return m[0] > 0;
    if (m[1] != 0)
        return m[1] > 0;
    return m[2] > 0;
}

int as_kpoint_is_trim(const double k[3])
{
    for (int i = 0; i < 3; i++)
        if (fabs(2.0 * k[i] - round(2.0 * k[i])) > 1e-10)
            return 0;
    return 1;
}

void as_kpoint_g0(const double kfrac[3], int g0[3])
{
    for (int i = 0; i < 3; i++)
        g0[i] = (int)lround(2.0 * kfrac[i]);
}

as_basis *as_basis_create(const double lat[3][3], const double kfrac[3], double ecut, const as_fft_sticks *st,
                          int real, as_error *err)
{
    if (real && !as_kpoint_is_trim(kfrac)) {
        as_error_set(err, AS_EINTERNAL, "the real layout needs a time-reversal-invariant k-point");
        return NULL;
    }
    int g0[3] = {0, 0, 0}; /* G0 = 2k */
    if (real)
        as_kpoint_g0(kfrac, g0);
    int n = 0;
    gsort *list = sphere(lat, kfrac, 2.0 * ecut, &n, err);
    if (!list)
        return NULL;
    /* keep this rank's plane waves; a column that is no stick at all is an error below */
    {
        int k = 0;
        for (int i = 0; i < n; i++) {
            int i0 = list[i].m[0] % st->grid->n[0], i1 = list[i].m[1] % st->grid->n[1];
            i0 += i0 < 0 ? st->grid->n[0] : 0;
            i1 += i1 < 0 ? st->grid->n[1] : 0;
            const int owner = st->owner_of_col[i0 * st->grid->n[1] + i1];
            if (owner < 0) {
                as_error_set(err, AS_EINTERNAL, "k-point (%g %g %g): plane wave (%d %d %d) outside the FFT sticks",
                             kfrac[0], kfrac[1], kfrac[2], list[i].m[0], list[i].m[1], list[i].m[2]);
                free(list);
                return NULL;
            }
            if (owner == st->grid->rank)
                list[k++] = list[i];
        }
        n = k;
    }
    int self0 = 0;
    if (real) {
        /* keep one of each pair (G, -G-G0): the one with 2(G + k) = 2G + G0 "positive" */
        int k = 0;
        for (int i = 0; i < n; i++) {
            const int v[3] = {2 * list[i].m[0] + g0[0], 2 * list[i].m[1] + g0[1], 2 * list[i].m[2] + g0[2]};
            const int self = !v[0] && !v[1] && !v[2];
            if (self || positive_half(v)) {
                if (self)
                    self0 = 1;
                list[k++] = list[i];
            }
        }
        n = k;
    }
    as_basis *b = calloc(1, sizeof *b);
    if (b) {
        b->npw = n;
        b->comm = st->grid->comm;
        MPI_Allreduce(&n, &b->npw_global, 1, MPI_INT, MPI_SUM, b->comm);
        b->real = real;
        b->self0 = self0;
        const size_t nn = n > 0 ? (size_t)n : 1;
        b->mill = malloc(nn * sizeof *b->mill);
        b->kpg = malloc(nn * sizeof *b->kpg);
        b->ekin = malloc(nn * sizeof *b->ekin);
        b->pos = malloc(nn * sizeof *b->pos);
        if (real)
            b->pos_minus = malloc(nn * sizeof *b->pos_minus);
    }
    if (!b || !b->mill || !b->kpg || !b->ekin || !b->pos || (real && !b->pos_minus)) {
        free(list);
        as_basis_destroy(b);
        as_error_nomem(err, "plane-wave basis", (size_t)n * 64);
        return NULL;
    }
    double rec[3][3];
    as_lattice_reciprocal(lat, rec);
    memcpy(b->kfrac, kfrac, sizeof b->kfrac);
    cart_of(rec, kfrac, b->kcart);
    for (int i = 0; i < n; i++) {
        memcpy(b->mill[i], list[i].m, sizeof b->mill[i]);
        double m[3] = {list[i].m[0] + kfrac[0], list[i].m[1] + kfrac[1], list[i].m[2] + kfrac[2]};
        cart_of(rec, m, b->kpg[i]);
        b->ekin[i] = 0.5 * list[i].g2;
        b->pos[i] = as_fft_sticks_pos(st, list[i].m);
        int bad = b->pos[i] == (size_t)-1;
        if (real) {
            int mm[3];
            as_partner_mill(list[i].m, g0, mm);
            b->pos_minus[i] = as_fft_sticks_pos(st, mm);
            bad |= b->pos_minus[i] == (size_t)-1;
        }
        if (bad) {
            as_error_set(err, AS_EINTERNAL, "k-point (%g %g %g): plane wave (%d %d %d) outside the FFT sticks",
                         kfrac[0], kfrac[1], kfrac[2], list[i].m[0], list[i].m[1], list[i].m[2]);
            free(list);
            as_basis_destroy(b);
            return NULL;
        }
    }
    free(list);
    return b;
}

void as_basis_destroy(as_basis *b)
{
    if (!b)
        return;
    free(b->mill);
    free(b->kpg);
    free(b->ekin);
    free(b->pos);
    free(b->pos_minus);
    free(b);
}

void as_gvecs_phases(const as_gvecs *gv, const double t[3], double complex *out)
{
    const int *n = gv->st->grid->n;
    double complex *tab = malloc((size_t)(n[0] + n[1] + n[2]) * sizeof *tab);
    if (!tab) { /* no room for 200-odd numbers: the slow way, same values */
        for (int ig = 0; ig < gv->ng; ig++) {
            const int *k = gv->mill[ig];
            out[ig] = cexp(-I * AS_TWOPI * (k[0] * t[0] + k[1] * t[1] + k[2] * t[2]));
        }
        return;
    }
    double complex *ax[3] = {tab, tab + n[0], tab + n[0] + n[1]};
    for (int a = 0; a < 3; a++)
        for (int i = 0; i < n[a]; i++) {
            const int m = i <= n[a] / 2 ? i : i - n[a]; /* the Miller index this slot stands for */
            ax[a][i] = cexp(-I * AS_TWOPI * m * t[a]);
        }
    for (int ig = 0; ig < gv->ng; ig++) {
        const int *k = gv->mill[ig];
        int i[3];
        for (int a = 0; a < 3; a++)
            i[a] = k[a] >= 0 ? k[a] : k[a] + n[a];
        out[ig] = ax[0][i[0]] * ax[1][i[1]] * ax[2][i[2]];
    }
    free(tab);
}
