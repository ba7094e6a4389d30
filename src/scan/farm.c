/* The task farm (scan/farm.h). */
#include "scan/farm.h"

#include <stdlib.h>

as_farm *as_farm_create(MPI_Comm world, MPI_Comm group, int ntasks, as_error *err)
{
    as_farm *f = calloc(1, sizeof *f);
    int ok = f != NULL, rank = 0;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, world);
    if (!ok) {
        free(f);
        as_error_nomem(err, "task farm", sizeof *f);
        return NULL;
    }
    MPI_Comm_rank(world, &rank);
    MPI_Comm_rank(group, &f->group_rank);
    f->world = world;
    f->group = group;
    f->ntasks = ntasks;
    const MPI_Aint size = rank == 0 ? (MPI_Aint)sizeof(int) : 0;
    if (MPI_Win_allocate(size, sizeof(int), MPI_INFO_NULL, world, &f->counter, &f->win) != MPI_SUCCESS) {
        free(f);
        as_error_set(err, AS_EINTERNAL, "MPI_Win_allocate failed for the task farm's counter");
        return NULL;
    }
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, f->win);
        *f->counter = 0;
        MPI_Win_unlock(0, f->win);
    }
    MPI_Barrier(world);
    return f;
}

int as_farm_next(as_farm *f)
{
    int task = -1;
    if (f->group_rank == 0) {
        const int one = 1;
        MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, f->win);
        MPI_Fetch_and_op(&one, &task, MPI_INT, 0, 0, MPI_SUM, f->win);
        MPI_Win_unlock(0, f->win);
        if (task >= f->ntasks)
            task = -1;
    }
    MPI_Bcast(&task, 1, MPI_INT, 0, f->group);
    return task;
}

void as_farm_destroy(as_farm *f)
{
    if (!f)
        return;
    MPI_Win_free(&f->win);
    free(f);
}
