/* A graceful stop before the job's end (parallel/stop.h). */
#include "parallel/stop.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/timer.h"

static volatile sig_atomic_t got_signal = 0;
static double t_start = 0.0, budget = 0.0;
static int stop_sig = 0;    /* the signal behind the last positive check (on any rank), 0: the budget */
static int stopped = 0;     /* a check said stop */

static void on_signal(int sig)
{
    got_signal = sig;
}

void as_stop_init(void)
{
    t_start = as_wtime();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* a write or read in progress completes */
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void as_stop_set_budget(double seconds)
{
    budget = seconds > 0.0 ? seconds : 0.0;
}

double as_stop_budget(void)
{
    return budget;
}

double as_stop_elapsed(void)
{
    return as_wtime() - t_start;
}

static double reserve(void)
{
    const double r = AS_STOP_RESERVE_FRACTION * budget;
    return r < AS_STOP_RESERVE_MAX_S ? r : AS_STOP_RESERVE_MAX_S;
}

int as_stop_check(MPI_Comm comm, double next)
{
    /* [0]: a signal; [1]: the budget.  The maximum over the ranks: one rank's signal stops all. */
    int v[2] = {(int)got_signal, 0};
    if (budget > 0.0 && as_stop_elapsed() + (next > 0.0 ? next : 0.0) + reserve() > budget)
        v[1] = 1;
    MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_INT, MPI_MAX, comm);
    if (v[0] || v[1])
        stopped = 1, stop_sig = v[0];
    return v[0] || v[1];
}

int as_stop_pending(void)
{
    return got_signal != 0 || (budget > 0.0 && as_stop_elapsed() + reserve() > budget);
}

const char *as_stop_reason(char *buf, int n)
{
    const int sig = stopped ? stop_sig : (int)got_signal;
    if (sig)
        snprintf(buf, (size_t)n, "%s", sig == SIGUSR1 ? "SIGUSR1" : sig == SIGTERM ? "SIGTERM" : "a signal");
    else
        snprintf(buf, (size_t)n, "the time budget (max_time = %.4g s; %.4g s used)", budget, as_stop_elapsed());
    return buf;
}

void as_stop_reset(void)
{
    got_signal = 0;
    stop_sig = stopped = 0;
}
