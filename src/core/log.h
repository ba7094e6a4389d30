/* Console output.  Only the rank that owns the console (set once by main, rank 0
 * of the world or of a configuration group) prints; everything else is silent so
 * parallel runs print each line once. */
#ifndef AS_CORE_LOG_H
#define AS_CORE_LOG_H

#include <stdio.h>

/* Whether this process prints (default: yes).  Set once at start-up. */
void as_log_set_enabled(int enabled);
int as_log_enabled(void);

/* Redirect the console (default stdout); used by configuration groups. */
void as_log_set_stream(FILE *f);

/* printf to the console when enabled. */
void as_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Warnings go to stderr prefixed "warning: " (printed when enabled). */
void as_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
