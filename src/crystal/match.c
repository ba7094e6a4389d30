/* Structure matching in one fixed host cell (match.h says what and why). */
#include "crystal/match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* b's atoms sorted into an n0 x n1 x n2 grid of fractional bins.  A bin is at least tol wide across its lattice
 * planes, so every atom within tol of a point lies in the 3 x 3 x 3 bins around the point's bin. */
typedef struct matcher {
    const as_structure *a, *b;
    double tol2;
    int fast;   /* tol < half every plane spacing: the wrapped fractional difference is the shortest vector */
    int n[3];
    int *start; /* n0*n1*n2 + 1 offsets into atom[] */
    int *atom;  /* b's atoms, bin by bin */
    int *used;  /* used[j] == stamp: b's atom j already has a partner in the current candidate */
    int stamp;
    int *order; /* a's atoms in the order they are tried: the last one without a partner first, because in a
                 * defect cell the host atoms pair under most operations and the defect's atoms decide */
} matcher;

static int bin_of(double f, int n)
{
    f -= floor(f);
    int i = (int)(f * n);
    return i < 0 ? 0 : i >= n ? n - 1 : i;
}

static double dist2(const matcher *m, const double x[3], const double y[3])
{
    if (!m->fast) {
        double d = as_periodic_distance(m->b->lattice, x, y);
        return d * d;
    }
    double f[3], c[3];
    for (int k = 0; k < 3; k++) {
        f[k] = y[k] - x[k];
        f[k] -= floor(f[k] + 0.5);
    }
    as_frac_to_cart(m->b->lattice, f, c);
    return c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
}

static void matcher_free(matcher *m)
{
    free(m->start);
    free(m->atom);
    free(m->used);
    free(m->order);
}

static int matcher_init(matcher *m, const as_structure *a, const as_structure *b, double tol, as_error *err)
{
    memset(m, 0, sizeof *m);
    m->a = a;
    m->b = b;
    m->tol2 = tol * tol;
    double rec[3][3], h[3], hmin = INFINITY;
    as_lattice_reciprocal(b->lattice, rec);
    for (int k = 0; k < 3; k++) {
        h[k] = 2.0 * M_PI / sqrt(rec[k][0] * rec[k][0] + rec[k][1] * rec[k][1] + rec[k][2] * rec[k][2]);
        hmin = fmin(hmin, h[k]);
    }
    /* A point within tol of x has |f_k| <= tol / h_k in every fractional component, so below half the plane
     * spacing it is the image of the wrapped difference (|f_k| < 1/2).  Otherwise: one bin, 125 images. */
    m->fast = tol < 0.49 * hmin;
    /* Bins no narrower than tol, nor much finer than the atoms (about one atom per 8 bins at most). */
    double cell = cbrt(fabs(as_lattice_volume(b->lattice)) / (b->natoms > 0 ? b->natoms : 1));
    double width = fmax(tol, 0.5 * cell);
    for (int k = 0; k < 3; k++) {
        int nk = m->fast ? (int)floor(0.999 * h[k] / width) : 1;
        m->n[k] = nk < 1 ? 1 : nk > 256 ? 256 : nk;
    }
    int nbins = m->n[0] * m->n[1] * m->n[2];
    m->start = calloc((size_t)nbins + 1, sizeof *m->start);
    m->atom = malloc((size_t)(b->natoms > 0 ? b->natoms : 1) * sizeof *m->atom);
    m->used = calloc((size_t)(b->natoms > 0 ? b->natoms : 1), sizeof *m->used);
    m->order = malloc((size_t)(a->natoms > 0 ? a->natoms : 1) * sizeof *m->order);
    if (!m->start || !m->atom || !m->used || !m->order) {
        matcher_free(m);
        return as_error_nomem(err, "structure matching grid", ((size_t)nbins + 4 * (size_t)b->natoms) * sizeof(int));
    }
    for (int i = 0; i < a->natoms; i++)
        m->order[i] = i;
    for (int j = 0; j < b->natoms; j++) {
        const double *f = b->frac[j];
        m->start[(bin_of(f[0], m->n[0]) * m->n[1] + bin_of(f[1], m->n[1])) * m->n[2] + bin_of(f[2], m->n[2]) + 1]++;
    }
    for (int i = 0; i < nbins; i++)
        m->start[i + 1] += m->start[i];
    int *fill = calloc((size_t)nbins, sizeof *fill);
    if (!fill) {
        matcher_free(m);
        return as_error_nomem(err, "structure matching grid", (size_t)nbins * sizeof(int));
    }
    for (int j = 0; j < b->natoms; j++) {
        const double *f = b->frac[j];
        int bin = (bin_of(f[0], m->n[0]) * m->n[1] + bin_of(f[1], m->n[1])) * m->n[2] + bin_of(f[2], m->n[2]);
        m->atom[m->start[bin] + fill[bin]++] = j;
    }
    free(fill);
    return 0;
}

