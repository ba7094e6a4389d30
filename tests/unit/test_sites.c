/* Interstitial sites.  What the tests hold the code to (none of it is a number
 * our own code produced):
 *  - the Wyckoff positions without free parameters of Pm-3m, Pnma, P-1 and P1
 *    (International Tables, Vol. A);
 *  - cubic CsPbBr3 gives the textbook orbits 3d, 8g, 24m, 12i, 12j with their
 *    site symmetries and hand-computed free radii;
 *  - with the defaults, cubic CsPbBr3 keeps exactly its 3d and 8g voids;
 *  - set invariants on Pnma CsPbBr3: the merge rule (single linkage of the
 *    candidates' orbits, recomputed by brute force) assigns every candidate to
 *    exactly one site, no two sites are equivalent, multiplicities sum to the
 *    distinct points of the listed orbits, Wyckoff letters agree with the Pnma
 *    table, free radii agree with a brute-force distance, every site respects the
 *    ionic-radii rule, and the roomiest site is the largest empty sphere found by
 *    a grid search;
 *  - the result does not depend on the origin, the order of the atoms or the
 *    choice of cell (a supercell gives the same sites, multiplicities x det), for
 *    merging tolerances from 0.3 to 2.5 angstrom;
 *  - sites.json parses and has the keys issue 2 specifies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/sites.h"
#include "crystal/supercell.h"
#include "crystal/symmetry.h"
#include "io/cif.h"
#include "io/sites_out.h"

#define PNMA_CIF "tests/reference/structures/CsPbBr3_Pnma_ICSD97851.cif"
#define CUBIC_CIF "tests/reference/structures/CsPbBr3_cubic_425K.cif"
#define ANG AS_ANG_BOHR

static as_structure *read_cif(const char *path)
{
    as_error err;
    as_error_clear(&err);
    as_structure *s = as_cif_read(path, NULL, &err);
    if (!s)
        fail_msg("%s", err.msg);
    return s;
}

static as_symmetry *symmetry(const as_structure *s)
{
    as_error err;
    as_error_clear(&err);
    as_symmetry *sym = as_symmetry_create(s, 0.0, &err);
    if (!sym)
        fail_msg("%s", err.msg);
    return sym;
}

static as_sites *find(const as_structure *s, const as_symmetry *sym, const as_sites_params *p)
{
    as_error err;
    as_error_clear(&err);
    as_sites *r = as_sites_find(s, sym, p, &err);
    if (!r)
        fail_msg("%s", err.msg);
    return r;
}

/* Whether some operation maps x within tol (bohr) of y. */
static int equivalent(const as_structure *s, const as_symmetry *sym, const double x[3], const double y[3], double tol)
{
    for (int o = 0; o < sym->nops; o++) {
        double gx[3];
        as_symmetry_apply(sym, o, x, gx);
        if (as_periodic_distance(s->lattice, gx, y) < tol)
            return 1;
    }
    return 0;
}

/* Whether fractional p is one of pts (mod 1) within 1e-6. */
static int has_point(double (*pts)[3], int n, const double p[3])
{
    for (int i = 0; i < n; i++) {
        double d2 = 0;
        for (int k = 0; k < 3; k++) {
            double d = pts[i][k] - p[k];
            d -= floor(d + 0.5);
            d2 += d * d;
        }
        if (d2 < 1e-12)
            return 1;
    }
    return 0;
}

static double brute_nearest(const as_structure *s, const double x[3])
{
    double best = INFINITY;
    for (int a = 0; a < s->natoms; a++)
        best = fmin(best, as_periodic_distance(s->lattice, x, s->frac[a]));
    return best;
}

/* ------------------------------------------------- fixed Wyckoff points -- */

