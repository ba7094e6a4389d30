/* The scan journal (scan/journal.h): what a restart relies on.  Records round-trip; a torn last
 * line (no newline, or a bad checksum) is ignored and cut off by the next append; damage anywhere
 * else is reported with its line; a journal cut at every byte offset reads back as a prefix of its
 * records; two processes appending at once get SEQ 1..N exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/checksum.h"
#include "core/file.h"
#include "scan/journal.h"

typedef struct fixture {
    char dir[64];
    char path[128]; /* DIR/scan.journal */
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/as_journal_XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof fx->path, "%s/%s", fx->dir, AS_JOURNAL_FILE);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    DIR *d = opendir(fx->dir);
    for (struct dirent *de; d && (de = readdir(d));) {
        char p[512];
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", fx->dir, de->d_name);
            unlink(p);
        }
    }
    if (d)
        closedir(d);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    char *s = NULL;
    as_error err;
    int rc = as_file_read_all(path, &s, len, &err);
    assert_int_equal(rc, AS_OK);
    assert_non_null(s);
    return s;
}

static void put(const char *path, const char *mode, const void *data, size_t len)
{
    FILE *f = fopen(path, mode);
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void append(const char *path, const char *event, const char *name, const char *detail)
{
    as_error err;
    if (as_journal_append(path, event, name, detail, &err))
        fail_msg("%s", err.msg);
}

static as_journal_log *read_ok(const char *path)
{
    as_journal_log *log = NULL;
    as_error err;
    if (as_journal_read(path, &log, &err))
        fail_msg("%s", err.msg);
    assert_non_null(log);
    return log;
}

/* A record written by hand, with a valid checksum. */
static void hand_line(char *out, size_t n, const char *body)
{
    snprintf(out, n, "%s\t#%016" PRIx64 "\n", body, as_checksum(body, strlen(body)));
}

static void assert_seq_1_to_n(const as_journal_log *log)
{
    for (int i = 0; i < log->n; i++) {
        assert_int_equal(log->e[i].seq, i + 1);
        assert_int_equal(log->e[i].line, i + 1);
    }
}

static void round_trip(void **state)
{
    fixture *fx = *state;
    char big[5001];
    memset(big, 'x', 5000);
    big[5000] = '\0';
    append(fx->path, "settings", "-", "ecut=25 kpoints=4 3 4");
    append(fx->path, "planned", "Br_i1_v3", "frenkel\tBr\nq0\r\n");
    append(fx->path, "started", "Br_i1_v3", "");
    append(fx->path, "done", "Br_i1_v3", NULL);
    append(fx->path, "failed", NULL, big);
    as_journal_log *log = read_ok(fx->path);
    assert_int_equal(log->n, 5);
    assert_int_equal(log->torn, 0);
    assert_seq_1_to_n(log);
    assert_string_equal(log->e[0].event, "settings");
    assert_string_equal(log->e[0].name, "-");
    assert_string_equal(log->e[0].detail, "ecut=25 kpoints=4 3 4");
    assert_string_equal(log->e[1].name, "Br_i1_v3");
    assert_string_equal(log->e[1].detail, "frenkel Br q0  ");
    assert_string_equal(log->e[2].detail, "");
    assert_string_equal(log->e[3].event, "done");
    assert_string_equal(log->e[3].detail, "");
    assert_string_equal(log->e[4].name, "-");
    assert_string_equal(log->e[4].detail, big);
    for (int i = 0; i < log->n; i++) {
        assert_int_equal(strlen(log->e[i].time), 20);
        assert_int_equal(log->e[i].time[10], 'T');
        assert_int_equal(log->e[i].time[19], 'Z');
    }
    as_journal_log_destroy(log);

    /* Bad arguments are refused before the file is touched. */
    size_t len0, len1;
    free(slurp(fx->path, &len0));
    as_error err;
    assert_int_equal(as_journal_append(fx->path, "Done", "a", "", &err), AS_EINPUT);
    assert_int_equal(as_journal_append(fx->path, "", "a", "", &err), AS_EINPUT);
    assert_int_equal(as_journal_append(fx->path, "done", "a b", "", &err), AS_EINPUT);
    assert_int_equal(as_journal_append(fx->path, "done", "", "", &err), AS_EINPUT);
    assert_non_null(strstr(err.msg, fx->path));
    free(slurp(fx->path, &len1));
    assert_int_equal(len0, len1);

    /* A directory that does not exist is a file error naming the path. */
    char nodir[256];
    snprintf(nodir, sizeof nodir, "%s/missing/%s", fx->dir, AS_JOURNAL_FILE);
    assert_int_equal(as_journal_append(nodir, "done", "a", "", &err), AS_EIO);
    assert_non_null(strstr(err.msg, nodir));
}

static void last_entry(void **state)
{
    fixture *fx = *state;
    append(fx->path, "planned", "a", "1");
    append(fx->path, "planned", "b", "2");
    append(fx->path, "started", "a", "3");
    append(fx->path, "failed", "a", "4");
    append(fx->path, "started", "b", "5");
    append(fx->path, "started", "a", "6");
    as_journal_log *log = read_ok(fx->path);
    const char *const finished[] = {"done", "failed", NULL};
    const char *const planned[] = {"planned", NULL};
    const char *const none[] = {NULL};
    assert_string_equal(as_journal_last(log, "a", NULL)->detail, "6");
    assert_string_equal(as_journal_last(log, "a", finished)->detail, "4");
    assert_string_equal(as_journal_last(log, "a", planned)->detail, "1");
    assert_string_equal(as_journal_last(log, "b", NULL)->detail, "5");
    assert_null(as_journal_last(log, "b", finished));
    assert_null(as_journal_last(log, "c", NULL));
    assert_null(as_journal_last(log, "a", none));
    as_journal_log_destroy(log);
}

/* After a torn tail: read ignores it, the next append cuts it off and numbers on. */
static void check_repair(const char *path, const char *tail)
{
    as_journal_log *log = read_ok(path);
    assert_int_equal(log->n, 3);
    assert_int_equal(log->torn, 1);
    as_journal_log_destroy(log);

    append(path, "done", "c", "after the tear");
    size_t len;
    char *s = slurp(path, &len);
    assert_int_equal(s[len - 1], '\n');
    assert_null(strstr(s, tail));
    free(s);
    log = read_ok(path);
    assert_int_equal(log->n, 4);
    assert_int_equal(log->torn, 0);
    assert_seq_1_to_n(log);
    assert_string_equal(log->e[3].detail, "after the tear");
    as_journal_log_destroy(log);
}

static void torn_no_newline(void **state)
{
    fixture *fx = *state;
    append(fx->path, "planned", "a", "");
    append(fx->path, "planned", "b", "");
    append(fx->path, "started", "a", "");
    const char *tail = "4\t2026-12-03T12:00:00Z\tdone\ta\tcut sh";
    put(fx->path, "ab", tail, strlen(tail));
    check_repair(fx->path, tail);
}

static void torn_bad_checksum(void **state)
{
    fixture *fx = *state;
    append(fx->path, "planned", "a", "");
    append(fx->path, "planned", "b", "");
    append(fx->path, "started", "a", "");
    const char *tail = "4\t2026-12-03T12:00:00Z\tdone\ta\twrong sum\t#0123456789abcdef\n";
    put(fx->path, "ab", tail, strlen(tail));
    check_repair(fx->path, "wrong sum");
}

/* Replace the journal by its 4 records with line 2 changed by edit, and expect damage at ":2:". */
static void expect_damage_at_2(const char *path, const char *lines, size_t len, size_t at, char c)
{
    char *s = malloc(len);
    assert_non_null(s);
    memcpy(s, lines, len);
    s[at] = c;
    put(path, "wb", s, len);
    free(s);
    as_journal_log *log = (as_journal_log *)1;
    as_error err;
    assert_int_equal(as_journal_read(path, &log, &err), AS_EIO);
    assert_null(log);
    assert_non_null(strstr(err.msg, ":2:"));
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "configs/"));
    /* Nothing is appended after damage. */
    assert_int_equal(as_journal_append(path, "done", "x", "", &err), AS_EIO);
    assert_non_null(strstr(err.msg, ":2:"));
    size_t len2;
    free(slurp(path, &len2));
    assert_int_equal(len2, len);
}

