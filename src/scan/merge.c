/* Merging configurations after the prerelaxation (scan/merge.h). */
#include "scan/merge.h"

#include <stdlib.h>
#include <string.h>

#include "crystal/match.h"

/* candidates by energy, ties by index */
static int by_energy(const void *a, const void *b, void *items)
{
    const as_scan_merge_item *it = items;
    const int i = *(const int *)a, j = *(const int *)b;
    const double x = it[i].energy, y = it[j].energy;
    return x < y ? -1 : x > y ? 1 : (i > j) - (i < j);
}

int as_scan_merge(const as_scan_merge_item *item, int n, const as_symmetry *sym, double tol, int *into, double *dev,
                  as_error *err)
{
    for (int i = 0; i < n; i++) {
        into[i] = -1;
        if (dev)
            dev[i] = -1.0;
    }
    if (n <= 1 || tol <= 0.0)
        return AS_OK;
    int *order = malloc((size_t)n * sizeof *order), m = 0;
    if (!order)
        return as_error_nomem(err, "merging", (size_t)n * sizeof *order);
    for (int i = 0; i < n; i++)
        if (item[i].s)
            order[m++] = i;
    qsort_r(order, (size_t)m, sizeof *order, by_energy, (void *)item);
    int rc = AS_OK;
    for (int a = 0; a < m && rc == AS_OK; a++) {
        const int i = order[a];
        if (item[i].fixed)
            continue;
        for (int b = 0; b < a; b++) {
            const int j = order[b];
            if (into[j] >= 0 || strcmp(item[i].family, item[j].family) || item[i].s->natoms != item[j].s->natoms)
                continue;
            double maxdev = -1.0;
            const int r = as_match_structures(item[j].s, item[i].s, sym, tol, NULL, NULL, &maxdev, err);
            if (r < 0) {
                rc = err->code;
                break;
            }
            if (r == 1) {
                into[i] = j;
                if (dev)
                    dev[i] = maxdev;
                break;
            }
        }
    }
    free(order);
    return rc;
}
