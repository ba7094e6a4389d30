/* CsPbX3 builders against the published structures (shared/reference/structures):
 * bond lengths and angles from the README, spglib's space group, and the shared
 * CIFs atom for atom. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/composition.h"
#include "crystal/perovskite.h"
#include "crystal/symmetry.h"
#include "io/cif.h"

#define REF "tests/reference/structures/" /* copies of shared/reference/structures */

static as_structure *build(const char *formula, as_perovskite_phase ph, const double *abc)
{
    as_composition c;
    as_error err;
    as_error_clear(&err);
    if (as_composition_parse(formula, &c, &err))
        fail_msg("%s", err.msg);
    as_structure *s = as_perovskite_build(&c, ph, abc, &err);
    if (!s)
        fail_msg("%s", err.msg);
    return s;
}

/* Minimum-image vector from a to b (cartesian, angstrom). */
static double mic_vec(const as_structure *s, int a, int b, double v[3])
{
    double best = INFINITY;
    for (int i = -1; i <= 1; i++)
        for (int j = -1; j <= 1; j++)
            for (int k = -1; k <= 1; k++) {
                double f[3] = {s->frac[b][0] - s->frac[a][0] + i, s->frac[b][1] - s->frac[a][1] + j,
                               s->frac[b][2] - s->frac[a][2] + k};
                double c[3];
                as_frac_to_cart(s->lattice, f, c);
                double r = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) * AS_BOHR_ANG;
                if (r < best) {
                    best = r;
                    for (int q = 0; q < 3; q++)
                        v[q] = c[q] * AS_BOHR_ANG;
                }
            }
    return best;
}

/* Distinct Pb-X bond lengths (< 3.6 A), rounded to 3 decimals, sorted. */
static int pb_x_lengths(const as_structure *s, int zx, double *out)
{
    int n = 0;
    for (int a = 0; a < s->natoms; a++)
        for (int b = 0; b < s->natoms; b++) {
            if (s->z[a] != 82 || s->z[b] != zx)
                continue;
            double v[3], r = mic_vec(s, a, b, v);
            if (r > 3.6)
                continue;
            double q = round(r * 1000.0) / 1000.0;
            int seen = 0;
            for (int i = 0; i < n; i++)
                seen |= fabs(out[i] - q) < 1e-9;
            if (!seen)
                out[n++] = q;
        }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (out[j] < out[i]) {
                double t = out[i];
                out[i] = out[j];
                out[j] = t;
            }
    return n;
}

/* Pb-X-Pb angle (degrees) at halide atom x: the two Pb (any periodic image) within 3.6 A. */
static double bridge_angle(const as_structure *s, int x)
{
    double v[2][3];
    int n = 0;
    for (int a = 0; a < s->natoms; a++) {
        if (s->z[a] != 82)
            continue;
        for (int i = -1; i <= 1; i++)
            for (int j = -1; j <= 1; j++)
                for (int k = -1; k <= 1; k++) {
                    double f[3] = {s->frac[a][0] - s->frac[x][0] + i, s->frac[a][1] - s->frac[x][1] + j,
                                   s->frac[a][2] - s->frac[x][2] + k};
                    double c[3];
                    as_frac_to_cart(s->lattice, f, c);
                    if (sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) * AS_BOHR_ANG < 3.6) {
                        if (n < 2)
                            memcpy(v[n], c, sizeof c);
                        n++;
                    }
                }
    }
    assert_int_equal(n, 2);
    double d = v[0][0] * v[1][0] + v[0][1] * v[1][1] + v[0][2] * v[1][2];
    double l0 = sqrt(v[0][0] * v[0][0] + v[0][1] * v[0][1] + v[0][2] * v[0][2]);
    double l1 = sqrt(v[1][0] * v[1][0] + v[1][1] * v[1][1] + v[1][2] * v[1][2]);
    double cosv = d / (l0 * l1);
    return acos(cosv < -1.0 ? -1.0 : cosv) * 180.0 / AS_PI;
}

static int spacegroup(const as_structure *s)
{
    as_error err;
    as_symmetry *sym = as_symmetry_create(s, 0.0, &err);
    if (!sym)
        fail_msg("%s", err.msg);
    int n = sym->number;
    as_symmetry_destroy(sym);
    return n;
}

