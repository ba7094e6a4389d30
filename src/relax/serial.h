/* A byte buffer for binary checkpoints: append raw values on write, read them back in
 * the same order with bounds checks.  Values are stored in host byte order, bit for bit,
 * so a restored optimizer continues exactly where it stopped. */
#ifndef AS_RELAX_SERIAL_H
#define AS_RELAX_SERIAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct as_ser {
    unsigned char *data;
    size_t len, cap;
    size_t pos;  /* read cursor */
    int failed;  /* an allocation failed (write) or a read ran past the end (read) */
} as_ser;

void as_ser_init(as_ser *b);
void as_ser_free(as_ser *b);
/* Wrap existing bytes for reading (not owned, not freed). */
void as_ser_wrap(as_ser *b, const void *data, size_t len);

void as_ser_put(as_ser *b, const void *p, size_t n);
void as_ser_put_i32(as_ser *b, int32_t v);
void as_ser_put_f64(as_ser *b, double v);
void as_ser_put_f64s(as_ser *b, const double *v, size_t n);

/* Reads: on running past the end they set failed and return 0 / leave the output zeroed. */
void as_ser_get(as_ser *b, void *p, size_t n);
int32_t as_ser_get_i32(as_ser *b);
double as_ser_get_f64(as_ser *b);
void as_ser_get_f64s(as_ser *b, double *v, size_t n);
/* A pointer to the next n bytes (NULL and failed when fewer remain). */
const void *as_ser_peek(as_ser *b, size_t n);

#endif
