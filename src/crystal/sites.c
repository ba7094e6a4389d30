#include "crystal/sites.h"

#include <ctype.h>
#include <math.h>
#include <spglib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/voronoi.h"

#define TIGHT_TOL 1e-5      /* bohr: "exactly" on a symmetry element after projection */
#define SAME_POINT 1e-6     /* fractional: two special points are one */
#define RADIUS_ROUND 1e-4   /* bohr: free radii equal to this count as equal when sorting */
#define NEAREST_TIE 1e-6    /* bohr: atoms this much farther than the nearest are as near */
#define DUMMY_TYPE 1000     /* spglib type of site s's dummy atoms: DUMMY_TYPE + s */

/* ----------------------------------------------------------- parameters -- */

void as_sites_params_default(as_sites_params *p)
{
    memset(p, 0, sizeof *p);
    p->min_dist = 0.0;
    p->min_dist_factor = AS_SITES_MIN_DIST_FACTOR;
    p->anion_radius = as_element_radius_ang(35) * AS_ANG_BOHR;
    p->cluster_tol = AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR;
    p->sym_tol = 0.1 * AS_ANG_BOHR;
    p->room_tol = 0.1 * AS_ANG_BOHR;
    p->max_sites = 0;
}

void as_sites_params_from_scan(as_sites_params *p, const as_scan_settings *sc, const as_structure *host)
{
    as_sites_params_default(p);
    if (sc->min_dist > 0.0)
        p->min_dist = sc->min_dist;
    if (sc->min_dist_factor > 0.0)
        p->min_dist_factor = sc->min_dist_factor;
    if (sc->cluster_tol > 0.0)
        p->cluster_tol = sc->cluster_tol;
    p->max_sites = sc->max_sites > 0 ? sc->max_sites : 0;
    /* The anion: the smallest scan species (the most room it can use), else the
     * smallest halide of the host, else Br. */
    double r = 0.0;
    for (int i = 0; i < sc->nspecies; i++) {
        double ri = as_element_radius_ang(sc->species[i]);
        if (ri > 0.0 && (r == 0.0 || ri < r))
            r = ri;
    }
    if (r == 0.0 && host)
        for (int a = 0; a < host->natoms; a++)
            if (as_element_is_halide(host->z[a])) {
                double ri = as_element_radius_ang(host->z[a]);
                if (ri > 0.0 && (r == 0.0 || ri < r))
                    r = ri;
            }
    if (r > 0.0)
        p->anion_radius = r * AS_ANG_BOHR;
}

double as_sites_min_dist(const as_sites_params *p, int z)
{
    if (p->min_dist > 0.0)
        return p->min_dist;
    /* Unknown radii (0) count as 0: the anion's own radius still applies. */
    return p->min_dist_factor * (as_element_radius_ang(z) * AS_ANG_BOHR + p->anion_radius);
}

void as_sites_kinds_string(int kinds, char out[8])
{
    int n = 0;
    if (kinds & AS_CAND_VERTEX)
        out[n++] = 'V';
    if (kinds & AS_CAND_FACE)
        out[n++] = 'F';
    if (kinds & AS_CAND_EDGE)
        out[n++] = 'E';
    if (kinds & AS_CAND_SPECIAL)
        out[n++] = 'W';
    if (n == 0)
        out[n++] = '-';
    out[n] = '\0';
}

/* -------------------------------------------------------- periodic geometry */

typedef struct {
    double lat[3][3];
    double h[3]; /* interplanar spacings: |r| >= |f_k| h_k */
} geom;

static int geom_init(geom *g, const double lat[3][3])
{
    double rec[3][3];
    if (as_lattice_reciprocal(lat, rec))
        return -1;
    memcpy(g->lat, lat, sizeof g->lat);
    for (int k = 0; k < 3; k++)
        g->h[k] = AS_TWOPI / sqrt(rec[k][0] * rec[k][0] + rec[k][1] * rec[k][1] + rec[k][2] * rec[k][2]);
    return 0;
}

static double wrap1(double x)
{
    double y = x - floor(x);
    return y >= 1.0 ? 0.0 : y;
}

static void wrap3(double x[3])
{
    for (int k = 0; k < 3; k++)
        x[k] = wrap1(x[k]);
}

/* Shortest distance between fractional a and b if it is <= cut, else INFINITY.
 * Only images whose fractional components can be within cut are visited, so the
 * answer is exact for any cell.  dvec (optional) gets b' - a for the nearest
 * image b' of b (fractional). */
static double pdist(const geom *g, const double a[3], const double b[3], double cut, double dvec[3])
{
    double d[3];
    for (int k = 0; k < 3; k++) {
        d[k] = b[k] - a[k];
        d[k] -= floor(d[k] + 0.5);
        if (fabs(d[k]) * g->h[k] > cut)
            return INFINITY;
    }
    int lo[3], hi[3];
    for (int k = 0; k < 3; k++) {
        lo[k] = (int)ceil(-cut / g->h[k] - d[k]);
        hi[k] = (int)floor(cut / g->h[k] - d[k]);
    }
    double best = INFINITY;
    for (int i = lo[0]; i <= hi[0]; i++)
        for (int j = lo[1]; j <= hi[1]; j++)
            for (int k = lo[2]; k <= hi[2]; k++) {
                double f[3] = {d[0] + i, d[1] + j, d[2] + k}, c[3];
                as_frac_to_cart(g->lat, f, c);
                double r = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
                if (r < best && r <= cut) {
                    best = r;
                    if (dvec)
                        memcpy(dvec, f, sizeof f);
                }
            }
    return best;
}

/* Nearest host atom within cut (bohr): its distance and index (-1 if none).
 * Atoms equally near (within NEAREST_TIE) are a tie, which a Voronoi vertex always
 * is; the heavier element wins, so the answer does not depend on atom order. */
static double nearest_atom(const geom *g, const as_structure *s, const double x[3], double cut, int *idx)
{
    double best = INFINITY;
    int bi = -1;
    for (int a = 0; a < s->natoms; a++) {
        double d = pdist(g, x, s->frac[a], fmin(cut, best + NEAREST_TIE), NULL);
        if (!isfinite(d))
            continue;
        if (bi < 0 || d < best - NEAREST_TIE) {
            bi = a;
            best = d;
        } else if (d <= best + NEAREST_TIE) {
            if (s->z[a] > s->z[bi])
                bi = a;
            best = fmin(best, d);
        }
    }
    *idx = bi;
    return best;
}

/* Whether x is at least min_dist(atom) from every host atom. */
static int far_enough(const geom *g, const as_structure *s, const double *dmin, const double x[3])
{
    for (int a = 0; a < s->natoms; a++)
        if (pdist(g, x, s->frac[a], dmin[a], NULL) < dmin[a] * (1.0 - 1e-12))
            return 0;
    return 1;
}

