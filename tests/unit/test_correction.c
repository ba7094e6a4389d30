/* The lower-cutoff stages' SCF tolerance (scan/correction.h, as_scan_stage_scf_tol): matched to the
 * stage's own fmax by the square-root law of the force error, capped at the default scf_tol, and never
 * changing a deck at the default scf_tol (the window-11 decks' prerelaxations stay as they were). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "core/units.h"
#include "scan/correction.h"

#define EVA(x) ((x) / AS_HA_BOHR_EV_ANG) /* eV/angstrom -> Ha/bohr */

static void default_deck_unchanged(void **state)
{
    (void)state;
    /* fmax 0.01, scf_tol 1e-8: stage 1 at 0.05, the corrected rounds at 0.01 */
    assert_true(as_scan_stage_scf_tol(1e-8, EVA(0.05), EVA(0.01)) == 1e-8);
    assert_true(as_scan_stage_scf_tol(1e-8, EVA(0.01), EVA(0.01)) == 1e-8);
    /* a looser deck (the toy decks of t_scan) keeps its own */
    assert_true(as_scan_stage_scf_tol(1e-6, EVA(0.3), EVA(0.1)) == 1e-6);
}

static void tight_deck(void **state)
{
    (void)state;
    /* fmax 0.0005, scf_tol 1e-11 (bench/decks/scan_cspbbr3_int_k212_tight.in) */
    assert_true(as_scan_stage_scf_tol(1e-11, EVA(0.05), EVA(0.0005)) == AS_SCAN_STAGE_SCF_TOL_MAX);
    assert_true(fabs(as_scan_stage_scf_tol(1e-11, EVA(0.01), EVA(0.0005)) - 4e-9) < 1e-20);
    /* the square law: twice the stage fmax, four times the tolerance */
    const double r = as_scan_stage_scf_tol(1e-12, EVA(0.02), EVA(0.001)) / as_scan_stage_scf_tol(1e-12, EVA(0.01),
                                                                                                 EVA(0.001));
    assert_true(fabs(r - 4.0) < 1e-12);
}

static void never_tighter(void **state)
{
    (void)state;
    /* a stage at or below the deck's fmax, or a nonsense fmax, keeps scf_tol */
    assert_true(as_scan_stage_scf_tol(1e-11, EVA(0.0005), EVA(0.0005)) == 1e-11);
    assert_true(as_scan_stage_scf_tol(1e-11, EVA(0.0001), EVA(0.0005)) == 1e-11);
    assert_true(as_scan_stage_scf_tol(1e-11, EVA(0.05), 0.0) == 1e-11);
    assert_true(as_scan_stage_scf_tol(1e-11, NAN, EVA(0.0005)) == 1e-11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_deck_unchanged),
        cmocka_unit_test(tight_deck),
        cmocka_unit_test(never_tighter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
