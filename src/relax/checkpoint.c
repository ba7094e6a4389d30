#include "relax/checkpoint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/checksum.h"
#include "core/file.h"

int as_checkpoint_write(const char *path, const char magic[8], const void *payload, size_t len, as_error *err)
{
    const size_t total = 16 + len + 8;
    unsigned char *buf = malloc(total);
    if (!buf)
        return as_error_nomem(err, path, total);
    const uint64_t n = len;
    memcpy(buf, magic, 8);
    memcpy(buf + 8, &n, 8);
    if (len)
        memcpy(buf + 16, payload, len);
    const uint64_t h = as_checksum(buf, 16 + len);
    memcpy(buf + 16 + len, &h, 8);
    int rc = as_file_write_atomic(path, buf, total, err);
    free(buf);
    return rc;
}

int as_checkpoint_read(const char *path, const char magic[8], void **payload, size_t *len, as_error *err)
{
    char *data = NULL;
    size_t size = 0;
    *payload = NULL;
    *len = 0;
    if (as_file_read_all(path, &data, &size, err))
        return err->code;
    int rc = AS_OK;
    uint64_t n = 0, h = 0;
    if (size < 8 || memcmp(data, magic, 8) != 0) {
        rc = as_error_set(err, AS_EIO, "%s is not a checkpoint of this kind (expected '%.8s' at the start: damaged, "
                          "or written by another version); it cannot be used: restore it from a copy, or delete it and "
                          "start afresh (without --restart)", path, magic);
        goto done;
    }
    if (size >= 16)
        memcpy(&n, data + 8, 8);
    if (size < 24 || n > size || size != 16 + n + 8) {
        if (size < 16)
            rc = as_error_set(err, AS_EIO, "%s is truncated (%zu bytes, shorter than its header); it cannot be used: "
                              "restore it from a copy, or delete it and start afresh (without --restart)", path, size);
        else
            rc = as_error_set(err, AS_EIO, "%s is truncated or damaged (%zu bytes, its header promises a %llu-byte "
                              "payload); it cannot be used: restore it from a copy, or delete it and start afresh "
                              "(without --restart)", path, size, (unsigned long long)n);
        goto done;
    }
    memcpy(&h, data + 16 + n, 8);
    if (h != as_checksum(data, 16 + n)) {
        rc = as_error_set(err, AS_EIO, "%s fails its checksum (the file is corrupt); it cannot be used: restore it "
                          "from a copy, or delete it and start afresh (without --restart)", path);
        goto done;
    }
    if (!(*payload = malloc(n ? n : 1))) {
        rc = as_error_nomem(err, path, n);
        goto done;
    }
    memcpy(*payload, data + 16, n);
    *len = n;
done:
    free(data);
    return rc;
}