/* ------------------------------------------------------------- symmetry -- */

int as_site_stabilizer(const as_structure *host, const as_symmetry *sym, const double x[3], double tol, int *ops)
{
    geom g;
    if (geom_init(&g, host->lattice))
        return 0;
    int n = 0;
    for (int o = 0; o < sym->nops; o++) {
        double y[3];
        as_symmetry_apply(sym, o, x, y);
        if (pdist(&g, x, y, tol, NULL) <= tol) {
            if (ops)
                ops[n] = o;
            n++;
        }
    }
    return n;
}

/* Put x on the symmetry elements passing within tol of it: average the images
 * g x over its approximate stabiliser, repeated until that set is stable; the
 * result's exact stabiliser order is returned (x is replaced). */
static int symmetrize(const geom *g, const as_symmetry *sym, double x[3], double tol, int *ops)
{
    for (int it = 0; it < 8; it++) {
        double acc[3] = {0, 0, 0};
        int n = 0;
        for (int o = 0; o < sym->nops; o++) {
            double y[3], d[3];
            as_symmetry_apply(sym, o, x, y);
            if (pdist(g, x, y, tol, d) <= tol) {
                for (int k = 0; k < 3; k++)
                    acc[k] += d[k];
                n++;
            }
        }
        double moved = 0.0;
        for (int k = 0; k < 3; k++) {
            double dk = acc[k] / (n ? n : 1);
            x[k] += dk;
            moved = fmax(moved, fabs(dk) * g->h[k]);
        }
        wrap3(x);
        if (moved < 1e-10)
            break;
    }
    int n = 0;
    for (int o = 0; o < sym->nops; o++) {
        double y[3];
        as_symmetry_apply(sym, o, x, y);
        if (pdist(g, x, y, TIGHT_TOL, NULL) <= TIGHT_TOL)
            ops[n++] = o;
    }
    return n;
}

/* ----------------------------------------------- fixed-point Wyckoff sites */