static void special_points_cubic_and_pnma(void **state)
{
    (void)state;
    as_error err;
    as_structure *c = read_cif(CUBIC_CIF);
    as_symmetry *sc = symmetry(c);
    double(*pts)[3] = NULL;
    int n = 0;
    assert_int_equal(as_special_points(sc, &pts, &n, &err), 0);
    /* Pm-3m: 1a, 1b, 3c, 3d are its only positions without free parameters. */
    const double pm3m[8][3] = {{0, 0, 0},     {.5, .5, .5}, {0, .5, .5}, {.5, 0, .5},
                               {.5, .5, 0},   {.5, 0, 0},   {0, .5, 0},  {0, 0, .5}};
    assert_int_equal(n, 8);
    for (int i = 0; i < 8; i++)
        assert_true(has_point(pts, n, pm3m[i]));
    free(pts);

    as_structure *s = read_cif(PNMA_CIF);
    as_symmetry *sp = symmetry(s);
    assert_int_equal(sp->number, 62);
    assert_int_equal(as_special_points(sp, &pts, &n, &err), 0);
    /* Pnma: 4a (0,0,0) (1/2,0,1/2) (0,1/2,0) (1/2,1/2,1/2); 4b (0,0,1/2) (1/2,0,0) (0,1/2,1/2) (1/2,1/2,0). */
    const double pnma[8][3] = {{0, 0, 0},  {.5, 0, .5}, {0, .5, 0},  {.5, .5, .5},
                               {0, 0, .5}, {.5, 0, 0},  {0, .5, .5}, {.5, .5, 0}};
    assert_int_equal(n, 8);
    for (int i = 0; i < 8; i++)
        assert_true(has_point(pts, n, pnma[i]));
    free(pts);
    as_symmetry_destroy(sc);
    as_symmetry_destroy(sp);
    as_structure_destroy(c);
    as_structure_destroy(s);
}

static void special_points_triclinic(void **state)
{
    (void)state;
    as_error err;
    as_structure *s = as_structure_create(2, &err);
    const double lat[3][3] = {{7.1, 0, 0}, {1.2, 8.3, 0}, {-0.9, 1.1, 9.6}};
    memcpy(s->lattice, lat, sizeof lat);
    const double x[3] = {0.13, 0.27, 0.41};
    for (int k = 0; k < 3; k++)
        s->frac[0][k] = x[k], s->frac[1][k] = 1.0 - x[k];
    s->z[0] = s->z[1] = 35;
    as_symmetry *sym = symmetry(s);
    assert_int_equal(sym->number, 2); /* P-1: eight inversion centres 1a..1h */
    double(*pts)[3] = NULL;
    int n = 0;
    assert_int_equal(as_special_points(sym, &pts, &n, &err), 0);
    assert_int_equal(n, 8);
    for (int i = 0; i < 8; i++) {
        const double p[3] = {0.5 * (i & 1), 0.5 * (i >> 1 & 1), 0.5 * (i >> 2 & 1)};
        assert_true(has_point(pts, n, p));
    }
    free(pts);
    as_symmetry_destroy(sym);
    s->z[1] = 53; /* two different atoms: P1, no special positions */
    sym = symmetry(s);
    assert_int_equal(sym->number, 1);
    assert_int_equal(as_special_points(sym, &pts, &n, &err), 0);
    assert_int_equal(n, 0);
    free(pts);
    as_symmetry_destroy(sym);
    as_structure_destroy(s);
}

/* --------------------------------------------------------- set invariants -- */

static int root_of(int *par, int i)
{
    while (par[i] != i)
        i = par[i] = par[par[i]];
    return i;
}

/* The merge rule, checked by brute force: candidates that an operation maps within
 * tol of each other belong to one site, transitively (single linkage of their
 * orbits).  So every candidate is assigned to exactly one listed site, and linked
 * candidates to the same one; every site holds candidates and its position is
 * within tol (up to an operation) of one of them; no two sites are equivalent
 * within tol; the multiplicities add up to the distinct points of the listed
 * orbits; each orbit is the site's images, each once, of the size the group gives. */