static void corrupt_middle(void **state)
{
    fixture *fx = *state;
    for (int i = 0; i < 4; i++)
        append(fx->path, "planned", "cfg", "some detail text");
    size_t len;
    char *orig = slurp(fx->path, &len);
    size_t l2 = (size_t)(strchr(orig, '\n') - orig) + 1; /* line 2 starts here */
    expect_damage_at_2(fx->path, orig, len, l2 + 36, 'X');  /* a flipped byte in the detail */
    expect_damage_at_2(fx->path, orig, len, l2 + 36, '\0'); /* a NUL byte */
    expect_damage_at_2(fx->path, orig, len, l2 + 5, '\t');  /* a tab in the TIME: checksum breaks */
    free(orig);

    /* Lines whose checksum holds but whose fields do not are damage too. */
    static const char *const bodies[] = {
        "1\t2026-12-03T12:00:00Z\tdone\ta\tseq not increasing",
        "2\t2026-12-03T12:00:00Z\tdone\ta",
        "2\t2026-12-03T12:00:00Z\tdone\ta\tx\ty",
        "2\t2026-12-03 12:00:00\tdone\ta\tbad time",
        "2\t2026-12-03T12:00:00Z\tDone\ta\tbad event",
        "2\t2026-12-03T12:00:00Z\tdone\t\tempty name",
    };
    for (size_t b = 0; b < sizeof bodies / sizeof *bodies; b++) {
        char l1[256], bad[256], l3[256];
        hand_line(l1, sizeof l1, "1\t2026-12-03T12:00:00Z\tplanned\ta\t");
        hand_line(bad, sizeof bad, bodies[b]);
        hand_line(l3, sizeof l3, "3\t2026-12-03T12:00:00Z\tdone\ta\t");
        put(fx->path, "wb", l1, strlen(l1));
        put(fx->path, "ab", bad, strlen(bad));
        put(fx->path, "ab", l3, strlen(l3));
        as_journal_log *log = NULL;
        as_error err;
        assert_int_equal(as_journal_read(fx->path, &log, &err), AS_EIO);
        assert_non_null(strstr(err.msg, ":2:"));
        /* Even as the last line: its checksum says it was written whole. */
        put(fx->path, "wb", l1, strlen(l1));
        put(fx->path, "ab", bad, strlen(bad));
        assert_int_equal(as_journal_read(fx->path, &log, &err), AS_EIO);
        assert_non_null(strstr(err.msg, ":2:"));
    }
}