static void cspbbr3_bonds_and_angles(void **state)
{
    (void)state;
    as_structure *s = build("CsPbBr3", AS_PEROVSKITE_PNMA, NULL);
    assert_int_equal(s->natoms, 20);
    assert_int_equal(as_structure_count(s, 82), 4);
    assert_int_equal(as_structure_count(s, 55), 4);
    assert_int_equal(as_structure_count(s, 35), 12);
    double d[16];
    int n = pb_x_lengths(s, 35, d);
    assert_int_equal(n, 3);
    const double ref[3] = {2.955, 2.964, 2.984}; /* README, ICSD 97851 */
    for (int i = 0; i < 3; i++)
        if (fabs(d[i] - ref[i]) > 1e-9) /* same to the 3 decimals given */
            fail_msg("Pb-Br %d: %.4f vs %.3f", i, d[i], ref[i]);
    /* Apical Br (4c, atoms 9-12) 165.3 deg; equatorial (8d, atoms 13-20) 157.1 deg. */
    for (int x = 8; x < 20; x++) {
        double ang = bridge_angle(s, x), want = x < 12 ? 165.3 : 157.1;
        if (fabs(round(ang * 10.0) / 10.0 - want) > 1e-9) /* same to the 1 decimal given */
            fail_msg("Pb-Br-Pb at atom %d: %.3f vs %.1f", x + 1, ang, want);
    }
    assert_int_equal(spacegroup(s), 62);
    as_structure_destroy(s);
}

static void cspbi3_bonds(void **state)
{
    (void)state;
    as_structure *s = build("CsPbI3", AS_PEROVSKITE_PNMA, NULL);
    double d[16];
    int n = pb_x_lengths(s, 53, d);
    assert_int_equal(n, 3);
    const double ref[3] = {3.148, 3.163, 3.221}; /* README, Sutton 2018 */
    for (int i = 0; i < 3; i++)
        if (fabs(d[i] - ref[i]) > 1e-9) /* same to the 3 decimals given */
            fail_msg("Pb-I %d: %.4f vs %.3f", i, d[i], ref[i]);
    assert_true(fabs(s->lattice[1][1] * AS_BOHR_ANG - 12.4722) < 1e-9);
    assert_int_equal(spacegroup(s), 62);
    as_structure_destroy(s);
}

/* Each built atom has exactly one CIF atom of the same element at the same place. */
static void match_cif(const as_structure *s, const char *path)
{
    as_error err;
    as_error_clear(&err);
    as_structure *r = as_cif_read(path, NULL, &err);
    if (!r)
        fail_msg("%s", err.msg);
    assert_int_equal(r->natoms, s->natoms);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            assert_true(fabs(r->lattice[i][j] - s->lattice[i][j]) < 1e-6);
    int *used = calloc((size_t)r->natoms, sizeof *used);
    for (int a = 0; a < s->natoms; a++) {
        int hit = -1;
        for (int b = 0; b < r->natoms; b++)
            if (!used[b] && r->z[b] == s->z[a] &&
                as_periodic_distance(s->lattice, s->frac[a], r->frac[b]) * AS_BOHR_ANG < 1e-4)
                hit = b;
        if (hit < 0)
            fail_msg("%s: built atom %d (Z %d at %.5f %.5f %.5f) has no partner", path, a + 1, s->z[a],
                     s->frac[a][0], s->frac[a][1], s->frac[a][2]);
        used[hit] = 1;
    }
    free(used);
    as_structure_destroy(r);
}

static void built_cells_match_shared_cifs(void **state)
{
    (void)state;
    as_structure *s = build("CsPbBr3", AS_PEROVSKITE_PNMA, NULL);
    match_cif(s, REF "CsPbBr3_Pnma_ICSD97851.cif");
    as_structure_destroy(s);
    s = build("CsPbI3", AS_PEROVSKITE_PNMA, NULL);
    match_cif(s, REF "CsPbI3_Pnma_gamma_Sutton2018.cif");
    as_structure_destroy(s);
    s = build("CsPbBr3", AS_PEROVSKITE_CUBIC, NULL);
    assert_int_equal(s->natoms, 5);
    match_cif(s, REF "CsPbBr3_cubic_425K.cif");
    as_structure_destroy(s);
}

