/* The SCF divergence guard's decisions (pw/scf_guard.h) on residual sequences: converging ones, fast or slow,
 * never stop; a blow-up, a residual that wanders above its best (the sequence of a real charge-sloshing SCF,
 * tests/e2e/t_scf_guard.sh) and a NaN do; the retry's mixing is safer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "pw/scf_guard.h"

/* The first iteration at which the guard stops the sequence (0: never). */
static int stops_at(const double *dr2, int n)
{
    as_scf_guard g;
    memset(&g, 0, sizeof g);
    g.best = INFINITY;
    for (int i = 0; i < n; i++)
        if (as_scf_guard_step(&g, NULL, NULL, i + 1, -10.0 - dr2[i], 0.0, dr2[i]))
            return i + 1;
    return 0;
}

static void converging_never_stops(void **state)
{
    (void)state;
    double r[200];
    for (int i = 0; i < 20; i++) /* Pulay: fast, with the usual small bumps */
        r[i] = 8.0 * pow(0.3, i) * (i % 3 == 2 ? 2.5 : 1.0);
    assert_int_equal(stops_at(r, 20), 0);
    for (int i = 0; i < 200; i++) /* slow but steady */
        r[i] = 1.0 * pow(0.97, i);
    assert_int_equal(stops_at(r, 200), 0);
    for (int i = 0; i < 100; i++) /* a noise floor above the tolerance: max_scf decides, not the guard */
        r[i] = i < 10 ? pow(0.1, i) : 1e-9 * (1.0 + 0.5 * sin(i));
    assert_int_equal(stops_at(r, 100), 0);
}

static void diverging_stops(void **state)
{
    (void)state;
    /* the first attempt of the charged, smeared toy with mixing_beta = 1, mixing_history = 1 */
    const double slosh[] = {7.415e+00, 1.778e+00, 2.900e-01, 5.344e-01, 1.306e-02, 2.776e-02, 2.653e-02,
                            7.770e-03, 2.718e-02, 7.955e-02, 2.376e-02, 2.010e-01, 4.164e-03, 7.548e-03,
                            2.249e-04, 1.127e-03, 5.857e-03, 3.661e-04, 9.852e-03, 2.533e-03, 8.421e-04,
                            2.852e-02, 6.457e-03, 4.770e-03, 1.008e-01, 5.461e-03, 1.011e-02, 8.297e-02};
    assert_int_equal(stops_at(slosh, (int)(sizeof slosh / sizeof *slosh)), 25);
    double r[40];
    for (int i = 0; i < 40; i++) /* geometric growth after iteration 5 */
        r[i] = i < 5 ? pow(0.1, i) : 1e-4 * pow(3.0, i - 4);
    const int at = stops_at(r, 40);
    assert_true(at > 5 && at <= 14);
    const double nan_at_4[] = {1.0, 0.1, 0.01, NAN, 0.001};
    assert_int_equal(stops_at(nan_at_4, 5), 4);
}

static void reasons_and_safer_mixing(void **state)
{
    (void)state;
    as_scf_guard g;
    memset(&g, 0, sizeof g);
    g.best = INFINITY;
    assert_int_equal(as_scf_guard_step(&g, NULL, NULL, 1, -1.0, 0.0, 1e-3), 0);
    assert_int_equal(as_scf_guard_step(&g, NULL, NULL, 2, -1.0, 0.0, 1e2), 1);
    assert_int_equal(g.diverged_at, 2);
    assert_non_null(strstr(g.why, "grew from"));
    /* no guard: never stops */
    assert_int_equal(as_scf_guard_step(NULL, NULL, NULL, 3, NAN, 0.0, NAN), 0);
    as_scf_opts o = {.tol = 1e-8, .max_scf = 50, .beta = 1.0, .nhist = 1}, s;
    as_scf_guard_safer(&o, &s);
    assert_true(s.beta < o.beta && s.beta <= 0.2 && s.beta > 0.0);
    assert_true(s.nhist > o.nhist && s.nhist >= 12);
    assert_int_equal(s.max_scf, o.max_scf);
    o.beta = 0.1, o.nhist = 40;
    as_scf_guard_safer(&o, &s);
    assert_true(s.beta < 0.1 && s.nhist == 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(converging_never_stops),
        cmocka_unit_test(diverging_stops),
        cmocka_unit_test(reasons_and_safer_mixing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
