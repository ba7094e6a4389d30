#include "scan/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/checksum.h"
#include "core/file.h"

/* "\t#" and 16 hex digits end every record. */
#define TRAILER_LEN 18

/* ------------------------------------------------------------------ reading ---- */

static int damaged(const char *path, int line, const char *why, as_error *err)
{
    return as_error_set(err, AS_EIO,
                        "%s:%d: the scan journal is damaged at this line (%s); move it aside "
                        "(mv %s %s.damaged) and restart the scan: the results in configs/ are kept and the scan "
                        "re-plans from them", path, line, why, path, path);
}

/* Why a line cannot be a record as written (NULL if its checksum holds).  Only a writer killed
 * mid-write or damage to the file produces such a line. */
static const char *frame_problem(const char *s, size_t len)
{
    if (memchr(s, '\0', len))
        return "NUL byte";
    if (len < TRAILER_LEN || s[len - TRAILER_LEN] != '\t' || s[len - TRAILER_LEN + 1] != '#')
        return "no \"\\t#CHECKSUM\" at the end";
    uint64_t want = 0;
    for (const char *h = s + len - 16; h < s + len; h++) {
        int d = (*h >= '0' && *h <= '9') ? *h - '0' : (*h >= 'a' && *h <= 'f') ? *h - 'a' + 10 : -1;
        if (d < 0)
            return "checksum is not 16 lower-case hex digits";
        want = want << 4 | (uint64_t)d;
    }
    return as_checksum(s, len - TRAILER_LEN) == want ? NULL : "bad checksum";
}

static int is_event_word(const char *s, size_t n)
{
    if (n == 0 || n >= sizeof ((as_journal_entry *)0)->event)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return 0;
    return 1;
}

static int is_name(const char *s, size_t n)
{
    if (n == 0 || n >= sizeof ((as_journal_entry *)0)->name)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
            return 0;
    return 1;
}

