/* Structure matching (crystal/match.h) on Pnma CsPbBr3 with an extra Br or a Frenkel pair: identity,
 * permutation, every host operation (whole structure moved, or only the defect), a non-equivalent site,
 * rattle against two tolerances, wrong elements, counts and lattices, translated copies in a 2x1x1 supercell
 * without symmetry, and the slow path for a tolerance beyond half a plane spacing.
 *
 * With AS_MATCH_PAIRS=FILE set, runs no tests: for each line "A.cif B.cif [HOST.cif|-] [TOL_ANGSTROM]" of FILE
 * it prints "MATCH op rms maxdev" (angstrom) or "NOMATCH", matching under HOST's space group (- or absent: no
 * symmetry; twin:HOST.cif: the operations of HOST's lattice within 1 %, as the scan's twin test uses them) at TOL
 * (absent: AS_MATCH_TOL_ANG); tests/e2e/t_match_pymatgen.sh compares this with pymatgen. */
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
#include "crystal/supercell.h"
#include "crystal/symmetry.h"
#include "io/cif.h"
#include "scan/classify.h"

#define ANG AS_ANG_BOHR
#define Z_CL 17
#define Z_BR 35

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

static as_symmetry *symmetry(const as_structure *s)
{
    as_error err;
    as_symmetry *sym = as_symmetry_create(s, 0.0, &err);
    if (!sym)
        fail_msg("%s", err.msg);
    return sym;
}

static as_structure *copy(const as_structure *s)
{
    as_error err;
    as_structure *c = as_structure_copy(s, &err);
    if (!c)
        fail_msg("%s", err.msg);
    return c;
}

static as_structure *with_atom(const as_structure *s, int z, const double p[3])
{
    as_error err;
    as_structure *c = copy(s);
    if (as_structure_add_atom(c, z, p, &err))
        fail_msg("%s", err.msg);
    return c;
}

/* Deterministic pseudo-random numbers in [0, 1). */
static double uniform(unsigned long *state)
{
    *state = *state * 6364136223846793005UL + 1442695040888963407UL;
    return (double)(*state >> 11) / 9007199254740992.0;
}

/* A copy with the atoms in a shuffled order. */
static as_structure *shuffled(const as_structure *s, unsigned long seed)
{
    as_structure *c = copy(s);
    for (int i = c->natoms - 1; i > 0; i--) {
        int j = (int)(uniform(&seed) * (i + 1));
        int z = c->z[i];
        double f[3];
        memcpy(f, c->frac[i], sizeof f);
        c->z[i] = c->z[j];
        memcpy(c->frac[i], c->frac[j], sizeof f);
        c->z[j] = z;
        memcpy(c->frac[j], f, sizeof f);
    }
    return c;
}

/* A copy with every atom moved by exactly d (bohr) in a pseudo-random direction. */
static as_structure *rattled(const as_structure *s, double d, unsigned long seed)
{
    as_structure *c = copy(s);
    double inv[3][3];
    assert_int_equal(as_lattice_inverse(s->lattice, inv), 0);
    for (int a = 0; a < c->natoms; a++) {
        double v[3], r2;
        do {
            for (int k = 0; k < 3; k++)
                v[k] = 2.0 * uniform(&seed) - 1.0;
            r2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
        } while (r2 > 1.0 || r2 < 1e-2);
        for (int k = 0; k < 3; k++)
            v[k] *= d / sqrt(r2);
        double df[3];
        as_cart_to_frac(inv, v, df);
        for (int k = 0; k < 3; k++)
            c->frac[a][k] += df[k];
    }
    return c;
}

/* The copy of s with every atom moved by operation op, wrapped into the cell. */
static as_structure *image(const as_structure *s, const as_symmetry *sym, int op)
{
    as_structure *c = copy(s);
    for (int a = 0; a < s->natoms; a++)
        as_symmetry_apply(sym, op, s->frac[a], c->frac[a]);
    as_structure_wrap(c);
    return c;
}