static void check_invariants(const as_structure *s, const as_symmetry *sym, const as_sites *r, double tol)
{
    assert_int_equal(r->nsites, r->nsites_all);
    int sum = 0;
    for (int i = 0; i < r->nsites; i++) {
        sum += r->site[i].multiplicity;
        assert_int_equal(r->site[i].multiplicity * r->site[i].stab_order, sym->nops);
        for (int j = i + 1; j < r->nsites; j++)
            assert_false(equivalent(s, sym, r->site[i].frac, r->site[j].frac, tol));
        /* The listed orbit is the site's images, each once. */
        for (int m = 0; m < r->site[i].multiplicity; m++) {
            assert_true(equivalent(s, sym, r->site[i].frac, r->site[i].orbit[m], 1e-6));
            for (int q = m + 1; q < r->site[i].multiplicity; q++)
                assert_true(as_periodic_distance(s->lattice, r->site[i].orbit[m], r->site[i].orbit[q]) > 1e-3);
        }
    }
    /* Distinct points of all listed orbits. */
    int ndistinct = 0;
    for (int i = 0; i < r->nsites; i++)
        for (int m = 0; m < r->site[i].multiplicity; m++) {
            int seen = 0;
            for (int j = 0; j <= i && !seen; j++)
                for (int q = 0; q < (j < i ? r->site[j].multiplicity : m) && !seen; q++)
                    seen = as_periodic_distance(s->lattice, r->site[i].orbit[m], r->site[j].orbit[q]) < 1e-3;
            ndistinct += !seen;
        }
    assert_int_equal(sum, ndistinct);
    /* Single linkage of the candidates' orbits. */
    int n = r->nkept;
    assert_true(n > 0);
    int *par = malloc((size_t)n * sizeof *par), *held = calloc((size_t)r->nsites, sizeof *held);
    for (int i = 0; i < n; i++)
        par[i] = i;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            int a = root_of(par, i), b = root_of(par, j);
            if (a != b && equivalent(s, sym, r->cand[i], r->cand[j], tol))
                par[a > b ? a : b] = a < b ? a : b;
        }
    for (int i = 0; i < n; i++) {
        int site = r->cand_site[i];
        assert_true(site >= 0 && site < r->nsites);
        assert_int_equal(site, r->cand_site[root_of(par, i)]);
        if (equivalent(s, sym, r->site[site].frac, r->cand[i], tol))
            held[site] = 1;
    }
    for (int i = 0; i < r->nsites; i++)
        if (!held[i])
            fail_msg("site %s is not within cluster_tol of any of its candidates", r->site[i].name);
    free(par), free(held);
    assert_true(r->spglib_agrees);
}

/* A permissive search (half the radii sum, 0.5 angstrom merging) that keeps every
 * textbook orbit of the cubic cell. */
static void permissive(as_sites_params *p)
{
    as_sites_params_default(p);
    p->min_dist_factor = 0.5;
    p->cluster_tol = 0.5 * ANG;
}

/* With the defaults the cubic cell keeps exactly the two roomiest voids of the
 * International Tables analysis above: 3d (a/2 from Cs) and 8g (a sqrt(3)/4). */
static void cubic_defaults_keep_3d_8g(void **state)
{
    (void)state;
    as_structure *s = read_cif(CUBIC_CIF);
    as_symmetry *sym = symmetry(s);
    as_sites_params p;
    as_sites_params_default(&p);
    as_sites *r = find(s, sym, &p);
    check_invariants(s, sym, r, p.cluster_tol);
    assert_int_equal(r->nsites, 2);
    const double x3d[3] = {0.5, 0, 0}, x8g[3] = {0.25, 0.25, 0.25};
    int n3d = 0, n8g = 0;
    for (int i = 0; i < r->nsites; i++) {
        n3d += equivalent(s, sym, r->site[i].frac, x3d, 1e-6) && r->site[i].multiplicity == 3;
        n8g += equivalent(s, sym, r->site[i].frac, x8g, 1e-6) && r->site[i].multiplicity == 8;
    }
    assert_int_equal(n3d, 1);
    assert_int_equal(n8g, 1);
    as_sites_destroy(r);
    as_symmetry_destroy(sym);
    as_structure_destroy(s);
}

/* The 3d, 8g, 24m, 12i, 12j orbits of Pm-3m (International Tables) with free
 * radii from the geometry: a/2, a sqrt(3)/4, a/sqrt(6), a/(2 sqrt(2)) twice.
 * 1a, 1b, 3c hold Cs, Pb, Br; the Pb-Br midpoints (6f, 1.47 A) fail min_dist. */