static void cubic_phase(void **state)
{
    (void)state;
    as_structure *s = build("CsPbBr3", AS_PEROVSKITE_CUBIC, NULL);
    assert_int_equal(spacegroup(s), 221);
    double d[4];
    assert_int_equal(pb_x_lengths(s, 35, d), 1);
    assert_true(fabs(d[0] - 5.874 / 2) < 6e-4); /* Pb-Br = a/2 */
    for (int x = 2; x < 5; x++)
        assert_true(fabs(bridge_angle(s, x) - 180.0) < 1e-6);
    as_structure_destroy(s);
    s = build("CsPbI3", AS_PEROVSKITE_CUBIC, NULL);
    assert_true(fabs(s->lattice[0][0] * AS_BOHR_ANG - 6.289) < 1e-12);
    assert_int_equal(spacegroup(s), 221);
    as_structure_destroy(s);
}

/* Vegard: the chloride's pseudo-cubic constant (V/4)^(1/3) is within 1 % of the
 * experimental cubic CsPbCl3 5.605 A, as the bromide template's (5.840) is of 5.874. */
static void vegard_chloride_and_mix(void **state)
{
    (void)state;
    as_structure *cl = build("CsPbCl3", AS_PEROVSKITE_PNMA, NULL);
    as_structure *br = build("CsPbBr3", AS_PEROVSKITE_PNMA, NULL);
    as_structure *mx = build("CsPbCl0.25Br2.75", AS_PEROVSKITE_PNMA, NULL);
    double pc_cl = cbrt(as_lattice_volume(cl->lattice) / 4.0) * AS_BOHR_ANG;
    double pc_br = cbrt(as_lattice_volume(br->lattice) / 4.0) * AS_BOHR_ANG;
    double pc_mx = cbrt(as_lattice_volume(mx->lattice) / 4.0) * AS_BOHR_ANG;
    assert_true(fabs(pc_cl / 5.605 - 1.0) < 0.01);
    assert_true(fabs(pc_br / 5.874 - 1.0) < 0.01);
    /* Linear in x: the 1/12 chloride point sits 1/12 of the way from Br to Cl. */
    assert_true(fabs((pc_br - pc_mx) / (pc_br - pc_cl) - 0.25 / 3.0) < 1e-9);
    assert_int_equal(spacegroup(cl), 62);
    assert_int_equal(as_structure_count(cl, 17), 12);
    /* Mixed host is pure in the majority halide (substitution comes later). */
    assert_int_equal(as_structure_count(mx, 35), 12);
    /* Same fractional coordinates as the bromide. */
    for (int a = 0; a < 20; a++)
        for (int k = 0; k < 3; k++)
            assert_true(fabs(cl->frac[a][k] - br->frac[a][k]) < 1e-12);
    as_structure_destroy(cl);
    as_structure_destroy(br);
    as_structure_destroy(mx);
}

static void deck_lattice_overrides_cell(void **state)
{
    (void)state;
    double abc[3] = {8.0 * AS_ANG_BOHR, 11.5 * AS_ANG_BOHR, 8.1 * AS_ANG_BOHR};
    as_structure *s = build("CsPbBr3", AS_PEROVSKITE_PNMA, abc);
    as_structure *r = build("CsPbBr3", AS_PEROVSKITE_PNMA, NULL);
    for (int k = 0; k < 3; k++)
        assert_true(fabs(s->lattice[k][k] - abc[k]) < 1e-12);
    for (int a = 0; a < 20; a++)
        for (int k = 0; k < 3; k++)
            assert_true(fabs(s->frac[a][k] - r->frac[a][k]) < 1e-12);
    assert_int_equal(spacegroup(s), 62);
    as_structure_destroy(s);
    as_structure_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cspbbr3_bonds_and_angles),
        cmocka_unit_test(cspbi3_bonds),
        cmocka_unit_test(built_cells_match_shared_cifs),
        cmocka_unit_test(cubic_phase),
        cmocka_unit_test(vegard_chloride_and_mix),
        cmocka_unit_test(deck_lattice_overrides_cell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
