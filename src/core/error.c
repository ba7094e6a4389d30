#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void as_error_clear(as_error *err)
{
    if (!err)
        return;
    err->code = AS_OK;
    err->msg[0] = '\0';
}

int as_error_set(as_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}

int as_error_prefix(as_error *err, const char *fmt, ...)
{
    if (!err)
        return AS_EINTERNAL;
    char head[AS_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    size_t hl = strlen(head), ml = strlen(err->msg);
    if (hl >= sizeof err->msg)
        hl = sizeof err->msg - 1;
    if (hl + ml >= sizeof err->msg)
        ml = sizeof err->msg - 1 - hl;
    memmove(err->msg + hl, err->msg, ml);
    memcpy(err->msg, head, hl);
    err->msg[hl + ml] = '\0';
    return err->code;
}

int as_error_nomem(as_error *err, const char *what, size_t bytes)
{
    return as_error_set(err, AS_ENOMEM, "out of memory allocating %zu bytes for %s", bytes, what);
}