static void cubic_textbook_orbits(void **state)
{
    (void)state;
    as_structure *s = read_cif(CUBIC_CIF);
    as_symmetry *sym = symmetry(s);
    as_sites_params p;
    permissive(&p);
    as_sites *r = find(s, sym, &p);
    check_invariants(s, sym, r, p.cluster_tol);
    const double a = 5.874 * ANG;
    const struct {
        const char *wyck, *symbol;
        int mult;
        double x[3], radius;
    } want[5] = {
        {"3d", "4/mm.m", 3, {0.5, 0, 0}, a / 2},
        {"8g", ".3m", 8, {0.25, 0.25, 0.25}, a * sqrt(3.0) / 4},
        {"24m", "..m", 24, {1.0 / 6, 1.0 / 6, 1.0 / 3}, a / sqrt(6.0)},
        {"12i", "m.m2", 12, {0, 0.25, 0.25}, a / (2 * sqrt(2.0))},
        {"12j", "m.m2", 12, {0.5, 0.25, 0.25}, a / (2 * sqrt(2.0))},
    };
    assert_int_equal(r->nsites, 5);
    for (int w = 0; w < 5; w++) {
        int found = 0;
        for (int i = 0; i < r->nsites; i++) {
            const as_site *t = &r->site[i];
            if (!equivalent(s, sym, t->frac, want[w].x, 1e-6))
                continue;
            found++;
            assert_string_equal(t->wyckoff, want[w].wyck);
            assert_string_equal(t->site_symmetry, want[w].symbol);
            assert_int_equal(t->multiplicity, want[w].mult);
            assert_true(fabs(t->free_radius - want[w].radius) < 1e-6);
        }
        if (found != 1)
            fail_msg("orbit %s found %d times", want[w].wyck, found);
    }
    /* Sorted by free radius, named i1..i5. */
    assert_string_equal(r->site[0].wyckoff, "3d");
    assert_string_equal(r->site[0].name, "i1");
    for (int i = 1; i < r->nsites; i++)
        assert_true(r->site[i].free_radius <= r->site[i - 1].free_radius + 1e-9);
    as_sites_destroy(r);
    as_symmetry_destroy(sym);
    as_structure_destroy(s);
}

/* The largest empty sphere by brute force, independent of qhull: the top points
 * of a 0.25 A grid lie near the largest empty spheres; the sphere through any
 * four atoms (images included) near such a point is a candidate, kept if no atom
 * is inside it.  (Orthorhombic cells only, which is what the tests use.) */
static double largest_empty_sphere(const as_structure *s)
{
    int n[3];
    for (int k = 0; k < 3; k++)
        n[k] = (int)ceil(s->lattice[k][k] / (0.25 * ANG));
    enum { TOP = 12 };
    double best[TOP] = {0}, bx[TOP][3];
    for (int i = 0; i < n[0]; i++)
        for (int j = 0; j < n[1]; j++)
            for (int k = 0; k < n[2]; k++) {
                double x[3] = {(double)i / n[0], (double)j / n[1], (double)k / n[2]};
                double d = brute_nearest(s, x);
                if (d <= best[TOP - 1])
                    continue;
                int q = TOP - 1;
                while (q > 0 && d > best[q - 1]) {
                    best[q] = best[q - 1];
                    memcpy(bx[q], bx[q - 1], sizeof bx[q]);
                    q--;
                }
                best[q] = d;
                memcpy(bx[q], x, sizeof x);
            }
    double top = 0.0;
    for (int q = 0; q < TOP; q++) {
        double xc[3], near[64][3];
        int nn = 0;
        as_frac_to_cart(s->lattice, bx[q], xc);
        for (int a = 0; a < s->natoms; a++)
            for (int i = -1; i <= 1; i++)
                for (int j = -1; j <= 1; j++)
                    for (int k = -1; k <= 1; k++) {
                        double f[3] = {s->frac[a][0] + i, s->frac[a][1] + j, s->frac[a][2] + k}, c[3];
                        as_frac_to_cart(s->lattice, f, c);
                        double d = sqrt(pow(c[0] - xc[0], 2) + pow(c[1] - xc[1], 2) + pow(c[2] - xc[2], 2));
                        if (d < best[q] + 0.5 * ANG && nn < 64)
                            memcpy(near[nn++], c, sizeof c);
                    }
        for (int a = 0; a < nn; a++)
            for (int b = a + 1; b < nn; b++)
                for (int c = b + 1; c < nn; c++)
                    for (int d = c + 1; d < nn; d++) {
                        /* centre: 2 (p_i - p_a) . x = |p_i|^2 - |p_a|^2, i = b, c, d (Cramer) */
                        double M[3][3], rhs[3];
                        const double *pi[3] = {near[b], near[c], near[d]};
                        for (int r = 0; r < 3; r++) {
                            rhs[r] = 0;
                            for (int k = 0; k < 3; k++) {
                                M[r][k] = 2 * (pi[r][k] - near[a][k]);
                                rhs[r] += pi[r][k] * pi[r][k] - near[a][k] * near[a][k];
                            }
                        }
                        double det = as_lattice_volume(M);
                        if (fabs(det) < 1e-6)
                            continue;
                        double x[3];
                        for (int col = 0; col < 3; col++) {
                            double T[3][3];
                            memcpy(T, M, sizeof T);
                            for (int r = 0; r < 3; r++)
                                T[r][col] = rhs[r];
                            x[col] = as_lattice_volume(T) / det;
                        }
                        double R = sqrt(pow(x[0] - near[a][0], 2) + pow(x[1] - near[a][1], 2) +
                                        pow(x[2] - near[a][2], 2));
                        if (R <= top)
                            continue;
                        double inv[3][3], f[3];
                        as_lattice_inverse(s->lattice, inv);
                        as_cart_to_frac(inv, x, f);
                        if (brute_nearest(s, f) >= R - 1e-7)
                            top = R;
                    }
    }
    return top;
}

