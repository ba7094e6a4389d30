/* The relaxation engine (relax/relax.h, relax/optimizer.h, relax/checkpoint.h) on model potentials whose
 * answers are known independently:
 *   - the generalised gradient (forces and -dH/d(cF) with the stress, pressure and F^{-T}) equals central
 *     finite differences of the enthalpy of a Lennard-Jones crystal in a sheared, strained triclinic cell;
 *   - a Lennard-Jones dimer relaxes (BFGS and FIRE) to the distance where the pair force vanishes (found by
 *     bisection on the potential itself); a stiff one started stretched overshoots uphill, and BFGS retries the
 *     step shorter and converges;
 *   - a cell with an energy K V0 (V/V0 - 1)^2 / 2 under pressure p relaxes to V = V0 (1 - p/K), staying cubic;
 *   - keep_symmetry keeps the space group (spglib) when the forces and stress carry non-symmetric noise,
 *     which without it breaks the symmetry;
 *   - a step towards two atoms closer than 0.5 angstrom is shortened, then refused with a message naming them;
 *   - a relaxation saved and restored midway ends bit for bit where the uninterrupted one ends;
 *   - checkpoint files: a truncated or corrupted file is refused with a clear message;
 *   - BFGS started from a given Hessian: on a quadratic E = q.A.q/2 - b.q with the exact A it steps to the
 *     minimum A^-1 b (solved by LAPACK) in one step; a non-symmetric or indefinite matrix, or FIRE, is refused
 *     and leaves the optimizer as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "relax/progress.h"
#include "core/units.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"
#include "io/settings.h"
#include "relax/checkpoint.h"
#include "relax/relax.h"
#include "relax/run.h"
#include "relax/serial.h"

/* ------------------------------------------------------------------ model ---- */

typedef struct model {
    double eps, sig, rc;   /* shifted-force Lennard-Jones (Ha, bohr) */
    double K, V0;          /* volume energy K V0 (V/V0 - 1)^2 / 2 */
    double attract;        /* -A/r between atoms 1 and 2 (nearest image), no LJ */
    double noise;          /* non-symmetric noise added to forces and stress */
} model;

static void lj(const model *m, double r, double *e, double *de)
{
    const double s6 = pow(m->sig / r, 6), s6c = pow(m->sig / m->rc, 6);
    const double ec = 4 * m->eps * (s6c * s6c - s6c), dec = 4 * m->eps * (-12 * s6c * s6c + 6 * s6c) / m->rc;
    *e = 4 * m->eps * (s6 * s6 - s6) - ec - (r - m->rc) * dec;
    *de = 4 * m->eps * (-12 * s6 * s6 + 6 * s6) / r - dec;
}