/* Shortest distance (bohr) from q to any image g(p) of p, over every operation of sym. */
static double orbit_distance(const as_structure *s, const as_symmetry *sym, const double p[3], const double q[3])
{
    double best = INFINITY;
    for (int g = 0; g < sym->nops; g++) {
        double y[3];
        as_symmetry_apply(sym, g, p, y);
        best = fmin(best, as_periodic_distance(s->lattice, y, q));
    }
    return best;
}

/* A general position: at least 1.8 angstrom from every host atom and 1 angstrom from its own images, and (if
 * avoid is given) at least 1.5 angstrom from every image of avoid. */
static void interstitial(const as_structure *s, const as_symmetry *sym, const double *avoid, unsigned long seed,
                         double p[3])
{
    for (int tries = 0; tries < 100000; tries++) {
        for (int k = 0; k < 3; k++)
            p[k] = uniform(&seed);
        double dmin = INFINITY;
        for (int a = 0; a < s->natoms; a++)
            dmin = fmin(dmin, as_periodic_distance(s->lattice, p, s->frac[a]));
        if (dmin < 1.8 * ANG)
            continue;
        int general = 1;
        for (int g = 1; g < sym->nops && general; g++) {
            double y[3];
            as_symmetry_apply(sym, g, p, y);
            general = as_periodic_distance(s->lattice, p, y) > 1.0 * ANG;
        }
        if (general && (!avoid || orbit_distance(s, sym, avoid, p) > 1.5 * ANG))
            return;
    }
    fail_msg("no interstitial position found");
}

static int match(const as_structure *a, const as_structure *b, const as_symmetry *sym, double tol, int *op,
                 double *rms, double *maxdev)
{
    as_error err;
    as_error_clear(&err);
    int m = as_match_structures(a, b, sym, tol, op, rms, maxdev, &err);
    if (m < 0)
        fail_msg("%s", err.msg);
    return m;
}

typedef struct fixture {
    as_structure *host;
    as_symmetry *sym;
    double p[3], q[3]; /* two non-equivalent interstitial positions */
    as_structure *a;   /* host + Br at p */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->host = host("CsPbBr3", AS_PEROVSKITE_PNMA);
    f->sym = symmetry(f->host);
    interstitial(f->host, f->sym, NULL, 11, f->p);
    interstitial(f->host, f->sym, f->p, 23, f->q);
    f->a = with_atom(f->host, Z_BR, f->p);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    as_structure_destroy(f->a);
    as_structure_destroy(f->host);
    as_symmetry_destroy(f->sym);
    free(f);
    return 0;
}

static void itself_and_permuted(void **state)
{
    fixture *f = *state;
    assert_int_equal(f->sym->nops, 8);
    int op;
    double rms, maxdev;
    assert_int_equal(match(f->a, f->a, f->sym, AS_MATCH_TOL, &op, &rms, &maxdev), 1);
    assert_int_equal(op, 0); /* spglib lists the identity first */
    assert_true(rms == 0.0 && maxdev == 0.0);
    assert_int_equal(match(f->a, f->a, NULL, AS_MATCH_TOL, &op, &rms, &maxdev), 1);
    assert_int_equal(op, -1);
    assert_true(rms == 0.0);
    as_structure *b = shuffled(f->a, 5);
    assert_int_equal(match(f->a, b, NULL, AS_MATCH_TOL, &op, &rms, &maxdev), 1);
    assert_true(rms < 1e-12 && maxdev < 1e-12);
    assert_int_equal(match(b, f->a, f->sym, 0.0, NULL, NULL, NULL), 1); /* tol <= 0: the default */
    as_structure_destroy(b);
}

/* Every host operation: the whole structure moved (b = g(a), atoms permuted with it), or only the interstitial
 * moved to g(p) with the host as it is.  Either matches through g, with sym only. */