/* Per-site checks on Pnma CsPbBr3 for parameters p: Wyckoff letters, site symmetries
 * and multiplicities of the Pnma table, free radii by brute force, the ionic-radii
 * rule, sorting.  Returns how many sites are 4a (checked to be the origin's orbit). */
static int check_pnma_sites(const as_structure *s, const as_symmetry *sym, const as_sites *r,
                            const as_sites_params *p)
{
    check_invariants(s, sym, r, p->cluster_tol);
    assert_true(r->nsites > 0);
    assert_string_equal(r->wyckoff_group, "Pnma");
    /* Pnma (International Tables): 4a -1, 4b -1, 4c .m., 8d 1. */
    const struct {
        const char *w, *sym;
        int mult;
    } table[4] = {{"4a", "-1", 4}, {"4b", "-1", 4}, {"4c", ".m.", 4}, {"8d", "1", 8}};
    /* Shannon radii (1976), angstrom: min_dist is min_dist_factor x the sum with Br-. */
    const double radius[3][2] = {{55, 1.88}, {82, 1.19}, {35, 1.96}};
    int have4a = 0;
    for (int i = 0; i < r->nsites; i++) {
        const as_site *t = &r->site[i];
        int ok = 0;
        for (int k = 0; k < 4; k++)
            if (!strcmp(t->wyckoff, table[k].w)) {
                ok = 1;
                assert_string_equal(t->site_symmetry, table[k].sym);
                assert_int_equal(t->multiplicity, table[k].mult);
            }
        if (!ok)
            fail_msg("site %s has Wyckoff position %s, not one of Pnma's", t->name, t->wyckoff);
        assert_string_not_equal(t->wyckoff, "4b"); /* Pb sits there */
        assert_true(fabs(t->free_radius - brute_nearest(s, t->frac)) < 1e-6);
        for (int a = 0; a < s->natoms; a++) {
            double ra = 0;
            for (int e = 0; e < 3; e++)
                if (radius[e][0] == s->z[a])
                    ra = radius[e][1];
            assert_true(as_periodic_distance(s->lattice, t->frac, s->frac[a]) >=
                        p->min_dist_factor * (ra + 1.96) * ANG - 1e-9);
        }
        if (!strcmp(t->wyckoff, "4a")) {
            have4a++;
            const double origin[3] = {0, 0, 0};
            assert_true(equivalent(s, sym, t->frac, origin, 1e-6));
        }
        if (i > 0)
            assert_true(t->free_radius <= r->site[i - 1].free_radius + 1e-9);
    }
    return have4a;
}

static void pnma_invariants(void **state)
{
    (void)state;
    as_structure *s = read_cif(PNMA_CIF);
    as_symmetry *sym = symmetry(s);
    const double origin[3] = {0, 0, 0};
    assert_true(brute_nearest(s, origin) > 2.4 * ANG);
    /* With half the radii sum and 0.5 A merging, 4a (0,0,0) -- free, 2.42 A from the
     * nearest Br (> 1.96 A), nothing within 0.5 A -- must be listed. */
    as_sites_params p;
    permissive(&p);
    as_sites *r = find(s, sym, &p);
    assert_int_equal(check_pnma_sites(s, sym, r, &p), 1);
    as_sites_destroy(r);
    /* With the defaults the origin is a candidate (a fixed point past min_dist) merged
     * with others within 1 A; 4a is then either listed or the site it was merged into
     * has more room than the origin by more than room_tol (the position rule). */
    as_sites_params_default(&p);
    r = find(s, sym, &p);
    int have4a = check_pnma_sites(s, sym, r, &p), at_origin = -1;
    for (int i = 0; i < r->nkept; i++)
        if (as_periodic_distance(s->lattice, r->cand[i], origin) < 1e-6)
            at_origin = i;
    assert_true(at_origin >= 0);
    if (!have4a)
        assert_true(r->site[r->cand_site[at_origin]].free_radius > brute_nearest(s, origin) + p.room_tol);
    /* The roomiest site is the largest empty sphere, up to the room tolerance. */
    double les = largest_empty_sphere(s);
    assert_true(r->site[0].free_radius <= les + 1e-6);
    assert_true(r->site[0].free_radius >= les - p.room_tol - 1e-6);
    /* max_sites keeps the first N. */
    p.max_sites = 3;
    as_sites *r3 = find(s, sym, &p);
    assert_int_equal(r3->nsites, 3);
    assert_int_equal(r3->nsites_all, r->nsites);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(r3->site[i].free_radius - r->site[i].free_radius) < 1e-12);
    as_sites_destroy(r3);
    as_sites_destroy(r);
    as_symmetry_destroy(sym);
    as_structure_destroy(s);
}