/* A journal cut at any byte offset is a prefix of its records: never an error, never garbage. */
static void truncated_everywhere(void **state)
{
    fixture *fx = *state;
    append(fx->path, "settings", "-", "ecut=25");
    append(fx->path, "host", "-", "");
    append(fx->path, "planned", "Br_i1_v3", "frenkel Br q0");
    append(fx->path, "started", "Br_i1_v3", "ranks 0-3");
    append(fx->path, "done", "Br_i1_v3", "E=-1234.5678 gap=0.071");
    append(fx->path, "failed", "Cl_i2", "scf did not converge in 100 iterations");
    as_journal_log *full = read_ok(fx->path);
    size_t len;
    char *orig = slurp(fx->path, &len);
    for (size_t cut = len + 1; cut-- > 0;) {
        assert_int_equal(truncate(fx->path, (off_t)cut), 0);
        as_journal_log *log = read_ok(fx->path);
        int lines = 0;
        for (size_t i = 0; i < cut; i++)
            lines += orig[i] == '\n';
        assert_int_equal(log->n, lines);
        assert_int_equal(log->torn, cut > 0 && orig[cut - 1] != '\n');
        for (int i = 0; i < log->n; i++) {
            assert_int_equal(log->e[i].seq, full->e[i].seq);
            assert_int_equal(log->e[i].line, full->e[i].line);
            assert_string_equal(log->e[i].time, full->e[i].time);
            assert_string_equal(log->e[i].event, full->e[i].event);
            assert_string_equal(log->e[i].name, full->e[i].name);
            assert_string_equal(log->e[i].detail, full->e[i].detail);
        }
        as_journal_log_destroy(log);
    }
    free(orig);
    as_journal_log_destroy(full);
}

static void missing_file(void **state)
{
    fixture *fx = *state;
    as_journal_log *log = read_ok(fx->path);
    assert_int_equal(log->n, 0);
    assert_int_equal(log->torn, 0);
    assert_null(as_journal_last(log, "a", NULL));
    as_journal_log_destroy(log);
    put(fx->path, "wb", "", 0); /* empty, as just created */
    log = read_ok(fx->path);
    assert_int_equal(log->n, 0);
    assert_int_equal(log->torn, 0);
    as_journal_log_destroy(log);
}

/* Two processes (as two MPI rank groups) append at the same time. */
static void concurrent_appends(void **state)
{
    fixture *fx = *state;
    enum { PER = 200 };
    pid_t pid[2];
    for (int p = 0; p < 2; p++) {
        pid[p] = fork();
        assert_true(pid[p] >= 0);
        if (pid[p] == 0) { /* no cmocka in the child: report through the exit status */
            char name[8], detail[32];
            snprintf(name, sizeof name, "p%d", p);
            for (int i = 0; i < PER; i++) {
                as_error err;
                snprintf(detail, sizeof detail, "%d", i);
                if (as_journal_append(fx->path, "started", name, detail, &err)) {
                    fprintf(stderr, "child %d: %s\n", p, err.msg);
                    _exit(1);
                }
            }
            _exit(0);
        }
    }
    for (int p = 0; p < 2; p++) {
        int status = 0;
        assert_int_equal(waitpid(pid[p], &status, 0), pid[p]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    as_journal_log *log = read_ok(fx->path);
    assert_int_equal(log->n, 2 * PER);
    assert_int_equal(log->torn, 0);
    assert_seq_1_to_n(log);
    int next[2] = {0, 0}; /* each process's events appear in its own order */
    for (int i = 0; i < log->n; i++) {
        int p = log->e[i].name[1] - '0';
        assert_true(p == 0 || p == 1);
        assert_int_equal(atoi(log->e[i].detail), next[p]);
        next[p]++;
    }
    assert_int_equal(next[0], PER);
    assert_int_equal(next[1], PER);
    as_journal_log_destroy(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(last_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(torn_no_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(torn_bad_checksum, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_middle, setup, teardown),
        cmocka_unit_test_setup_teardown(truncated_everywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_appends, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