static int is_utc_time(const char *s, size_t n)
{
    static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
    if (n != sizeof pat - 1)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (pat[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pat[i])
            return 0;
    return 1;
}

/* Fill e from a record whose checksum holds (body: the bytes before "\t#").  A bad field here was
 * written that way, so it is damage even on the last line. */
static int parse_fields(const char *path, int line, const char *body, size_t len, long prev_seq,
                        as_journal_entry *e, as_error *err)
{
    const char *f[5];
    size_t fl[5];
    int nf = 0;
    for (const char *p = body, *end = body + len;; nf++) {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        if (nf < 5) {
            f[nf] = p;
            fl[nf] = (size_t)((tab ? tab : end) - p);
        }
        if (!tab) {
            nf++;
            break;
        }
        p = tab + 1;
    }
    if (nf != 5)
        return damaged(path, line, nf < 5 ? "too few tab-separated fields" : "too many tab-separated fields", err);
    long seq = 0;
    if (fl[0] == 0 || fl[0] > 18)
        return damaged(path, line, "SEQ is not a number", err);
    for (size_t i = 0; i < fl[0]; i++) {
        if (f[0][i] < '0' || f[0][i] > '9')
            return damaged(path, line, "SEQ is not a number", err);
        seq = seq * 10 + (f[0][i] - '0');
    }
    if (seq <= prev_seq)
        return damaged(path, line, "SEQ does not increase", err);
    if (!is_utc_time(f[1], fl[1]))
        return damaged(path, line, "TIME is not YYYY-MM-DDTHH:MM:SSZ", err);
    if (!is_event_word(f[2], fl[2]))
        return damaged(path, line, "EVENT is not a word of a-z and _", err);
    if (!is_name(f[3], fl[3]))
        return damaged(path, line, "NAME is empty, too long or has blanks", err);
    if (!(e->detail = malloc(fl[4] + 1)))
        return as_error_nomem(err, path, fl[4] + 1);
    memcpy(e->detail, f[4], fl[4]);
    e->detail[fl[4]] = '\0';
    e->seq = seq;
    e->line = line;
    memcpy(e->time, f[1], fl[1]);
    e->time[fl[1]] = '\0';
    memcpy(e->event, f[2], fl[2]);
    e->event[fl[2]] = '\0';
    memcpy(e->name, f[3], fl[3]);
    e->name[fl[3]] = '\0';
    return AS_OK;
}

/* Parse buf into log.  *valid_end (may be NULL): the byte offset just after the last record,
 * where a torn last line (if any) starts. */
static int parse_buffer(const char *path, const char *buf, size_t len, as_journal_log *log, size_t *valid_end,
                        as_error *err)
{
    int cap = 0;
    size_t pos = 0;
    for (int line = 1; pos < len; line++) {
        const char *start = buf + pos, *nl = memchr(start, '\n', len - pos);
        if (!nl) { /* the newline is written last: this line was cut short */
            log->torn = 1;
            break;
        }
        size_t n = (size_t)(nl - start);
        const char *why = frame_problem(start, n);
        if (why) {
            if (pos + n + 1 == len) { /* the last line: a write that did not complete */
                log->torn = 1;
                break;
            }
            return damaged(path, line, why, err);
        }
        if (log->n == cap) {
            int ncap = cap ? 2 * cap : 64;
            as_journal_entry *ne = realloc(log->e, (size_t)ncap * sizeof *ne);
            if (!ne)
                return as_error_nomem(err, path, (size_t)ncap * sizeof *ne);
            log->e = ne;
            cap = ncap;
        }
        long prev = log->n ? log->e[log->n - 1].seq : 0;
        int rc = parse_fields(path, line, start, n - TRAILER_LEN, prev, &log->e[log->n], err);
        if (rc)
            return rc;
        log->n++;
        pos += n + 1;
    }
    if (valid_end)
        *valid_end = pos;
    return AS_OK;
}

/* Whole-file read through fd, so the caller's fcntl lock stays held (closing any other
 * descriptor of the file would drop it). */
static int read_fd(int fd, const char *path, char **data, size_t *len, as_error *err)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return as_error_nomem(err, path, cap);
    for (;;) {
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap);
            if (!nb) {
                free(buf);
                return as_error_nomem(err, path, 2 * cap);
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t got = pread(fd, buf + n, cap - n, (off_t)n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            return as_error_set(err, AS_EIO, "%s: cannot read the scan journal: %s", path, strerror(e));
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    *data = buf;
    *len = n;
    return AS_OK;
}

/* type: F_RDLCK, F_WRLCK or F_UNLCK, on the whole file; waits for other processes. */
static int lock_fd(int fd, short type, const char *path, as_error *err)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    while (fcntl(fd, F_SETLKW, &fl) != 0)
        if (errno != EINTR)
            return as_error_set(err, AS_EIO, "%s: cannot %s the scan journal: %s (the scan directory must be on "
                                "a file system with POSIX locks)", path, type == F_UNLCK ? "unlock" : "lock",
                                strerror(errno));
    return AS_OK;
}

void as_journal_log_destroy(as_journal_log *log)
{
    if (!log)
        return;
    for (int i = 0; i < log->n; i++)
        free(log->e[i].detail);
    free(log->e);
    free(log);
}

int as_journal_read(const char *path, as_journal_log **out, as_error *err)
{
    *out = NULL;
    as_journal_log *log = calloc(1, sizeof *log);
    if (!log)
        return as_error_nomem(err, path, sizeof *log);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) { /* nothing recorded yet */
            *out = log;
            return AS_OK;
        }
        int e = errno;
        free(log);
        return as_error_set(err, AS_EIO, "%s: cannot open the scan journal: %s", path, strerror(e));
    }
    char *buf = NULL;
    size_t len = 0;
    int rc = lock_fd(fd, F_RDLCK, path, err);
    if (!rc)
        rc = read_fd(fd, path, &buf, &len, err);
    close(fd); /* also drops the lock */
    if (!rc)
        rc = parse_buffer(path, buf, len, log, NULL, err);
    free(buf);
    if (rc) {
        as_journal_log_destroy(log);
        return rc;
    }
    *out = log;
    return AS_OK;
}

const as_journal_entry *as_journal_last(const as_journal_log *log, const char *name, const char *const *events)
{
    for (int i = log ? log->n - 1 : -1; i >= 0; i--) {
        const as_journal_entry *e = &log->e[i];
        if (strcmp(e->name, name) != 0)
            continue;
        if (!events)
            return e;
        for (const char *const *ev = events; *ev; ev++)
            if (strcmp(e->event, *ev) == 0)
                return e;
    }
    return NULL;
}

/* ------------------------------------------------------------------ writing ---- */

