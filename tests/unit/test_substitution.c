/* Mixed-halide arrangements.  The count of distinct arrangements is checked against
 * Burnside's lemma (average number of arrangements fixed by an operation, counted
 * here from the cycle structure of each operation, not by enumeration); each
 * pattern's multiplicity against the symmetry spglib finds in the substituted cell
 * (|stabiliser| = |G| / multiplicity); and the paper's case CsPbCl0.25Br2.75 in the
 * 20-atom Pnma cell must give exactly the apical (4c) and equatorial (8d) sites. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crystal/composition.h"
#include "crystal/perovskite.h"
#include "crystal/substitution.h"
#include "crystal/supercell.h"
#include "crystal/symmetry.h"

static as_structure *host(const char *f, as_perovskite_phase ph, int n1, int n2, int n3, as_composition *c)
{
    as_error err;
    if (as_composition_parse(f, c, &err))
        fail_msg("%s", err.msg);
    as_structure *s = as_perovskite_build(c, ph, NULL, &err);
    if (!s)
        fail_msg("%s", err.msg);
    const int m[3][3] = {{n1, 0, 0}, {0, n2, 0}, {0, 0, n3}};
    as_structure *t = as_supercell_build(s, m, NULL, &err);
    as_structure_destroy(s);
    if (!t)
        fail_msg("%s", err.msg);
    return t;
}

/* Site permutations computed here: nearest halide site to each image. */
static int test_perms(const as_structure *s, int **perm_out, int **sites_out, int *nsites)
{
    as_error err;
    as_symmetry *sym = as_symmetry_create(s, 0.0, &err);
    assert_non_null(sym);
    int *sites = malloc((size_t)s->natoms * sizeof *sites), n = 0;
    for (int a = 0; a < s->natoms; a++)
        if (as_halide_index(s->z[a]) >= 0)
            sites[n++] = a;
    int *perm = malloc((size_t)sym->nops * n * sizeof *perm);
    for (int o = 0; o < sym->nops; o++)
        for (int i = 0; i < n; i++) {
            double y[3], best = 1e30;
            as_symmetry_apply(sym, o, s->frac[sites[i]], y);
            for (int j = 0; j < n; j++) {
                double d = as_periodic_distance(s->lattice, y, s->frac[sites[j]]);
                if (d < best)
                    best = d, perm[o * n + i] = j;
            }
            assert_true(best < 1e-3);
        }
    int nops = sym->nops;
    as_symmetry_destroy(sym);
    *perm_out = perm;
    *sites_out = sites;
    *nsites = n;
    return nops;
}

/* Burnside: number of orbits of colourings with counts cnt[0..nc-1] (sum n) =
 * (1/|G|) sum_g fix(g); fix(g) = ways to colour whole cycles of g to meet the counts. */
static double burnside(const int *perm, int nops, int n, const int *cnt, int nc)
{
    double total = 0.0;
    int *seen = malloc((size_t)n * sizeof *seen), *len = malloc((size_t)n * sizeof *len);
    for (int o = 0; o < nops; o++) {
        int ncyc = 0;
        memset(seen, 0, (size_t)n * sizeof *seen);
        for (int i = 0; i < n; i++) {
            if (seen[i])
                continue;
            int l = 0;
            for (int j = i; !seen[j]; j = perm[o * n + j])
                seen[j] = 1, l++;
            len[ncyc++] = l;
        }
        /* dp[a][b] = ways so far with a sites of colour 1 and b of colour 2 (colour 0 takes the rest). */
        int A = cnt[1], B = nc > 2 ? cnt[2] : 0;
        double *dp = calloc((size_t)(A + 1) * (B + 1), sizeof *dp);
        dp[0] = 1.0;
        for (int c = 0; c < ncyc; c++) {
            double *nd = calloc((size_t)(A + 1) * (B + 1), sizeof *nd);
            for (int a = 0; a <= A; a++)
                for (int b = 0; b <= B; b++) {
                    double v = dp[a * (B + 1) + b];
                    if (v == 0.0)
                        continue;
                    nd[a * (B + 1) + b] += v; /* colour 0 */
                    if (a + len[c] <= A)
                        nd[(a + len[c]) * (B + 1) + b] += v;
                    if (nc > 2 && b + len[c] <= B)
                        nd[a * (B + 1) + b + len[c]] += v;
                }
            free(dp);
            dp = nd;
        }
        total += dp[A * (B + 1) + B];
        free(dp);
    }
    free(seen);
    free(len);
    return total / nops;
}

static as_substitution *enumerate(const as_structure *h, const as_composition *c)
{
    as_error err;
    as_error_clear(&err);
    as_substitution *sub = as_substitution_enumerate(h, c, 0.0, 0.0, &err);
    if (!sub)
        fail_msg("%s", err.msg);
    return sub;
}

