/* Voronoi vertices / Delaunay complex of periodic lattices, checked against the
 * textbook holes of sc, bcc and fcc (International Tables positions and radii),
 * the Euler characteristic of a periodic complex (atoms - edges + faces - cells
 * = 0 on the 3-torus), the tiling volume, and invariance under an origin shift. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "crystal/structure.h"
#include "crystal/voronoi.h"

static as_structure *cubic(double a, int n, const double (*frac)[3])
{
    as_error err;
    as_structure *s = as_structure_create(n, &err);
    assert_non_null(s);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            s->lattice[i][j] = i == j ? a : 0.0;
    for (int i = 0; i < n; i++) {
        s->z[i] = 29;
        for (int k = 0; k < 3; k++)
            s->frac[i][k] = frac[i][k];
    }
    return s;
}

/* Whether fractional p is (periodically) within tol of one of the n points. */
static int count_near(const double (*pts)[3], int n, const double p[3], double tol)
{
    int c = 0;
    for (int i = 0; i < n; i++) {
        double d2 = 0.0;
        for (int k = 0; k < 3; k++) {
            double d = pts[i][k] - p[k];
            d -= floor(d + 0.5);
            d2 += d * d;
        }
        c += d2 < tol * tol;
    }
    return c;
}

static as_voronoi *run(const as_structure *s)
{
    as_error err;
    as_error_clear(&err);
    as_voronoi *v = as_voronoi_create(s, &err);
    if (!v)
        fail_msg("%s", err.msg);
    /* The home cells tile the cell once; Euler characteristic of the torus. */
    double vol = fabs(as_lattice_volume(s->lattice));
    assert_true(fabs(v->volume_sum - vol) < 1e-6 * vol);
    assert_int_equal(s->natoms - v->nedge + v->nface - v->nvert, 0);
    for (int i = 0; i < v->nvert; i++)
        for (int k = 0; k < 3; k++)
            assert_true(v->vert[i][k] >= 0.0 && v->vert[i][k] < 1.0);
    return v;
}

static void simple_cubic(void **state)
{
    (void)state;
    const double at[1][3] = {{0.1, 0.2, 0.3}};
    const double a = 7.0;
    as_structure *s = cubic(a, 1, at);
    as_voronoi *v = run(s);
    /* One cube per atom: centre (1/2,1/2,1/2) from the atom, 8 atoms on the sphere
     * of radius a sqrt(3)/2; 3 square faces, 3 edges. */
    assert_int_equal(v->nvert, 1);
    assert_int_equal(v->vert_natoms[0], 8);
    assert_true(fabs(v->vert_radius[0] - a * sqrt(3.0) / 2.0) < 1e-9);
    assert_int_equal(v->ndegenerate, 1);
    const double want_v[3] = {0.6, 0.7, 0.8};
    assert_int_equal(count_near((const double(*)[3])v->vert, 1, want_v, 1e-9), 1);
    assert_int_equal(v->nface, 3);
    assert_int_equal(v->nedge, 3);
    const double f1[3] = {0.6, 0.7, 0.3}, f2[3] = {0.1, 0.7, 0.8}, e1[3] = {0.6, 0.2, 0.3};
    assert_int_equal(count_near((const double(*)[3])v->face, v->nface, f1, 1e-9), 1);
    assert_int_equal(count_near((const double(*)[3])v->face, v->nface, f2, 1e-9), 1);
    assert_int_equal(count_near((const double(*)[3])v->edge, v->nedge, e1, 1e-9), 1);
    as_voronoi_destroy(v);
    as_structure_destroy(s);
}

