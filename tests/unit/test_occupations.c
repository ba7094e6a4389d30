/* The Fermi level of smeared occupations (pw/occupations.h), on hand-made eigenvalues:
 *   - every smearing holds exactly nel electrons (the sum of the occupations, computed here from
 *     as_smear_occ, to 1e-10), for one channel and for two channels with fixed_spin;
 *   - cold smearing (Marzari-Vanderbilt) and Methfessel-Paxton, whose electron count overshoots above a full
 *     level and so can reach nel at several Fermi levels: 15 full levels, a defect level 6 sigma above them
 *     and 0.1 electron more than the full levels hold.  The count reaches nel three times (near the full
 *     levels, with the 0.1 electron in their overshoot; as the overshoot dies away; and at the defect level).
 *     The level chosen is the root nearest the Gaussian Fermi level (pw.x's choice since 7.0): the 0.1 electron
 *     sits in the defect level, and the Fermi level does not move when an empty band far above moves (a plain
 *     bisection's bracket moves with that band, and its answer jumps between the roots). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "pw/occupations.h"

#define SIGMA 0.005

static double held(as_smearing_kind kind, int nb, const double *eig, double mu)
{
    double n = 0.0;
    for (int b = 0; b < nb; b++)
        n += 2.0 * as_smear_occ(kind, (mu - eig[b]) / SIGMA);
    return n;
}

static void count_kept(void **state)
{
    (void)state;
    const as_smearing_kind kinds[] = {AS_SMEAR_GAUSSIAN, AS_SMEAR_FERMI_DIRAC, AS_SMEAR_MARZARI_VANDERBILT,
                                      AS_SMEAR_METHFESSEL_PAXTON};
    /* 2 k-points (weights 0.25, 0.75), 8 bands, a metal: levels every 0.02 Ha, shifted between the k-points */
    double eig[16], occ[16], wk[2] = {0.25, 0.75};
    for (int k = 0; k < 2; k++)
        for (int b = 0; b < 8; b++)
            eig[k * 8 + b] = -0.1 + 0.02 * b + 0.007 * k;
    for (int i = 0; i < 4; i++) {
        as_error err;
        double ef[2], ts;
        const double nel[2] = {0.0, 0.0};
        assert_int_equal(as_occupations(kinds[i], SIGMA, 2, 1, 8, wk, eig, 9.3, nel, 0, occ, ef, &ts, &err), AS_OK);
        double n = 0.0;
        for (int k = 0; k < 2; k++)
            for (int b = 0; b < 8; b++)
                n += wk[k] * occ[k * 8 + b];
        assert_true(fabs(n - 9.3) < 1e-10);
        /* two channels, 4.9 electrons up and 4.4 down, one Fermi level each */
        double e2[32], o2[32];
        for (int k = 0; k < 2; k++)
            for (int s = 0; s < 2; s++)
                for (int b = 0; b < 8; b++)
                    e2[(k * 2 + s) * 8 + b] = eig[k * 8 + b] + 0.01 * s;
        const double ns[2] = {4.9, 4.4};
        assert_int_equal(as_occupations(kinds[i], SIGMA, 2, 2, 8, wk, e2, 9.3, ns, 1, o2, ef, &ts, &err), AS_OK);
        for (int s = 0; s < 2; s++) {
            double m = 0.0;
            for (int k = 0; k < 2; k++)
                for (int b = 0; b < 8; b++)
                    m += wk[k] * o2[(k * 2 + s) * 8 + b];
            assert_true(fabs(m - ns[s]) < 1e-10);
        }
    }
}

static void nearest_root(as_smearing_kind kind)
{
    /* 5 levels at -0.3 Ha, 10 at 0, the defect level at 6 sigma, and one far empty band at `top` */
    enum { NB = 17 };
    double eig[NB], occ[NB], wk[1] = {1.0};
    for (int b = 0; b < 15; b++)
        eig[b] = b < 5 ? -0.3 : 0.0;
    eig[15] = 6.0 * SIGMA;
    const double nel = 30.1, none[2] = {0.0, 0.0};
    const double tops[] = {0.5, 0.8, 1.0, 1.3, 2.0};
    double mu0 = 0.0;
    as_error err;
    double ef[2], ts;
    /* the Gaussian Fermi level, and how many times the count of this smearing crosses nel */
    eig[16] = 1.0;
    assert_int_equal(as_occupations(AS_SMEAR_GAUSSIAN, SIGMA, 1, 1, NB, wk, eig, nel, none, 0, occ, ef, &ts, &err),
                     AS_OK);
    const double mu_g = ef[0];
    int crossings = 0;
    for (int i = 0; i < 8000; i++) {
        const double x = -0.01 + 1e-5 * i;
        crossings += (held(kind, NB, eig, x) < nel) != (held(kind, NB, eig, x + 1e-5) < nel);
    }
    assert_int_equal(crossings, kind == AS_SMEAR_MARZARI_VANDERBILT ? 3 : crossings);
    assert_true(crossings >= 1);
    for (size_t t = 0; t < sizeof tops / sizeof tops[0]; t++) {
        eig[16] = tops[t];
        assert_int_equal(as_occupations(kind, SIGMA, 1, 1, NB, wk, eig, nel, none, 0, occ, ef, &ts, &err), AS_OK);
        assert_true(fabs(held(kind, NB, eig, ef[0]) - nel) < 1e-10);
        if (t == 0)
            mu0 = ef[0];
        assert_true(fabs(ef[0] - mu0) < 1e-12); /* the far band does not move the Fermi level */
        /* no root of the count lies nearer the Gaussian level than the one chosen (less sigma/8, the grid) */
        const double dist = fabs(ef[0] - mu_g) - SIGMA / 8.0;
        for (double x = mu_g - dist + 1e-6; x < mu_g + dist - 1e-6; x += 1e-6)
            assert_true((held(kind, NB, eig, x) < nel) == (held(kind, NB, eig, mu_g) < nel));
    }
    /* the 0.1 electron is in the defect level, not in the full levels' overshoot */
    if (kind == AS_SMEAR_MARZARI_VANDERBILT)
        assert_true(fabs(occ[15] - 0.1) < 0.01);
}

