/* The graceful stop (parallel/stop.h) and the time budget's formats (io/deck.h, AS_QTY_TIME): a budget
 * stops work that would overrun it and not work that fits, a signal stops at the next check and is
 * named, and every time format a SLURM user writes parses to the right number of seconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <mpi.h>
#include <signal.h>
#include <string.h>

#include "io/deck.h"
#include "parallel/stop.h"

static double seconds(const char *text, int *rc)
{
    double t = -1.0;
    *rc = as_parse_quantity(text, AS_QTY_TIME, 1, &t, NULL);
    return t;
}

static void time_formats(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double s;
    } ok[] = {{"5400", 5400},      {"5400 s", 5400},     {"90 min", 5400},      {"1.5 h", 5400},
              {"2 d", 172800},     {"01:30:00", 5400},   {"30:00", 1800},       {"1-00:00:00", 86400},
              {"2-12:00:00", 216000}, {"  00:00:07  ", 7}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int rc;
        const double t = seconds(ok[i].text, &rc);
        assert_int_equal(rc, 0);
        assert_true(t == ok[i].s);
    }
    static const char *const bad[] = {"3 parsecs", "1:2:3:4", "1:xx", "12:00:00 h", "-1-00:00:00", "", "h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc;
        seconds(bad[i], &rc);
        assert_int_not_equal(rc, 0);
    }
}

static void budget(void **state)
{
    (void)state;
    as_stop_reset();
    as_stop_set_budget(0.0); /* none: never stops */
    assert_int_equal(as_stop_check(MPI_COMM_SELF, 1e9), 0);
    as_stop_set_budget(1000.0);
    assert_true(as_stop_budget() == 1000.0);
    assert_int_equal(as_stop_check(MPI_COMM_SELF, 1.0), 0);   /* fits */
    assert_int_equal(as_stop_pending(), 0);
    assert_int_equal(as_stop_check(MPI_COMM_SELF, 990.0), 1); /* would end in the 2 % reserve */
    char why[160];
    assert_non_null(strstr(as_stop_reason(why, sizeof why), "max_time = 1000 s"));
    as_stop_set_budget(1e-9); /* already spent */
    assert_int_equal(as_stop_pending(), 1);
    assert_int_equal(as_stop_check(MPI_COMM_SELF, 0.0), 1);
    as_stop_set_budget(0.0);
}

static void signals(void **state)
{
    (void)state;
    as_stop_reset();
    as_stop_set_budget(0.0);
    assert_int_equal(as_stop_check(MPI_COMM_SELF, 0.0), 0);
    raise(SIGUSR1); /* the handler only sets the flag: the process goes on */
    assert_int_equal(as_stop_pending(), 1);
    assert_int_equal(as_stop_check(MPI_COMM_SELF, 0.0), 1);
    char why[160];
    assert_string_equal(as_stop_reason(why, sizeof why), "SIGUSR1");
    as_stop_reset();
    raise(SIGTERM);
    assert_int_equal(as_stop_check(MPI_COMM_SELF, 0.0), 1);
    assert_string_equal(as_stop_reason(why, sizeof why), "SIGTERM");
    as_stop_reset();
    assert_int_equal(as_stop_check(MPI_COMM_SELF, 0.0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(time_formats),
        cmocka_unit_test(budget),
        cmocka_unit_test(signals),
    };
    MPI_Init(NULL, NULL);
    as_stop_init();
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return rc;
}