/* E (Ha), forces (Ha/bohr), stress (QE's sign: -(1/V) dE/d strain). */
static void model_eval(const model *m, const as_structure *s, double *E, double (*f)[3], double sig[3][3])
{
    const int n = s->natoms;
    const double V = fabs(as_lattice_volume(s->lattice));
    double rec[3][3];
    as_lattice_reciprocal(s->lattice, rec);
    int nmax[3];
    for (int k = 0; k < 3; k++)
        nmax[k] = (int)ceil(m->rc * sqrt(rec[k][0] * rec[k][0] + rec[k][1] * rec[k][1] + rec[k][2] * rec[k][2]) /
                            AS_TWOPI) + 1;
    double(*r)[3] = malloc((size_t)n * sizeof *r);
    for (int a = 0; a < n; a++)
        as_frac_to_cart(s->lattice, s->frac[a], r[a]);
    double e = 0, dEde[3][3] = {{0}};
    for (int a = 0; a < n; a++)
        for (int i = 0; i < 3; i++)
            f[a][i] = 0;
    if (m->attract > 0) {
        double fr[3] = {s->frac[0][0] - s->frac[1][0], s->frac[0][1] - s->frac[1][1], s->frac[0][2] - s->frac[1][2]};
        for (int i = 0; i < 3; i++)
            fr[i] -= round(fr[i]);
        double d[3];
        as_frac_to_cart(s->lattice, fr, d);
        const double rr = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        e = -m->attract / rr;
        for (int i = 0; i < 3; i++) {
            const double g = m->attract / (rr * rr) * d[i] / rr; /* dE/dr_0 */
            f[0][i] = -g;
            f[1][i] = g;
        }
    } else {
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
                for (int n0 = -nmax[0]; n0 <= nmax[0]; n0++)
                    for (int n1 = -nmax[1]; n1 <= nmax[1]; n1++)
                        for (int n2 = -nmax[2]; n2 <= nmax[2]; n2++) {
                            if (a == b && !n0 && !n1 && !n2)
                                continue;
                            double d[3];
                            for (int i = 0; i < 3; i++)
                                d[i] = r[a][i] - r[b][i] - n0 * s->lattice[0][i] - n1 * s->lattice[1][i] -
                                       n2 * s->lattice[2][i];
                            const double rr = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                            if (rr >= m->rc)
                                continue;
                            double pe, de;
                            lj(m, rr, &pe, &de);
                            e += 0.5 * pe;
                            for (int i = 0; i < 3; i++) {
                                f[a][i] -= de * d[i] / rr;
                                for (int j = 0; j < 3; j++)
                                    dEde[i][j] += 0.5 * de * d[i] * d[j] / rr;
                            }
                        }
    }
    if (m->K > 0) {
        e += 0.5 * m->K * m->V0 * (V / m->V0 - 1) * (V / m->V0 - 1);
        for (int i = 0; i < 3; i++)
            dEde[i][i] += m->K * (V / m->V0 - 1) * V;
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            sig[i][j] = -dEde[i][j] / V;
    if (m->noise > 0) { /* deterministic, breaks every symmetry */
        for (int a = 0; a < n; a++)
            for (int i = 0; i < 3; i++)
                f[a][i] += m->noise * sin(1.7 * a + 2.3 * i + 0.4);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                sig[i][j] += m->noise * 1e-2 * cos(0.9 * i + 1.9 * j + 0.2 * i * j);
    }
    free(r);
    *E = e;
}

static as_relax_settings settings(int cell, int method)
{
    as_settings s;
    as_settings_defaults(&s);
    s.relax.cell = cell;
    s.relax.method = method;
    return s.relax;
}

static as_structure *make(const double lat[3][3], int n, const double (*frac)[3], int z)
{
    as_error err;
    as_structure *s = as_structure_create(n, &err);
    assert_non_null(s);
    memcpy(s->lattice, lat, sizeof s->lattice);
    for (int a = 0; a < n; a++) {
        s->z[a] = z;
        memcpy(s->frac[a], frac[a], sizeof s->frac[a]);
    }
    return s;
}

static int nrejected; /* uphill steps retried, over run() calls */

/* Run up to max evaluations; returns the status of the last tell. */
static int run(as_relax *r, const model *m, int max, as_error *err)
{
    const int n = r->natoms;
    double(*f)[3] = malloc((size_t)n * sizeof *f);
    int rc = AS_OK;
    while (r->step < max && !r->converged) {
        as_structure *s = as_relax_structure(r, err);
        assert_non_null(s);
        double E, sig[3][3];
        model_eval(m, s, &E, f, sig);
        as_structure_destroy(s);
        if ((rc = as_relax_tell(r, E, (const double(*)[3])f, r->set.cell ? sig : NULL, err)))
            break;
        nrejected += r->rejected;
    }
    free(f);
    return rc;
}

/* -------------------------------------------------------------- gradient ---- */

static double enthalpy_at(as_relax *r, const model *m, const double *q)
{
    double *save = malloc((size_t)r->ncoord * sizeof *save);
    memcpy(save, r->q, (size_t)r->ncoord * sizeof *save);
    memcpy(r->q, q, (size_t)r->ncoord * sizeof *save);
    as_error err;
    as_structure *s = as_relax_structure(r, &err);
    double E, sig[3][3];
    double(*f)[3] = malloc((size_t)s->natoms * sizeof *f);
    model_eval(m, s, &E, f, sig);
    E += r->set.pressure * fabs(as_lattice_volume(s->lattice));
    free(f);
    as_structure_destroy(s);
    memcpy(r->q, save, (size_t)r->ncoord * sizeof *save);
    free(save);
    return E;
}

static void gradient_matches_finite_differences(void **state)
{
    (void)state;
    const double lat[3][3] = {{9.0, 0.3, -0.2}, {0.8, 8.5, 0.4}, {-0.5, 0.6, 9.4}};
    const double frac[3][3] = {{0.05, 0.1, 0.0}, {0.52, 0.47, 0.13}, {0.21, 0.72, 0.55}};
    as_structure *s = make(lat, 3, frac, 18);
    model m = {.eps = 0.01, .sig = 4.0, .rc = 11.0, .K = 0.002, .V0 = 600.0};
    as_relax_settings set = settings(1, AS_RELAX_BFGS);
    set.pressure = 1.0 / AS_HA_BOHR3_GPA;
    set.keep_symmetry = 0;
    as_error err;
    as_relax *r = as_relax_create(s, &set, &err);
    assert_non_null(r);
    /* a general deformation (shear, rotation, stretch) and moved atoms */
    const double dF[9] = {0.03, 0.02, -0.01, -0.015, -0.02, 0.025, 0.01, 0.005, 0.04};
    for (int k = 0; k < 9; k++)
        r->q[9 + k] += dF[k] * r->cell_factor;
    r->q[0] += 0.2, r->q[4] -= 0.15;
    as_structure *cur = as_relax_structure(r, &err);
    double E, sig[3][3], f[3][3], g[18];
    model_eval(&m, cur, &E, f, sig);
    assert_int_equal(as_relax_gradient(r, (const double(*)[3])f, sig, g, &err), AS_OK);
    double q[18], worst = 0, scale = 0;
    for (int k = 0; k < r->ncoord; k++) {
        const double h = 1e-5;
        memcpy(q, r->q, sizeof q);
        q[k] += h;
        const double ep = enthalpy_at(r, &m, q);
        q[k] -= 2 * h;
        const double em = enthalpy_at(r, &m, q);
        const double fd = -(ep - em) / (2 * h);
        worst = fmax(worst, fabs(fd - g[k]));
        scale = fmax(scale, fabs(g[k]));
    }
    print_message("generalised gradient vs finite differences: max |difference| %.2e (max |g| %.2e)\n", worst, scale);
    assert_true(scale > 1e-3);
    assert_true(worst < 1e-8 + 1e-6 * scale);
    as_structure_destroy(cur);
    as_relax_destroy(r);
    as_structure_destroy(s);
}

/* ------------------------------------------------------------------ dimer ---- */

static void dimer(int method)
{
    const double L = 30.0;
    const double lat[3][3] = {{L, 0, 0}, {0, L, 0}, {0, 0, L}};
    const double frac[2][3] = {{0.1, 0.1, 0.1}, {0.1 + 3.2 / L, 0.1 + 2.9 / L, 0.1 + 2.4 / L}};
    as_structure *s = make(lat, 2, frac, 18);
    model m = {.eps = 0.01, .sig = 4.0, .rc = 12.0};
    /* the bond length where the shifted-force pair force vanishes, by bisection */
    double lo = 3.5, hi = 6.0;
    for (int it = 0; it < 200; it++) {
        double e, de;
        lj(&m, 0.5 * (lo + hi), &e, &de);
        if (de < 0)
            lo = 0.5 * (lo + hi);
        else
            hi = 0.5 * (lo + hi);
    }
    const double r0 = 0.5 * (lo + hi);
    as_relax_settings set = settings(0, method);
    set.fmax = 1e-6;
    as_error err;
    as_relax *r = as_relax_create(s, &set, &err);
    assert_non_null(r);
    assert_int_equal(run(r, &m, 500, &err), AS_OK);
    assert_true(r->converged);
    as_structure *fin = as_relax_structure(r, &err);
    const double d = as_periodic_distance(fin->lattice, fin->frac[0], fin->frac[1]);
    print_message("%s dimer: %d steps, r = %.8f bohr, expected %.8f\n", method == AS_RELAX_FIRE ? "FIRE" : "BFGS",
                  r->step, d, r0);
    assert_true(fabs(d - r0) < 1e-4);
    if (method == AS_RELAX_BFGS)
        assert_true(r->step <= 15);
    as_structure_destroy(fin);
    as_relax_destroy(r);
    as_structure_destroy(s);
}

static void dimer_bfgs(void **state)
{
    (void)state;
    dimer(AS_RELAX_BFGS);
}

static void dimer_fire(void **state)
{
    (void)state;
    dimer(AS_RELAX_FIRE);
}

/* A stiff, anharmonic dimer started stretched: the first step (from the soft initial guess) overshoots
 * uphill; BFGS retries it shorter and still converges to the bond length. */
static void uphill_step_retried(void **state)
{
    (void)state;
    const double L = 30.0;
    const double lat[3][3] = {{L, 0, 0}, {0, L, 0}, {0, 0, L}};
    const double frac[2][3] = {{0.1, 0.1, 0.1}, {0.1 + 4.6 / L, 0.1, 0.1}};
    as_structure *s = make(lat, 2, frac, 18);
    model m = {.eps = 0.5, .sig = 4.0, .rc = 12.0};
    as_relax_settings set = settings(0, AS_RELAX_BFGS);
    set.fmax = 1e-6;
    as_error err;
    as_relax *r = as_relax_create(s, &set, &err);
    nrejected = 0;
    assert_int_equal(run(r, &m, 100, &err), AS_OK);
    as_structure *fin = as_relax_structure(r, &err);
    const double d = as_periodic_distance(fin->lattice, fin->frac[0], fin->frac[1]);
    print_message("stretched stiff dimer: %d steps, %d uphill steps retried, r = %.8f bohr\n", r->step, nrejected, d);
    assert_true(r->converged);
    assert_true(nrejected >= 1);
    assert_true(fabs(d - pow(2.0, 1.0 / 6.0) * 4.0) < 0.01);
    as_structure_destroy(fin);
    as_relax_destroy(r);
    as_structure_destroy(s);
}

/* ------------------------------------------------------------ cell volume ---- */

static void cell_under_pressure(void **state)
{
    (void)state;
    const double a = 10.0;
    const double lat[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    const double frac[1][3] = {{0, 0, 0}};
    as_structure *s = make(lat, 1, frac, 18);
    const double K = 30.0 / AS_HA_BOHR3_GPA, p = 2.0 / AS_HA_BOHR3_GPA;
    model m = {.rc = 1.0, .K = K, .V0 = 1.2 * a * a * a};
    for (int method = 0; method < 2; method++) {
        as_relax_settings set = settings(1, method);
        set.pressure = p;
        set.stress_tol = 1e-5 / AS_HA_BOHR3_GPA;
        as_error err;
        as_relax *r = as_relax_create(s, &set, &err);
        assert_non_null(r);
        assert_int_equal(run(r, &m, 300, &err), AS_OK);
        assert_true(r->converged);
        as_structure *fin = as_relax_structure(r, &err);
        const double V = fabs(as_lattice_volume(fin->lattice)), want = m.V0 * (1 - p / K);
        print_message("%s cell: %d steps, V = %.6f, expected V0 (1 - p/K) = %.6f\n", method ? "FIRE" : "BFGS", r->step,
                      V, want);
        assert_true(fabs(V / want - 1) < 1e-5);
        /* still cubic */
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                assert_true(fabs(fin->lattice[i][j] - (i == j ? fin->lattice[0][0] : 0.0)) < 1e-9);
        as_structure_destroy(fin);
        as_relax_destroy(r);
    }
    as_structure_destroy(s);
}

/* --------------------------------------------------------------- symmetry ---- */

static int nops(const as_structure *s)
{
    as_error err;
    as_symmetry *sym = as_symmetry_create(s, 1e-6, &err);
    assert_non_null(sym);
    int n = sym->nops;
    as_symmetry_destroy(sym);
    return n;
}

static void symmetry_kept(void **state)
{
    (void)state;
    const double a = 9.0;
    const double lat[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    /* an atom on the body diagonal: R3m-like site symmetry in a cubic cell */
    const double frac[2][3] = {{0, 0, 0}, {0.3, 0.3, 0.3}};
    as_structure *s = make(lat, 2, frac, 18);
    model m = {.eps = 0.01, .sig = 4.0, .rc = 10.0, .K = 0.001, .V0 = 800.0, .noise = 2e-3};
    const int n0 = nops(s);
    for (int keep = 1; keep >= 0; keep--)
        for (int cell = 0; cell < 2; cell++) {
            as_relax_settings set = settings(cell, AS_RELAX_BFGS);
            set.keep_symmetry = keep;
            as_error err;
            as_relax *r = as_relax_create(s, &set, &err);
            assert_non_null(r);
            run(r, &m, 6, &err);
            as_structure *fin = as_relax_structure(r, &err);
            const int n1 = nops(fin);
            print_message("keep_symmetry = %d, cell = %d: %d operations at the start, %d after %d noisy steps\n", keep,
                          cell, n0, n1, r->step);
            if (keep)
                assert_int_equal(n1, n0);
            else
                assert_true(n1 < n0);
            as_structure_destroy(fin);
            as_relax_destroy(r);
        }
    as_structure_destroy(s);
}

/* ----------------------------------------------------------- close atoms ---- */

static void atoms_kept_apart(void **state)
{
    (void)state;
    const double L = 20.0;
    const double lat[3][3] = {{L, 0, 0}, {0, L, 0}, {0, 0, L}};
    const double d0 = 1.5 * AS_ANG_BOHR;
    const double frac[3][3] = {{0.2, 0.2, 0.2}, {0.2 + d0 / L, 0.2, 0.2}, {0.7, 0.7, 0.7}};
    as_structure *s = make(lat, 3, frac, 35);
    model m = {.attract = 5.0};
    as_relax_settings set = settings(0, AS_RELAX_BFGS);
    as_error err;
    as_error_clear(&err);
    as_relax *r = as_relax_create(s, &set, &err);
    assert_non_null(r);
    double closest = 1e9;
    int rc = AS_OK, shortened = 0;
    double f[3][3], sig[3][3], E;
    while (r->step < 50) {
        as_structure *cur = as_relax_structure(r, &err);
        closest = fmin(closest, as_periodic_distance(cur->lattice, cur->frac[0], cur->frac[1]));
        model_eval(&m, cur, &E, f, sig);
        as_structure_destroy(cur);
        if ((rc = as_relax_tell(r, E, (const double(*)[3])f, NULL, &err)))
            break;
        shortened |= r->shortened;
    }
    print_message("closest approach %.4f angstrom; stopped with: %s\n", closest * AS_BOHR_ANG, err.msg);
    assert_true(shortened);
    assert_int_equal(rc, AS_ENOCONV);
    assert_true(closest >= 0.5 * AS_ANG_BOHR - 1e-9);
    assert_non_null(strstr(err.msg, "atom 1 (Br)"));
    assert_non_null(strstr(err.msg, "atom 2 (Br)"));
    assert_non_null(strstr(err.msg, "0.5 angstrom"));
    as_relax_destroy(r);
    as_structure_destroy(s);
}

/* ---------------------------------------------------------------- restart ---- */

static void restart_is_exact(void **state)
{
    (void)state;
    const double lat[3][3] = {{9.0, 0.3, -0.2}, {0.8, 8.5, 0.4}, {-0.5, 0.6, 9.4}};
    const double frac[3][3] = {{0.05, 0.1, 0.0}, {0.52, 0.47, 0.13}, {0.21, 0.72, 0.55}};
    as_structure *s = make(lat, 3, frac, 18);
    model m = {.eps = 0.2, .sig = 5.0, .rc = 11.0, .K = 0.002, .V0 = 700.0};
    for (int variant = 0; variant < 3; variant++) {
        const int method = variant == 1 ? AS_RELAX_FIRE : AS_RELAX_BFGS, cell = variant < 2;
        as_relax_settings set = settings(cell, method);
        set.fmax = 1e-5;
        set.stress_tol = 1e-3 / AS_HA_BOHR3_GPA;
        as_error err;
        as_relax *a = as_relax_create(s, &set, &err);
        assert_int_equal(run(a, &m, 60, &err), AS_OK);
        if (method == AS_RELAX_BFGS && cell)
            assert_true(a->converged);
        /* the same, stopped after 4 steps, saved, thrown away, restored */
        as_relax *b = as_relax_create(s, &set, &err);
        run(b, &m, 4, &err);
        as_ser buf;
        as_ser_init(&buf);
        as_relax_save(b, &buf);
        as_relax_destroy(b);
        as_ser rd;
        as_ser_wrap(&rd, buf.data, buf.len);
        as_relax *c = as_relax_load(&rd, s, &set, &err);
        assert_non_null(c);
        assert_int_equal(c->step, 4);
        assert_int_equal(run(c, &m, 60, &err), AS_OK);
        print_message("%s%s: uninterrupted %d steps, restarted after 4: %d steps\n", method ? "FIRE" : "BFGS",
                      cell ? " with the cell" : ", positions", a->step, c->step);
        assert_int_equal(c->step, a->step);
        assert_memory_equal(c->q, a->q, (size_t)a->ncoord * sizeof *a->q);
        /* a checkpoint is refused for another method or structure */
        as_relax_settings other = set;
        other.method = 1 - method;
        as_ser_wrap(&rd, buf.data, buf.len);
        assert_null(as_relax_load(&rd, s, &other, &err));
        assert_non_null(strstr(err.msg, "method"));
        as_structure *s2 = as_structure_copy(s, &err);
        s2->frac[1][0] += 0.01;
        as_ser_wrap(&rd, buf.data, buf.len);
        assert_null(as_relax_load(&rd, s2, &set, &err));
        assert_non_null(strstr(err.msg, "another structure"));
        as_structure_destroy(s2);
        as_ser_free(&buf);
        as_relax_destroy(a);
        as_relax_destroy(c);
    }
    as_structure_destroy(s);
}

/* relax/progress.h: steady progress (forces or energy) never stalls; 8 steps without either does */
static void progress_check(void **state)
{
    (void)state;
    char why[256];
    as_relax_progress p;
    as_relax_progress_init(&p, 1e-8);
    for (int k = 1; k <= 100; k++) /* forces falling 2 % a step, energy flat: progress */
        assert_int_equal(as_relax_progress_tell(&p, k, -1.0, pow(0.98, k), why, sizeof why), 0);
    as_relax_progress_init(&p, 1e-8);
    for (int k = 1; k <= 100; k++) /* forces flat, energy falling 2e-7 Ha a step: progress, slowly */
        assert_int_equal(as_relax_progress_tell(&p, k, -1.0 - 2e-7 * k, 0.5, why, sizeof why), 0);
    as_relax_progress_init(&p, 1e-8);
    int at = 0; /* forces noisy about a floor, energy flat to 1e-8: stalls */
    for (int k = 1; k <= 100 && !at; k++)
        if (as_relax_progress_tell(&p, k, -1.0 + 1e-8 * sin(k), k < 5 ? pow(0.3, k) : 3e-3 * (1.5 + sin(k)), why,
                                   sizeof why))
            at = k;
    assert_true(at > 8 && at < 20);
    assert_non_null(strstr(why, "no progress in the last"));
    /* the energy threshold follows the SCF tolerance: a flat valley relaxed with scf_tol 1e-11 gains ~1e-8 Ha
     * a step at forces of 1e-3 eV/angstrom (bench/decks/scan_cspbbr3_int_k212_tight.in's Br_i3_q-1): progress
     * at 1e-11, a stall at the default 1e-8 (noise there) */
    int stalls_at[2] = {0, 0};
    const double tols[2] = {1e-11, 1e-8};
    for (int t = 0; t < 2; t++) {
        as_relax_progress_init(&p, tols[t]);
        for (int k = 1; k <= 100 && !stalls_at[t]; k++)
            if (as_relax_progress_tell(&p, k, -1.0 - 1e-8 * k, 1e-3 * (1.5 + sin(k)), why, sizeof why))
                stalls_at[t] = k;
    }
    assert_int_equal(stalls_at[0], 0);
    assert_true(stalls_at[1] > 8 && stalls_at[1] < 20);
    /* far from convergence (max |F| 46 x fmax) a creep of 3e-8 Ha a step is no progress whatever scf_tol:
     * the steps are too short (t_scf_guard's max_step = 2e-6 angstrom) */
    as_relax_progress_init(&p, 1e-10);
    int creep_at = 0;
    for (int k = 1; k <= 100 && !creep_at; k++)
        if (as_relax_progress_tell(&p, k, -1.0 - 3e-8 * k, 46.0, why, sizeof why))
            creep_at = k;
    assert_true(creep_at > 8 && creep_at < 20);
    /* the window starts at the first step told (a restart) */
    as_relax_progress_init(&p, 1e-8);
    for (int k = 30; k < 30 + AS_RELAX_STALL_STEPS; k++)
        assert_int_equal(as_relax_progress_tell(&p, k, -1.0, 0.1, why, sizeof why), 0);
    assert_int_equal(as_relax_progress_tell(&p, 30 + AS_RELAX_STALL_STEPS, -1.0, 0.1, why, sizeof why), 1);
}

/* Plain write (no fsync): the damaged copies of the every-byte loops below. */
static void put_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* A write that cannot be done (no such directory; a directory where the file should go): AS_EIO naming the
 * final path, no temporary file left behind, and an existing file under the name unchanged. */
static void atomic_write_failure(void **state)
{
    (void)state;
    char dir[] = "/tmp/as_test_atomic_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], sub[256];
    snprintf(path, sizeof path, "%s/nodir/result.json", dir);
    as_error err;
    as_error_clear(&err);
    assert_int_equal(as_file_write_atomic(path, "{}", 2, &err), AS_EIO);
    assert_non_null(strstr(err.msg, path));
    /* rename onto a non-empty directory fails after the data were written: the temporary file goes */
    snprintf(sub, sizeof sub, "%s/target", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(path, sizeof path, "%s/target/keep", dir);
    put_file(path, "x", 1);
    assert_int_equal(as_file_write_atomic(sub, "{}", 2, &err), AS_EIO);
    assert_non_null(strstr(err.msg, sub));
    assert_non_null(strstr(err.msg, "nothing was written"));
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", sub, (long)getpid());
    assert_false(as_file_exists(tmp));
    remove(path);
    rmdir(sub);
    /* the mkdir of an output directory under a file */
    snprintf(path, sizeof path, "%s/afile", dir);
    put_file(path, "x", 1);
    snprintf(sub, sizeof sub, "%s/afile/out", dir);
    assert_int_equal(as_file_mkdirs(sub, &err), AS_EIO);
    assert_non_null(strstr(err.msg, "afile"));
    remove(path);
    rmdir(dir);
}

static void checkpoint_file_integrity(void **state)
{
    (void)state;
    char dir[] = "/tmp/as_test_relax_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/relax.chk", dir);
    unsigned char payload[1000];
    for (int i = 0; i < 1000; i++)
        payload[i] = (unsigned char)(i * 37 + 11);
    as_error err;
    assert_int_equal(as_checkpoint_write(path, "ASRELAX1", payload, sizeof payload, &err), AS_OK);
    void *back = NULL;
    size_t len = 0;
    assert_int_equal(as_checkpoint_read(path, "ASRELAX1", &back, &len, &err), AS_OK);
    assert_int_equal(len, sizeof payload);
    assert_memory_equal(back, payload, len);
    free(back);
    char *data;
    size_t n;
    assert_int_equal(as_file_read_all(path, &data, &n, &err), AS_OK);
    /* truncated: a file fault (AS_EIO, exit 4), naming the file and what to do */
    assert_int_equal(as_file_write_atomic(path, data, n - 100, &err), AS_OK);
    assert_int_equal(as_checkpoint_read(path, "ASRELAX1", &back, &len, &err), AS_EIO);
    assert_non_null(strstr(err.msg, "truncated"));
    assert_non_null(strstr(err.msg, "without --restart"));
    assert_non_null(strstr(err.msg, path));
    /* cut at every byte, and every byte flipped (bit by bit for the header and the checksum): always
     * refused with AS_EIO, never a payload */
    for (size_t cut = 0; cut < n; cut++) {
        put_file(path, data, cut);
        assert_int_equal(as_checkpoint_read(path, "ASRELAX1", &back, &len, &err), AS_EIO);
        assert_null(back);
        assert_non_null(strstr(err.msg, path));
    }
    for (size_t at = 0; at < n; at++)
        for (int bit = 0; bit < 8; bit++) {
            if (bit > 0 && at >= 16 && at < n - 8)
                continue;
            data[at] ^= (char)(1 << bit);
            put_file(path, data, n);
            assert_int_equal(as_checkpoint_read(path, "ASRELAX1", &back, &len, &err), AS_EIO);
            assert_null(back);
            data[at] ^= (char)(1 << bit);
        }
    /* one byte flipped */
    data[500] ^= 0x10;
    assert_int_equal(as_file_write_atomic(path, data, n, &err), AS_OK);
    assert_int_equal(as_checkpoint_read(path, "ASRELAX1", &back, &len, &err), AS_EIO);
    assert_non_null(strstr(err.msg, "checksum"));
    /* another kind of file */
    assert_int_equal(as_file_write_atomic(path, "hello", 5, &err), AS_OK);
    assert_int_equal(as_checkpoint_read(path, "ASRELAX1", &back, &len, &err), AS_EIO);
    assert_non_null(strstr(err.msg, "not a checkpoint"));
    free(data);
    remove(path);
    remove(dir);
}

/* E = q.A.q/2 - b.q: the gradient is A q - b, the forces b - A q. */
static void bfgs_given_hessian(void **state)
{
    (void)state;
    enum { N = 6 };
    double a[N * N], b[N], xs[N], q[N], f[N], dq[N];
    for (int i = 0; i < N; i++) /* symmetric, diagonally dominant: positive definite */
        for (int j = 0; j < N; j++)
            a[i * N + j] = i == j ? 2.0 + 0.3 * i : 0.2 * cos(1.3 * (i + j) + 0.4 * i * j);
    for (int i = 0; i < N; i++) {
        b[i] = sin(0.7 * i + 0.2);
        q[i] = 0.1 * i;
    }
    /* the minimum, independently: A x = b by LAPACK's Cholesky solver */
    double l[N * N];
    memcpy(l, a, sizeof l);
    memcpy(xs, b, sizeof xs);
    assert_int_equal(LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', N, 1, l, N, xs, 1), 0);
    as_error err;
    as_optimizer *o = as_optimizer_create(AS_RELAX_BFGS, N, N, 0.5, 0.1, &err);
    assert_non_null(o);
    assert_null(as_optimizer_hessian(o)); /* nothing learned yet */
    /* refused: not symmetric, not positive definite; the optimizer keeps h0 I */
    double bad[N * N];
    memcpy(bad, a, sizeof bad);
    bad[1] += 0.1;
    assert_int_equal(as_optimizer_set_hessian(o, bad, &err), AS_EINPUT);
    assert_non_null(strstr(err.msg, "symmetric"));
    memcpy(bad, a, sizeof bad);
    bad[3 * N + 3] = -1.0;
    assert_int_equal(as_optimizer_set_hessian(o, bad, &err), AS_EINPUT);
    assert_non_null(strstr(err.msg, "positive definite"));
    assert_null(as_optimizer_hessian(o));
    assert_true(o->hess[0] == 0.5 && o->hess[1] == 0.0);
    /* given: one step to the minimum, and the Hessian reported back unchanged */
    assert_int_equal(as_optimizer_set_hessian(o, a, &err), AS_OK);
    assert_memory_equal(as_optimizer_hessian(o), a, sizeof a);
    for (int i = 0; i < N; i++) {
        f[i] = b[i];
        for (int j = 0; j < N; j++)
            f[i] -= a[i * N + j] * q[j];
    }
    assert_int_equal(as_optimizer_propose(o, q, f, dq, &err), AS_OK);
    for (int i = 0; i < N; i++)
        assert_true(fabs(q[i] + dq[i] - xs[i]) < 1e-12);
    /* a second step from the minimum: the secant update along an exact Newton step keeps A */
    for (int i = 0; i < N; i++)
        q[i] += dq[i];
    for (int i = 0; i < N; i++) {
        f[i] = b[i];
        for (int j = 0; j < N; j++)
            f[i] -= a[i * N + j] * q[j];
    }
    assert_int_equal(as_optimizer_propose(o, q, f, dq, &err), AS_OK);
    for (int i = 0; i < N * N; i++)
        assert_true(fabs(as_optimizer_hessian(o)[i] - a[i]) < 1e-9);
    as_optimizer_destroy(o);
    /* without it the first step is f / h0, far from the minimum */
    o = as_optimizer_create(AS_RELAX_BFGS, N, N, 0.5, 0.1, &err);
    for (int i = 0; i < N; i++) {
        q[i] = 0.1 * i;
        f[i] = b[i];
        for (int j = 0; j < N; j++)
            f[i] -= a[i * N + j] * q[j];
    }
    assert_int_equal(as_optimizer_propose(o, q, f, dq, &err), AS_OK);
    double miss = 0.0;
    for (int i = 0; i < N; i++)
        miss = fmax(miss, fabs(q[i] + dq[i] - xs[i]));
    assert_true(miss > 0.1);
    as_optimizer_destroy(o);
    /* FIRE has no Hessian */
    o = as_optimizer_create(AS_RELAX_FIRE, N, N, 0.5, 0.1, &err);
    assert_int_equal(as_optimizer_set_hessian(o, a, &err), AS_EINPUT);
    assert_null(as_optimizer_hessian(o));
    as_optimizer_destroy(o);
}


/* The scan's corrected prerelaxation (relax/run.h, force_shift): the energy the optimizer sees must be
 * the one whose gradient is the shifted forces, or BFGS's uphill test and curvature go wrong.  Checked
 * by central finite differences of as_relax_shifted's energy on a model surface (E = sum_a k |r_a -
 * c_a|^2 / 2, its forces exact) in a skewed cell, with one atom across the cell's boundary from the
 * shift's origin (the shortest image must be taken), and at the origin the energy is unchanged. */
static void shifted_surface(void **state)
{
    (void)state;
    as_error err;
    as_structure *s = as_structure_create(3, &err);
    assert_non_null(s);
    const double lat[3][3] = {{9.0, 0.0, 0.0}, {1.5, 8.0, 0.0}, {-0.7, 0.9, 10.0}};
    memcpy(s->lattice, lat, sizeof lat);
    const double origin[3][3] = {{0.10, 0.20, 0.30}, {0.97, 0.50, 0.45}, {0.60, 0.02, 0.80}};
    const double start[3][3] = {{0.12, 0.19, 0.33}, {0.02, 0.48, 0.47}, {0.58, 0.99, 0.81}};
    const double shift[3][3] = {{0.010, -0.020, 0.005}, {-0.003, 0.007, 0.011}, {0.004, 0.000, -0.009}};
    const double k = 0.3, c[3][3] = {{1.0, 2.0, 3.0}, {8.0, 4.0, 5.0}, {6.0, 0.5, 7.0}};
    for (int a = 0; a < 3; a++)
        s->z[a] = 35;
    /* the model's energy and forces at the structure's Cartesian positions */
    double (*f)[3] = malloc(3 * sizeof *f), (*fs)[3] = malloc(3 * sizeof *fs);
#define MODEL(E)                                                                                          \
    do {                                                                                                  \
        E = 0.0;                                                                                          \
        for (int a = 0; a < 3; a++) {                                                                     \
            double r[3] = {0.0, 0.0, 0.0};                                                                \
            for (int i = 0; i < 3; i++)                                                                   \
                for (int j = 0; j < 3; j++)                                                               \
                    r[j] += s->frac[a][i] * s->lattice[i][j];                                             \
            for (int j = 0; j < 3; j++) {                                                                 \
                E += 0.5 * k * (r[j] - c[a][j]) * (r[j] - c[a][j]);                                       \
                f[a][j] = -k * (r[j] - c[a][j]);                                                          \
            }                                                                                             \
        }                                                                                                 \
    } while (0)
    double e0;
    memcpy(s->frac, origin, sizeof origin);
    MODEL(e0);
    assert_true(fabs(as_relax_shifted(s, e0, (const double(*)[3])f, shift, origin, fs) - e0) < 1e-15);
    /* the same atoms, one of them an image a cell away: the same shifted energy (the shortest image) */
    memcpy(s->frac, start, sizeof start);
    const double e_in = as_relax_shifted(s, 0.0, (const double(*)[3])f, shift, origin, fs);
    s->frac[1][0] += 1.0;
    s->frac[2][1] -= 1.0;
    assert_true(fabs(as_relax_shifted(s, 0.0, (const double(*)[3])f, shift, origin, fs) - e_in) < 1e-14);
    memcpy(s->frac, start, sizeof start);
    double inv[3][3];
    assert_int_equal(as_lattice_inverse(s->lattice, inv), 0);
    const double h = 1e-4; /* bohr */
    for (int a = 0; a < 3; a++)
        for (int j = 0; j < 3; j++) {
            double ep = 0.0, em = 0.0, e;
            /* the shifted force on (a, j) at start */
            memcpy(s->frac, start, sizeof start);
            MODEL(e);
            as_relax_shifted(s, e, (const double(*)[3])f, shift, origin, fs);
            const double want = fs[a][j];
            assert_true(fabs(want - (f[a][j] + shift[a][j])) < 1e-15);
            for (int sg = -1; sg <= 1; sg += 2) {
                memcpy(s->frac, start, sizeof start);
                for (int i = 0; i < 3; i++) /* a Cartesian displacement of sg h along j, in fractions */
                    s->frac[a][i] += sg * h * inv[j][i];
                MODEL(e);
                const double es = as_relax_shifted(s, e, (const double(*)[3])f, shift, origin, fs);
                if (sg < 0)
                    em = es;
                else
                    ep = es;
            }
            /* E is quadratic: the central difference is exact but for rounding */
            assert_true(fabs(-(ep - em) / (2.0 * h) - want) < 1e-9);
        }
#undef MODEL
    free(f);
    free(fs);
    as_structure_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gradient_matches_finite_differences),
        cmocka_unit_test(dimer_bfgs),
        cmocka_unit_test(dimer_fire),
        cmocka_unit_test(uphill_step_retried),
        cmocka_unit_test(cell_under_pressure),
        cmocka_unit_test(symmetry_kept),
        cmocka_unit_test(atoms_kept_apart),
        cmocka_unit_test(restart_is_exact),
        cmocka_unit_test(checkpoint_file_integrity),
        cmocka_unit_test(atomic_write_failure),
        cmocka_unit_test(progress_check),
        cmocka_unit_test(bfgs_given_hessian),
        cmocka_unit_test(shifted_surface),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