static int det3i(const int m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

typedef struct {
    double (*p)[3];
    int n, cap;
    int oom;
} ptlist;

static void ptlist_add(ptlist *l, const double x[3])
{
    for (int i = 0; i < l->n; i++) {
        int same = 1;
        for (int k = 0; k < 3 && same; k++) {
            double d = l->p[i][k] - x[k];
            d -= floor(d + 0.5);
            same = fabs(d) < SAME_POINT;
        }
        if (same)
            return;
    }
    if (l->n == l->cap) {
        int nc = l->cap ? 2 * l->cap : 64;
        double(*q)[3] = realloc(l->p, (size_t)nc * sizeof *q);
        if (!q) {
            l->oom = 1;
            return;
        }
        l->p = q;
        l->cap = nc;
    }
    memcpy(l->p[l->n++], x, sizeof l->p[0]);
}

/* Whether op o maps x to itself modulo lattice translations. */
static int fixes(const as_symmetry *sym, int o, const double x[3])
{
    double y[3];
    as_symmetry_apply(sym, o, x, y);
    for (int k = 0; k < 3; k++) {
        double d = y[k] - x[k];
        d -= floor(d + 0.5);
        if (fabs(d) > 1e-8)
            return 0;
    }
    return 1;
}

/* Solve M x = n - t for every integer n that can give x in [0, 1)^3 (M integer,
 * non-singular); keep the solutions that every op in ops[0..nops) fixes. */
static void solve_fixed(const as_symmetry *sym, const int M[3][3], const double t[3], const int *ops, int nops,
                        ptlist *out)
{
    double inv[3][3], lat[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            lat[i][j] = M[i][j];
    if (as_lattice_inverse(lat, inv))
        return;
    /* (M x)_i over the unit cube spans [sum of negative entries, sum of positive]. */
    int lo[3], hi[3];
    for (int i = 0; i < 3; i++) {
        int neg = 0, pos = 0;
        for (int j = 0; j < 3; j++)
            *(M[i][j] < 0 ? &neg : &pos) += M[i][j];
        lo[i] = (int)floor(neg + t[i]) - 1;
        hi[i] = (int)ceil(pos + t[i]) + 1;
    }
    for (int a = lo[0]; a <= hi[0]; a++)
        for (int b = lo[1]; b <= hi[1]; b++)
            for (int c = lo[2]; c <= hi[2]; c++) {
                double rhs[3] = {a - t[0], b - t[1], c - t[2]}, x[3];
                /* x = M^-1 rhs; inv is the inverse of M as "rows", so x_j = sum_i inv[j][i] rhs_i */
                for (int j = 0; j < 3; j++)
                    x[j] = inv[j][0] * rhs[0] + inv[j][1] * rhs[1] + inv[j][2] * rhs[2];
                int inside = 1;
                for (int k = 0; k < 3; k++)
                    inside &= x[k] >= -1e-9 && x[k] < 1.0 - 1e-9;
                if (!inside)
                    continue;
                for (int k = 0; k < 3; k++)
                    if (fabs(x[k]) < 1e-12)
                        x[k] = 0.0;
                int ok = 1;
                for (int q = 0; q < nops && ok; q++)
                    ok = fixes(sym, ops[q], x);
                if (ok)
                    ptlist_add(out, x);
            }
}

int as_special_points(const as_symmetry *sym, double (**pts)[3], int *npts, as_error *err)
{
    ptlist l = {NULL, 0, 0, 0};
    int (*A)[3][3] = malloc((size_t)sym->nops * sizeof *A);
    int *full = malloc((size_t)sym->nops * sizeof *full);
    if (!A || !full) {
        free(A), free(full);
        return as_error_nomem(err, "special points", (size_t)sym->nops * sizeof *A);
    }
    for (int o = 0; o < sym->nops; o++) {
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                A[o][i][j] = sym->rot[o][i][j] - (i == j);
        full[o] = det3i(A[o]) != 0;
    }
    /* An isolated fixed point needs a site-symmetry group without a common fixed
     * line: it contains a rotoinversion (-1, -3, -4, -6; R - I non-singular) or two
     * rotations about different axes.  (R - I) x = n - t. */
    for (int o = 0; o < sym->nops; o++)
        if (full[o])
            solve_fixed(sym, A[o], sym->trans[o], &o, 1, &l);
    for (int o1 = 0; o1 < sym->nops; o1++) {
        if (full[o1])
            continue;
        for (int o2 = o1 + 1; o2 < sym->nops; o2++) {
            if (full[o2])
                continue;
            /* Three independent rows out of the six of [(R1 - I); (R2 - I)]. */
            const int *rows[6] = {A[o1][0], A[o1][1], A[o1][2], A[o2][0], A[o2][1], A[o2][2]};
            const double ts[6] = {sym->trans[o1][0], sym->trans[o1][1], sym->trans[o1][2],
                                  sym->trans[o2][0], sym->trans[o2][1], sym->trans[o2][2]};
            int found = 0;
            for (int r0 = 0; r0 < 6 && !found; r0++)
                for (int r1 = r0 + 1; r1 < 6 && !found; r1++)
                    for (int r2 = r1 + 1; r2 < 6 && !found; r2++) {
                        int M[3][3];
                        const int sel[3] = {r0, r1, r2};
                        double t[3];
                        for (int i = 0; i < 3; i++) {
                            memcpy(M[i], rows[sel[i]], sizeof M[i]);
                            t[i] = ts[sel[i]];
                        }
                        if (det3i(M) == 0)
                            continue;
                        found = 1;
                        const int both[2] = {o1, o2};
                        solve_fixed(sym, M, t, both, 2, &l);
                    }
        }
    }
    free(A), free(full);
    if (l.oom) {
        free(l.p);
        return as_error_nomem(err, "special points", (size_t)l.cap * sizeof *l.p);
    }
    *pts = l.p;
    *npts = l.n;
    return AS_OK;
}

/* ------------------------------------------------------------ clustering -- */

typedef struct {
    double x[3];
    int kind;
} cand;

/* Union-find whose roots are the smallest index of each class, so the classes and
 * their roots do not depend on the order in which the links are found. */
static int uf_find(int *par, int i)
{
    int r = i;
    while (par[r] != r)
        r = par[r];
    while (par[i] != r) {
        int next = par[i];
        par[i] = r;
        i = next;
    }
    return r;
}

static void uf_union(int *par, int a, int b)
{
    a = uf_find(par, a);
    b = uf_find(par, b);
    if (a != b)
        par[a > b ? a : b] = a < b ? a : b;
}

/* ----------------------------------------------------- position choice -- */

typedef struct {
    double x[3];
    int stab;
    double r; /* free radius */
    int nearest;
    int kinds;
} option;

/* Index of the preferred option: the highest site symmetry among those whose
 * free radius is within room_tol of the best; then more room; then the first. */
static int choose(const option *op, int n, double room_tol)
{
    double rbest = -INFINITY;
    for (int i = 0; i < n; i++)
        rbest = fmax(rbest, op[i].r);
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (!(op[i].r >= rbest - room_tol))
            continue;
        if (best < 0 || op[i].stab > op[best].stab ||
            (op[i].stab == op[best].stab && op[i].r > op[best].r + RADIUS_ROUND))
            best = i;
    }
    return best;
}

/* Evaluate position x: project onto nearby symmetry elements, stabiliser, room.  A
 * projection that would bring x closer to an atom than min_dist is not made. */
static void evaluate(const geom *g, const as_structure *host, const as_symmetry *sym, const as_sites_params *p,
                     const double *dmin, double rcut, int *ops, const double x[3], option *o)
{
    memcpy(o->x, x, sizeof o->x);
    o->stab = symmetrize(g, sym, o->x, p->sym_tol, ops);
    if (!far_enough(g, host, dmin, o->x)) {
        memcpy(o->x, x, sizeof o->x);
        o->stab = symmetrize(g, sym, o->x, TIGHT_TOL, ops);
    }
    o->r = nearest_atom(g, host, o->x, rcut, &o->nearest);
    o->kinds = 0;
}

/* ------------------------------------------------------- neighbour bins -- */

/* Points binned on a fractional grid whose slabs are at least cut thick, so all
 * points within cut of y are in y's bin or the adjacent ones. */
typedef struct {
    int g[3];
    int *start; /* bin b holds item[start[b] .. start[b+1]) */
    int *item;
} bins;

static void bins_free(bins *b)
{
    free(b->start);
    free(b->item);
}

static int bin_of(const bins *b, const double x[3], int c[3])
{
    for (int k = 0; k < 3; k++) {
        c[k] = (int)floor(wrap1(x[k]) * b->g[k]);
        if (c[k] >= b->g[k])
            c[k] = b->g[k] - 1;
    }
    return (c[0] * b->g[1] + c[1]) * b->g[2] + c[2];
}

static int bins_build(bins *b, const geom *g, double (*pts)[3], int n, double cut)
{
    for (int k = 0; k < 3; k++) {
        double m = floor(g->h[k] / cut);
        b->g[k] = m < 1 ? 1 : m > 40 ? 40 : (int)m;
    }
    int nb = b->g[0] * b->g[1] * b->g[2], c[3];
    b->start = calloc((size_t)nb + 1, sizeof *b->start);
    b->item = malloc((size_t)(n + 1) * sizeof *b->item);
    int *fill = malloc((size_t)nb * sizeof *fill);
    if (!b->start || !b->item || !fill) {
        free(fill);
        bins_free(b);
        return -1;
    }
    for (int i = 0; i < n; i++)
        b->start[bin_of(b, pts[i], c) + 1]++;
    for (int i = 0; i < nb; i++)
        b->start[i + 1] += b->start[i];
    memcpy(fill, b->start, (size_t)nb * sizeof *fill);
    for (int i = 0; i < n; i++)
        b->item[fill[bin_of(b, pts[i], c)]++] = i;
    free(fill);
    return 0;
}

/* Indices of the points within cut of y (each once), into out (room for n). */
static int bins_near(const bins *b, const geom *g, double (*pts)[3], const double y[3], double cut, int *out)
{
    int c[3], lo[3], hi[3], nout = 0;
    bin_of(b, y, c);
    for (int k = 0; k < 3; k++) {
        if (b->g[k] < 3)
            lo[k] = 0, hi[k] = b->g[k] - 1;
        else
            lo[k] = c[k] - 1, hi[k] = c[k] + 1;
    }
    for (int i = lo[0]; i <= hi[0]; i++)
        for (int j = lo[1]; j <= hi[1]; j++)
            for (int k = lo[2]; k <= hi[2]; k++) {
                int bi = (i + b->g[0]) % b->g[0], bj = (j + b->g[1]) % b->g[1], bk = (k + b->g[2]) % b->g[2];
                int bin = (bi * b->g[1] + bj) * b->g[2] + bk;
                for (int q = b->start[bin]; q < b->start[bin + 1]; q++)
                    if (pdist(g, y, pts[b->item[q]], cut, NULL) < cut)
                        out[nout++] = b->item[q];
            }
    return nout;
}

/* ------------------------------------------------------------- merging -- */

/* Step 3: single linkage of the candidates' orbits.  i and j are one site when an
 * operation maps x_i within tol of x_j (gpar; the identity included), one cluster in
 * space when x_i itself is within tol of x_j (spar).  Both end as root indices. */
static int link_candidates(const geom *g, const as_symmetry *sym, double (*pts)[3], int n, double tol, int *gpar,
                           int *spar, as_error *err)
{
    bins b;
    int *near = malloc((size_t)(n + 1) * sizeof *near);
    if (!near || bins_build(&b, g, pts, n, tol)) {
        free(near);
        return as_error_nomem(err, "candidate linkage", (size_t)n * sizeof *near);
    }
    for (int i = 0; i < n; i++)
        gpar[i] = spar[i] = i;
    for (int i = 0; i < n; i++) {
        int nn = bins_near(&b, g, pts, pts[i], tol, near);
        for (int q = 0; q < nn; q++) {
            uf_union(spar, i, near[q]);
            uf_union(gpar, i, near[q]);
        }
        for (int o = 0; o < sym->nops; o++) {
            double y[3];
            as_symmetry_apply(sym, o, pts[i], y);
            nn = bins_near(&b, g, pts, y, tol, near);
            for (int q = 0; q < nn; q++)
                uf_union(gpar, i, near[q]);
        }
    }
    for (int i = 0; i < n; i++) {
        gpar[i] = uf_find(gpar, i);
        spar[i] = uf_find(spar, i);
    }
    bins_free(&b);
    free(near);
    return AS_OK;
}

/* Centroid c of the cluster in space mem[0..m) (candidates linked by distances < tol),
 * with u[a] the members unwrapped along those links (c is not wrapped into the cell).
 * Returns 0, or -1 when the cluster reaches one of its own periodic images (it has
 * no centroid then).  u and queue: room for m. */
static int cluster_centroid(const geom *g, double (*pts)[3], const int *mem, int m, double tol, double (*u)[3],
                            int *queue, double c[3])
{
    double hmin = fmin(g->h[0], fmin(g->h[1], g->h[2]));
    if (2.0 * tol >= hmin) /* a cluster could touch its own image through one link */
        return -1;
    for (int a = 0; a < m; a++)
        u[a][0] = NAN;
    memcpy(u[0], pts[mem[0]], sizeof u[0]);
    int head = 0, tail = 0;
    queue[tail++] = 0;
    while (head < tail) {
        int a = queue[head++];
        for (int b = 0; b < m; b++) {
            double d[3];
            if (b == a || !(pdist(g, pts[mem[a]], pts[mem[b]], tol, d) < tol))
                continue;
            double ub[3] = {u[a][0] + d[0], u[a][1] + d[1], u[a][2] + d[2]};
            if (isnan(u[b][0])) {
                memcpy(u[b], ub, sizeof ub);
                queue[tail++] = b;
            } else if (fabs(ub[0] - u[b][0]) > 0.5 || fabs(ub[1] - u[b][1]) > 0.5 || fabs(ub[2] - u[b][2]) > 0.5) {
                return -1; /* reached again by another lattice translation */
            }
        }
    }
    if (tail != m)
        return -1; /* not connected: cannot happen for a cluster of spar */
    double acc[3] = {0, 0, 0};
    for (int a = 0; a < m; a++)
        for (int k = 0; k < 3; k++)
            acc[k] += u[a][k];
    for (int k = 0; k < 3; k++)
        c[k] = acc[k] / m;
    return 0;
}

/* Whether x is within tol of one of the points mem[0..m). */
static int near_member(const geom *g, double (*pts)[3], const int *mem, int m, const double x[3], double tol)
{
    for (int a = 0; a < m; a++)
        if (pdist(g, x, pts[mem[a]], tol, NULL) < tol)
            return 1;
    return 0;
}

/* Step 4: the position of one merged set (a union of whole orbits, so invariant under
 * the group).  Options, for each of its clusters in space: the candidates; the
 * cluster's centroid; each candidate averaged over the cluster's stabiliser H (the
 * operations that map the cluster onto itself), c + P (x - c) with P the mean of H's
 * rotations, the nearest point to x that H fixes.  Each is projected onto the
 * symmetry elements within sym_tol; the constructed ones are options only if they
 * pass min_dist and lie within tol of one of the cluster's candidates.  The option
 * with the highest site symmetry unless it has clearly less room wins (choose()).
 * cl_head/cl_next: the candidates of each cluster in space (by root); set_cl: the
 * roots of the set's clusters; opt (room for 3x the set), mem, u, queue: scratch. */
static option set_position(const geom *g, const as_structure *host, const as_symmetry *sym,
                           const as_sites_params *p, const double *dmin, double rcut, int *ops, double (*pts)[3],
                           const cand *cd, const int *cl_head, const int *cl_next, const int *set_cl, int ncl,
                           option *opt, int *mem, double (*u)[3], int *queue)
{
    const double tol = p->cluster_tol;
    int no = 0, kinds = 0;
    /* Constructed options first: on a tie they are preferred. */
    for (int s = 0; s < ncl; s++) {
        int m = 0; /* coinciding candidates (a vertex that is also a fixed point) count once */
        for (int i = cl_head[set_cl[s]]; i >= 0; i = cl_next[i]) {
            int dup = 0;
            for (int a = 0; a < m && !dup; a++)
                dup = pdist(g, pts[mem[a]], pts[i], TIGHT_TOL, NULL) <= TIGHT_TOL;
            if (!dup)
                mem[m++] = i;
        }
        double c[3], y[3];
        if (m < 2 || cluster_centroid(g, pts, mem, m, tol, u, queue, c))
            continue;
        memcpy(y, c, sizeof y);
        wrap3(y);
        if (far_enough(g, host, dmin, y) && near_member(g, pts, mem, m, y, tol))
            evaluate(g, host, sym, p, dmin, rcut, ops, y, &opt[no++]);
        /* The cluster's stabiliser: clusters are at least tol apart, so g maps the
         * cluster onto itself when it maps a member within tol of a member. */
        double P[3][3] = {{0}};
        int nh = 0;
        for (int o = 0; o < sym->nops; o++) {
            as_symmetry_apply(sym, o, pts[mem[0]], y);
            if (!near_member(g, pts, mem, m, y, tol))
                continue;
            nh++;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    P[i][j] += sym->rot[o][i][j];
        }
        if (nh < 2)
            continue;
        for (int a = 0; a < m; a++) {
            double d[3] = {u[a][0] - c[0], u[a][1] - c[1], u[a][2] - c[2]};
            for (int i = 0; i < 3; i++)
                y[i] = c[i] + (P[i][0] * d[0] + P[i][1] * d[1] + P[i][2] * d[2]) / nh;
            wrap3(y);
            if (far_enough(g, host, dmin, y) && near_member(g, pts, mem, m, y, tol))
                evaluate(g, host, sym, p, dmin, rcut, ops, y, &opt[no++]);
        }
    }
    for (int s = 0; s < ncl; s++)
        for (int i = cl_head[set_cl[s]]; i >= 0; i = cl_next[i]) {
            kinds |= cd[i].kind;
            evaluate(g, host, sym, p, dmin, rcut, ops, pts[i], &opt[no++]);
        }
    option best = opt[choose(opt, no, p->room_tol)];
    best.kinds = kinds;
    return best;
}

/* --------------------------------------------------------- the search -- */

void as_sites_destroy(as_sites *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nsites_all; i++)
        free(s->site[i].orbit);
    free(s->site);
    free(s->cand);
    free(s->cand_site);
    free(s);
}

