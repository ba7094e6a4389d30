/* Shared set-up for the plane-wave consistency tests (test_pw_hamiltonian.c, test_pw_derivatives.c):
 * the reference structures (tests/reference/qe/structures) built directly, and a model + discretisation
 * with the shipped potentials.  Header-only: each test binary includes it once. */
#ifndef AS_TEST_SCF_FIXTURE_H
#define AS_TEST_SCF_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "io/settings.h"
#include "pw/disc.h"
#include "pw/model.h"
#include "pw/potential.h"
#include "pw/scf.h"

/* Fails the cmocka test with the error message. */
#define FIX_CHECK(expr, err)                                                                                      \
    do {                                                                                                        \
        if (!(expr))                                                                                            \
            fail_msg("%s failed: %s", #expr, (err)->msg);                                                       \
    } while (0)

/* Si, diamond structure, a = 5.4310205 angstrom (tests/reference/qe/structures/Si_dftk.txt). */
static inline as_structure *fix_si(as_error *err)
{
    as_structure *s = as_structure_create(0, err);
    if (!s)
        return NULL;
    const double h = 2.71551025 * AS_ANG_BOHR;
    const double lat[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
    memcpy(s->lattice, lat, sizeof lat);
    const double x1[3] = {0.125, 0.125, 0.125}, x2[3] = {-0.125, -0.125, -0.125};
    if (as_structure_add_atom(s, 14, x1, err) || as_structure_add_atom(s, 14, x2, err)) {
        as_structure_destroy(s);
        return NULL;
    }
    return s;
}

/* Cubic CsPbBr3, a = 5.874 angstrom, Cs at the cube centre
 * (tests/reference/qe/structures/CsPbBr3_cubic_5.874.txt): every projector channel l = 0..3 (Cs q9 has f). */
static inline as_structure *fix_cspbbr3(as_error *err)
{
    as_structure *s = as_structure_create(0, err);
    if (!s)
        return NULL;
    const double a = 5.874 * AS_ANG_BOHR;
    const double lat[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    memcpy(s->lattice, lat, sizeof lat);
    const int z[5] = {55, 82, 35, 35, 35};
    const double x[5][3] = {{0.5, 0.5, 0.5}, {0, 0, 0}, {0.5, 0, 0}, {0, 0.5, 0}, {0, 0, 0.5}};
    for (int i = 0; i < 5; i++)
        if (as_structure_add_atom(s, z[i], x[i], err)) {
            as_structure_destroy(s);
            return NULL;
        }
    return s;
}

/* Model with the shipped potentials and functional xc ("PBE", "LDA", ...). */
static inline as_model *fix_model(const as_structure *s, const char *xc, int use_symmetry, as_error *err)
{
    as_settings set;
    as_settings_defaults(&set);
    snprintf(set.dft.xc, sizeof set.dft.xc, "%s", xc);
    as_model *m = as_model_create(s, &set.dft, use_symmetry, err);
    as_settings_free(&set);
    return m;
}

/* Discretisation at cutoff ecut with the given explicit k-points (gamma: the real layout, one point k = 0). */
static inline as_disc *fix_disc(const as_model *m, double ecut, int nk, const double (*k)[3], int gamma, as_error *err)
{
    as_kpoints *kp = as_kpoints_list(nk, k, err);
    if (!kp)
        return NULL;
    return as_disc_create(m, ecut, kp, gamma, NULL, err);
}

/* Deterministic uniform pseudo-random number in [0, 1) (xorshift64*). */
static inline double fix_rand(unsigned long long *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

/* A random perturbation on the density sphere: coefficients on the shells |G|^2 <= g2max, Hermitian
 * (delta(-G) = conj delta(G), so real in space), amplitude amp / (1 + |G|^2) (smooth), plus g0 at G = 0. */
static inline void fix_smooth_perturbation(const as_gvecs *gv, double g2max, double amp, double g0,
                                           unsigned long long seed, double complex *delta)
{
    memset(delta, 0, (size_t)gv->ng * sizeof *delta);
    for (int ig = 0; ig < gv->ng; ig++) {
        if (ig == gv->ig0 || gv->g2[ig] > g2max)
            continue;
        int mg = gv->minus[ig];
        if (mg < ig)
            continue; /* set with its partner */
        double re = fix_rand(&seed) - 0.5, im = fix_rand(&seed) - 0.5;
        delta[ig] = amp * (re + I * im) / (1.0 + gv->g2[ig]);
        delta[mg] = conj(delta[ig]);
    }
    delta[gv->ig0] = g0;
}

#endif
