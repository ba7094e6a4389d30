/* Files: atomic writes (temporary name, fsync, rename), whole-file reads,
 * directories.  Every result and checkpoint goes through as_file_write_atomic so
 * an interrupted run never leaves a half-written file under the final name. */
#ifndef AS_CORE_FILE_H
#define AS_CORE_FILE_H

#include <stddef.h>
#include "core/error.h"

/* Read a whole file into a NUL-terminated malloc'd buffer (*len excludes the NUL). */
int as_file_read_all(const char *path, char **data, size_t *len, as_error *err);

/* Read a text file (deck, CIF, POSCAR): as as_file_read_all, and then a UTF-8 byte-order mark is dropped,
 * CRLF and CR-only line ends become LF, and a NUL byte, UTF-16 or a binary file is refused (AS_EINPUT,
 * "path:LINE: ..."), as is a directory. */
int as_file_read_text(const char *path, char **data, size_t *len, as_error *err);
#define AS_TEXT_MAX_BYTES (256 << 20) /* a larger "text" input is refused before it is read */

/* Write len bytes to path atomically: path.tmp.PID, fsync, rename, fsync dir. */
int as_file_write_atomic(const char *path, const void *data, size_t len, as_error *err);

/* mkdir -p */
int as_file_mkdirs(const char *dir, as_error *err);

/* Whether a path exists. */
int as_file_exists(const char *path);

/* Join dir and name into out (size n); error if it does not fit. */
int as_path_join(char *out, size_t n, const char *dir, const char *name, as_error *err);

/* A growable text buffer for building files before an atomic write. */
typedef struct as_strbuf {
    char *data;
    size_t len, cap;
    int failed; /* an allocation failed; the content is incomplete */
} as_strbuf;

void as_strbuf_init(as_strbuf *b);
void as_strbuf_free(as_strbuf *b);
void as_strbuf_printf(as_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write the buffer atomically; reports an earlier allocation failure. */
int as_strbuf_write_atomic(const as_strbuf *b, const char *path, as_error *err);

#endif
