#define _POSIX_C_SOURCE 200809L
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int as_file_read_all(const char *path, char **data, size_t *len, as_error *err)
{
    *data = NULL;
    if (len)
        *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return as_error_set(err, AS_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
        fclose(f); /* a directory fails to read; a device such as /dev/zero never ends (and fills the memory) */
        return as_error_set(err, AS_EIO, "%s: %s, not a file", path, S_ISDIR(st.st_mode) ? "a directory" : "a device");
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return as_error_nomem(err, path, cap);
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return as_error_nomem(err, path, cap * 2);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return as_error_set(err, AS_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return AS_OK;
}

int as_file_read_text(const char *path, char **data, size_t *len, as_error *err)
{
    *data = NULL;
    if (len)
        *len = 0;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return as_error_set(err, AS_EINPUT, "%s: is a directory, not a file; give the path of the file itself",
                            path);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
        return as_error_set(err, AS_EINPUT, "%s: not a regular file (a device such as /dev/zero never ends); give "
                            "the path of a text file", path);
    if (stat(path, &st) == 0 && st.st_size > AS_TEXT_MAX_BYTES)
        return as_error_set(err, AS_EINPUT, "%s: %lld bytes, more than any text input needs (at most %d MB); is it "
                            "the right file?", path, (long long)st.st_size, AS_TEXT_MAX_BYTES >> 20);
    char *buf = NULL;
    size_t n = 0;
    if (as_file_read_all(path, &buf, &n, err))
        return err->code;
    size_t start = 0;
    if (n >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
        start = 3; /* a UTF-8 byte-order mark (Windows editors): not part of the text */
    else if (n >= 2 && (((unsigned char)buf[0] == 0xFF && (unsigned char)buf[1] == 0xFE) ||
                        ((unsigned char)buf[0] == 0xFE && (unsigned char)buf[1] == 0xFF))) {
        free(buf);
        return as_error_set(err, AS_EINPUT, "%s:1: the file is UTF-16 text; save it as UTF-8 or plain ASCII", path);
    }
    int line = 1, ctrl = 0, ctrl_line = 0;
    for (size_t i = start; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\0') {
            free(buf);
            return as_error_set(err, AS_EINPUT, "%s:%d: the file has a NUL byte (byte %zu): it is not a text file, "
                                "or it is damaged; give a plain-text file", path, line, i + 1);
        }
        if (c == '\n' || (c == '\r' && (i + 1 >= n || buf[i + 1] != '\n')))
            line++;
        else if (c < 32 && c != '\t' && c != '\r' && c != '\f' && c != '\v' && !ctrl++)
            ctrl_line = line;
    }
    if (ctrl > 8 && ctrl * 50 > (int)(n > 1000000 ? 1000000 : n)) {
        free(buf);
        return as_error_set(err, AS_EINPUT, "%s:%d: the file has %d control characters: it is not a text file; "
                            "give a plain-text file", path, ctrl_line, ctrl);
    }
    /* CRLF and CR-only line ends become LF, in place */
    size_t w = 0;
    for (size_t i = start; i < n; i++) {
        if (buf[i] == '\r') {
            buf[w++] = '\n';
            if (i + 1 < n && buf[i + 1] == '\n')
                i++;
        } else {
            buf[w++] = buf[i];
        }
    }
    buf[w] = '\0';
    *data = buf;
    if (len)
        *len = w;
    return AS_OK;
}

static int fsync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    int fd = open(dirname(copy), O_RDONLY);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* The message of a failed write: the final name (the one the user knows), the cause, and that
 * nothing was left under it. */
static int write_failed(as_error *err, const char *path, const char *what, int e)
{
    return as_error_set(err, AS_EIO, "%s: cannot write it (%s: %s%s); nothing was written under that name: the "
                        "previous file, if any, is unchanged", path, what, strerror(e),
                        e == ENOSPC || e == EDQUOT ? ": free some space or choose another directory with -o" : "");
}

int as_file_write_atomic(const char *path, const void *data, size_t len, as_error *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return as_error_set(err, AS_EIO, "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return as_error_set(err, AS_EIO, "%s: cannot create %s: %s", path, tmp, strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) { /* 0: no progress, which only a full device gives */
            int e = w < 0 ? errno : ENOSPC;
            close(fd);
            unlink(tmp);
            return write_failed(err, path, "write", e);
        }
        p += w;
        left -= (size_t)w;
    }
    /* fsync first: on NFS and some local file systems a full disk shows only here or at close */
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return write_failed(err, path, "fsync", e);
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return write_failed(err, path, "close", e);
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return write_failed(err, path, "rename", e);
    }
    /* the new name is in place; a failed directory fsync only weakens its durability after a crash */
    fsync_dir_of(path);
    return AS_OK;
}

int as_file_mkdirs(const char *dir, as_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return as_error_set(err, AS_EIO, "%s: path too long", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return as_error_set(err, AS_EIO, "cannot create directory %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return as_error_set(err, AS_EIO, "cannot create directory %s: %s", buf, strerror(errno));
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
        return as_error_set(err, AS_EIO, "%s exists and is not a directory", buf);
    return AS_OK;
}

int as_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int as_path_join(char *out, size_t n, const char *dir, const char *name, as_error *err)
{
    int w = (dir && *dir) ? snprintf(out, n, "%s/%s", dir, name) : snprintf(out, n, "%s", name);
    if (w < 0 || (size_t)w >= n)
        return as_error_set(err, AS_EIO, "path %s/%s too long", dir ? dir : "", name);
    return AS_OK;
}

void as_strbuf_init(as_strbuf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void as_strbuf_free(as_strbuf *b)
{
    free(b->data);
    as_strbuf_init(b);
}

void as_strbuf_printf(as_strbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        size_t room = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->failed = 1;
            return;
        }
        if ((size_t)w < room) {
            b->len += (size_t)w;
            return;
        }
        size_t ncap = b->cap ? b->cap : 1024;
        while (ncap < b->len + (size_t)w + 1)
            ncap *= 2;
        char *nd = realloc(b->data, ncap);
        if (!nd) {
            b->failed = 1;
            return;
        }
        b->data = nd;
        b->cap = ncap;
    }
}

int as_strbuf_write_atomic(const as_strbuf *b, const char *path, as_error *err)
{
    if (b->failed)
        return as_error_set(err, AS_ENOMEM, "%s: out of memory while formatting", path);
    return as_file_write_atomic(path, b->data ? b->data : "", b->len, err);
}
