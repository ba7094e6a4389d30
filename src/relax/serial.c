#include "relax/serial.h"

#include <stdlib.h>
#include <string.h>

void as_ser_init(as_ser *b)
{
    memset(b, 0, sizeof *b);
}

void as_ser_free(as_ser *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void as_ser_wrap(as_ser *b, const void *data, size_t len)
{
    memset(b, 0, sizeof *b);
    b->data = (unsigned char *)(uintptr_t)data;
    b->len = len;
}

void as_ser_put(as_ser *b, const void *p, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void as_ser_put_i32(as_ser *b, int32_t v)
{
    as_ser_put(b, &v, sizeof v);
}

void as_ser_put_f64(as_ser *b, double v)
{
    as_ser_put(b, &v, sizeof v);
}

void as_ser_put_f64s(as_ser *b, const double *v, size_t n)
{
    as_ser_put(b, v, n * sizeof *v);
}

const void *as_ser_peek(as_ser *b, size_t n)
{
    if (b->failed || n > b->len - b->pos) {
        b->failed = 1;
        return NULL;
    }
    const void *p = b->data + b->pos;
    b->pos += n;
    return p;
}

void as_ser_get(as_ser *b, void *p, size_t n)
{
    const void *s = as_ser_peek(b, n);
    if (s)
        memcpy(p, s, n);
    else
        memset(p, 0, n);
}

int32_t as_ser_get_i32(as_ser *b)
{
    int32_t v;
    as_ser_get(b, &v, sizeof v);
    return v;
}

double as_ser_get_f64(as_ser *b)
{
    double v;
    as_ser_get(b, &v, sizeof v);
    return v;
}

void as_ser_get_f64s(as_ser *b, double *v, size_t n)
{
    as_ser_get(b, v, n * sizeof *v);
}