static int lex_less(const double a[3], const double b[3])
{
    for (int k = 0; k < 3; k++) {
        if (a[k] < b[k] - 1e-7)
            return 1;
        if (a[k] > b[k] + 1e-7)
            return 0;
    }
    return 0;
}

/* Sites: free radius (descending), then site symmetry (descending), multiplicity,
 * position.  Radii are compared after rounding so that rounding noise does not
 * reorder sites of equal room. */
static int cmp_site(const as_site *a, const as_site *b)
{
    long ra = lround(a->free_radius / RADIUS_ROUND), rb = lround(b->free_radius / RADIUS_ROUND);
    if (ra != rb)
        return ra > rb ? -1 : 1;
    if (a->stab_order != b->stab_order)
        return a->stab_order > b->stab_order ? -1 : 1;
    if (a->multiplicity != b->multiplicity)
        return a->multiplicity < b->multiplicity ? -1 : 1;
    return lex_less(a->frac, b->frac) ? -1 : lex_less(b->frac, a->frac) ? 1 : 0;
}

typedef struct {
    as_site s;
    int old;
} sorted_site;

static int cmp_sorted(const void *pa, const void *pb)
{
    const sorted_site *a = pa, *b = pb;
    int c = cmp_site(&a->s, &b->s);
    return c ? c : (a->old > b->old) - (a->old < b->old);
}

