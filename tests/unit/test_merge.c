/* Merging after the prerelaxation (scan/merge.h) on hand-made prerelaxed structures in Pnma CsPbBr3,
 * where the answer is known by construction:
 *   - a configuration that is a host-symmetry image of a lower-energy one (atoms shuffled), its
 *     interstitial 0.2 angstrom off, is merged into it, with the deviation reported; 0.4 angstrom off
 *     (above the 0.3 angstrom tolerance) it is not;
 *   - the lower energy is the representative whatever the order of the list;
 *   - an extra Br on another site, another family, a configuration without a prerelaxed structure or
 *     a tolerance of 0 merge nothing;
 *   - a finished (fixed) configuration is never merged, but takes the higher-energy ones that match. */
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
#include "crystal/match.h"
#include "crystal/perovskite.h"
#include "crystal/sites.h"
#include "crystal/symmetry.h"
#include "scan/merge.h"

#include "pnma_fixture.h"

/* host + Br at site's first position, that Br moved by d angstrom along the first lattice vector */
static as_structure *with_br(const fixture *f, int site, double d)
{
    as_error err;
    as_structure *s = as_structure_copy(f->host, &err);
    double x[3];
    memcpy(x, f->sites->site[site].frac, sizeof x);
    const double a = sqrt(f->host->lattice[0][0] * f->host->lattice[0][0] +
                          f->host->lattice[0][1] * f->host->lattice[0][1] +
                          f->host->lattice[0][2] * f->host->lattice[0][2]);
    x[0] += d * AS_ANG_BOHR / a;
    if (!s || as_structure_add_atom(s, 35, x, &err))
        fail_msg("%s", err.msg);
    return s;
}

static as_scan_merge_item item(const char *family, double e, const as_structure *s, int fixed)
{
    return (as_scan_merge_item){.family = family, .energy = e, .s = s, .fixed = fixed};
}

static const char *const FAM = "interstitial Br q-1";

static void test_merged_within_tol(void **state)
{
    (void)state;
    fixture f = make();
    as_error err;
    as_structure *a = with_br(&f, 0, 0.0);
    for (int op = 0; op < f.sym->nops; op++) {
        as_structure *b0 = with_br(&f, 0, 0.2), *b = image(f.sym, b0, op);
        as_structure *c0 = with_br(&f, 0, 0.4), *c = image(f.sym, c0, op);
        /* b listed first, higher in energy: merged into a; c is 0.4 angstrom from a and 0.2 from b, but b
         * is no representative: c is one */
        as_scan_merge_item it[3] = {item(FAM, -99.9, b, 0), item(FAM, -100.0, a, 0), item(FAM, -99.8, c, 0)};
        int into[3];
        double dev[3];
        assert_int_equal(as_scan_merge(it, 3, f.sym, AS_MATCH_TOL, into, dev, &err), AS_OK);
        assert_int_equal(into[0], 1);
        assert_int_equal(into[1], -1);
        assert_int_equal(into[2], -1);
        /* one atom 0.2 angstrom off: the best rigid match spreads it, the largest deviation stays near 0.2 */
        assert_true(dev[0] > 0.15 * AS_ANG_BOHR && dev[0] <= 0.2 * AS_ANG_BOHR + 1e-9);
        assert_true(dev[1] < 0.0 && dev[2] < 0.0);
        as_structure_destroy(b0);
        as_structure_destroy(b);
        as_structure_destroy(c0);
        as_structure_destroy(c);
    }
    as_structure_destroy(a);
    unmake(&f);
}

static void test_not_merged(void **state)
{
    (void)state;
    fixture f = make();
    as_error err;
    as_structure *a = with_br(&f, 0, 0.0), *b = with_br(&f, 0, 0.1), *other = with_br(&f, 1, 0.0);
    int into[3];
    /* another site */
    as_scan_merge_item it[3] = {item(FAM, -100.0, a, 0), item(FAM, -99.0, other, 0), item(FAM, -98.0, NULL, 0)};
    assert_int_equal(as_scan_merge(it, 3, f.sym, AS_MATCH_TOL, into, NULL, &err), AS_OK);
    assert_true(into[0] < 0 && into[1] < 0 && into[2] < 0);
    /* another family */
    it[1] = item("frenkel Br q0", -99.0, b, 0);
    assert_int_equal(as_scan_merge(it, 2, f.sym, AS_MATCH_TOL, into, NULL, &err), AS_OK);
    assert_true(into[0] < 0 && into[1] < 0);
    /* the same family, but merging off */
    it[1] = item(FAM, -99.0, b, 0);
    assert_int_equal(as_scan_merge(it, 2, f.sym, 0.0, into, NULL, &err), AS_OK);
    assert_true(into[0] < 0 && into[1] < 0);
    /* and on: merged */
    assert_int_equal(as_scan_merge(it, 2, f.sym, AS_MATCH_TOL, into, NULL, &err), AS_OK);
    assert_int_equal(into[1], 0);
    as_structure_destroy(a);
    as_structure_destroy(b);
    as_structure_destroy(other);
    unmake(&f);
}

static void test_fixed(void **state)
{
    (void)state;
    fixture f = make();
    as_error err;
    as_structure *a = with_br(&f, 0, 0.0), *b = with_br(&f, 0, 0.05), *c = with_br(&f, 0, 0.1);
    /* a is finished (fixed) but higher in energy than b: b is a representative, a is not merged into it,
     * and c (the highest) goes to the lowest representative it matches, b */
    as_scan_merge_item it[3] = {item(FAM, -99.0, a, 1), item(FAM, -100.0, b, 0), item(FAM, -98.0, c, 0)};
    int into[3];
    assert_int_equal(as_scan_merge(it, 3, f.sym, AS_MATCH_TOL, into, NULL, &err), AS_OK);
    assert_int_equal(into[0], -1);
    assert_int_equal(into[1], -1);
    assert_int_equal(into[2], 1);
    /* b gone: c goes to a, the finished one */
    it[1].s = NULL;
    assert_int_equal(as_scan_merge(it, 3, f.sym, AS_MATCH_TOL, into, NULL, &err), AS_OK);
    assert_int_equal(into[0], -1);
    assert_int_equal(into[2], 0);
    as_structure_destroy(a);
    as_structure_destroy(b);
    as_structure_destroy(c);
    unmake(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merged_within_tol),
        cmocka_unit_test(test_not_merged),
        cmocka_unit_test(test_fixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
