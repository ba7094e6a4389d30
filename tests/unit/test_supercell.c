/* Supercells: invariants any correct construction must satisfy (atom count and
 * volume scale with det M, the nearest-neighbour distance and the composition do
 * not change, every atom is an image of an original one, the space group type
 * survives), for diagonal and non-diagonal matrices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/composition.h"
#include "crystal/perovskite.h"
#include "crystal/supercell.h"
#include "crystal/symmetry.h"

static as_structure *host(const char *f, as_perovskite_phase ph)
{
    as_composition c;
    as_error err;
    if (as_composition_parse(f, &c, &err))
        fail_msg("%s", err.msg);
    as_structure *s = as_perovskite_build(&c, ph, NULL, &err);
    if (!s)
        fail_msg("%s", err.msg);
    return s;
}

static void check_invariants(const as_structure *s, const int m[3][3], long det)
{
    as_error err;
    as_error_clear(&err);
    int *img = NULL;
    as_structure *t = as_supercell_build(s, m, &img, &err);
    if (!t)
        fail_msg("%s", err.msg);
    assert_int_equal(t->natoms, det * s->natoms);
    assert_true(fabs(as_lattice_volume(t->lattice) - det * as_lattice_volume(s->lattice)) <
                1e-9 * fabs(as_lattice_volume(t->lattice)));
    double d0 = as_structure_min_distance(s, NULL, NULL), d1 = as_structure_min_distance(t, NULL, NULL);
    assert_true(fabs(d0 - d1) < 1e-9);
    for (int z = 1; z <= 94; z++)
        assert_int_equal(as_structure_count(t, z), det * as_structure_count(s, z));
    /* Every atom, taken back to the original cell, sits on its original atom. */
    double inv[3][3];
    assert_int_equal(as_lattice_inverse(s->lattice, inv), 0);
    for (int a = 0; a < t->natoms; a++) {
        double c[3], f[3];
        as_frac_to_cart(t->lattice, t->frac[a], c);
        as_cart_to_frac(inv, c, f);
        assert_int_equal(t->z[a], s->z[img[a]]);
        assert_true(as_periodic_distance(s->lattice, f, s->frac[img[a]]) < 1e-8);
        for (int k = 0; k < 3; k++)
            assert_true(t->frac[a][k] >= 0.0 && t->frac[a][k] < 1.0);
    }
    free(img);
    as_structure_destroy(t);
}

static void counts_volume_distances(void **state)
{
    (void)state;
    as_structure *p = host("CsPbBr3", AS_PEROVSKITE_PNMA), *c = host("CsPbBr3", AS_PEROVSKITE_CUBIC);
    const int d212[3][3] = {{2, 0, 0}, {0, 1, 0}, {0, 0, 2}};
    const int rot45[3][3] = {{1, 0, 1}, {0, 1, 0}, {-1, 0, 1}}; /* sqrt2 x sqrt2 x 1 in the ac plane */
    const int fcc[3][3] = {{0, 1, 1}, {1, 0, 1}, {1, 1, 0}};    /* det 2 */
    const int skew[3][3] = {{1, 2, 0}, {0, 1, 0}, {1, 0, 3}};   /* det 3 */
    const int big[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 2}};
    check_invariants(p, d212, 4);
    check_invariants(p, rot45, 2);
    check_invariants(c, fcc, 2);
    check_invariants(c, skew, 3);
    check_invariants(c, big, 8);
    as_structure_destroy(p);
    as_structure_destroy(c);
}

static void symmetry_survives(void **state)
{
    (void)state;
    as_error err;
    as_structure *p = host("CsPbBr3", AS_PEROVSKITE_PNMA);
    const int d212[3][3] = {{2, 0, 0}, {0, 1, 0}, {0, 0, 2}};
    as_structure *t = as_supercell_build(p, d212, NULL, &err);
    assert_non_null(t);
    as_symmetry *sym = as_symmetry_create(t, 0.0, &err);
    assert_non_null(sym);
    assert_int_equal(sym->number, 62);
    assert_int_equal(sym->nops, 8 * 4); /* Pnma point operations x 4 lattice translations of the old cell */
    as_symmetry_destroy(sym);
    as_structure_destroy(t);

    as_structure *c = host("CsPbBr3", AS_PEROVSKITE_CUBIC);
    const int fcc[3][3] = {{0, 1, 1}, {1, 0, 1}, {1, 1, 0}};
    t = as_supercell_build(c, fcc, NULL, &err);
    sym = as_symmetry_create(t, 0.0, &err);
    assert_int_equal(sym->number, 221);
    assert_int_equal(sym->nops, 48 * 2);
    as_symmetry_destroy(sym);
    as_structure_destroy(t);
    as_structure_destroy(c);
    as_structure_destroy(p);
}

static void deterministic_order(void **state)
{
    (void)state;
    as_error err;
    as_structure *c = host("CsPbBr3", AS_PEROVSKITE_CUBIC);
    const int m[3][3] = {{2, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    as_structure *t = as_supercell_build(c, m, NULL, &err);
    /* atom by atom, images by translation: Cs(0,0,0), Cs(1/2,0,0), Pb..., */
    assert_int_equal(t->z[0], 55);
    assert_int_equal(t->z[1], 55);
    assert_int_equal(t->z[2], 82);
    assert_true(fabs(t->frac[0][0]) < 1e-12 && fabs(t->frac[1][0] - 0.5) < 1e-12);
    assert_true(fabs(t->frac[2][0] - 0.25) < 1e-12 && fabs(t->frac[3][0] - 0.75) < 1e-12);
    as_structure_destroy(t);
    as_structure_destroy(c);
}

static void rejects_bad_matrices(void **state)
{
    (void)state;
    as_error err;
    as_structure *c = host("CsPbBr3", AS_PEROVSKITE_CUBIC);
    const int sing[3][3] = {{1, 0, 0}, {0, 1, 0}, {1, 1, 0}};
    const int neg[3][3] = {{0, 1, 0}, {1, 0, 0}, {0, 0, 1}};
    assert_null(as_supercell_build(c, sing, NULL, &err));
    assert_int_equal(err.code, AS_EINPUT);
    assert_non_null(strstr(err.msg, "singular"));
    assert_null(as_supercell_build(c, neg, NULL, &err));
    assert_non_null(strstr(err.msg, "negative determinant"));
    as_structure_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_volume_distances),
        cmocka_unit_test(symmetry_survives),
        cmocka_unit_test(deterministic_order),
        cmocka_unit_test(rejects_bad_matrices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
