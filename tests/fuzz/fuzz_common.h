/* Shared helpers of the fuzz harnesses (tests/fuzz/fuzz_*.c).  Each harness defines
 * LLVMFuzzerTestOneInput and LLVMFuzzerInitialize; the same object links either with libFuzzer
 * (make fuzz) or with tests/fuzz/replay.c (make fuzz-replay, the normal compiler and flags).
 * Header-only: each harness includes it once.
 *
 * Readers that take a path get the input through a file in a private temporary directory,
 * rewritten per input.  Checksummed formats (density.dat, relax.chk, the scan journal) take a
 * leading mode byte: odd = the harness repairs the checksums first, so the mutations reach the
 * parser behind them; even = the bytes as they are. */
#ifndef AS_FUZZ_COMMON_H
#define AS_FUZZ_COMMON_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_dir[256];

#if defined(__GNUC__)
#define FZ_UNUSED __attribute__((unused))
#else
#define FZ_UNUSED
#endif

FZ_UNUSED static void fz_cleanup(void)
{
    if (fz_dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz: could not remove %s\n", fz_dir);
    }
}

static void fz_finalize(void)
{
    int done = 0;
    MPI_Finalized(&done);
    if (!done)
        MPI_Finalize();
}

/* Quiet console, a private temporary directory; MPI initialised once when mpi != 0. */
static void fz_init(int mpi)
{
    as_log_set_enabled(0);
    if (!fz_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(fz_dir, sizeof fz_dir, "%s/anionscan-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(fz_dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fz_cleanup);
    }
    int on = 0;
    MPI_Initialized(&on);
    if (mpi && !on) {
        MPI_Init(NULL, NULL);
        atexit(fz_finalize);
    }
}

/* Write bytes to DIR/name; returns the path (static storage). */
FZ_UNUSED static const char *fz_write(const char *name, const void *data, size_t size)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fz_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}

/* A NUL-terminated copy (the from-memory parsers take C strings). */
FZ_UNUSED static char *fz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t)
        abort();
    memcpy(t, data, size);
    t[size] = '\0';
    return t;
}

#endif