static void trim_copy(char *dst, size_t n, const char *src)
{
    while (*src && isspace((unsigned char)*src))
        src++;
    snprintf(dst, n, "%s", src);
    size_t l = strlen(dst);
    while (l > 0 && isspace((unsigned char)dst[l - 1]))
        dst[--l] = '\0';
}

/* Point-group orders in spglib's numbering (1 = "1" ... 32 = "m-3m"). */
static const int pg_order[33] = {0,  1, 2, 2, 2, 4,  4,  4,  8,  4,  4,  8,  8,  8,  8,  16, 3,
                                 6,  6, 6, 12, 6, 6, 12, 12, 12, 12, 24, 12, 24, 24, 24, 48};

/* Site symmetry from spglib: the host plus every site's orbit as dummy atoms of
 * its own type; spglib's Wyckoff letter, oriented site-symmetry symbol and
 * equivalent atoms for them, checked against our orbits.  Returns the number of
 * sites spglib does not confirm (0 = all agree). */
/* Whether spglib's operations are ours (as a set, translations mod 1). */
static int same_operations(const SpglibDataset *ds, const as_symmetry *sym)
{
    if (ds->n_operations != sym->nops)
        return 0;
    for (int i = 0; i < ds->n_operations; i++) {
        int found = 0;
        for (int o = 0; o < sym->nops && !found; o++) {
            if (memcmp(ds->rotations[i], sym->rot[o], sizeof sym->rot[o]))
                continue;
            found = 1;
            for (int k = 0; k < 3; k++) {
                double d = ds->translations[i][k] - sym->trans[o][k];
                found &= fabs(d - floor(d + 0.5)) < 1e-6;
            }
        }
        if (!found)
            return 0;
    }
    return 1;
}

static int spglib_site_symmetry(const as_structure *host, const as_symmetry *sym, as_site *site, int nsites,
                                char wyckoff_group[16])
{
    int ntot = host->natoms;
    for (int i = 0; i < nsites; i++)
        ntot += site[i].multiplicity;
    double(*pos)[3] = malloc((size_t)ntot * sizeof *pos);
    int *types = malloc((size_t)ntot * sizeof *types);
    int *first = malloc((size_t)(nsites + 1) * sizeof *first);
    if (!pos || !types || !first) {
        free(pos), free(types), free(first);
        return nsites;
    }
    for (int a = 0; a < host->natoms; a++) {
        memcpy(pos[a], host->frac[a], sizeof pos[a]);
        types[a] = host->z[a];
    }
    int k = host->natoms;
    for (int i = 0; i < nsites; i++) {
        first[i] = k;
        for (int m = 0; m < site[i].multiplicity; m++, k++) {
            memcpy(pos[k], site[i].orbit[m], sizeof pos[k]);
            types[k] = DUMMY_TYPE + i;
        }
    }
    double lat[3][3]; /* spglib: lattice vectors as columns */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            lat[i][j] = host->lattice[j][i];
    SpglibDataset *ds = spg_get_dataset(lat, pos, types, ntot, sym->symprec);
    int bad = 0;
    if (!ds || !same_operations(ds, sym)) {
        bad = nsites;
    } else {
        /* Same operations, but the type can differ: a supercell keeps only the host
         * operations its lattice allows (a sqrt2 x sqrt2 x 1 cell of Pm-3m keeps
         * those of P4/mmm), and the sites, unlike the atoms, show it.  The Wyckoff
         * letters are then those of the decorated crystal's type. */
        snprintf(wyckoff_group, 16, "%s", ds->international_symbol);
        /* Conventional-cell multiplicity: the orbit scaled by the cell volumes. */
        const double(*m)[3] = (const double(*)[3])ds->std_lattice;
        double vstd = fabs(m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]));
        double ratio = vstd / fabs(as_lattice_volume(host->lattice));
        for (int i = 0; i < nsites; i++) {
            int a = first[i], neq = 0;
            for (int q = 0; q < site[i].multiplicity; q++)
                neq += ds->equivalent_atoms[first[i] + q] == ds->equivalent_atoms[a];
            trim_copy(site[i].site_symmetry, sizeof site[i].site_symmetry, ds->site_symmetry_symbols[a]);
            snprintf(site[i].wyckoff, sizeof site[i].wyckoff, "%ld%c", lround(site[i].multiplicity * ratio),
                     'a' + ds->wyckoffs[a]);
            if (neq != site[i].multiplicity)
                bad++;
        }
    }
    if (ds)
        spg_free_dataset(ds);
    free(pos), free(types), free(first);
    return bad;
}

