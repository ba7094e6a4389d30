/* Errors with context, returned upward (never exit() below main).
 *
 * Every fallible function takes an `as_error *err` and returns an int status:
 * 0 on success, one of the AS_E* codes otherwise.  The message says what went
 * wrong and, where known, where (deck file:line, atom, k-point) and what to do.
 * Callers that add context use as_error_prefix(). */
#ifndef AS_CORE_ERROR_H
#define AS_CORE_ERROR_H

#include <stddef.h>

enum {
    AS_OK = 0,
    AS_EINTERNAL = 1, /* a bug or an unexpected library failure */
    AS_EINPUT = 2,    /* bad input: deck, structure file, command line */
    AS_ENOCONV = 3,   /* a calculation did not converge */
    AS_EIO = 4,       /* a file could not be read or written */
    AS_ESTOPPED = 5,  /* stopped on a signal or at the time budget, resumable with --restart (parallel/stop.h) */
    AS_ENOMEM = 6     /* out of memory */
};

#define AS_ERROR_MSG_LEN 2048

typedef struct as_error {
    int code;
    char msg[AS_ERROR_MSG_LEN];
} as_error;

/* Reset to "no error". */
void as_error_clear(as_error *err);

/* Set code and message; returns code so callers can `return as_error_set(...)`.
 * err may be NULL (the message is then dropped). */
int as_error_set(as_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend context ("reading POSCAR: ") to an existing message; returns err->code. */
int as_error_prefix(as_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Convenience for allocation failures. */
int as_error_nomem(as_error *err, const char *what, size_t bytes);

#endif