static void paper_case_two_patterns(void **state)
{
    (void)state;
    as_composition c;
    as_structure *h = host("CsPbCl0.25Br2.75", AS_PEROVSKITE_PNMA, 1, 1, 1, &c);
    as_substitution *sub = enumerate(h, &c);
    assert_int_equal(sub->nsites, 12);
    assert_int_equal(sub->count[1], 1);
    assert_int_equal(sub->species_z[1], 17);
    assert_true(sub->exact);
    assert_string_equal(sub->formula, "CsPbCl0.25Br2.75");
    assert_int_equal(sub->npatterns, 2);
    assert_int_equal(sub->multiplicity[0], 8);
    assert_int_equal(sub->multiplicity[1], 4);
    /* Which host site got the Cl: spglib's Wyckoff letter of that atom in the pure host. */
    as_error err;
    as_symmetry *hs = as_symmetry_create(h, 0.0, &err);
    const char want[2] = {'d', 'c'};
    const int ops_left[2] = {1, 2}; /* site symmetry 1 (8d) and .m. (4c) */
    for (int p = 1; p <= 2; p++) {
        as_structure *s = as_substitution_apply(sub, h, p, &err);
        assert_non_null(s);
        int cl = -1;
        for (int a = 0; a < s->natoms; a++)
            if (s->z[a] == 17)
                cl = a;
        assert_int_equal(hs->wyckoff[cl], want[p - 1]);
        as_symmetry *ss = as_symmetry_create(s, 0.0, &err);
        assert_int_equal(ss->nops, ops_left[p - 1]);
        as_symmetry_destroy(ss);
        as_structure_destroy(s);
    }
    as_symmetry_destroy(hs);
    assert_null(as_substitution_apply(sub, h, 3, &err));
    assert_int_equal(err.code, AS_EINPUT);
    assert_non_null(strstr(err.msg, "2 symmetry-distinct arrangements"));
    as_substitution_destroy(sub);
    as_structure_destroy(h);
}

/* Enumeration vs Burnside, multiplicities vs raw count and vs spglib, no two
 * patterns equivalent. */
static void check_case(const char *formula, as_perovskite_phase ph, int n1, int n2, int n3, int spglib_check)
{
    as_composition c;
    as_structure *h = host(formula, ph, n1, n2, n3, &c);
    as_substitution *sub = enumerate(h, &c);
    int *perm, *sites, n;
    int nops = test_perms(h, &perm, &sites, &n);
    assert_int_equal(n, sub->nsites);
    double b = burnside(perm, nops, n, sub->count, sub->nspecies);
    if (fabs(b - sub->npatterns) > 1e-6)
        fail_msg("%s %dx%dx%d: Burnside %.3f, enumerated %d", formula, n1, n2, n3, b, sub->npatterns);
    double sum = 0.0;
    for (int p = 0; p < sub->npatterns; p++) {
        sum += sub->multiplicity[p];
        assert_int_equal(nops % sub->multiplicity[p], 0);
        if (p > 0)
            assert_true(sub->multiplicity[p] <= sub->multiplicity[p - 1]);
    }
    assert_true(fabs(sum - sub->raw) < 0.5);
    if (spglib_check) {
        as_error err;
        for (int p = 1; p <= sub->npatterns; p++) {
            as_structure *s = as_substitution_apply(sub, h, p, &err);
            as_symmetry *ss = as_symmetry_create(s, 0.0, &err);
            assert_non_null(ss);
            if (ss->nops != nops / sub->multiplicity[p - 1])
                fail_msg("%s pattern %d: spglib %d operations, expected %d / %ld", formula, p, ss->nops, nops,
                         sub->multiplicity[p - 1]);
            as_symmetry_destroy(ss);
            as_structure_destroy(s);
        }
        /* No operation maps one pattern onto another. */
        for (int p = 0; p < sub->npatterns; p++)
            for (int q = p + 1; q < sub->npatterns; q++)
                for (int o = 0; o < nops; o++) {
                    const unsigned char *vp = sub->occ + (size_t)p * n, *vq = sub->occ + (size_t)q * n;
                    int same = 1;
                    for (int i = 0; i < n && same; i++)
                        same = vp[i] == vq[perm[o * n + i]];
                    assert_false(same);
                }
    }
    free(perm);
    free(sites);
    as_substitution_destroy(sub);
    as_structure_destroy(h);
}

static void burnside_counts(void **state)
{
    (void)state;
    check_case("CsPbCl0.5Br2.5", AS_PEROVSKITE_PNMA, 1, 1, 1, 1);      /* 2 Cl on 12 sites */
    check_case("CsPbCl0.125Br2.875", AS_PEROVSKITE_PNMA, 2, 1, 2, 1);  /* 2 Cl on 48 sites */
    check_case("CsPbCl0.25Br2.75", AS_PEROVSKITE_CUBIC, 2, 2, 2, 1);   /* 2 Cl on 24 sites */
    check_case("CsPbCl0.25Br2.5I0.25", AS_PEROVSKITE_PNMA, 1, 1, 1, 1); /* 1 Cl + 1 I on 12 */
    check_case("CsPbBr1.5I1.5", AS_PEROVSKITE_PNMA, 1, 1, 1, 0);       /* 6 + 6 on 12 */
    check_case("CsPbCl0.25Br2.75", AS_PEROVSKITE_PNMA, 2, 1, 2, 0);    /* 4 Cl on 48 sites */
}

static void realised_fraction_and_guard(void **state)
{
    (void)state;
    as_composition c;
    as_structure *h = host("CsPbCl0.1Br2.9", AS_PEROVSKITE_PNMA, 1, 1, 1, &c);
    as_substitution *sub = enumerate(h, &c);
    assert_int_equal(sub->count[1], 1); /* round(0.4) = 0, at least 1 */
    assert_false(sub->exact);
    assert_string_equal(sub->formula, "CsPbCl0.25Br2.75");
    as_substitution_destroy(sub);
    as_structure_destroy(h);

    h = host("CsPbCl1.5Br1.5", AS_PEROVSKITE_PNMA, 2, 1, 2, &c);
    as_error err;
    as_error_clear(&err);
    assert_null(as_substitution_enumerate(h, &c, 0.0, 0.0, &err));
    assert_int_equal(err.code, AS_EINPUT);
    assert_non_null(strstr(err.msg, "smaller supercell"));
    as_structure_destroy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paper_case_two_patterns),
        cmocka_unit_test(burnside_counts),
        cmocka_unit_test(realised_fraction_and_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