static void cold_nearest_root(void **state)
{
    (void)state;
    nearest_root(AS_SMEAR_MARZARI_VANDERBILT);
}

static void mp_nearest_root(void **state)
{
    (void)state;
    nearest_root(AS_SMEAR_METHFESSEL_PAXTON);
}

/* An insulator as the scan meets it: cold smearing switched on for a configuration whose relaxed levels have a
 * 2.3 eV gap, 144 electrons in 72 full bands at 4 k-points.  With the Fermi level in the gap, the count exceeds
 * nel by the full levels' overshoot tail, 2 e^{-(x - 1/sqrt 2)^2}/sqrt(2 pi) each at x = (mu - e)/sigma: 5e-13
 * electrons per top level 6 sigma above the valence band top, where a bisection of the Gaussian count may stop,
 * 7e-9 at 5 sigma.  That is no electron at all, and the Fermi level must stay in the gap
 * with every band full or empty.  The count's only true roots lie within a few sigma of the valence band top,
 * where the top bands give up 0.4 electron to the others' overshoot; a search that took 1e-12 for a miss went
 * there, and the occupations (and the density) jumped between SCF iterations as the tail crossed 1e-12.
 * The relaxed Br_i6_q-1 interstitial's SCF stalled that way (its residual toggled between 2e-5 and 2e-4). */
static void insulator_stays_full(void **state)
{
    (void)state;
    enum { NK = 4, NB = 79, NV = 72 };
    double eig[NK * NB], occ[NK * NB], wk[NK] = {0.25, 0.25, 0.25, 0.25};
    const double none[2] = {0.0, 0.0};
    int checked = 0;
    /* the conduction band 2.35 eV (17 sigma) above the valence band top, or 1.50 eV (11 sigma), where the count at
     * mid-gap still exceeds nel by 2e-11 electrons */
    for (int t = 0; t < 100; t++) {
        const double cbm = t % 2 ? 0.053 : 0.0864;
        double vbm = -INFINITY;
        for (int k = 0; k < NK; k++)
            for (int b = 0; b < NB; b++) {
                double e = b < NV ? -0.8 * (NV - 1 - b) / (NV - 1.0) - 0.004 * k : cbm + 0.01 * (b - NV) + 0.003 * k;
                if (b >= NV - 4 && b < NV)
                    e -= 0.002 * (NV - b) * (1 + k % 2);
                if (b == NB - 1)
                    e += 0.0137 * t; /* a far empty band: it moves the bracket, and where a bisection lands */
                eig[k * NB + b] = e;
                if (b < NV)
                    vbm = fmax(vbm, eig[k * NB + b]);
            }
        const as_smearing_kind kinds[] = {AS_SMEAR_MARZARI_VANDERBILT, AS_SMEAR_METHFESSEL_PAXTON};
        for (int i = 0; i < 2; i++) {
            as_error err;
            double ef[2], ts;
            assert_int_equal(as_occupations(kinds[i], SIGMA, NK, 1, NB, wk, eig, 2.0 * NV, none, 0,
                                            occ, ef, &ts, &err),
                             AS_OK);
            assert_true(ef[0] > vbm + 5.0 * SIGMA && ef[0] < cbm - 5.0 * SIGMA);
            for (int k = 0; k < NK; k++)
                for (int b = 0; b < NB; b++)
                    assert_true(fabs(occ[k * NB + b] - (b < NV ? 2.0 : 0.0)) < 1e-9);
            checked++;
        }
    }
    assert_int_equal(checked, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(count_kept),
        cmocka_unit_test(cold_nearest_root),
        cmocka_unit_test(mp_nearest_root),
        cmocka_unit_test(insulator_stays_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