/* ------------------------------------------------------------- invariance -- */

/* b's sites are a's, up to positions mapped by map (applied to a's sites'
 * fractional positions): same count, multiplicities, free radii, site symmetry. */
static void same_sites(const as_structure *sa, const as_sites *a, const as_structure *sb, const as_symmetry *symb,
                       const as_sites *b, void (*map)(const as_structure *, const double[3], double[3]), int mult_factor)
{
    assert_int_equal(a->nsites, b->nsites);
    (void)sa;
    for (int i = 0; i < a->nsites; i++) {
        const as_site *t = &a->site[i];
        double y[3];
        map(sb, t->frac, y);
        int hits = 0;
        for (int j = 0; j < b->nsites; j++) {
            const as_site *u = &b->site[j];
            if (!equivalent(sb, symb, u->frac, y, 1e-4 * ANG))
                continue;
            hits++;
            assert_int_equal(u->multiplicity, mult_factor * t->multiplicity);
            assert_true(fabs(u->free_radius - t->free_radius) < 1e-6);
            assert_string_equal(u->site_symmetry, t->site_symmetry);
            assert_int_equal(u->nearest_z, t->nearest_z);
        }
        if (hits != 1)
            fail_msg("site %s (%.5f %.5f %.5f) matched %d sites", t->name, t->frac[0], t->frac[1], t->frac[2], hits);
    }
}

static double g_shift[3];
static void map_shift(const as_structure *s, const double x[3], double y[3])
{
    (void)s;
    for (int k = 0; k < 3; k++)
        y[k] = x[k] + g_shift[k];
}

static void origin_and_order(void **state)
{
    (void)state;
    as_structure *s = read_cif(PNMA_CIF);
    as_symmetry *sym = symmetry(s);
    as_sites_params p;
    as_sites_params_default(&p);
    as_sites *r = find(s, sym, &p);
    srand(12345);
    for (int trial = 0; trial < 3; trial++) {
        as_error err;
        as_structure *t = as_structure_copy(s, &err);
        for (int k = 0; k < 3; k++)
            g_shift[k] = (double)rand() / RAND_MAX;
        /* Shift every atom, then shuffle the atom order (Fisher-Yates). */
        for (int a = 0; a < t->natoms; a++)
            for (int k = 0; k < 3; k++)
                t->frac[a][k] += g_shift[k];
        for (int a = t->natoms - 1; a > 0; a--) {
            int b = rand() % (a + 1), z = t->z[a];
            double f[3];
            memcpy(f, t->frac[a], sizeof f);
            t->z[a] = t->z[b], memcpy(t->frac[a], t->frac[b], sizeof f);
            t->z[b] = z, memcpy(t->frac[b], f, sizeof f);
        }
        as_symmetry *st = symmetry(t);
        as_sites *q = find(t, st, &p);
        check_invariants(t, st, q, p.cluster_tol);
        same_sites(s, r, t, st, q, map_shift, 1);
        as_sites_destroy(q);
        as_symmetry_destroy(st);
        as_structure_destroy(t);
    }
    as_sites_destroy(r);
    as_symmetry_destroy(sym);
    as_structure_destroy(s);
}

/* The merge is symmetry-consistent for any cluster_tol: at tolerances from well
 * below to well above the default, the invariants hold and a shifted, reshuffled
 * copy of the host gives the same sites.  (Factor 0.5 at 0.8 A is a case where
 * two sets' positions come within cluster_tol and are merged in a second round.) */
