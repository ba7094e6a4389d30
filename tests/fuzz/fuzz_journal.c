/* Fuzz harness: the scan journal (scan/journal.h) -- as_journal_read on the file, the look-ups the
 * scan makes in it, then as_journal_append, which reads it again under its lock, cuts off a torn
 * last line and numbers the new event after the last record.
 *
 * Mode byte (the input's first byte): odd = every complete line gets its "\t#CHECKSUM" trailer
 * written (replaced when the line has one), so the mutations reach the field parser; even = the
 * bytes as they are (the framing and checksum tests). */
#include "fuzz_common.h"

#include <inttypes.h>

#include "core/checksum.h"
#include "scan/journal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_init(0);
    return 0;
}

/* Each complete line: its body (without an old trailer) + "\t#" + 16 hex digits + "\n". */
static char *with_checksums(const uint8_t *p, size_t n, size_t *out_len)
{
    char *out = malloc(n + (n + 1) * 18 + 1);
    if (!out)
        abort();
    size_t o = 0, pos = 0;
    while (pos < n) {
        const uint8_t *nl = memchr(p + pos, '\n', n - pos);
        if (!nl) {
            memcpy(out + o, p + pos, n - pos);
            o += n - pos;
            break;
        }
        size_t len = (size_t)(nl - (p + pos));
        if (len >= 18 && p[pos + len - 18] == '\t' && p[pos + len - 17] == '#')
            len -= 18;
        memcpy(out + o, p + pos, len);
        uint64_t h = as_checksum(out + o, len);
        o += len;
        o += (size_t)sprintf(out + o, "\t#%016" PRIx64 "\n", h);
        pos = (size_t)(nl - p) + 1;
    }
    *out_len = o;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *path;
    if (data[0] & 1) {
        size_t n = 0;
        char *fixed = with_checksums(data + 1, size - 1, &n);
        path = fz_write("scan.journal", fixed, n);
        free(fixed);
    } else
        path = fz_write("scan.journal", data + 1, size - 1);
    as_error err;
    as_error_clear(&err);
    as_journal_log *log = NULL;
    if (as_journal_read(path, &log, &err) == AS_OK) {
        static const char *const ev[] = {"done", "failed", "stopped", NULL};
        const as_journal_entry *e = as_journal_last(log, "-", NULL);
        if (e)
            as_journal_last(log, e->name, ev);
        as_journal_last(log, "host", ev);
        as_journal_log_destroy(log);
        as_error_clear(&err);
        as_journal_append(path, "fuzz", "host", "detail\twith a tab", &err);
    }
    return 0;
}
