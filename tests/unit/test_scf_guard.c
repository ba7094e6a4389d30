/* The SCF divergence guard's decisions (pw/scf_guard.h) on residual sequences: converging ones, fast or slow,
 * never stop; a blow-up, a residual that wanders above its best (the sequence of a real charge-sloshing SCF,
 * tests/e2e/t_scf_guard.sh) and a NaN do; the retry's mixing is safer; an attempt whose fixed occupations
 * oscillate is retried smeared, with the messages when that retry fails too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "pw/disc.h"
#include "pw/gvec.h"
#include "pw/model.h"
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

/* A stand-in for the SCF loop, for as_scf_guard_run's decisions and messages: with fixed occupations its
 * frontier levels cross and its residual falls, then blows up at iteration 5; smeared, it converges or not as
 * the test says. It records the smearing of every attempt. */
static int fake_calls, fake_smeared_converges;
static int fake_smearing[4];
static double fake_width[4];
static int fake_body(const as_model *m, const as_disc *d, const as_scf_opts *o, as_scf_state *st, as_scf_result *res,
                     as_error *err)
{
    (void)d;
    if (fake_calls < 4) {
        fake_smearing[fake_calls] = m->smearing;
        fake_width[fake_calls] = m->smear_width;
    }
    fake_calls++;
    if (m->smearing != AS_SMEAR_NONE && fake_smeared_converges) {
        res->iterations = 7;
        return AS_OK;
    }
    const double dr2[] = {1.0, 0.1, 0.01, 0.001, 1e3};
    for (int it = 1; it <= 5; it++)
        if (as_scf_guard_step(o->guard, m, st, it, -10.0, it > 1 ? 1e-3 : 0.0, dr2[it - 1])) {
            res->iterations = it;
            return as_error_set(err, AS_ENOCONV, "SCF not converged in %d iterations", it);
        }
    res->iterations = 5;
    return AS_OK;
}

static int run_fake(int nbands, as_scf_result *res, as_error *err)
{
    as_gvecs gv;
    memset(&gv, 0, sizeof gv);
    gv.ng = 4;
    as_disc d;
    memset(&d, 0, sizeof d);
    d.gv = &gv;
    as_model m;
    memset(&m, 0, sizeof m);
    m.nspin = 1;
    m.nelec = 4.0;
    m.smearing = AS_SMEAR_NONE;
    /* two occupied bands, the second above the first empty one: the levels cross */
    double eig[6] = {0.0, 1.0, 0.5, 2.0, 3.0, 4.0}, occ[6] = {2.0, 2.0, 0.0, 0.0, 0.0, 0.0};
    assert_true(nbands <= 6);
    double complex rho[4] = {1.0, 0.5, 0.25, 0.125};
    as_scf_state st;
    memset(&st, 0, sizeof st);
    st.nspin = 1, st.nk = 1, st.nbands = nbands;
    st.eig = eig, st.occ = occ, st.rho_g = rho;
    as_scf_opts o = {.tol = 1e-8, .max_scf = 50, .beta = 0.7, .nhist = 8};
    memset(res, 0, sizeof *res);
    as_error_clear(err);
    fake_calls = 0;
    const int rc = as_scf_guard_run(fake_body, &m, &d, &o, &st, res, err);
    assert_int_equal(m.smearing, AS_SMEAR_NONE); /* the caller's model is never changed */
    return rc;
}

static void oscillating_retry_is_smeared(void **state)
{
    (void)state;
    as_scf_result res;
    as_error err;
    /* the smeared retry converges: success, flagged auto_smeared, with the documented smearing */
    fake_smeared_converges = 1;
    assert_int_equal(run_fake(6, &res, &err), AS_OK);
    assert_int_equal(fake_calls, 2);
    assert_int_equal(fake_smearing[0], AS_SMEAR_NONE);
    assert_int_equal(fake_smearing[1], AS_SMEAR_MARZARI_VANDERBILT);
    assert_true(fabs(fake_width[1] - AS_SCF_AUTO_SMEARING_HA) < 1e-15);
    assert_true(res.retried && res.auto_smeared);
    assert_int_equal(res.diverged_at, 5);
    assert_int_equal(res.first_iterations, 5);
    as_model m;
    memset(&m, 0, sizeof m);
    as_scf_adopt_smearing(&m, &res);
    assert_int_equal(m.smearing, AS_SMEAR_MARZARI_VANDERBILT);

    /* the smeared retry diverges too: AS_ENOCONV, and the message says what was tried and what to do */
    fake_smeared_converges = 0;
    assert_int_equal(run_fake(6, &res, &err), AS_ENOCONV);
    assert_int_equal(fake_calls, 2);
    assert_true(res.retried && res.auto_smeared);
    assert_non_null(strstr(err.msg, "diverged"));
    assert_non_null(strstr(err.msg, "Marzari-Vanderbilt smearing of 0.005 Ha"));
    assert_non_null(strstr(err.msg, "diverged again"));
    assert_non_null(strstr(err.msg, "Set a wider smearing in [dft]"));
    assert_non_null(strstr(err.msg, "5: "));

    /* no room for smearing (nbands = 3 leaves no band above the partly filled ones): the retry keeps fixed
     * occupations, and the message points at the crossing levels */
    fake_smeared_converges = 1;
    assert_int_equal(run_fake(3, &res, &err), AS_ENOCONV);
    assert_int_equal(fake_calls, 2);
    assert_int_equal(fake_smearing[1], AS_SMEAR_NONE);
    assert_true(res.retried && !res.auto_smeared);
    assert_null(strstr(err.msg, "Marzari-Vanderbilt"));
    assert_non_null(strstr(err.msg, "The occupied and empty levels cross"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(converging_never_stops),
        cmocka_unit_test(diverging_stops),
        cmocka_unit_test(reasons_and_safer_mixing),
        cmocka_unit_test(oscillating_retry_is_smeared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
