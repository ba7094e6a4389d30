/* GTH potentials: the analytic Fourier transforms against numerical quadrature of the
 * real-space forms (independent of the closed formulas), normalisation, and parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/units.h"
#include "pw/pseudo.h"

static double sph_bessel(int l, double x)
{
    if (x < 1e-6) {
        /* x^l / (2l+1)!! (1 - x^2/(2(2l+3))) */
        double df = 1.0;
        for (int k = 1; k <= 2 * l + 1; k += 2)
            df *= k;
        return pow(x, l) / df * (1.0 - x * x / (2.0 * (2 * l + 3)));
    }
    double s = sin(x), c = cos(x);
    switch (l) {
    case 0: return s / x;
    case 1: return s / (x * x) - c / x;
    case 2: return (3.0 / (x * x) - 1.0) * s / x - 3.0 * c / (x * x);
    case 3: return (15.0 / (x * x * x) - 6.0 / x) * s / x - (15.0 / (x * x) - 1.0) * c / x;
    }
    return 0.0;
}

/* \int_0^R f(r) dr by composite Simpson with n (even) intervals. */
static double simpson(double (*f)(const as_pseudo *, int, int, double, double), const as_pseudo *p, int l, int i,
                      double q, double rmax, int n)
{
    double h = rmax / n, s = f(p, l, i, q, 0.0) + f(p, l, i, q, rmax);
    for (int k = 1; k < n; k++)
        s += (k % 2 ? 4.0 : 2.0) * f(p, l, i, q, k * h);
    return s * h / 3.0;
}

static double proj_integrand(const as_pseudo *p, int l, int i, double q, double r)
{
    return r * r * as_pseudo_proj_r(p, l, i, r) * sph_bessel(l, q * r);
}

static double proj_norm_integrand(const as_pseudo *p, int l, int i, double q, double r)
{
    (void)q;
    double v = as_pseudo_proj_r(p, l, i, r);
    return r * r * v * v;
}

/* Short-range part of v_loc: v_loc(r) + Z erf(r/(sqrt2 rloc))/r ... transform of the whole
 * potential minus the analytic Coulomb tail, 4 pi \int r^2 [v(r) + Z/r] j0(qr) dr, which equals
 * Omega*v(q) + 4 pi Z/q^2 (the long-range -Z/r has transform -4 pi Z/q^2). */
static double vloc_integrand(const as_pseudo *p, int l, int i, double q, double r)
{
    (void)l, (void)i;
    if (r == 0.0)
        return 0.0;
    return AS_FOURPI * r * r * (as_pseudo_vloc_r(p, r) + p->zion / r) * sph_bessel(0, q * r);
}

static const char *cs_text = "Cs GTH-PBE-q9 GTH-PBE\n"
                             "    3    6\n"
                             "     0.54000000    2    33.31331676    -2.92121670\n"
                             "    4\n"
                             "     0.46189568    2    -3.32292700     2.45565338\n"
                             "                                       -3.17023488\n"
                             "     0.36635860    2    -4.95076405     0.84038977\n"
                             "                                       -0.99436259\n"
                             "     0.76150193    1     0.19840723\n"
                             "     0.59701503    1    -1.55056693\n";

static const char *br_text = "Br GTH-PBE-q7 GTH-PBE\n"
                             "    2    5\n"
                             "     0.50000000    0\n"
                             "    3\n"
                             "     0.43803892    3     6.07855632     0.33049817    -1.23838226\n"
                             "                                       -2.44090020     3.19748924\n"
                             "                                                      -2.53792841\n"
                             "     0.45313561    2     2.45930381     0.52275313\n"
                             "                                       -0.61852985\n"
                             "     0.56771383    1     0.55926645\n";

