/* The one place the communicator hierarchy is built:
 *
 *   world ── configuration groups (the task farm: one deck or configuration per group)
 *              └── k-point pools (each pool owns a share of the k-points)
 *                     └── plane-wave group (the ranks of a pool share one k-point's plane
 *                         waves: FFT sticks and z-planes are distributed over them)
 *
 * A rank's place is (group, pool, pw_rank).  `inter` connects the ranks with the same pw_rank
 * in every pool of a group (densities and energies are summed over it).  The layout is chosen
 * from the rank count and the number of k-points, or forced (--pools, --groups, [parallel]). */
#ifndef AS_PARALLEL_LAYOUT_H
#define AS_PARALLEL_LAYOUT_H

#include <mpi.h>

#include "core/error.h"

typedef struct as_layout {
    MPI_Comm group;      /* this configuration group (a dup of what the caller gave) */
    int group_size, group_rank;
    int npools, pool;
    MPI_Comm pw;         /* the ranks of this pool */
    int pw_size, pw_rank;
    MPI_Comm inter;      /* same pw_rank across the pools of the group */
} as_layout;

/* npools <= 0: automatic (as many pools as divide the ranks and do not exceed the
 * k-points, preferring pools over plane-wave distribution: pools need no all-to-all). */
as_layout *as_layout_create(MPI_Comm group, int npools, int nk, as_error *err);
void as_layout_destroy(as_layout *l);

/* The automatic number of pools for nranks ranks and nk k-points. */
int as_layout_auto_pools(int nranks, int nk);

/* The same, checked against memory: wf_bytes_per_k = wavefunctions and projectors of one
 * k-point, work_bytes = the eigensolver's work space for one k-point, grid_bytes = densities and
 * potentials on the full grid (all three divide over the ranks sharing plane waves).  The most
 * pools whose per-rank need fits into this node's available memory per rank (MemAvailable /
 * ranks on the node, the minimum over all ranks); one pool if none fits.  *need gets the
 * estimate (bytes per rank) for the chosen layout. */
int as_layout_choose_pools(MPI_Comm comm, int nk, double wf_bytes_per_k, double work_bytes, double grid_bytes,
                           double *need);

/* Bytes of memory available to each rank on its node (MemAvailable / ranks on the node), the
 * minimum over comm; a large number if /proc/meminfo cannot be read. */
double as_layout_memory_per_rank(MPI_Comm comm);

/* Split world into ngroups configuration groups of (nearly) equal size; *group_id is this
 * rank's group.  ngroups <= 0 or > size is an error. */
int as_layout_split_groups(MPI_Comm world, int ngroups, MPI_Comm *group, int *group_id, as_error *err);

/* A serial layout on MPI_COMM_SELF (tests, tools). */
as_layout *as_layout_serial(as_error *err);

#endif