/* Step 5: union positions i, j when an operation maps i within tol of j; par ends as
 * the root (smallest index) of each class. */
static int group_orbits(const geom *g, const as_symmetry *sym, double (*pts)[3], int n, double tol, int *par,
                        as_error *err)
{
    bins b;
    int *near = malloc((size_t)(n + 1) * sizeof *near);
    if (!near || bins_build(&b, g, pts, n, tol)) {
        free(near);
        return as_error_nomem(err, "orbit search", (size_t)n * sizeof *near);
    }
    for (int i = 0; i < n; i++)
        par[i] = i;
    for (int i = 0; i < n; i++)
        for (int o = 0; o < sym->nops; o++) {
            double y[3];
            as_symmetry_apply(sym, o, pts[i], y);
            int nn = bins_near(&b, g, pts, y, tol, near);
            for (int q = 0; q < nn; q++)
                uf_union(par, i, near[q]);
        }
    for (int i = 0; i < n; i++)
        par[i] = uf_find(par, i);
    bins_free(&b);
    free(near);
    return AS_OK;
}

/* The site of representative rep: its orbit (rep's images, one per coset of the
 * stabiliser), the lexicographically smallest member as the listed position, the
 * stabiliser's point group, the nearest atom.  Checks |orbit| |stabiliser| = nops. */
static int make_site(const geom *g, const as_structure *host, const as_symmetry *sym, const option *rep,
                     double rcut, as_site *st, as_error *err)
{
    memset(st, 0, sizeof *st);
    st->orbit = malloc((size_t)sym->nops * sizeof *st->orbit);
    int(*rots)[3][3] = malloc((size_t)sym->nops * sizeof *rots);
    if (!st->orbit || !rots) {
        free(rots);
        return as_error_nomem(err, "site orbit", (size_t)sym->nops * sizeof *rots);
    }
    double x[3];
    memcpy(x, rep->x, sizeof x);
    wrap3(x);
    memcpy(st->orbit[0], x, sizeof x);
    st->multiplicity = 1;
    int stab = 0;
    for (int o = 0; o < sym->nops; o++) {
        double y[3];
        as_symmetry_apply(sym, o, x, y);
        wrap3(y);
        if (pdist(g, x, y, TIGHT_TOL, NULL) <= TIGHT_TOL) {
            memcpy(rots[stab++], sym->rot[o], sizeof rots[0]);
            continue;
        }
        int dup = 0;
        for (int m = 1; m < st->multiplicity && !dup; m++)
            dup = pdist(g, st->orbit[m], y, TIGHT_TOL, NULL) <= TIGHT_TOL;
        if (!dup && st->multiplicity < sym->nops)
            memcpy(st->orbit[st->multiplicity++], y, sizeof y);
    }
    int lo = 0;
    for (int m = 1; m < st->multiplicity; m++)
        if (lex_less(st->orbit[m], st->orbit[lo]))
            lo = m;
    memcpy(st->orbit[0], st->orbit[lo], sizeof x);
    memcpy(st->orbit[lo], x, sizeof x);
    memcpy(st->frac, st->orbit[0], sizeof st->frac);
    st->stab_order = stab;
    st->kinds = rep->kinds;
    st->free_radius = nearest_atom(g, host, st->frac, rcut, &st->nearest);
    st->nearest_z = st->nearest >= 0 ? host->z[st->nearest] : 0;
    int trans_mat[3][3];
    char pg[8] = "";
    int pgn = stab > 0 ? spg_get_pointgroup(pg, trans_mat, rots, stab) : 0;
    free(rots);
    trim_copy(st->pointgroup, sizeof st->pointgroup, pg);
    if (stab * st->multiplicity != sym->nops || pgn < 1 || pgn > 32 || pg_order[pgn] != stab)
        return as_error_set(err, AS_EINTERNAL,
                            "interstitial sites: inconsistent symmetry at (%.5f, %.5f, %.5f): stabiliser %d, "
                            "orbit %d, %d operations, point group '%s'",
                            st->frac[0], st->frac[1], st->frac[2], stab, st->multiplicity, sym->nops, st->pointgroup);
    return AS_OK;
}

/* Steps 1-2: candidates at least min_dist(atom) from every atom. */
static int gather_candidates(const geom *g, const as_structure *host, const as_symmetry *sym, const double *dmin,
                             as_sites *res, cand **out, int *nout, double *rcut, as_error *err)
{
    as_voronoi *vor = as_voronoi_create(host, err);
    if (!vor)
        return err->code;
    double(*spec)[3] = NULL;
    int nspec = 0;
    if (as_special_points(sym, &spec, &nspec, err)) {
        as_voronoi_destroy(vor);
        return err->code;
    }
    int ncand = vor->nvert + vor->nface + vor->nedge + nspec;
    cand *cd = malloc((size_t)(ncand + 1) * sizeof *cd);
    if (!cd) {
        as_voronoi_destroy(vor);
        free(spec);
        return as_error_nomem(err, "candidates", (size_t)ncand * sizeof *cd);
    }
    int nc = 0;
    const struct {
        int n, kind;
        double (*x)[3];
    } src[4] = {{vor->nvert, AS_CAND_VERTEX, vor->vert},
                {vor->nface, AS_CAND_FACE, vor->face},
                {vor->nedge, AS_CAND_EDGE, vor->edge},
                {nspec, AS_CAND_SPECIAL, spec}};
    for (int s = 0; s < 4; s++) {
        res->nraw[s] = src[s].n;
        for (int i = 0; i < src[s].n; i++) {
            memcpy(cd[nc].x, src[s].x[i], sizeof cd[nc].x);
            cd[nc].kind = src[s].kind;
            nc++;
        }
    }
    /* No point is farther from every atom than the largest empty sphere. */
    *rcut = 1.0;
    for (int i = 0; i < vor->nvert; i++)
        *rcut = fmax(*rcut, vor->vert_radius[i] + 1.0);
    as_voronoi_destroy(vor);
    free(spec);
    int nk = 0;
    for (int i = 0; i < nc; i++)
        if (far_enough(g, host, dmin, cd[i].x))
            cd[nk++] = cd[i];
    *out = cd;
    *nout = nk;
    return AS_OK;
}