/* The record for seq; tabs, newlines and CRs in detail become spaces. */
static int format_line(as_strbuf *b, const char *path, long seq, const char *event, const char *name,
                       const char *detail, as_error *err)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return as_error_set(err, AS_EINTERNAL, "%s: cannot format the current UTC time", path);
    as_strbuf_printf(b, "%ld\t%s\t%s\t%s\t", seq, when, event, name);
    size_t d0 = b->len;
    as_strbuf_printf(b, "%s", detail);
    if (b->failed)
        return as_error_nomem(err, path, strlen(detail) + 256);
    for (size_t i = d0; i < b->len; i++)
        if (b->data[i] == '\t' || b->data[i] == '\n' || b->data[i] == '\r')
            b->data[i] = ' ';
    as_strbuf_printf(b, "\t#%016" PRIx64 "\n", as_checksum(b->data, b->len));
    return b->failed ? as_error_nomem(err, path, b->len + TRAILER_LEN + 1) : AS_OK;
}

/* A new journal's directory entry must survive a crash too. */
static void fsync_dir_of(const char *path)
{
    char *copy = strdup(path);
    int fd = copy ? open(dirname(copy), O_RDONLY | O_CLOEXEC) : -1;
    free(copy);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Called with the exclusive lock held on fd (opened O_RDWR | O_APPEND). */
static int append_locked(int fd, const char *path, const char *event, const char *name, const char *detail,
                         as_error *err)
{
    char *buf = NULL;
    size_t len = 0, keep = 0;
    int rc = read_fd(fd, path, &buf, &len, err);
    if (rc)
        return rc;
    /* Number after the last record under the lock, so concurrent writers never share a SEQ. */
    as_journal_log *log = calloc(1, sizeof *log);
    if (!log)
        rc = as_error_nomem(err, path, sizeof *log);
    else
        rc = parse_buffer(path, buf, len, log, &keep, err);
    free(buf);
    long seq = rc ? 0 : (log->n ? log->e[log->n - 1].seq : 0) + 1;
    as_journal_log_destroy(log);
    if (rc)
        return rc; /* never append after damage: the next reader would not get past it */
    if (keep < len && ftruncate(fd, (off_t)keep) != 0)
        return as_error_set(err, AS_EIO, "%s: cannot cut off the torn last line of the scan journal: %s", path,
                            strerror(errno));
    as_strbuf b;
    as_strbuf_init(&b);
    rc = format_line(&b, path, seq, event, name, detail, err);
    /* One write() per line (O_APPEND puts it at the end); the loop only finishes a short write. */
    for (size_t off = 0; !rc && off < b.len;) {
        ssize_t w = write(fd, b.data + off, b.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = errno;
            /* Leave no torn line behind; if this fails too, the next append cuts it off. */
            int cut = ftruncate(fd, (off_t)keep);
            (void)cut;
            rc = as_error_set(err, AS_EIO, "%s: cannot append to the scan journal: %s", path, strerror(e));
            break;
        }
        off += (size_t)w;
    }
    as_strbuf_free(&b);
    if (!rc && fsync(fd) != 0)
        rc = as_error_set(err, AS_EIO, "%s: cannot fsync the scan journal: %s", path, strerror(errno));
    if (!rc && len == 0)
        fsync_dir_of(path);
    return rc;
}

int as_journal_append(const char *path, const char *event, const char *name, const char *detail, as_error *err)
{
    if (!name)
        name = "-";
    if (!detail)
        detail = "";
    if (!event || !is_event_word(event, strlen(event)))
        return as_error_set(err, AS_EINPUT, "%s: journal event '%s' must be a word of a-z and _ (at most 31 "
                            "characters)", path, event ? event : "(null)");
    if (!is_name(name, strlen(name)))
        return as_error_set(err, AS_EINPUT, "%s: journal name '%s' must be non-empty, without blanks, at most 127 "
                            "characters (\"-\" for none)", path, name);
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return as_error_set(err, AS_EIO, "%s: cannot open the scan journal for appending: %s", path,
                            strerror(errno));
    int rc = lock_fd(fd, F_WRLCK, path, err);
    if (!rc) {
        rc = append_locked(fd, path, event, name, detail, err);
        as_error e2;
        if (lock_fd(fd, F_UNLCK, path, &e2) && !rc)
            rc = as_error_set(err, e2.code, "%s", e2.msg);
    }
    if (close(fd) != 0 && !rc)
        rc = as_error_set(err, AS_EIO, "%s: cannot close the scan journal: %s", path, strerror(errno));
    return rc;
}