/* The nearest atom of b with atomic number z, not yet paired, within tol of y; -1 if none. */
static int partner(const matcher *m, int z, const double y[3], double *d2)
{
    int lo[3], hi[3], c[3];
    for (int k = 0; k < 3; k++) {
        c[k] = bin_of(y[k], m->n[k]);
        if (m->n[k] < 3) { /* the 3 neighbours would repeat bins: visit each once */
            lo[k] = 0;
            hi[k] = m->n[k] - 1;
        } else {
            lo[k] = c[k] - 1;
            hi[k] = c[k] + 1;
        }
    }
    int best = -1;
    double bd2 = m->tol2;
    for (int i = lo[0]; i <= hi[0]; i++)
        for (int j = lo[1]; j <= hi[1]; j++)
            for (int k = lo[2]; k <= hi[2]; k++) {
                int ii = (i + m->n[0]) % m->n[0], jj = (j + m->n[1]) % m->n[1], kk = (k + m->n[2]) % m->n[2];
                int bin = (ii * m->n[1] + jj) * m->n[2] + kk;
                for (int p = m->start[bin]; p < m->start[bin + 1]; p++) {
                    int q = m->atom[p];
                    if (m->b->z[q] != z || m->used[q] == m->stamp)
                        continue;
                    double e = dist2(m, y, m->b->frac[q]);
                    if (e <= bd2) {
                        bd2 = e;
                        best = q;
                    }
                }
            }
    *d2 = bd2;
    return best;
}

/* Pair every atom of a, moved to R x + t, with an atom of b.  Returns 1 with the sum and the largest of the
 * squared deviations, or 0 at the first atom without a partner or once the sum exceeds bound2. */
static int try_operation(matcher *m, const int rot[3][3], const double t[3], double bound2, double *sum2,
                         double *max2)
{
    if (++m->stamp == 0x7fffffff) { /* never in practice; keeps the stamps unambiguous */
        memset(m->used, 0, (size_t)m->b->natoms * sizeof *m->used);
        m->stamp = 1;
    }
    double s = 0.0, mx = 0.0;
    for (int n = 0; n < m->a->natoms; n++) {
        int i = m->order[n];
        const double *x = m->a->frac[i];
        double y[3], e;
        for (int k = 0; k < 3; k++)
            y[k] = rot[k][0] * x[0] + rot[k][1] * x[1] + rot[k][2] * x[2] + t[k];
        int q = partner(m, m->a->z[i], y, &e);
        if (q < 0) {
            m->order[n] = m->order[0];
            m->order[0] = i;
            return 0;
        }
        m->used[q] = m->stamp;
        s += e;
        mx = fmax(mx, e);
        if (s > bound2)
            return 0;
    }
    *sum2 = s;
    *max2 = mx;
    return 1;
}

/* An anchored translation carries the anchor's own displacement into every other atom.  Moved instead by
 * the mean over the rare element's atoms of the (wrapped, fractional) difference to the nearest atom of that
 * element in b, it carries that mean: the noise of one atom divided by about the square root of their
 * number.  The rare element's atoms are far apart (a cation in CsPbX3), so the nearest is unambiguous. */