as_sites *as_sites_find(const as_structure *host, const as_symmetry *sym, const as_sites_params *p,
                        as_error *err)
{
    geom g;
    if (geom_init(&g, host->lattice)) {
        as_error_set(err, AS_EINPUT, "interstitial sites: the cell is singular");
        return NULL;
    }
    if (!(p->cluster_tol > 0.0) || !(p->sym_tol >= 0.0) || !(p->room_tol >= 0.0)) {
        as_error_set(err, AS_EINPUT, "interstitial sites: cluster_tol must be positive");
        return NULL;
    }
    as_sites *res = calloc(1, sizeof *res);
    double *dmin = malloc((size_t)(host->natoms + 1) * sizeof *dmin);
    int *ops = malloc((size_t)(sym->nops + 1) * sizeof *ops);
    int *gpar = NULL, *spar = NULL, *cl_head = NULL, *cl_next = NULL, *set_head = NULL, *set_next = NULL;
    int *set_cl = NULL, *mem = NULL, *queue = NULL, *setof = NULL, *grp = NULL, *par = NULL, *newidx = NULL;
    int nsite = 0, ok = 0;
    double(*u)[3] = NULL, (*gx)[3] = NULL;
    cand *cd = NULL;
    option *opt = NULL, *gopt = NULL, *gopt2 = NULL;
    as_site *site = NULL;
    sorted_site *tmp = NULL;
    if (!res || !dmin || !ops) {
        as_error_nomem(err, "sites", sizeof *res);
        goto fail;
    }
    /* 1-2. Candidates, minimum distance. */
    res->min_dist_min = INFINITY;
    for (int a = 0; a < host->natoms; a++) {
        dmin[a] = as_sites_min_dist(p, host->z[a]);
        res->min_dist_min = fmin(res->min_dist_min, dmin[a]);
        res->min_dist_max = fmax(res->min_dist_max, dmin[a]);
    }
    int nk = 0;
    double rcut = 0.0;
    if (gather_candidates(&g, host, sym, dmin, res, &cd, &nk, &rcut, err))
        goto fail;
    res->nkept = nk;
    size_t m1 = (size_t)nk + 1;
    res->cand = malloc(m1 * sizeof *res->cand);
    res->cand_site = malloc(m1 * sizeof *res->cand_site);
    gpar = malloc(m1 * sizeof *gpar), spar = malloc(m1 * sizeof *spar);
    cl_head = malloc(m1 * sizeof *cl_head), cl_next = malloc(m1 * sizeof *cl_next);
    set_head = malloc(m1 * sizeof *set_head), set_next = malloc(m1 * sizeof *set_next);
    set_cl = malloc(m1 * sizeof *set_cl), mem = malloc(m1 * sizeof *mem), queue = malloc(m1 * sizeof *queue);
    setof = malloc(m1 * sizeof *setof), grp = malloc(m1 * sizeof *grp), par = malloc(m1 * sizeof *par);
    newidx = malloc(m1 * sizeof *newidx);
    u = malloc(m1 * sizeof *u), gx = malloc(m1 * sizeof *gx);
    opt = malloc(3 * m1 * sizeof *opt), gopt = malloc(m1 * sizeof *gopt), gopt2 = malloc(m1 * sizeof *gopt2);
    site = calloc(m1, sizeof *site);
    if (!res->cand || !res->cand_site || !gpar || !spar || !cl_head || !cl_next || !set_head || !set_next ||
        !set_cl || !mem || !queue || !setof || !grp || !par || !newidx || !u || !gx || !opt || !gopt || !gopt2 ||
        !site) {
        as_error_nomem(err, "candidate merging", m1 * (sizeof *opt * 5 + sizeof *site));
        goto fail;
    }
    for (int i = 0; i < nk; i++)
        memcpy(res->cand[i], cd[i].x, sizeof res->cand[i]);

    /* 3. Single linkage of the orbits; clusters in space; the merged sets. */
    if (link_candidates(&g, sym, res->cand, nk, p->cluster_tol, gpar, spar, err))
        goto fail;
    for (int i = 0; i < nk; i++)
        cl_head[i] = set_head[i] = -1;
    for (int i = nk - 1; i >= 0; i--) { /* lists in increasing index order */
        cl_next[i] = cl_head[spar[i]];
        cl_head[spar[i]] = i;
        if (spar[i] == i) {
            set_next[i] = set_head[gpar[i]];
            set_head[gpar[i]] = i;
            res->nclusters++;
        }
    }

    /* 4. The position of each merged set. */
    int nset = 0;
    for (int r = 0; r < nk; r++) {
        if (gpar[r] != r)
            continue;
        int ncl = 0;
        for (int c = set_head[r]; c >= 0; c = set_next[c])
            set_cl[ncl++] = c;
        setof[r] = nset;
        gopt[nset++] = set_position(&g, host, sym, p, dmin, rcut, ops, res->cand, cd, cl_head, cl_next, set_cl, ncl,
                                    opt, mem, u, queue);
    }

    /* 5. Sets whose positions an operation maps within cluster_tol of each other are
     * one site (transitively); the merged site takes the position of one of them by the
     * same rule; repeated until no two positions are that close. */
    int ngrp = nset;
    for (int s = 0; s < nset; s++)
        grp[s] = s;
    for (;;) {
        for (int k = 0; k < ngrp; k++)
            memcpy(gx[k], gopt[k].x, sizeof gx[k]);
        if (group_orbits(&g, sym, gx, ngrp, p->cluster_tol, par, err))
            goto fail;
        int nroot = 0;
        for (int k = 0; k < ngrp; k++)
            if (par[k] == k) {
                int nm = 0, kinds = 0;
                for (int q = k; q < ngrp; q++)
                    if (par[q] == k)
                        opt[nm++] = gopt[q], kinds |= gopt[q].kinds;
                gopt2[nroot] = opt[choose(opt, nm, p->room_tol)];
                gopt2[nroot].kinds = kinds;
                newidx[k] = nroot++;
            }
        if (nroot == ngrp)
            break;
        for (int s = 0; s < nset; s++)
            grp[s] = newidx[par[grp[s]]];
        option *t = gopt;
        gopt = gopt2, gopt2 = t;
        ngrp = nroot;
    }

    /* 6. One site per group: its orbit, stabiliser, room. */
    for (int k = 0; k < ngrp; k++) {
        nsite++;
        if (make_site(&g, host, sym, &gopt[k], rcut, &site[k], err))
            goto fail;
    }
    for (int i = 0; i < nk; i++)
        res->cand_site[i] = grp[setof[gpar[i]]];

    /* Sort by free radius and name; candidate -> site indices follow. */
    tmp = malloc((size_t)(nsite + 1) * sizeof *tmp);
    if (!tmp) {
        as_error_nomem(err, "sites", (size_t)nsite * sizeof *tmp);
        goto fail;
    }
    for (int i = 0; i < nsite; i++)
        tmp[i].s = site[i], tmp[i].old = i;
    qsort(tmp, (size_t)nsite, sizeof *tmp, cmp_sorted);
    for (int i = 0; i < nsite; i++) {
        site[i] = tmp[i].s;
        newidx[tmp[i].old] = i;
        snprintf(site[i].name, sizeof site[i].name, "i%d", i + 1);
    }
    for (int i = 0; i < nk; i++)
        res->cand_site[i] = newidx[res->cand_site[i]];

    snprintf(res->wyckoff_group, sizeof res->wyckoff_group, "%s", sym->international);
    snprintf(res->host_group, sizeof res->host_group, "%s", sym->international);
    int bad = spglib_site_symmetry(host, sym, site, nsite, res->wyckoff_group);
    if (bad) {
        as_warn("spglib does not confirm the orbits of %d of %d interstitial sites; their site symmetry is "
                "given as the stabiliser's point group\n", bad, nsite);
        for (int i = 0; i < nsite; i++) {
            snprintf(site[i].site_symmetry, sizeof site[i].site_symmetry, "%s", site[i].pointgroup);
            snprintf(site[i].wyckoff, sizeof site[i].wyckoff, "%d?", site[i].multiplicity);
        }
    }
    res->spglib_agrees = !bad;
    res->site = site;
    res->nsites_all = nsite;
    res->nsites = (p->max_sites > 0 && p->max_sites < nsite) ? p->max_sites : nsite;
    for (int i = 0; i < nk; i++)
        if (res->cand_site[i] >= res->nsites)
            res->cand_site[i] = -1;
    site = NULL;
    nsite = 0;
    ok = 1;
fail:
    for (int i = 0; i < nsite; i++)
        free(site[i].orbit);
    free(site), free(tmp), free(dmin), free(ops), free(cd), free(gpar), free(spar), free(cl_head), free(cl_next),
        free(set_head), free(set_next), free(set_cl), free(mem), free(queue), free(setof), free(grp), free(par),
        free(newidx), free(u), free(gx), free(opt), free(gopt), free(gopt2);
    if (!ok) {
        as_sites_destroy(res);
        res = NULL;
    }
    return res;
}