static void merge_any_tolerance(void **state)
{
    (void)state;
    as_structure *s = read_cif(PNMA_CIF);
    as_symmetry *sym = symmetry(s);
    const double tols[5] = {0.3, 0.8, 1.5, 2.5, 0.8}, factor[5] = {0.6, 0.6, 0.6, 0.6, 0.5};
    srand(777);
    for (int it = 0; it < 5; it++) {
        as_sites_params p;
        as_sites_params_default(&p);
        p.cluster_tol = tols[it] * ANG;
        p.min_dist_factor = factor[it];
        as_sites *r = find(s, sym, &p);
        check_invariants(s, sym, r, p.cluster_tol);
        as_error err;
        as_structure *t = as_structure_copy(s, &err);
        for (int k = 0; k < 3; k++)
            g_shift[k] = (double)rand() / RAND_MAX;
        for (int a = 0; a < t->natoms; a++)
            for (int k = 0; k < 3; k++)
                t->frac[a][k] += g_shift[k];
        for (int a = t->natoms - 1; a > 0; a--) {
            int b = rand() % (a + 1), z = t->z[a];
            double f[3];
            memcpy(f, t->frac[a], sizeof f);
            t->z[a] = t->z[b], memcpy(t->frac[a], t->frac[b], sizeof f);
            t->z[b] = z, memcpy(t->frac[b], f, sizeof f);
        }
        as_symmetry *st = symmetry(t);
        as_sites *q = find(t, st, &p);
        check_invariants(t, st, q, p.cluster_tol);
        same_sites(s, r, t, st, q, map_shift, 1);
        as_sites_destroy(q);
        as_symmetry_destroy(st);
        as_structure_destroy(t);
        as_sites_destroy(r);
    }
    as_symmetry_destroy(sym);
    as_structure_destroy(s);
}

static void map_supercell(const as_structure *s, const double x[3], double y[3])
{
    (void)s;
    y[0] = x[0] / 2.0, y[1] = x[1], y[2] = x[2];
}

