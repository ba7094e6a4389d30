/* Sub-commands of the anionscan executable.  Each returns 0 or an AS_E* code
 * with err filled; main prints the message and exits with the code. */
#ifndef AS_CLI_CLI_H
#define AS_CLI_CLI_H

#include <mpi.h>

#include "core/error.h"
#include "io/deck.h"
#include "io/settings.h"
#include "pw/kpoints.h"
#include "pw/memory.h"
#include "pw/model.h"

/* Options shared by the commands that take one deck. */
typedef struct as_cli_opts {
    const char *deck_path;
    const char *outdir;   /* -o DIR, or NULL */
    int restart;          /* --restart */
    int npools;           /* --pools N (0 = automatic) */
    int ngroups;          /* --groups N (0 = automatic) */
    int dry_run;          /* --dry-run (scan) */
    double max_time;      /* --max-time T: the time budget in seconds (0 = none; parallel/stop.h) */
} as_cli_opts;

/* Parse "DECK [-o DIR] [--restart] [--pools N] [--groups N] [--max-time T]"; extra decks go in decks[].
 * --max-time sets the run's time budget at once (parallel/stop.h). */
int as_cli_parse(int argc, char **argv, as_cli_opts *o, const char **decks, int *ndecks, int maxdecks,
                 as_error *err);

/* Read and validate a deck (rank 0 reads, all parse) into settings. */
int as_cli_load(const char *path, MPI_Comm comm, as_deck **deck, as_settings *s, as_error *err);

/* The output directory: -o, else [output] dir, else runs/<deck stem>. */
void as_cli_outdir(const as_cli_opts *o, const as_settings *s, char *out, int n);

/* An input error found after the deck was read (e.g. the functional against the potentials):
 * prefix "deck:LINE: " unless the message already names the deck. */
int as_cli_deck_context(as_error *err, const char *deck_path, int line);

/* Rank 0's status and message to every rank of comm (after work only rank 0 did); returns the status. */
int as_cli_share(MPI_Comm comm, int rc, as_error *err);

/* The model (potentials, electrons, symmetry) and k points of a deck's structure, as scf builds them;
 * errors carry the deck's line.  Before the model, a lower bound of the memory against what the ranks of
 * comm have (collective on comm). */
int as_cli_model_kpoints(const as_settings *set, const char *deck_path, const as_structure *s, MPI_Comm comm,
                         as_model **m, as_kpoints **kp, as_error *err);
/* The band count and the basis, and the memory estimate against what the machine has per rank of comm
 * (AS_ENOMEM with the estimate in the message); *estimate (may be NULL) receives the total in bytes. */
int as_cli_check_size(const as_settings *set, const char *deck_path, const as_model *m, const as_kpoints *kp,
                      MPI_Comm comm, double *estimate, as_error *err);

/* The solver's memory per rank for nb bands and nk k-points shared by nranks ranks, by part (pw/memory.h),
 * from the deck's settings alone (nothing allocated); returns the total per rank in bytes. */
double as_cli_memory(const as_settings *set, const as_model *m, int nb, int nk, int nranks, as_memory *mem);

/* Both, for a command about to start on comm (relax, scan): refused up front like scf. */
int as_cli_check_calc(const as_settings *set, const char *deck_path, const as_structure *s, MPI_Comm comm,
                      as_error *err);

int as_cmd_check(int argc, char **argv, MPI_Comm comm, as_error *err);
int as_cmd_structure(int argc, char **argv, MPI_Comm comm, as_error *err);
int as_cmd_sites(int argc, char **argv, MPI_Comm comm, as_error *err);
int as_cmd_scf(int argc, char **argv, MPI_Comm comm, as_error *err);
int as_cmd_relax(int argc, char **argv, MPI_Comm comm, as_error *err);
int as_cmd_scan(int argc, char **argv, MPI_Comm comm, as_error *err);
int as_cmd_report(int argc, char **argv, MPI_Comm comm, as_error *err);

#endif
