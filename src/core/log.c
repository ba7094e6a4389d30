#include "core/log.h"

#include <stdarg.h>

/* Process-wide console state: which process prints and where.  These are the
 * only mutable file-scope variables in the program (set once at start-up). */
static int log_enabled = 1;
static FILE *log_stream;

void as_log_set_enabled(int enabled) { log_enabled = enabled; }
int as_log_enabled(void) { return log_enabled; }
void as_log_set_stream(FILE *f) { log_stream = f; }

void as_log(const char *fmt, ...)
{
    if (!log_enabled)
        return;
    FILE *f = log_stream ? log_stream : stdout;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fflush(f);
}

void as_warn(const char *fmt, ...)
{
    if (!log_enabled)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