/* A 2x1x1 supercell has the same sites with twice the multiplicity. */
static void supercell_same_sites(void **state)
{
    (void)state;
    as_structure *s = read_cif(PNMA_CIF);
    as_symmetry *sym = symmetry(s);
    as_sites_params p;
    as_sites_params_default(&p);
    as_sites *r = find(s, sym, &p);
    const int m[3][3] = {{2, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    as_error err;
    as_structure *big = as_supercell_build(s, m, NULL, &err);
    assert_non_null(big);
    as_symmetry *sb = symmetry(big);
    assert_int_equal(sb->nops, 2 * sym->nops);
    as_sites *q = find(big, sb, &p);
    check_invariants(big, sb, q, p.cluster_tol);
    same_sites(s, r, big, sb, q, map_supercell, 2);
    for (int i = 0; i < q->nsites; i++) /* the conventional-cell Wyckoff label does not change */
        assert_true(q->site[i].wyckoff[0] == '4' || q->site[i].wyckoff[0] == '8');
    as_sites_destroy(q);
    as_symmetry_destroy(sb);
    as_structure_destroy(big);
    as_sites_destroy(r);
    as_symmetry_destroy(sym);
    as_structure_destroy(s);
}

/* A sqrt2 x sqrt2 x 1 cell of cubic CsPbBr3 keeps only the operations of P4/mmm
 * (its lattice is tetragonal); the cubic orbits split under that subgroup, but the
 * positions per volume stay those of the cubic cell: sum of multiplicities = 2 x 59. */
static void tetragonal_supercell_of_cubic(void **state)
{
    (void)state;
    as_structure *s = read_cif(CUBIC_CIF);
    const int m[3][3] = {{1, 1, 0}, {-1, 1, 0}, {0, 0, 1}};
    as_error err;
    as_structure *t = as_supercell_build(s, m, NULL, &err);
    assert_non_null(t);
    as_symmetry *sym = symmetry(t);
    assert_int_equal(sym->nops, 32); /* 16 rotations of 4/mmm x 2 translations */
    as_sites_params p;
    permissive(&p);
    as_sites *r = find(t, sym, &p);
    check_invariants(t, sym, r, p.cluster_tol);
    assert_string_equal(r->host_group, "Pm-3m");
    assert_string_equal(r->wyckoff_group, "P4/mmm");
    int sum = 0;
    for (int i = 0; i < r->nsites; i++)
        sum += r->site[i].multiplicity;
    assert_int_equal(sum, 2 * (3 + 8 + 24 + 12 + 12));
    as_sites_destroy(r);
    as_symmetry_destroy(sym);
    as_structure_destroy(t);
    as_structure_destroy(s);
}

/* ------------------------------------------------------ parameters, JSON -- */

static void params_from_scan(void **state)
{
    (void)state;
    as_structure *s = read_cif(PNMA_CIF);
    as_scan_settings sc;
    memset(&sc, 0, sizeof sc);
    as_sites_params p;
    as_sites_params_from_scan(&p, &sc, s); /* no species: the host's halide, Br- 1.96 A */
    assert_true(fabs(p.anion_radius - 1.96 * ANG) < 1e-12);
    assert_true(fabs(as_sites_min_dist(&p, 55) - AS_SITES_MIN_DIST_FACTOR * (1.88 + 1.96) * ANG) < 1e-9);
    assert_true(fabs(as_sites_min_dist(&p, 82) - AS_SITES_MIN_DIST_FACTOR * (1.19 + 1.96) * ANG) < 1e-9);
    sc.nspecies = 2, sc.species[0] = 35, sc.species[1] = 17; /* the smallest: Cl- 1.81 A */
    as_sites_params_from_scan(&p, &sc, s);
    assert_true(fabs(p.anion_radius - 1.81 * ANG) < 1e-12);
    sc.min_dist = 2.5 * ANG;
    sc.cluster_tol = 0.3 * ANG;
    sc.max_sites = 4;
    as_sites_params_from_scan(&p, &sc, s);
    assert_true(fabs(as_sites_min_dist(&p, 82) - 2.5 * ANG) < 1e-12);
    assert_true(fabs(as_sites_min_dist(&p, 35) - 2.5 * ANG) < 1e-12);
    assert_true(fabs(p.cluster_tol - 0.3 * ANG) < 1e-12);
    assert_int_equal(p.max_sites, 4);
    as_structure_destroy(s);
}

static void json_keys(void **state)
{
    (void)state;
    as_structure *s = read_cif(PNMA_CIF);
    as_symmetry *sym = symmetry(s);
    as_sites_params p;
    as_sites_params_default(&p);
    as_sites *r = find(s, sym, &p);
    char *text = as_sites_json(r, s, sym);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    cJSON *h = cJSON_GetObjectItemCaseSensitive(root, "host");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "spacegroup")->valuestring, "Pnma");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(h, "number")->valueint, 62);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(h, "natoms")->valueint, 20);
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "sites");
    assert_true(cJSON_IsArray(arr));
    assert_int_equal(cJSON_GetArraySize(arr), r->nsites);
    const char *keys[] = {"name", "frac", "cart_ang", "multiplicity", "site_symmetry", "min_dist_ang", "nearest"};
    for (int i = 0; i < r->nsites; i++) {
        cJSON *o = cJSON_GetArrayItem(arr, i);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (!cJSON_GetObjectItemCaseSensitive(o, keys[k]))
                fail_msg("site %d lacks '%s'", i, keys[k]);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "frac")), 3);
        /* cart_ang = frac . lattice, in angstrom */
        double c[3];
        as_frac_to_cart(s->lattice, r->site[i].frac, c);
        for (int k = 0; k < 3; k++)
            assert_true(fabs(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "cart_ang"), k)->valuedouble -
                             c[k] * AS_BOHR_ANG) < 2e-6);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "nearest")->valuestring,
                            as_element_symbol(r->site[i].nearest_z));
    }
    cJSON_Delete(root);
    cJSON_free(text);
    as_sites_destroy(r);
    as_symmetry_destroy(sym);
    as_structure_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(special_points_cubic_and_pnma),
        cmocka_unit_test(special_points_triclinic),
        cmocka_unit_test(cubic_textbook_orbits),
        cmocka_unit_test(pnma_invariants),
        cmocka_unit_test(origin_and_order),
        cmocka_unit_test(merge_any_tolerance),
        cmocka_unit_test(supercell_same_sites),
        cmocka_unit_test(tetragonal_supercell_of_cubic),
        cmocka_unit_test(params_from_scan),
        cmocka_unit_test(cubic_defaults_keep_3d_8g),
        cmocka_unit_test(json_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