static void bcc_tetrahedral_holes(void **state)
{
    (void)state;
    const double at[2][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}};
    const double a = 6.0;
    as_structure *s = cubic(a, 2, at);
    as_voronoi *v = run(s);
    /* Im-3m 12d (1/4, 1/2, 0): the tetrahedral holes, radius a sqrt(5)/4;
     * 8 first- + 6 second-neighbour edges per cell. */
    assert_int_equal(v->nvert, 12);
    assert_int_equal(v->ndegenerate, 0);
    for (int i = 0; i < v->nvert; i++) {
        assert_true(fabs(v->vert_radius[i] - a * sqrt(5.0) / 4.0) < 1e-9);
        int quarter = 0, half = 0, zero = 0;
        for (int k = 0; k < 3; k++) {
            double x = v->vert[i][k];
            quarter += fabs(x - 0.25) < 1e-9 || fabs(x - 0.75) < 1e-9;
            half += fabs(x - 0.5) < 1e-9;
            zero += fabs(x) < 1e-9;
        }
        assert_int_equal(quarter, 1);
        assert_int_equal(half + zero, 2);
        assert_int_equal(half, 1);
    }
    assert_int_equal(v->nedge, 14);
    assert_int_equal(v->nface, 24);
    as_voronoi_destroy(v);
    as_structure_destroy(s);
}

static void fcc_octahedral_and_tetrahedral(void **state)
{
    (void)state;
    const double at[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
    const double a = 8.0;
    as_structure *s = cubic(a, 4, at);
    as_voronoi *v = run(s);
    /* Fm-3m 4b octahedral holes (R = a/2, 6 atoms: degenerate) and 8c tetrahedral
     * holes (R = a sqrt(3)/4); 24 nearest-neighbour edges, 32 triangles. */
    assert_int_equal(v->nvert, 12);
    int oct = 0, tet = 0;
    for (int i = 0; i < v->nvert; i++) {
        if (v->vert_natoms[i] == 6 && fabs(v->vert_radius[i] - a / 2) < 1e-9)
            oct++;
        if (v->vert_natoms[i] == 4 && fabs(v->vert_radius[i] - a * sqrt(3.0) / 4) < 1e-9)
            tet++;
    }
    assert_int_equal(oct, 4);
    assert_int_equal(tet, 8);
    const double o[3] = {0.5, 0.5, 0.5}, t[3] = {0.25, 0.75, 0.25};
    assert_int_equal(count_near((const double(*)[3])v->vert, v->nvert, o, 1e-9), 1);
    assert_int_equal(count_near((const double(*)[3])v->vert, v->nvert, t, 1e-9), 1);
    assert_int_equal(v->nedge, 24);
    assert_int_equal(v->nface, 32);
    as_voronoi_destroy(v);
    as_structure_destroy(s);
}

/* A low-symmetry cell: shifting the origin shifts every vertex, face and edge. */
static void origin_shift(void **state)
{
    (void)state;
    as_error err;
    as_structure *s = as_structure_create(3, &err);
    const double lat[3][3] = {{7.0, 0.0, 0.0}, {1.3, 8.1, 0.0}, {-0.7, 0.9, 9.4}};
    const double at[3][3] = {{0.11, 0.07, 0.31}, {0.52, 0.43, 0.66}, {0.27, 0.81, 0.95}};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            s->lattice[i][k] = lat[i][k], s->frac[i][k] = at[i][k];
    s->z[0] = s->z[1] = s->z[2] = 29;
    as_voronoi *v = run(s);
    as_structure *t = as_structure_copy(s, &err);
    const double shift[3] = {0.377, -0.219, 0.613};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            t->frac[i][k] += shift[k];
    as_voronoi *w = run(t);
    assert_int_equal(v->nvert, w->nvert);
    assert_int_equal(v->nface, w->nface);
    assert_int_equal(v->nedge, w->nedge);
    for (int i = 0; i < v->nvert; i++) {
        double p[3] = {v->vert[i][0] + shift[0], v->vert[i][1] + shift[1], v->vert[i][2] + shift[2]};
        assert_int_equal(count_near((const double(*)[3])w->vert, w->nvert, p, 1e-8), 1);
    }
    for (int i = 0; i < v->nface; i++) {
        double p[3] = {v->face[i][0] + shift[0], v->face[i][1] + shift[1], v->face[i][2] + shift[2]};
        assert_int_equal(count_near((const double(*)[3])w->face, w->nface, p, 1e-8), 1);
    }
    as_voronoi_destroy(v);
    as_voronoi_destroy(w);
    as_structure_destroy(s);
    as_structure_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(simple_cubic),
        cmocka_unit_test(bcc_tetrahedral_holes),
        cmocka_unit_test(fcc_octahedral_and_tetrahedral),
        cmocka_unit_test(origin_shift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