static void refine_translation(const as_structure *a, const as_structure *b, const int rot[3][3], int rare,
                               double t[3])
{
    double sum[3] = {0.0, 0.0, 0.0};
    int cnt = 0;
    for (int i = 0; i < a->natoms; i++) {
        if (a->z[i] != rare)
            continue;
        double y[3], best[3] = {0.0, 0.0, 0.0}, bd2 = INFINITY;
        for (int k = 0; k < 3; k++)
            y[k] = rot[k][0] * a->frac[i][0] + rot[k][1] * a->frac[i][1] + rot[k][2] * a->frac[i][2] + t[k];
        for (int j = 0; j < b->natoms; j++) {
            if (b->z[j] != rare)
                continue;
            double f[3], c[3];
            for (int k = 0; k < 3; k++) {
                f[k] = b->frac[j][k] - y[k];
                f[k] -= floor(f[k] + 0.5);
            }
            as_frac_to_cart(b->lattice, f, c);
            const double d2 = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
            if (d2 < bd2)
                bd2 = d2, memcpy(best, f, sizeof best);
        }
        for (int k = 0; k < 3; k++)
            sum[k] += best[k];
        cnt++;
    }
    for (int k = 0; cnt && k < 3; k++)
        t[k] += sum[k] / cnt;
}

int as_match_same_lattice(const double p[3][3], const double q[3][3])
{
    double scale = 0.0;
    for (int i = 0; i < 3; i++)
        scale = fmax(scale, sqrt(p[i][0] * p[i][0] + p[i][1] * p[i][1] + p[i][2] * p[i][2]));
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            if (fabs(p[i][k] - q[i][k]) > AS_MATCH_LATTICE_RTOL * scale)
                return 0;
    return 1;
}

static int cmp_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

/* Whether a and b have the same element counts; if so, the element with the fewest atoms (ties: the smallest
 * atomic number) in *rare. */
static int same_composition(const as_structure *a, const as_structure *b, int *rare, as_error *err)
{
    int n = a->natoms;
    int *z = malloc(2 * (size_t)n * sizeof *z);
    if (!z)
        return -as_error_nomem(err, "structure matching", 2 * (size_t)n * sizeof *z);
    memcpy(z, a->z, (size_t)n * sizeof *z);
    memcpy(z + n, b->z, (size_t)n * sizeof *z);
    qsort(z, (size_t)n, sizeof *z, cmp_int);
    qsort(z + n, (size_t)n, sizeof *z, cmp_int);
    int same = memcmp(z, z + n, (size_t)n * sizeof *z) == 0, fewest = n + 1;
    for (int i = 0, j; same && i < n; i = j) {
        for (j = i; j < n && z[j] == z[i]; j++)
            ;
        if (j - i < fewest) {
            fewest = j - i;
            *rare = z[i];
        }
    }
    free(z);
    return same;
}