static void host_operations(void **state)
{
    fixture *f = *state;
    for (int g = 0; g < f->sym->nops; g++) {
        int op;
        double rms, maxdev, y[3];
        as_structure *whole = image(f->a, f->sym, g), *perm = shuffled(whole, 7 + g);
        assert_int_equal(match(f->a, perm, f->sym, AS_MATCH_TOL, &op, &rms, &maxdev), 1);
        assert_true(maxdev < 1e-8);
        /* Without the host's symmetry only the identity (and no pure translation: Pnma is primitive). */
        assert_int_equal(match(f->a, perm, NULL, AS_MATCH_TOL, NULL, NULL, NULL), g == 0);

        as_symmetry_apply(f->sym, g, f->p, y);
        as_structure *moved = with_atom(f->host, Z_BR, y);
        assert_int_equal(match(f->a, moved, f->sym, AS_MATCH_TOL, &op, &rms, &maxdev), 1);
        assert_int_equal(op, g); /* p is a general position: only g takes it to g(p) */
        assert_true(maxdev < 1e-8);
        assert_int_equal(match(moved, f->a, f->sym, AS_MATCH_TOL, NULL, NULL, NULL), 1);
        as_structure_destroy(whole);
        as_structure_destroy(perm);
        as_structure_destroy(moved);
    }
    /* A non-equivalent position: no operation, no translation. */
    assert_true(orbit_distance(f->host, f->sym, f->p, f->q) > 1.5 * ANG);
    as_structure *other = with_atom(f->host, Z_BR, f->q);
    int op = 99;
    double rms = 0, maxdev = 0;
    assert_int_equal(match(f->a, other, f->sym, AS_MATCH_TOL, &op, &rms, &maxdev), 0);
    assert_true(op == -1 && rms == -1.0 && maxdev == -1.0);
    assert_int_equal(match(f->a, other, NULL, AS_MATCH_TOL, NULL, NULL, NULL), 0);
    as_structure_destroy(other);
}

/* Frenkel pairs: lattice Br k moved to p.  The pair (k, p) matches (map_g(k), g(p)) with the atoms in host
 * order, not (k', p) for a Br k' of another orbit; the host matches itself rattled but not a Frenkel pair. */
static void frenkel_pairs(void **state)
{
    fixture *f = *state;
    int k = 19; /* an 8d (equatorial) Br: Pb 0-3, Cs 4-7, Br 4c 8-11, Br 8d 12-19 */
    assert_int_equal(f->host->z[k], Z_BR);
    as_structure *a = copy(f->host);
    memcpy(a->frac[k], f->p, sizeof f->p);
    int map[20];
    for (int g = 0; g < f->sym->nops; g++) {
        assert_int_equal(as_symmetry_atom_map(f->sym, f->host, g, map), 0);
        as_structure *b = copy(f->host);
        as_symmetry_apply(f->sym, g, f->p, b->frac[map[k]]);
        int op;
        assert_int_equal(match(a, b, f->sym, AS_MATCH_TOL, &op, NULL, NULL), 1);
        assert_int_equal(op, g);
        as_structure_destroy(b);
    }
    as_structure *apical = copy(f->host); /* the vacancy on a 4c Br instead */
    memcpy(apical->frac[8], f->p, sizeof f->p);
    assert_int_equal(match(a, apical, f->sym, AS_MATCH_TOL, NULL, NULL, NULL), 0);
    as_structure *back = rattled(f->host, 0.05 * ANG, 3); /* the interstitial fell back into its vacancy */
    assert_int_equal(match(f->host, back, f->sym, AS_MATCH_TOL, NULL, NULL, NULL), 1);
    assert_int_equal(match(a, back, f->sym, AS_MATCH_TOL, NULL, NULL, NULL), 0);
    as_structure_destroy(a);
    as_structure_destroy(apical);
    as_structure_destroy(back);
}

