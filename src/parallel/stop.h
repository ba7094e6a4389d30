/* A graceful stop before the job's end (docs/cluster.md).
 *
 * A batch system warns a job before its time limit with a signal (SLURM: sbatch --signal=B:USR1@300
 * to the batch shell, which passes it on; mpirun and srun pass SIGUSR1 and SIGTERM on to every
 * rank), and a deck or the command line may give the run a time budget of its own ([run] max_time,
 * --max-time; pw.x's max_seconds).  The handlers installed here only set a flag.  The SCF loop, the
 * relaxation and the task farms poll it at their safe points with as_stop_check, which every rank
 * of a calculation calls together so that all of them stop at the same point; the caller then
 * writes its checkpoint and journal and returns AS_ESTOPPED (exit status 5), and the same command
 * with --restart continues from there.
 *
 * The budget is checked against the work about to start: a step expected to take `next` seconds is
 * not started when it would end, with a reserve for writing files, after the budget. */
#ifndef AS_PARALLEL_STOP_H
#define AS_PARALLEL_STOP_H

#include <mpi.h>

/* The reserve kept for writing checkpoints and results after the last step, in seconds: this
 * fraction of the budget, at most AS_STOP_RESERVE_MAX_S. */
#define AS_STOP_RESERVE_FRACTION 0.02
#define AS_STOP_RESERVE_MAX_S 60.0

/* Installs the handlers for SIGUSR1 and SIGTERM and starts the clock (call once, early in main). */
void as_stop_init(void);
/* The time budget in seconds from as_stop_init; <= 0: none. */
void as_stop_set_budget(double seconds);
double as_stop_budget(void);
/* Seconds since as_stop_init. */
double as_stop_elapsed(void);

/* Collective over comm: 1 when the run should stop now rather than start work expected to take
 * `next` seconds (a signal reached any rank of comm, or the budget would be overrun), else 0.
 * Every rank of comm returns the same answer. */
int as_stop_check(MPI_Comm comm, double next);

/* This rank's own view, no communication: a signal arrived, or the budget is already spent. */
int as_stop_pending(void);

/* Why the run stops ("SIGUSR1", "SIGTERM", or "the time budget (max_time = 3600 s)") into buf. */
const char *as_stop_reason(char *buf, int n);

/* For tests: forget a received signal. */
void as_stop_reset(void);

#endif
