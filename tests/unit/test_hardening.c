/* Readers and checks of issue 13 ("Hardening"), where a bug would not show in the catalogue of bad inputs:
 * the closest-pair check in linear time must find exactly the pair the all-pairs search finds, on random
 * cells (skewed, flat, long) and random atoms; text files are read with their BOM dropped and their line
 * ends normalised, and a NUL byte or UTF-16 is refused with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/units.h"
#include "crystal/structure.h"

static double rnd(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return ((*state >> 8) & 0xffffff) / (double)0x1000000;
}

/* The first pair (i < j, lexicographic) closer than dmin, by all pairs: the reference. */
static int brute_first(const as_structure *s, double dmin, int *pi, int *pj)
{
    for (int i = 0; i < s->natoms; i++)
        for (int j = i + 1; j < s->natoms; j++)
            if (as_periodic_distance(s->lattice, s->frac[i], s->frac[j]) < dmin) {
                *pi = i, *pj = j;
                return 1;
            }
    return 0;
}

static void closest_pair_matches_all_pairs(void **state)
{
    (void)state;
    unsigned seed = 12345u;
    int found = 0, clean = 0;
    for (int trial = 0; trial < 300; trial++) {
        const int n = 2 + (int)(rnd(&seed) * 120);
        as_error err;
        as_structure *s = as_structure_create(n, &err);
        assert_non_null(s);
        /* a cell of 4..40 bohr edges, sheared by up to half an edge */
        memset(s->lattice, 0, sizeof s->lattice);
        for (int k = 0; k < 3; k++)
            s->lattice[k][k] = 4.0 + 36.0 * rnd(&seed);
        s->lattice[1][0] = (rnd(&seed) - 0.5) * s->lattice[0][0];
        s->lattice[2][0] = (rnd(&seed) - 0.5) * s->lattice[0][0];
        s->lattice[2][1] = (rnd(&seed) - 0.5) * s->lattice[1][1];
        for (int a = 0; a < n; a++) {
            s->z[a] = 35;
            for (int k = 0; k < 3; k++)
                s->frac[a][k] = 3.0 * rnd(&seed) - 1.0; /* outside [0,1) too: the check wraps */
        }
        const double dmin = 0.5 + 3.0 * rnd(&seed);
        int bi = -1, bj = -1;
        const int close = brute_first(s, dmin, &bi, &bj);
        /* the cell itself may be too small for dmin: then both report that, and the pair is not asked */
        int rc = as_structure_validate(s, dmin, &err);
        if (rc && strstr(err.msg, "the cell is too small")) {
            as_structure_destroy(s);
            continue;
        }
        if (close) {
            assert_int_equal(rc, AS_EINPUT);
            char want[64];
            snprintf(want, sizeof want, "atoms %d (Br) and %d (Br)", bi + 1, bj + 1);
            if (!strstr(err.msg, want))
                fail_msg("trial %d: all pairs find %s, the check says: %s", trial, want, err.msg);
            found++;
        } else {
            if (rc != AS_OK)
                fail_msg("trial %d: no pair closer than %g bohr, but: %s", trial, dmin, err.msg);
            clean++;
        }
        as_structure_destroy(s);
    }
    assert_true(found > 30 && clean > 30); /* both outcomes were exercised */
}

static char *read_text_of(const char *bytes, size_t n, as_error *err, int *rc)
{
    char path[] = "/tmp/as_hardening_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, n), (ssize_t)n);
    close(fd);
    char *text = NULL;
    *rc = as_file_read_text(path, &text, NULL, err);
    unlink(path);
    return text;
}

static void text_files(void **state)
{
    (void)state;
    as_error err;
    int rc;
    char *t = read_text_of("\xef\xbb\xbf" "a\r\nb\rc\n", 10, &err, &rc);
    assert_int_equal(rc, AS_OK);
    assert_string_equal(t, "a\nb\nc\n");
    free(t);
    t = read_text_of("a\nb\nc\0d\n", 8, &err, &rc);
    assert_null(t);
    assert_int_equal(rc, AS_EINPUT);
    assert_non_null(strstr(err.msg, ":3: the file has a NUL byte"));
    t = read_text_of("\xff\xfe" "a\0", 4, &err, &rc);
    assert_int_equal(rc, AS_EINPUT);
    assert_non_null(strstr(err.msg, "UTF-16"));
    t = read_text_of("\r\r\rx = 1\r", 9, &err, &rc);
    assert_int_equal(rc, AS_OK);
    assert_string_equal(t, "\n\n\nx = 1\n");
    free(t);
    rc = as_file_read_text("/tmp", &t, NULL, &err);
    assert_int_equal(rc, AS_EINPUT);
    assert_non_null(strstr(err.msg, "is a directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(closest_pair_matches_all_pairs),
        cmocka_unit_test(text_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
