#include "pw/fft_wisdom.h"

#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "pw/fft.h"

#define WISDOM_MAX (64u << 20) /* a larger file is not FFTW's wisdom */

/* the text the file held when it was loaded (rank 0), to write only what is new */
static char *loaded;

/* The file's path into out; 0 when wisdom is off. */
static int wisdom_path(char *out, size_t n)
{
    if (!as_fft_plans_measured())
        return 0;
    const char *e = getenv("ANIONSCAN_FFTW_WISDOM");
    if (e && (!strcmp(e, "none") || !strcmp(e, "off") || !*e))
        return 0;
    if (e)
        return snprintf(out, n, "%s", e) < (int)n;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        return snprintf(out, n, "%s/anionscan/fftw.wisdom", xdg) < (int)n;
    if (home && *home)
        return snprintf(out, n, "%s/.cache/anionscan/fftw.wisdom", home) < (int)n;
    return 0;
}

void as_fft_wisdom_load(MPI_Comm comm)
{
    char path[4096];
    if (!wisdom_path(path, sizeof path))
        return;
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    long len = 0;
    char *text = NULL;
    if (rank == 0) {
        size_t n = 0;
        as_error err;
        if (as_file_exists(path) && as_file_read_all(path, &text, &n, &err) == AS_OK && n > 0 && n < WISDOM_MAX &&
            strlen(text) == n)
            len = (long)n;
        else {
            free(text);
            text = NULL;
        }
    }
    MPI_Bcast(&len, 1, MPI_LONG, 0, comm);
    if (len <= 0)
        return;
    if (rank != 0 && !(text = malloc((size_t)len + 1)))
        len = 0;
    int ok = len > 0;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    int imported = 0;
    if (ok) {
        MPI_Bcast(text, (int)len + 1, MPI_CHAR, 0, comm);
        imported = fftw_import_wisdom_from_string(text); /* 0 when the text is not wisdom of this FFTW */
    }
    if (rank == 0 && imported) { /* a file that was no wisdom is overwritten by the next save */
        free(loaded);
        loaded = text;
    } else {
        free(text);
    }
}

void as_fft_wisdom_save(MPI_Comm comm)
{
    char path[4096];
    if (!wisdom_path(path, sizeof path))
        return;
    int rank = 0, np = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &np);
    char *mine = fftw_export_wisdom_to_string();
    int len = mine ? (int)strlen(mine) + 1 : 0;
    int *lens = rank == 0 ? calloc((size_t)np, sizeof *lens) : NULL, *displs = NULL;
    char *all = NULL;
    MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, comm);
    if (rank == 0 && lens && (displs = calloc((size_t)np, sizeof *displs))) {
        long total = 0;
        for (int r = 0; r < np; r++) {
            displs[r] = (int)total;
            total += lens[r];
        }
        if (total < (long)WISDOM_MAX * 4)
            all = malloc((size_t)total + 1);
    }
    int ok = rank != 0 || all;
    MPI_Bcast(&ok, 1, MPI_INT, 0, comm);
    if (ok)
        MPI_Gatherv(mine, len, MPI_CHAR, all, lens, displs, MPI_CHAR, 0, comm);
    if (rank == 0 && ok) {
        for (int r = 1; r < np; r++)
            if (lens[r] > 0)
                fftw_import_wisdom_from_string(all + displs[r]);
        char *merged = fftw_export_wisdom_to_string();
        /* wisdom only grows: FFTW may order the same entries differently, so new plans show as more text */
        if (merged && (!loaded || strlen(merged) > strlen(loaded))) {
            char dir[4096];
            snprintf(dir, sizeof dir, "%s", path);
            char *slash = strrchr(dir, '/');
            as_error err;
            if (slash && slash != dir) {
                *slash = '\0';
                as_file_mkdirs(dir, &err); /* a cache: a failure only means the next run plans again */
            }
            if (as_file_write_atomic(path, merged, strlen(merged), &err) == AS_OK) {
                free(loaded);
                loaded = merged;
                merged = NULL;
            }
        }
        free(merged);
    }
    free(all), free(lens), free(displs);
    free(mine);
}
