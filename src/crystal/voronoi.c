#include "crystal/voronoi.h"

#include <lapacke.h>
#include <libqhull_r/qhull_ra.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

#define HOME_EPS 1e-7     /* fractional: "in the home cell" is [-eps, 1 - eps) */
#define CENTRE_TOL 1e-5   /* bohr (times 1 + R): circumcentres this close are one cell */
#define PLANE_TOL 1e-4    /* bohr: coplanarity of a face's vertices */
#define VOLUME_TOL 1e-6   /* relative: home cells must tile the cell to this */
#define MAX_CELL_VERTS 64 /* atoms on one empty sphere */
#define MAX_FACE_VERTS 24 /* vertices of one Delaunay face */
#define MAX_ATTEMPTS 8

/* ------------------------------------------------------------ small helpers */

static void sub3(const double a[3], const double b[3], double c[3])
{
    c[0] = a[0] - b[0], c[1] = a[1] - b[1], c[2] = a[2] - b[2];
}
static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
static void cross3(const double a[3], const double b[3], double c[3])
{
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

static int uf_find(int *par, int i)
{
    while (par[i] != i) {
        par[i] = par[par[i]];
        i = par[i];
    }
    return i;
}

static void uf_union(int *par, int a, int b)
{
    a = uf_find(par, a);
    b = uf_find(par, b);
    if (a != b) {
        if (a < b)
            par[b] = a;
        else
            par[a] = b;
    }
}

/* Whether fractional f is in the home cell [-eps, 1 - eps)^3; w gets it in [0, 1). */
static int in_home(const double f[3], double w[3])
{
    for (int k = 0; k < 3; k++)
        if (!(f[k] >= -HOME_EPS && f[k] < 1.0 - HOME_EPS))
            return 0;
    for (int k = 0; k < 3; k++)
        w[k] = f[k] < 0.0 ? 0.0 : f[k];
    return 1;
}

static int cmp_int(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    return (a > b) - (a < b);
}

typedef struct {
    double x;
    int i;
} xkey;

static int cmp_xkey(const void *pa, const void *pb)
{
    const xkey *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* Grow *p (elements of size elem) to hold need elements. */
static int grow(void *pp, int *cap, int need, size_t elem)
{
    void **p = pp;
    if (need <= *cap)
        return 0;
    int nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

/* Least-squares centre of points on a sphere: |p_i - c|^2 = R^2 for every i is
 * linear in (c, R^2 - |c|^2) once the points are shifted to their mean.  The fit
 * is symmetric in the points, so a degenerate cell's centre does not depend on
 * their order.  Returns -1 if the points do not fix a sphere (coplanar). */
static int sphere_fit(double (*pts)[3], const int *ids, int n, double c[3], double *r)
{
    if (n < 4 || n > MAX_CELL_VERTS)
        return -1;
    double m[3] = {0, 0, 0};
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            m[k] += pts[ids[i]][k] / n;
    double A[MAX_CELL_VERTS * 4], b[MAX_CELL_VERTS], scale = 0.0;
    for (int i = 0; i < n; i++) {
        double q[3];
        sub3(pts[ids[i]], m, q);
        for (int k = 0; k < 3; k++)
            A[4 * i + k] = 2.0 * q[k];
        A[4 * i + 3] = 1.0;
        b[i] = dot3(q, q);
        scale = fmax(scale, b[i]);
    }
    /* Reject flat sets before the solve: the smallest singular direction of the
     * centred coordinates would vanish.  A 3x3 determinant of the normal matrix is
     * enough as a guard; dgels reports exact rank deficiency too. */
    double M[3][3] = {{0}};
    for (int i = 0; i < n; i++)
        for (int a = 0; a < 3; a++)
            for (int bb = 0; bb < 3; bb++)
                M[a][bb] += A[4 * i + a] * A[4 * i + bb] / 4.0;
    double det = M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
                 M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
    if (!(scale > 0.0) || fabs(det) < 1e-14 * scale * scale * scale)
        return -1;
    lapack_int info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', n, 4, 1, A, 4, b, 1);
    if (info != 0 || !isfinite(b[0]) || !isfinite(b[1]) || !isfinite(b[2]))
        return -1;
    for (int k = 0; k < 3; k++)
        c[k] = m[k] + b[k];
    double s = 0.0;
    for (int i = 0; i < n; i++) {
        double d[3];
        sub3(pts[ids[i]], c, d);
        s += sqrt(dot3(d, d));
    }
    *r = s / n;
    return 0;
}

/* ------------------------------------------------ Delaunay cells via qhull */

typedef struct {
    int ncell;
    int *off, *ids;   /* vertex ids of cell i: ids[off[i] .. off[i+1]), sorted */
    double (*c)[3];   /* cartesian centre */
    double *r;        /* radius; < 0: unusable (flat), never used */
} cells;

static void cells_free(cells *c)
{
    free(c->off);
    free(c->ids);
    free(c->c);
    free(c->r);
    memset(c, 0, sizeof *c);
}

/* Lower Delaunay facets from qhull as vertex-id lists. */
static int run_qhull(double (*pts)[3], int npts, int *nf_out, int **off_out, int **ids_out, as_error *err)
{
    char *qtext = NULL;
    size_t qlen = 0;
    FILE *qerr = open_memstream(&qtext, &qlen);
    if (!qerr)
        return as_error_set(err, AS_EINTERNAL, "cannot open a memory stream for qhull's messages");
    qhT qh_qh;
    qhT *qh = &qh_qh;
    QHULL_LIB_CHECK
    qh_zero(qh, qerr);
    /* d: Delaunay; Qbb: scale the lifted coordinate (precision).  No Qt / QJ:
     * degenerate cells stay merged (see voronoi.h). */
    char cmd[] = "qhull d Qbb";
    int exitcode = qh_new_qhull(qh, 3, npts, &pts[0][0], False, cmd, NULL, qerr);
    int rc = AS_OK, nf = 0, nids = 0, *off = NULL, *ids = NULL;
    if (exitcode) {
        fflush(qerr);
        rc = as_error_set(err, AS_EINTERNAL, "qhull failed to triangulate %d points (exit %d): %.600s", npts, exitcode,
                          qtext ? qtext : "");
    } else {
        facetT *facet;
        vertexT *vertex, **vertexp;
        FORALLfacets {
            if (facet->upperdelaunay)
                continue;
            nf++;
            nids += qh_setsize(qh, facet->vertices);
        }
        off = malloc((size_t)(nf + 1) * sizeof *off);
        ids = malloc((size_t)(nids + 1) * sizeof *ids);
        if (!off || !ids) {
            rc = as_error_nomem(err, "Delaunay cells", (size_t)nids * sizeof *ids);
        } else {
            int f = 0, k = 0;
            FORALLfacets {
                if (facet->upperdelaunay)
                    continue;
                off[f++] = k;
                FOREACHvertex_(facet->vertices) ids[k++] = qh_pointid(qh, vertex->point);
            }
            off[f] = k;
        }
    }
    qh_freeqhull(qh, !qh_ALL);
    int curlong, totlong;
    qh_memfreeshort(qh, &curlong, &totlong);
    fclose(qerr);
    free(qtext);
    if (rc) {
        free(off);
        free(ids);
        return rc;
    }
    *nf_out = nf;
    *off_out = off;
    *ids_out = ids;
    return AS_OK;
}

/* Triangulate and merge facets that share a circumsphere: two different empty
 * spheres cannot have the same centre, so equal centres mean one degenerate
 * cell that qhull left split (cospherical only to rounding). */
static int delaunay_cells(double (*pts)[3], int npts, cells *out, as_error *err)
{
    memset(out, 0, sizeof *out);
    int nf = 0, *off = NULL, *ids = NULL;
    int rc = run_qhull(pts, npts, &nf, &off, &ids, err);
    if (rc)
        return rc;
    size_t m = (size_t)(nf ? nf : 1);
    double(*c)[3] = malloc(m * sizeof *c);
    double *r = malloc(m * sizeof *r);
    int *ok = malloc(m * sizeof *ok), *par = malloc(m * sizeof *par), *cell_of = malloc(m * sizeof *cell_of);
    xkey *keys = malloc(m * sizeof *keys);
    int *coff = NULL, *fill = NULL, *cids = NULL;
    double(*cc)[3] = NULL, *cr = NULL;
    if (!c || !r || !ok || !par || !cell_of || !keys) {
        rc = as_error_nomem(err, "Delaunay cells", m * 64);
        goto done;
    }
    int nk = 0;
    for (int f = 0; f < nf; f++) {
        ok[f] = sphere_fit(pts, ids + off[f], off[f + 1] - off[f], c[f], &r[f]) == 0;
        par[f] = f;
        if (ok[f])
            keys[nk].x = c[f][0], keys[nk].i = f, nk++;
    }
    qsort(keys, (size_t)nk, sizeof *keys, cmp_xkey);
    for (int i = 0; i < nk; i++) {
        int a = keys[i].i;
        double tol = CENTRE_TOL * (1.0 + r[a]);
        for (int j = i + 1; j < nk && keys[j].x - keys[i].x <= tol; j++) {
            int b = keys[j].i;
            double d[3];
            sub3(c[a], c[b], d);
            if (dot3(d, d) < tol * tol && fabs(r[a] - r[b]) < tol)
                uf_union(par, a, b);
        }
    }
    int ncell = 0;
    for (int f = 0; f < nf; f++)
        cell_of[f] = (ok[f] && uf_find(par, f) == f) ? ncell++ : -1;
    coff = calloc((size_t)ncell + 1, sizeof *coff);
    fill = malloc((size_t)(ncell + 1) * sizeof *fill);
    cids = malloc((size_t)(off[nf] + 1) * sizeof *cids);
    cc = malloc((size_t)(ncell + 1) * sizeof *cc);
    cr = malloc((size_t)(ncell + 1) * sizeof *cr);
    if (!coff || !fill || !cids || !cc || !cr) {
        rc = as_error_nomem(err, "Delaunay cells", (size_t)off[nf] * sizeof *cids);
        goto done;
    }
    for (int f = 0; f < nf; f++)
        if (ok[f])
            coff[cell_of[uf_find(par, f)] + 1] += off[f + 1] - off[f];
    for (int i = 0; i < ncell; i++)
        coff[i + 1] += coff[i];
    for (int i = 0; i < ncell; i++)
        fill[i] = coff[i];
    for (int f = 0; f < nf; f++)
        if (ok[f]) {
            int ci = cell_of[uf_find(par, f)];
            for (int k = off[f]; k < off[f + 1]; k++)
                cids[fill[ci]++] = ids[k];
        }
    /* Sort and unique each cell's vertex ids in place (compacting), refit. */
    int w = 0;
    for (int i = 0; i < ncell; i++) {
        int b0 = coff[i], b1 = coff[i + 1];
        qsort(cids + b0, (size_t)(b1 - b0), sizeof *cids, cmp_int);
        int start = w;
        for (int k = b0; k < b1; k++)
            if (k == b0 || cids[k] != cids[k - 1])
                cids[w++] = cids[k];
        coff[i] = start;
        if (sphere_fit(pts, cids + start, w - start, cc[i], &cr[i]) != 0)
            cr[i] = -1.0;
    }
    coff[ncell] = w;
    out->ncell = ncell;
    out->off = coff;
    out->ids = cids;
    out->c = cc;
    out->r = cr;
    coff = NULL, cids = NULL, cc = NULL, cr = NULL;
done:
    free(c), free(r), free(ok), free(par), free(cell_of), free(keys);
    free(coff), free(fill), free(cids), free(cc), free(cr);
    free(off), free(ids);
    return rc;
}

/* --------------------------------------------- faces and edges of a cell */

typedef struct {
    int n;
    int id[MAX_FACE_VERTS]; /* sorted point ids */
    double f[3];            /* fractional centre, [0, 1) */
} face_rec;

typedef struct {
    int a, b; /* point ids, a < b */
    double f[3];
} edge_rec;

static int cmp_face(const void *pa, const void *pb)
{
    const face_rec *a = pa, *b = pb;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = 0; i < a->n; i++)
        if (a->id[i] != b->id[i])
            return a->id[i] < b->id[i] ? -1 : 1;
    return 0;
}

static int cmp_edge(const void *pa, const void *pb)
{
    const edge_rec *a = pa, *b = pb;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

/* The faces of the convex polytope spanned by n points on a sphere: maximal
 * vertex sets on a supporting plane.  Brute force over vertex triples (cells
 * have 4 vertices, rarely more than a dozen).  masks[f] has bit i set when
 * vertex i is on face f.  Also returns the polytope's volume (fan from the
 * vertex mean, faces ordered by angle). */
static int cell_faces(double (*pts)[3], const int *ids, int n, uint64_t *masks, int maxf, double *volume)
{
    int nfaces = 0;
    double mean[3] = {0, 0, 0};
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            mean[k] += pts[ids[i]][k] / n;
    double vol = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            for (int k = j + 1; k < n; k++) {
                const double *pi = pts[ids[i]];
                double u[3], v[3], nrm[3];
                sub3(pts[ids[j]], pi, u);
                sub3(pts[ids[k]], pi, v);
                cross3(u, v, nrm);
                double len = sqrt(dot3(nrm, nrm));
                if (len < 1e-10)
                    continue;
                for (int q = 0; q < 3; q++)
                    nrm[q] /= len;
                int pos = 0, neg = 0, first = 1;
                uint64_t mask = 0;
                int members[MAX_CELL_VERTS], nm = 0;
                for (int l = 0; l < n && !(pos && neg); l++) {
                    double d[3];
                    sub3(pts[ids[l]], pi, d);
                    double s = dot3(d, nrm);
                    if (s > PLANE_TOL)
                        pos = 1;
                    else if (s < -PLANE_TOL)
                        neg = 1;
                    else {
                        /* canonical: i, j, k must be the three lowest members */
                        if (nm < 3 && l != (nm == 0 ? i : nm == 1 ? j : k))
                            first = 0;
                        mask |= (uint64_t)1 << l;
                        members[nm++] = l;
                    }
                }
                if ((pos && neg) || !first || nfaces >= maxf)
                    continue;
                masks[nfaces++] = mask;
                /* Volume: order the face's vertices by angle about their centroid. */
                double g[3] = {0, 0, 0};
                for (int a = 0; a < nm; a++)
                    for (int q = 0; q < 3; q++)
                        g[q] += pts[ids[members[a]]][q] / nm;
                double e1[3], e2[3];
                sub3(pts[ids[members[0]]], g, e1);
                double l1 = sqrt(dot3(e1, e1));
                for (int q = 0; q < 3; q++)
                    e1[q] /= l1;
                cross3(nrm, e1, e2);
                double ang[MAX_CELL_VERTS];
                for (int a = 0; a < nm; a++) {
                    double d[3];
                    sub3(pts[ids[members[a]]], g, d);
                    ang[a] = atan2(dot3(d, e2), dot3(d, e1));
                }
                for (int a = 1; a < nm; a++) /* insertion sort by angle */
                    for (int b = a; b > 0 && ang[b] < ang[b - 1]; b--) {
                        double t = ang[b];
                        ang[b] = ang[b - 1], ang[b - 1] = t;
                        int ti = members[b];
                        members[b] = members[b - 1], members[b - 1] = ti;
                    }
                for (int a = 1; a + 1 < nm; a++) {
                    double x[3], y[3], z[3], cr[3];
                    sub3(pts[ids[members[0]]], mean, x);
                    sub3(pts[ids[members[a]]], mean, y);
                    sub3(pts[ids[members[a + 1]]], mean, z);
                    cross3(y, z, cr);
                    vol += fabs(dot3(x, cr)) / 6.0;
                }
            }
    *volume = vol;
    return nfaces;
}

/* ------------------------------------------------------------ the driver */

void as_voronoi_destroy(as_voronoi *v)
{
    if (!v)
        return;
    free(v->vert);
    free(v->vert_radius);
    free(v->vert_natoms);
    free(v->face);
    free(v->edge);
    free(v);
}

/* Atoms and images within fractional margins delta[k] of the home cell. */
static int build_points(const as_structure *s, const double delta[3], double (**pts)[3], int *npts, as_error *err)
{
    int cap = 0, n = 0;
    double(*p)[3] = NULL;
    for (int a = 0; a < s->natoms; a++) {
        double f[3];
        for (int k = 0; k < 3; k++) {
            f[k] = s->frac[a][k] - floor(s->frac[a][k]);
            if (f[k] >= 1.0)
                f[k] = 0.0;
        }
        int lo[3], hi[3];
        for (int k = 0; k < 3; k++) {
            lo[k] = (int)floor(-delta[k] - f[k]);
            hi[k] = (int)ceil(1.0 + delta[k] - f[k]);
        }
        for (int i = lo[0]; i <= hi[0]; i++)
            for (int j = lo[1]; j <= hi[1]; j++)
                for (int k = lo[2]; k <= hi[2]; k++) {
                    double g[3] = {f[0] + i, f[1] + j, f[2] + k};
                    int inside = 1;
                    for (int q = 0; q < 3; q++)
                        inside &= g[q] >= -delta[q] && g[q] <= 1.0 + delta[q];
                    if (!inside)
                        continue;
                    if (grow(&p, &cap, n + 1, sizeof *p)) {
                        free(p);
                        return as_error_nomem(err, "periodic images", (size_t)n * sizeof *p);
                    }
                    as_frac_to_cart(s->lattice, g, p[n++]);
                }
    }
    *pts = p;
    *npts = n;
    return AS_OK;
}

as_voronoi *as_voronoi_create(const as_structure *s, as_error *err)
{
    double inv[3][3], rec[3][3];
    if (s->natoms < 1) {
        as_error_set(err, AS_EINPUT, "Voronoi analysis: the structure has no atoms");
        return NULL;
    }
    if (as_lattice_inverse(s->lattice, inv) || as_lattice_reciprocal(s->lattice, rec)) {
        as_error_set(err, AS_EINPUT, "Voronoi analysis: the cell is singular");
        return NULL;
    }
    double vol = fabs(as_lattice_volume(s->lattice)), h[3];
    for (int k = 0; k < 3; k++) /* interplanar spacings: |f_k| h_k <= |r| */
        h[k] = AS_TWOPI / sqrt(dot3(rec[k], rec[k]));
    as_voronoi *v = calloc(1, sizeof *v);
    if (!v) {
        as_error_nomem(err, "Voronoi", sizeof *v);
        return NULL;
    }
    double skin = 2.0 * cbrt(vol / s->natoms) + 1.0;
    int attempt;
    for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        double delta[3];
        for (int k = 0; k < 3; k++)
            delta[k] = skin / h[k];
        double(*pts)[3] = NULL;
        int npts = 0;
        if (build_points(s, delta, &pts, &npts, err)) {
            as_voronoi_destroy(v);
            return NULL;
        }
        cells cl;
        if (delaunay_cells(pts, npts, &cl, err)) {
            free(pts);
            as_voronoi_destroy(v);
            return NULL;
        }
        /* Voronoi vertices: cells centred in the home cell; Rmax decides the skin. */
        double rmax = 0.0, volsum = 0.0;
        int nv = 0, capv = 0, ndeg = 0, oom = 0;
        double(*vert)[3] = NULL, *vrad = NULL;
        int *vnat = NULL, capr = 0, capn = 0;
        face_rec *faces = NULL;
        edge_rec *edges = NULL;
        int nfc = 0, capf = 0, ned = 0, cape = 0;
        for (int i = 0; i < cl.ncell && !oom; i++) {
            if (cl.r[i] < 0.0)
                continue;
            double f[3], w[3];
            as_cart_to_frac(inv, cl.c[i], f);
            int home = in_home(f, w);
            /* Faces and edges in the home cell lie inside the cell's sphere, so
             * only cells whose centre is within R of the home cell matter. */
            int near = 1;
            for (int k = 0; k < 3; k++)
                near &= f[k] >= -cl.r[i] / h[k] - HOME_EPS && f[k] <= 1.0 + cl.r[i] / h[k] + HOME_EPS;
            if (!near)
                continue;
            int n = cl.off[i + 1] - cl.off[i];
            const int *ids = cl.ids + cl.off[i];
            uint64_t masks[4 * MAX_CELL_VERTS];
            double cvol = 0.0;
            int nfaces = cell_faces(pts, ids, n, masks, 4 * MAX_CELL_VERTS, &cvol);
            if (home) {
                rmax = fmax(rmax, cl.r[i]);
                volsum += cvol;
                ndeg += n > 4;
                if (grow(&vert, &capv, nv + 1, sizeof *vert) || grow(&vrad, &capr, nv + 1, sizeof *vrad) ||
                    grow(&vnat, &capn, nv + 1, sizeof *vnat)) {
                    oom = 1;
                    break;
                }
                memcpy(vert[nv], w, sizeof w);
                vrad[nv] = cl.r[i];
                vnat[nv] = n;
                nv++;
            }
            for (int fa = 0; fa < nfaces; fa++) {
                face_rec fr;
                fr.n = 0;
                double g[3] = {0, 0, 0};
                for (int a = 0; a < n; a++)
                    if (masks[fa] >> a & 1) {
                        if (fr.n < MAX_FACE_VERTS)
                            fr.id[fr.n] = ids[a];
                        fr.n++;
                        for (int q = 0; q < 3; q++)
                            g[q] += pts[ids[a]][q];
                    }
                if (fr.n > MAX_FACE_VERTS)
                    continue; /* not seen in practice; such a face's centre is also a vertex/edge region */
                for (int q = 0; q < 3; q++)
                    g[q] /= fr.n;
                as_cart_to_frac(inv, g, f);
                if (!in_home(f, fr.f))
                    continue;
                if (grow(&faces, &capf, nfc + 1, sizeof *faces)) {
                    oom = 1;
                    break;
                }
                faces[nfc++] = fr; /* ids ascending: cell ids are sorted */
            }
            for (int a = 0; a < n && !oom; a++)
                for (int b = a + 1; b < n; b++) {
                    int shared = 0;
                    for (int fa = 0; fa < nfaces && shared < 2; fa++)
                        shared += (masks[fa] >> a & 1) && (masks[fa] >> b & 1);
                    if (shared < 2)
                        continue;
                    double g[3];
                    for (int q = 0; q < 3; q++)
                        g[q] = 0.5 * (pts[ids[a]][q] + pts[ids[b]][q]);
                    edge_rec er = {ids[a], ids[b], {0, 0, 0}};
                    as_cart_to_frac(inv, g, f);
                    if (!in_home(f, er.f))
                        continue;
                    if (grow(&edges, &cape, ned + 1, sizeof *edges)) {
                        oom = 1;
                        break;
                    }
                    edges[ned++] = er;
                }
        }
        free(pts);
        cells_free(&cl);
        if (oom) {
            free(vert), free(vrad), free(vnat), free(faces), free(edges);
            as_voronoi_destroy(v);
            as_error_nomem(err, "Voronoi vertices", 0);
            return NULL;
        }
        int complete = fabs(volsum - vol) <= VOLUME_TOL * vol;
        if (skin < 2.0 * rmax + 0.5 || !complete) {
            free(vert), free(vrad), free(vnat), free(faces), free(edges);
            skin = fmax(2.2 * rmax + 1.0, complete ? skin : 1.5 * skin);
            continue;
        }
        /* Unique faces and edges (each seen from every cell that has it). */
        qsort(faces, (size_t)nfc, sizeof *faces, cmp_face);
        qsort(edges, (size_t)ned, sizeof *edges, cmp_edge);
        v->face = malloc((size_t)(nfc + 1) * sizeof *v->face);
        v->edge = malloc((size_t)(ned + 1) * sizeof *v->edge);
        if (!v->face || !v->edge) {
            free(vert), free(vrad), free(vnat), free(faces), free(edges);
            as_voronoi_destroy(v);
            as_error_nomem(err, "Voronoi faces", 0);
            return NULL;
        }
        for (int i = 0; i < nfc; i++)
            if (i == 0 || cmp_face(&faces[i], &faces[i - 1]))
                memcpy(v->face[v->nface++], faces[i].f, sizeof faces[i].f);
        for (int i = 0; i < ned; i++)
            if (i == 0 || cmp_edge(&edges[i], &edges[i - 1]))
                memcpy(v->edge[v->nedge++], edges[i].f, sizeof edges[i].f);
        free(faces), free(edges);
        v->nvert = nv;
        v->vert = vert;
        v->vert_radius = vrad;
        v->vert_natoms = vnat;
        v->skin = skin;
        v->npoints = npts;
        v->ndegenerate = ndeg;
        v->volume_sum = volsum;
        return v;
    }
    as_voronoi_destroy(v);
    as_error_set(err, AS_EINTERNAL,
                 "Voronoi analysis did not converge after %d skins (last %.2f bohr): the Delaunay cells centred "
                 "in the home cell do not tile it; the structure may be extremely skewed or sparse",
                 MAX_ATTEMPTS, skin);
    return NULL;
}
