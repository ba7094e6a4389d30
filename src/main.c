/* anionscan: halide interstitials in CsPbX3 perovskites, from site enumeration
 * through a built-in plane-wave DFT solver to a ranking by energy and band gap.
 * This file only dispatches sub-commands; it is the one place that ends MPI. */
#include <cblas.h>
#include <malloc.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "parallel/stop.h"
#include "pw/fft_wisdom.h"

#define AS_VERSION "0.1.0"

typedef int (*as_command_fn)(int argc, char **argv, MPI_Comm comm, as_error *err);

typedef struct {
    const char *name;
    as_command_fn fn;
    const char *help;
    int ffts; /* plans FFTs: FFTW's wisdom is read before and kept after (pw/fft_wisdom.h) */
} as_command;

static const as_command commands[] = {
    {"check", as_cmd_check, "check DECK...          validate decks and exit", 0},
    {"scf", as_cmd_scf, "scf DECK... [-o DIR] [--restart] [--pools N] [--groups N]  ground state: energy, gap, forces, stress", 1},
    {"relax", as_cmd_relax, "relax DECK... [-o DIR] [--restart] [--groups N]  geometry optimisation (positions, and the cell "
                            "with [relax] cell = true); several decks at once in groups of ranks", 1},
    {"scan", as_cmd_scan, "scan DECK [-o DIR] [--restart] [--dry-run] [--groups G]  the interstitial scan: every site, "
                          "species and mode relaxed and ranked by energy and band-gap shift", 1},
    {"report", as_cmd_report, "report DIR... [--reference NAME] [--temperature T] [--host DIR] [-o OUT] [--no-figures]  the ranking "
                              "of finished scans, relax/scf runs or imported runs, recomputing nothing", 0},
    {"sites", as_cmd_sites, "sites DECK [-o DIR]     interstitial sites of the host: table, sites.json/csv/cif", 0},
    {"structure", as_cmd_structure, "structure DECK [-o DIR] build the host, print it, write CIF/POSCAR/XSF/extXYZ", 0},
};

static void usage(FILE *f)
{
    fprintf(f, "anionscan %s: halide interstitials in CsPbX3, ranked by DFT energy and band gap\n\n"
               "usage: anionscan COMMAND DECK [-o DIR]\n\ncommands:\n", AS_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s\n", commands[i].help);
    fprintf(f, "  help                   this text\n  version                the version\n\n"
               "Options of scf, relax and scan: --max-time T stops cleanly before the time budget T (3.5h, 90min,\n"
               "03:30:00; or [run] max_time in the deck); SIGUSR1 or SIGTERM stop cleanly too (docs/cluster.md).\n\n"
               "The deck format is in docs/input.md.  Exit status: 0 ok, 2 bad input, 3 not converged,\n"
               "4 file error, 5 stopped (signal or time budget; continue with --restart), 6 out of memory,\n"
               "1 internal error.\n");
}

int main(int argc, char **argv)
{
    /* Large blocks from the heap, kept after free: the eigensolver's and the XC's work arrays are
     * freed and requested again every SCF iteration, and glibc's default (each block over 128 KB its
     * own mmap, unmapped on free) made the kernel fault in and zero every page of them again: 490k
     * page faults, 3-4 % of a 20-atom SCF.  The peak resident memory is unchanged (docs/speed.md). */
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, -1);
    MPI_Init(&argc, &argv);
    as_stop_init(); /* SIGUSR1/SIGTERM: a graceful stop at the next safe point (parallel/stop.h) */
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    as_log_set_enabled(rank == 0);
    /* One BLAS thread per MPI rank unless asked otherwise: no hidden oversubscription. */
    const char *bt = getenv("ANIONSCAN_BLAS_THREADS");
    openblas_set_num_threads(bt && atoi(bt) > 0 ? atoi(bt) : 1);

    int status = 0;
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        if (rank == 0)
            usage(argc < 2 ? stderr : stdout);
        status = argc < 2 ? AS_EINPUT : 0;
    } else if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        as_log("anionscan %s\n", AS_VERSION);
    } else {
        const as_command *cmd = NULL;
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (!strcmp(argv[1], commands[i].name))
                cmd = &commands[i];
        if (!cmd) {
            if (rank == 0)
                fprintf(stderr, "anionscan: unknown command '%s' (try 'anionscan help')\n", argv[1]);
            status = AS_EINPUT;
        } else {
            as_error err;
            as_error_clear(&err);
            if (cmd->ffts)
                as_fft_wisdom_load(MPI_COMM_WORLD);
            status = cmd->fn(argc - 2, argv + 2, MPI_COMM_WORLD, &err);
            if (cmd->ffts) {
                /* every rank is here, whatever its status: agree before the collective save */
                int ok = status == 0 || status == AS_ENOCONV || status == AS_ESTOPPED;
                MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
                if (ok)
                    as_fft_wisdom_save(MPI_COMM_WORLD);
            }
            if (status == AS_ESTOPPED && rank == 0) /* a clean stop is no error: what stopped and how to go on */
                printf("anionscan: %s\n", err.msg);
            else if (status != 0 && rank == 0)
                fprintf(stderr, "anionscan: %s\n", err.msg[0] ? err.msg : "failed");
        }
    }
    MPI_Finalize();
    return status;
}
