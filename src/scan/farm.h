/* The task farm: hands task numbers 0, 1, 2, ... to configuration groups of ranks as they free up,
 * so no group idles while work remains (the caller orders the tasks, most expensive first).  One
 * counter on world rank 0, advanced with MPI-3 one-sided atomics (MPI_Fetch_and_op under a shared
 * lock): no rank has to stop computing to serve the others.  Knows nothing of physics. */
#ifndef AS_SCAN_FARM_H
#define AS_SCAN_FARM_H

#include <mpi.h>

#include "core/error.h"

typedef struct as_farm {
    MPI_Comm world, group;
    int group_rank;
    int ntasks;
    MPI_Win win;
    int *counter; /* on world rank 0: [0] the next task, [1] the stop flag */
    int stopped;  /* this group saw the stop flag, or raised it */
} as_farm;

/* Collective over world; group is this rank's configuration group (a sub-communicator of world). */
as_farm *as_farm_create(MPI_Comm world, MPI_Comm group, int ntasks, as_error *err);
/* Collective over the group: the next task for it, or -1 when all are handed out or a group has
 * called as_farm_stop. */
int as_farm_next(as_farm *f);
/* Collective over the group: no group is handed another task (a graceful stop: the tasks not
 * handed out stay pending); the groups still computing finish their task first. */
void as_farm_stop(as_farm *f);
/* Whether the farm was stopped (as seen by this group's last as_farm_next or its own as_farm_stop). */
int as_farm_stopped(const as_farm *f);
/* Collective over world. */
void as_farm_destroy(as_farm *f);

#endif
