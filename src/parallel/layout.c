#include "parallel/layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int as_layout_auto_pools(int nranks, int nk)
{
    int best = 1;
    for (int p = 1; p <= nranks && p <= nk; p++)
        if (nranks % p == 0)
            best = p;
    return best;
}

as_layout *as_layout_create(MPI_Comm group, int npools, int nk, as_error *err)
{
    as_layout *l = calloc(1, sizeof *l);
    if (!l) {
        as_error_nomem(err, "layout", sizeof *l);
        return NULL;
    }
    MPI_Comm_dup(group, &l->group);
    MPI_Comm_size(l->group, &l->group_size);
    MPI_Comm_rank(l->group, &l->group_rank);
    if (npools <= 0)
        npools = as_layout_auto_pools(l->group_size, nk);
    if (npools > l->group_size || l->group_size % npools != 0) {
        const int nranks = l->group_size; /* read before l is freed (the message printed freed memory) */
        as_layout_destroy(l);
        as_error_set(err, AS_EINPUT, "%d k-point pools do not divide %d ranks; choose a divisor", npools,
                     nranks);
        return NULL;
    }
    if (npools > nk) {
        as_layout_destroy(l);
        as_error_set(err, AS_EINPUT, "%d k-point pools for %d k-points: some pools would be idle; use at most %d",
                     npools, nk, nk);
        return NULL;
    }
    l->npools = npools;
    const int per = l->group_size / npools;
    l->pool = l->group_rank / per;
    MPI_Comm_split(l->group, l->pool, l->group_rank, &l->pw);
    MPI_Comm_size(l->pw, &l->pw_size);
    MPI_Comm_rank(l->pw, &l->pw_rank);
    MPI_Comm_split(l->group, l->pw_rank, l->group_rank, &l->inter);
    return l;
}

void as_layout_destroy(as_layout *l)
{
    if (!l)
        return;
    if (l->inter != MPI_COMM_NULL && l->inter)
        MPI_Comm_free(&l->inter);
    if (l->pw != MPI_COMM_NULL && l->pw)
        MPI_Comm_free(&l->pw);
    if (l->group != MPI_COMM_NULL && l->group)
        MPI_Comm_free(&l->group);
    free(l);
}

as_layout *as_layout_serial(as_error *err) { return as_layout_create(MPI_COMM_SELF, 1, 1, err); }

int as_layout_split_groups(MPI_Comm world, int ngroups, MPI_Comm *group, int *group_id, as_error *err)
{
    int size, rank;
    MPI_Comm_size(world, &size);
    MPI_Comm_rank(world, &rank);
    if (ngroups <= 0 || ngroups > size)
        return as_error_set(err, AS_EINPUT, "%d configuration groups for %d ranks; use 1 to %d", ngroups, size, size);
    /* contiguous blocks, the first (size % ngroups) groups one rank larger */
    const int base = size / ngroups, extra = size % ngroups;
    int g = 0, start = 0;
    for (; g < ngroups; g++) {
        int n = base + (g < extra);
        if (rank < start + n)
            break;
        start += n;
    }
    *group_id = g;
    MPI_Comm_split(world, g, rank, group);
    return AS_OK;
}

double as_layout_memory_per_rank(MPI_Comm comm)
{
    double avail = 1e18;
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            long kb = 0;
            if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1) {
                avail = 1024.0 * (double)kb;
                break;
            }
        }
        fclose(f);
    }
    MPI_Comm node;
    int local = 1;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &local);
    MPI_Comm_free(&node);
    double per = avail / local;
    MPI_Allreduce(MPI_IN_PLACE, &per, 1, MPI_DOUBLE, MPI_MIN, comm);
    return per;
}

int as_layout_choose_pools(MPI_Comm comm, int nk, double wf_bytes_per_k, double work_bytes, double grid_bytes,
                           double *need)
{
    int nranks = 1;
    MPI_Comm_size(comm, &nranks);
    const double avail = as_layout_memory_per_rank(comm);
    double best_need = 0.0;
    for (int p = as_layout_auto_pools(nranks, nk); p >= 1; p--) {
        if (nranks % p || p > nk)
            continue;
        const int pw = nranks / p, kper = (nk + p - 1) / p;
        const double m = (kper * wf_bytes_per_k + work_bytes + grid_bytes) / pw;
        if (p == 1 || m <= 0.8 * avail) {
            best_need = m;
            if (need)
                *need = best_need;
            return p;
        }
    }
    if (need)
        *need = best_need;
    return 1;
}