/* ---------------------------------------------------------------- table -- */

void as_sites_print(const as_sites *s, const as_structure *host)
{
    as_log("  candidates       %d Voronoi vertices, %d face centres, %d edge midpoints, %d fixed Wyckoff points\n",
           s->nraw[0], s->nraw[1], s->nraw[2], s->nraw[3]);
    as_log("  kept             %d at least %.2f-%.2f angstrom from the atoms, %d cluster%s in space, "
           "%d irreducible site%s%s\n",
           s->nkept, s->min_dist_min * AS_BOHR_ANG, s->min_dist_max * AS_BOHR_ANG, s->nclusters,
           s->nclusters == 1 ? "" : "s", s->nsites_all, s->nsites_all == 1 ? "" : "s", s->nsites < s->nsites_all ? " (listing the first ones: max_sites)" : "");
    if (strcmp(s->wyckoff_group, s->host_group))
        as_log("  note             this cell keeps only the operations of %s (a supercell whose lattice lacks "
               "some of %s's); Wyckoff letters and site symmetries refer to %s\n",
               s->wyckoff_group, s->host_group, s->wyckoff_group);
    as_log("\n  %-5s %-6s %-7s %4s  %-29s  %-26s %7s %-4s %s\n", "site", "wyck", "sym", "mult",
           "fractional x y z", "cartesian (angstrom)", "r_free", "near", "from");
    for (int i = 0; i < s->nsites; i++) {
        const as_site *t = &s->site[i];
        double c[3];
        as_frac_to_cart(host->lattice, t->frac, c);
        char kinds[8];
        as_sites_kinds_string(t->kinds, kinds);
        as_log("  %-5s %-6s %-7s %4d  %9.5f %9.5f %9.5f  %8.4f %8.4f %8.4f %7.3f %-4s %s\n", t->name, t->wyckoff,
               t->site_symmetry, t->multiplicity, t->frac[0], t->frac[1], t->frac[2], c[0] * AS_BOHR_ANG,
               c[1] * AS_BOHR_ANG, c[2] * AS_BOHR_ANG, t->free_radius * AS_BOHR_ANG, as_element_symbol(t->nearest_z),
               kinds);
    }
}

/* ------------------------------------------------------- a given point -- */

int as_sites_add_point(as_sites *s, const as_structure *host, const as_symmetry *sym, const double frac[3],
                       const char *name, as_error *err)
{
    geom g;
    if (geom_init(&g, host->lattice))
        return as_error_set(err, AS_EINPUT, "the host's cell is singular");
    as_site *ns = realloc(s->site, (size_t)(s->nsites_all + 1) * sizeof *ns);
    if (!ns)
        return as_error_nomem(err, "sites", (size_t)(s->nsites_all + 1) * sizeof *ns);
    s->site = ns;
    /* the listed sites come first: insert after them */
    memmove(&s->site[s->nsites + 1], &s->site[s->nsites], (size_t)(s->nsites_all - s->nsites) * sizeof *ns);
    as_site *st = &s->site[s->nsites];
    memset(st, 0, sizeof *st);
    s->nsites++, s->nsites_all++;
    if (!(st->orbit = malloc((size_t)sym->nops * sizeof *st->orbit)))
        return as_error_nomem(err, "site orbit", (size_t)sym->nops * sizeof *st->orbit);
    double x[3] = {frac[0], frac[1], frac[2]};
    wrap3(x);
    memcpy(st->frac, x, sizeof x);
    memcpy(st->orbit[0], x, sizeof x);
    st->multiplicity = 1;
    for (int o = 0; o < sym->nops; o++) {
        double y[3];
        as_symmetry_apply(sym, o, x, y);
        wrap3(y);
        int dup = 0;
        for (int m = 0; m < st->multiplicity && !dup; m++)
            dup = pdist(&g, st->orbit[m], y, TIGHT_TOL, NULL) <= TIGHT_TOL;
        if (!dup)
            memcpy(st->orbit[st->multiplicity++], y, sizeof y);
    }
    st->stab_order = sym->nops / st->multiplicity;
    snprintf(st->name, sizeof st->name, "%s", name);
    snprintf(st->wyckoff, sizeof st->wyckoff, "-");
    snprintf(st->site_symmetry, sizeof st->site_symmetry, "-");
    snprintf(st->pointgroup, sizeof st->pointgroup, "-");
    st->free_radius = nearest_atom(&g, host, st->frac, 20.0 * AS_ANG_BOHR, &st->nearest);
    st->nearest_z = st->nearest >= 0 ? host->z[st->nearest] : 0;
    return AS_OK;
}
