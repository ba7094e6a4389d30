/* Several decks in one run (anionscan scf a.in b.in ..., anionscan relax a.in b.in ...): the ranks are
 * split into configuration groups (parallel/layout.h), the groups take the decks in turn, each deck's
 * console goes to DIR/LOGNAME (written by the group's first rank), and a table of every deck's status,
 * energy and gap ends the run.  A graceful stop (parallel/stop.h) leaves the decks not started for
 * --restart. */
#ifndef AS_CLI_DECK_FARM_H
#define AS_CLI_DECK_FARM_H

#include <mpi.h>

#include "cli/cli.h"

/* One deck on the ranks of group: its status (0 or AS_E*), out[0] the energy (Ha) and out[1] the gap (eV). */
typedef int (*as_cli_deck_fn)(const as_cli_opts *o, const char *deck, MPI_Comm group, double out[2],
                              as_error *err);

/* Collective over comm.  cmd names the command in messages ("scf"); logname the per-deck log, opened
 * with logmode ("w", or "a" for a command whose restart continues the log). */
int as_cli_deck_farm(const char *cmd, const as_cli_opts *o, const char *const *decks, int nd, MPI_Comm comm,
                     as_cli_deck_fn fn, const char *logname, const char *logmode, as_error *err);

#endif