int as_match_structures(const as_structure *a, const as_structure *b, const as_symmetry *sym, double tol, int *op,
                        double *rms, double *maxdev, as_error *err)
{
    if (op)
        *op = -1;
    if (rms)
        *rms = -1.0;
    if (maxdev)
        *maxdev = -1.0;
    if (tol <= 0.0)
        tol = AS_MATCH_TOL;
    if (a->natoms != b->natoms || !as_match_same_lattice(a->lattice, b->lattice))
        return 0;
    int n = a->natoms, rare = 0;
    if (n == 0) {
        if (op)
            *op = sym ? 0 : -1;
        if (rms)
            *rms = 0.0;
        if (maxdev)
            *maxdev = 0.0;
        return 1;
    }
    int same = same_composition(a, b, &rare, err);
    if (same <= 0)
        return same < 0 ? -1 : 0;
    int a0 = 0, n_rare = 0;
    while (a->z[a0] != rare)
        a0++;
    for (int i = 0; i < n; i++)
        n_rare += a->z[i] == rare;

    static const int identity[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    static const double zero[3] = {0.0, 0.0, 0.0};
    int nops = sym ? sym->nops : 1;
    /* group[g]: the first operation with g's rotation (the anchored translations depend only on R). */
    int *group = malloc((size_t)nops * sizeof *group);
    matcher m;
    if (!group || matcher_init(&m, a, b, tol, err)) {
        if (!group)
            as_error_nomem(err, "structure matching", (size_t)nops * sizeof *group);
        else
            free(group);
        return -1;
    }
    for (int g = 0; g < nops; g++) {
        group[g] = g;
        for (int h = 0; sym && h < g; h++)
            if (memcmp(sym->rot[h], sym->rot[g], sizeof sym->rot[g]) == 0) {
                group[g] = h;
                break;
            }
    }

    /* Least rms over all candidates; stop early once an exact image is found. */
    double best2 = INFINITY, bestmax2 = 0.0, exact2 = 1e-20 * n;
    int bestop = -1, found = 0;
    for (int g = 0; g < nops && best2 > exact2; g++) { /* each operation with its own translation */
        double s2, m2;
        if (try_operation(&m, sym ? (const int(*)[3])sym->rot[g] : identity, sym ? sym->trans[g] : zero, best2,
                          &s2, &m2) &&
            s2 < best2) {
            best2 = s2, bestmax2 = m2, bestop = sym ? g : -1, found = 1;
        }
    }
    for (int g = 0; g < nops && best2 > exact2; g++) { /* each rotation with every anchored translation */
        if (group[g] != g)
            continue;
        const int(*rot)[3] = sym ? (const int(*)[3])sym->rot[g] : identity;
        double ra0[3];
        for (int k = 0; k < 3; k++)
            ra0[k] = rot[k][0] * a->frac[a0][0] + rot[k][1] * a->frac[a0][1] + rot[k][2] * a->frac[a0][2];
        for (int j = 0; j < n && best2 > exact2; j++) {
            if (b->z[j] != rare)
                continue;
            double t[3];
            for (int k = 0; k < 3; k++)
                t[k] = b->frac[j][k] - ra0[k];
            int tried = 0; /* the same translation as an operation of this rotation: done above */
            for (int h = g; h < nops && !tried; h++) {
                if (group[h] != g)
                    continue;
                const double *th = sym ? sym->trans[h] : zero;
                double d = 0.0;
                for (int k = 0; k < 3; k++)
                    d = fmax(d, fabs(t[k] - th[k] - nearbyint(t[k] - th[k])));
                tried = d < 1e-9;
            }
            double s2, m2;
            if (!tried && try_operation(&m, rot, t, best2, &s2, &m2) && s2 < best2)
                best2 = s2, bestmax2 = m2, bestop = sym ? g : -1, found = 1;
            if (n_rare > 1 && best2 > exact2) { /* the same with the rare element's mean translation */
                refine_translation(a, b, rot, rare, t);
                if (try_operation(&m, rot, t, best2, &s2, &m2) && s2 < best2)
                    best2 = s2, bestmax2 = m2, bestop = sym ? g : -1, found = 1;
            }
        }
    }
    matcher_free(&m);
    free(group);
    if (!found)
        return 0;
    if (op)
        *op = bestop;
    if (rms)
        *rms = sqrt(best2 / n);
    if (maxdev)
        *maxdev = sqrt(bestmax2);
    return 1;
}

int as_match_image_count(const as_structure *s, const as_symmetry *sym, double tol, as_error *err)
{
    if (!sym || sym->nops < 2)
        return 1;
    as_structure *g = as_structure_copy(s, err);
    if (!g)
        return -1;
    int stab = 0;
    for (int o = 0; o < sym->nops; o++) {
        for (int i = 0; i < s->natoms; i++)
            as_symmetry_apply(sym, o, s->frac[i], g->frac[i]);
        as_structure_wrap(g);
        const int m = as_match_structures(g, s, NULL, tol, NULL, NULL, NULL, err);
        if (m < 0) {
            as_structure_destroy(g);
            return -1;
        }
        stab += m;
    }
    as_structure_destroy(g);
    if (stab < 1) /* the identity always matches; only a damaged structure gets here */
        stab = 1;
    return (int)lround((double)sym->nops / stab);
}