static void parse_cp2k_blocks(void **state)
{
    (void)state;
    as_pseudo p;
    as_error err;
    as_error_clear(&err);
    assert_int_equal(as_pseudo_parse(cs_text, "Cs.gth", &p, &err), 0);
    assert_int_equal(p.z, 55);
    assert_true(fabs(p.zion - 9.0) < 1e-12);
    assert_int_equal(p.nloc, 2);
    assert_true(fabs(p.c[1] + 2.92121670) < 1e-12);
    assert_int_equal(p.nl, 4);
    assert_int_equal(p.nprj[3], 1);
    assert_true(fabs(p.h[0][0][1] - 2.45565338) < 1e-12 && fabs(p.h[0][1][0] - 2.45565338) < 1e-12);
    assert_int_equal(as_pseudo_nproj(&p), 2 + 2 * 3 + 5 + 7);
    assert_int_equal(as_pseudo_parse(br_text, "Br.gth", &p, &err), 0);
    assert_int_equal(p.nprj[0], 3);
    assert_true(fabs(p.h[0][0][2] + 1.23838226) < 1e-12);
    assert_true(fabs(p.h[0][1][2] - 3.19748924) < 1e-12);
    assert_true(fabs(p.h[0][2][1] - 3.19748924) < 1e-12);
    assert_true(fabs(p.h[0][2][2] + 2.53792841) < 1e-12);
    /* a truncated block is refused with the file name */
    char cut[200];
    snprintf(cut, sizeof cut, "%.*s", 120, br_text);
    assert_int_not_equal(as_pseudo_parse(cut, "cut.gth", &p, &err), 0);
    assert_non_null(strstr(err.msg, "cut.gth"));
}

static void projectors_match_quadrature(void **state)
{
    (void)state;
    as_pseudo cs, br;
    as_error err;
    as_pseudo_parse(cs_text, "Cs", &cs, &err);
    as_pseudo_parse(br_text, "Br", &br, &err);
    const as_pseudo *ps[2] = {&cs, &br};
    for (int k = 0; k < 2; k++) {
        const as_pseudo *p = ps[k];
        for (int l = 0; l < p->nl; l++)
            for (int i = 0; i < p->nprj[l]; i++) {
                double norm = simpson(proj_norm_integrand, p, l, i, 0.0, 20.0, 4000);
                assert_true(fabs(norm - 1.0) < 1e-9);
                for (double q = 0.0; q <= 12.0; q += 0.7) {
                    double num = simpson(proj_integrand, p, l, i, q, 20.0, 8000);
                    double ana = as_pseudo_proj_q(p, l, i, q);
                    if (fabs(num - ana) > 1e-8)
                        fail_msg("%s l=%d i=%d q=%g: analytic %.12g, quadrature %.12g", p->symbol, l, i, q, ana, num);
                    /* derivative by central differences */
                    double h = 1e-5, dnum = (as_pseudo_proj_q(p, l, i, q + h) - as_pseudo_proj_q(p, l, i, q + (q > h ? -h : 0))) /
                                          (q > h ? 2 * h : h);
                    if (q > h && fabs(dnum - as_pseudo_proj_dq(p, l, i, q)) > 1e-6)
                        fail_msg("%s l=%d i=%d q=%g: dP/dq %.10g vs %.10g", p->symbol, l, i, q,
                                 as_pseudo_proj_dq(p, l, i, q), dnum);
                }
            }
    }
}

static void local_part_matches_quadrature(void **state)
{
    (void)state;
    as_pseudo cs;
    as_error err;
    as_pseudo_parse(cs_text, "Cs", &cs, &err);
    for (double q = 0.0; q <= 12.0; q += 0.5) {
        double num = simpson(vloc_integrand, &cs, 0, 0, q, 30.0, 30000);
        double ana = as_pseudo_vloc_g(&cs, q, 1); /* short-range form: + 4 pi Z / q^2 */
        if (fabs(num - ana) > 1e-7)
            fail_msg("v_loc q=%g: analytic %.12g, quadrature %.12g", q, ana, num);
        if (q > 0.1) {
            double full = as_pseudo_vloc_g(&cs, q, 0) + AS_FOURPI * cs.zion / (q * q);
            assert_true(fabs(full - ana) < 1e-9 * (1 + fabs(ana)));
            double h = 1e-5, d = (as_pseudo_vloc_g(&cs, q + h, 0) - as_pseudo_vloc_g(&cs, q - h, 0)) / (2 * h);
            assert_true(fabs(d - as_pseudo_vloc_dg(&cs, q)) < 1e-5 * (1 + fabs(d)));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_cp2k_blocks),
        cmocka_unit_test(projectors_match_quadrature),
        cmocka_unit_test(local_part_matches_quadrature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