static void rattle_and_tolerance(void **state)
{
    fixture *f = *state;
    as_structure *b = rattled(f->a, 0.05 * ANG, 17), *bp = shuffled(b, 2);
    double rms, maxdev;
    assert_int_equal(match(f->a, bp, f->sym, 0.3 * ANG, NULL, &rms, &maxdev), 1);
    assert_true(maxdev <= 0.05 * ANG * (1 + 1e-9));
    assert_true(rms > 0.01 * ANG && rms <= maxdev);
    assert_int_equal(match(f->a, bp, f->sym, AS_MATCH_TOL, NULL, NULL, NULL), 1);
    assert_int_equal(match(f->a, bp, f->sym, 0.01 * ANG, NULL, NULL, NULL), 0);
    assert_int_equal(match(f->a, bp, NULL, 0.01 * ANG, NULL, NULL, NULL), 0);
    as_structure_destroy(b);
    as_structure_destroy(bp);
}

/* The anchor's own noise: b is a moved by a translation that is no symmetry of it, with the anchor atom (a's
 * first Cs, the rarest element) displaced 0.25 angstrom along x and every other atom 0.1 angstrom the other
 * way.  At a translation anchored on any Cs some atom is 0.35 angstrom off (beyond 0.3).  The Cs atoms' mean
 * displacement is (0.25 - 3 x 0.1) / 4 = -0.0125 angstrom: at that translation the anchor is 0.2625 angstrom
 * off and the others 0.0875, within 0.3: the match is found there. */
static void anchor_noise(void **state)
{
    fixture *f = *state;
    as_structure *b = copy(f->a);
    double inv[3][3];
    assert_int_equal(as_lattice_inverse(b->lattice, inv), 0);
    int a0 = -1;
    for (int i = 0; i < b->natoms && a0 < 0; i++)
        if (b->z[i] == 55)
            a0 = i;
    for (int i = 0; i < b->natoms; i++) {
        double c[3] = {(i == a0 ? 0.25 : -0.1) * ANG, 0.0, 0.0}, d[3];
        as_cart_to_frac(inv, c, d);
        const double shift[3] = {0.13, 0.27, 0.41};
        for (int k = 0; k < 3; k++)
            b->frac[i][k] += d[k] + shift[k];
    }
    as_structure_wrap(b);
    double maxdev;
    assert_int_equal(match(f->a, b, NULL, 0.3 * ANG, NULL, NULL, &maxdev), 1);
    assert_true(fabs(maxdev - 0.2625 * ANG) < 1e-6 * ANG);
    as_structure_destroy(b);
}

static void elements_counts_lattices(void **state)
{
    fixture *f = *state;
    as_structure *cl = with_atom(f->host, Z_CL, f->p); /* a Cl interstitial instead of Br */
    assert_int_equal(match(f->a, cl, f->sym, AS_MATCH_TOL, NULL, NULL, NULL), 0);
    as_structure *swap = copy(f->a); /* same composition, Cs and Pb exchanged at one pair of sites */
    int t = swap->z[0];
    swap->z[0] = swap->z[4];
    swap->z[4] = t;
    assert_int_equal(match(f->a, swap, f->sym, AS_MATCH_TOL, NULL, NULL, NULL), 0);
    assert_int_equal(match(f->a, f->host, f->sym, AS_MATCH_TOL, NULL, NULL, NULL), 0); /* 21 vs 20 atoms */
    as_structure *big = copy(f->a), *noisy = copy(f->a);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            big->lattice[i][k] *= 1.01;
            noisy->lattice[i][k] *= 1.0 + 1e-7; /* CIF round-off: still the same cell */
        }
    assert_int_equal(match(f->a, big, f->sym, AS_MATCH_TOL, NULL, NULL, NULL), 0);
    assert_int_equal(match(f->a, noisy, f->sym, AS_MATCH_TOL, NULL, NULL, NULL), 1);
    as_structure_destroy(cl);
    as_structure_destroy(swap);
    as_structure_destroy(big);
    as_structure_destroy(noisy);
}

