/* The Miller-index map (pw/gmap.h) that lets a checkpoint written by one parallel layout be read by
 * another:
 *  - every index that fits the box (|m_i| < n_i / 2, even and odd n) is found again with its own
 *    (record, index), so no two indices share a slot;
 *  - indices outside the box are refused (they would alias an index inside);
 *  - a later put replaces an earlier one (a rank's own share wins), clear empties the map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <mpi.h>
#include <stdlib.h>

#include "pw/gmap.h"

static void round_trip(void **state)
{
    (void)state;
    as_error err = {0};
    const int n[3] = {8, 9, 10};
    as_fft *f = as_fft_create(n, MPI_COMM_SELF, &err);
    assert_non_null(f);
    as_gmap *map = as_gmap_create(f, &err);
    assert_non_null(map);
    int count = 0;
    for (int a = -4; a <= 4; a++)
        for (int b = -4; b <= 4; b++)
            for (int c = -5; c <= 5; c++) {
                const int m[3] = {a, b, c};
                const int fits = 2 * abs(a) < n[0] && 2 * abs(b) < n[1] && 2 * abs(c) < n[2];
                assert_int_equal(as_gmap_fits(map, m), fits);
                assert_int_equal(as_gmap_put(map, m, (a + 4) * 100 + b + 4, count), fits ? 0 : -1);
                count += fits;
            }
    assert_int_equal(count, 7 * 9 * 9); /* even 8: -3..3; odd 9: -4..4; even 10: -4..4 */
    int seen = 0;
    for (int a = -4; a <= 4; a++)
        for (int b = -4; b <= 4; b++)
            for (int c = -5; c <= 5; c++) {
                const int m[3] = {a, b, c};
                int r = -1, i = -1;
                if (!as_gmap_fits(map, m)) {
                    assert_int_equal(as_gmap_get(map, m, &r, &i), 0);
                    continue;
                }
                assert_int_equal(as_gmap_get(map, m, &r, &i), 1);
                assert_int_equal(r, (a + 4) * 100 + b + 4);
                assert_int_equal(i, seen);
                seen++;
            }
    const int m0[3] = {1, -2, 3};
    as_gmap_put(map, m0, 7, 123456789);
    int r = 0, i = 0;
    assert_int_equal(as_gmap_get(map, m0, &r, &i), 1);
    assert_int_equal(r, 7);
    assert_int_equal(i, 123456789);
    as_gmap_clear(map);
    assert_int_equal(as_gmap_get(map, m0, &r, &i), 0);
    as_gmap_destroy(map);
    as_fft_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
    };
    MPI_Init(NULL, NULL);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return rc;
}
