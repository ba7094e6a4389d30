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
    const MPI_Aint size = rank == 0 ? (MPI_Aint)(2 * sizeof(int)) : 0; /* the counter and the stop flag */
    if (MPI_Win_allocate(size, sizeof(int), MPI_INFO_NULL, world, &f->counter, &f->win) != MPI_SUCCESS) {
        free(f);
        as_error_set(err, AS_EINTERNAL, "MPI_Win_allocate failed for the task farm's counter");
        return NULL;
    }
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, f->win);
        f->counter[0] = f->counter[1] = 0;
        MPI_Win_unlock(0, f->win);
    }
    MPI_Barrier(world);
    return f;
}

int as_farm_next(as_farm *f)
{
    int v[2] = {-1, f->stopped};
    if (f->group_rank == 0 && !f->stopped) {
        const int one = 1, none = 0;
        int stop = 0;
        MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, f->win);
        MPI_Fetch_and_op(&none, &stop, MPI_INT, 0, 1, MPI_NO_OP, f->win);
        MPI_Win_flush(0, f->win);
        if (!stop)
            MPI_Fetch_and_op(&one, &v[0], MPI_INT, 0, 0, MPI_SUM, f->win);
        MPI_Win_unlock(0, f->win);
        if (v[0] >= f->ntasks)
            v[0] = -1;
        v[1] = stop;
    }
    MPI_Bcast(v, 2, MPI_INT, 0, f->group);
    f->stopped = v[1];
    return f->stopped ? -1 : v[0];
}

void as_farm_stop(as_farm *f)
{
    if (f->group_rank == 0) {
        const int one = 1;
        int old = 0;
        MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, f->win);
        MPI_Fetch_and_op(&one, &old, MPI_INT, 0, 1, MPI_REPLACE, f->win);
        MPI_Win_unlock(0, f->win);
    }
    f->stopped = 1;
}

int as_farm_stopped(const as_farm *f)
{
    return f->stopped;
}

void as_farm_destroy(as_farm *f)
{
    if (!f)
        return;
    MPI_Win_free(&f->win);
    free(f);
}