/* A 2x1x1 supercell with an extra Br.  A rigid shift of everything by the primitive a (1/2 0 0), or by any
 * other vector, matches without symmetry (anchored translations), as does the extra Br alone moved into the
 * other primitive cell; the extra Br alone moved by half the primitive a matches with neither. */
static void supercell_translation(void **state)
{
    fixture *f = *state;
    const int m2[3][3] = {{2, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    as_error err;
    as_structure *sc = as_supercell_build(f->host, m2, NULL, &err);
    if (!sc)
        fail_msg("%s", err.msg);
    as_symmetry *ssym = symmetry(sc);
    assert_int_equal(ssym->nops, 16); /* Pnma's 8 and the same with the primitive a added */
    double p[3] = {f->p[0] / 2, f->p[1], f->p[2]};
    as_structure *a = with_atom(sc, Z_BR, p), *half = copy(a), *shift = copy(a);
    for (int i = 0; i < a->natoms; i++) {
        half->frac[i][0] += 0.5;
        for (int k = 0; k < 3; k++)
            shift->frac[i][k] += 0.1 * (k + 1);
    }
    as_structure_wrap(half);
    as_structure *hp = shuffled(half, 9);
    int op;
    double rms, maxdev;
    assert_int_equal(match(a, hp, NULL, AS_MATCH_TOL, &op, &rms, &maxdev), 1);
    assert_int_equal(op, -1);
    assert_true(maxdev < 1e-8);
    assert_int_equal(match(a, hp, ssym, AS_MATCH_TOL, &op, &rms, &maxdev), 1);
    assert_true(maxdev < 1e-8);
    assert_int_equal(match(a, shift, NULL, AS_MATCH_TOL, NULL, NULL, &maxdev), 1);
    assert_true(maxdev < 1e-8);

    double p2[3] = {p[0] + 0.5, p[1], p[2]}, p4[3] = {p[0] + 0.25, p[1], p[2]};
    as_structure *other_cell = with_atom(sc, Z_BR, p2), *quarter = with_atom(sc, Z_BR, p4);
    assert_int_equal(match(a, other_cell, NULL, AS_MATCH_TOL, NULL, NULL, &maxdev), 1);
    assert_true(maxdev < 1e-8);
    assert_int_equal(match(a, other_cell, ssym, AS_MATCH_TOL, NULL, NULL, NULL), 1);
    assert_true(orbit_distance(sc, ssym, p, p4) > 1.5 * ANG);
    assert_int_equal(match(a, quarter, NULL, AS_MATCH_TOL, NULL, NULL, NULL), 0);
    assert_int_equal(match(a, quarter, ssym, AS_MATCH_TOL, NULL, NULL, NULL), 0);
    as_structure_destroy(other_cell);
    as_structure_destroy(quarter);
    as_structure_destroy(a);
    as_structure_destroy(half);
    as_structure_destroy(hp);
    as_structure_destroy(shift);
    as_structure_destroy(sc);
    as_symmetry_destroy(ssym);
}

/* A tolerance beyond half a plane spacing (cubic cell, 5.874 angstrom) takes the slow path (full image search,
 * one bin): still a match for a rattled, shifted copy, and none for a different element. */
static void large_tolerance(void **state)
{
    (void)state;
    as_structure *c = host("CsPbBr3", AS_PEROVSKITE_CUBIC);
    as_symmetry *sym = symmetry(c);
    as_structure *r = rattled(c, 0.05 * ANG, 4);
    for (int a = 0; a < r->natoms; a++)
        r->frac[a][2] += 1.0; /* another image: same structure */
    double rms, maxdev;
    assert_int_equal(match(c, r, sym, 3.0 * ANG, NULL, &rms, &maxdev), 1);
    assert_true(maxdev <= 0.05 * ANG * (1 + 1e-9));
    assert_int_equal(match(c, r, NULL, 3.0 * ANG, NULL, NULL, NULL), 1);
    r->z[0] = Z_CL;
    assert_int_equal(match(c, r, sym, 3.0 * ANG, NULL, NULL, NULL), 0);
    as_structure_destroy(c);
    as_structure_destroy(r);
    as_symmetry_destroy(sym);
}

/* ---------------------------------------------------------------- AS_MATCH_PAIRS mode ---- */

static as_structure *read_cif(const char *list, int line, const char *path)
{
    as_error err;
    as_structure *s = as_cif_read(path, NULL, &err);
    if (!s)
        fprintf(stderr, "%s:%d: %s\n", list, line, err.msg);
    return s;
}

static int run_pairs(const char *list)
{
    FILE *fp = fopen(list, "r");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", list);
        return 1;
    }
    char buf[4096];
    int line = 0, status = 0;
    while (status == 0 && fgets(buf, sizeof buf, fp)) {
        line++;
        char pa[1024], pb[1024], ph[1024] = "-";
        double tol_ang = AS_MATCH_TOL_ANG;
        int nf = sscanf(buf, "%1023s %1023s %1023s %lf", pa, pb, ph, &tol_ang);
        if (nf <= 0 || pa[0] == '#')
            continue;
        if (nf < 2) {
            fprintf(stderr, "%s:%d: expected 'A.cif B.cif [HOST.cif|-] [TOL_ANGSTROM]'\n", list, line);
            status = 1;
            break;
        }
        as_structure *a = read_cif(list, line, pa), *b = a ? read_cif(list, line, pb) : NULL;
        /* twin:HOST.cif: the operations of HOST's lattice within 1 % (scan/classify.h), not its space group */
        const int twin = strncmp(ph, "twin:", 5) == 0;
        const char *hp = twin ? ph + 5 : ph;
        as_structure *h = b && strcmp(hp, "-") != 0 ? read_cif(list, line, hp) : NULL;
        as_symmetry *sym = NULL;
        as_error err;
        as_error_clear(&err);
        if (h && !(sym = twin ? as_scan_twin_operations(h, &err) : as_symmetry_create(h, 0.0, &err)))
            fprintf(stderr, "%s:%d: %s: %s\n", list, line, ph, err.msg);
        if (!a || !b || (strcmp(ph, "-") != 0 && !sym)) {
            status = 1;
        } else {
            int op;
            double rms, maxdev;
            int m = as_match_structures(a, b, sym, tol_ang * ANG, &op, &rms, &maxdev, &err);
            if (m < 0) {
                fprintf(stderr, "%s:%d: %s\n", list, line, err.msg);
                status = 1;
            } else if (m) {
                printf("MATCH %d %.6f %.6f\n", op, rms * AS_BOHR_ANG, maxdev * AS_BOHR_ANG);
            } else {
                printf("NOMATCH\n");
            }
        }
        as_structure_destroy(a);
        as_structure_destroy(b);
        as_structure_destroy(h);
        as_symmetry_destroy(sym);
    }
    fclose(fp);
    return status;
}

int main(void)
{
    const char *pairs = getenv("AS_MATCH_PAIRS");
    if (pairs && *pairs)
        return run_pairs(pairs);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(itself_and_permuted, setup, teardown),
        cmocka_unit_test_setup_teardown(host_operations, setup, teardown),
        cmocka_unit_test_setup_teardown(frenkel_pairs, setup, teardown),
        cmocka_unit_test_setup_teardown(rattle_and_tolerance, setup, teardown),
        cmocka_unit_test_setup_teardown(anchor_noise, setup, teardown),
        cmocka_unit_test_setup_teardown(elements_counts_lattices, setup, teardown),
        cmocka_unit_test_setup_teardown(supercell_translation, setup, teardown),
        cmocka_unit_test(large_tolerance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
