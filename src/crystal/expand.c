#include "crystal/expand.h"

#include <math.h>
#include <spglib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/supercell.h"

static const char *site_name(const char *const *labels, int i, int z, char *buf, size_t n)
{
    if (labels && labels[i] && labels[i][0])
        snprintf(buf, n, "%d (%s)", i + 1, labels[i]);
    else
        snprintf(buf, n, "%d (%s)", i + 1, as_element_symbol(z) ? as_element_symbol(z) : "?");
    return buf;
}

/* The lowest-numbered kept atom within tol_bohr of y (as a plain scan in order would find it), or -1: only the
 * atoms filed in y's bin and the 26 around it (head/next: each bin's atoms as a linked list) can be that close. */
static int find_kept(const as_structure *s, const double lattice[3][3], const double y[3], const int bin[3],
                     const int nb[3], const int *head, const int *next, const double reach[3], double tol_bohr)
{
    int dup = -1, lo[3], hi[3];
    for (int k = 0; k < 3; k++) /* with fewer than 3 bins the neighbours repeat: visit each once */
        lo[k] = nb[k] < 3 ? 0 : -1, hi[k] = nb[k] < 3 ? nb[k] - 1 : 1;
    for (int dx = lo[0]; dx <= hi[0]; dx++)
        for (int dy = lo[1]; dy <= hi[1]; dy++)
            for (int dz = lo[2]; dz <= hi[2]; dz++) {
                const int bx = (bin[0] + dx + nb[0]) % nb[0], by = (bin[1] + dy + nb[1]) % nb[1],
                          bz = (bin[2] + dz + nb[2]) % nb[2];
                for (int a = head[(bx * nb[1] + by) * nb[2] + bz]; a >= 0; a = next[a]) {
                    int far = 0;
                    for (int k = 0; k < 3 && !far; k++) {
                        double d = s->frac[a][k] - y[k];
                        d -= floor(d + 0.5);
                        far = fabs(d) > reach[k];
                    }
                    if (!far && (dup < 0 || a < dup) && as_periodic_distance(lattice, s->frac[a], y) < tol_bohr)
                        dup = a;
                }
            }
    return dup;
}

as_structure *as_structure_expand(const double lattice[3][3], int nsites, const int *z, const double (*frac)[3],
                                  const char *const *labels, int nops, const int (*rot)[3][3],
                                  const double (*trans)[3], double tol_bohr, int **site_of_atom, as_error *err)
{
    if (site_of_atom)
        *site_of_atom = NULL;
    /* each candidate is compared with every atom kept so far: bound both before the quadratic work */
    if ((long)nsites * nops > AS_EXPAND_MAX_CANDIDATES) {
        as_error_set(err, AS_EINPUT, "%d sites x %d symmetry operations is more than %d positions to expand", nsites,
                     nops, AS_EXPAND_MAX_CANDIDATES);
        return NULL;
    }
    /* A cheap test before the exact one: for any lattice translation, |r| >= 2 pi |d_k| / |b_k| (d the fractional
     * difference wrapped to [-1/2, 1/2], b_k a reciprocal vector), so a pair farther apart than that along one axis
     * is no duplicate; the exact minimum-image distance is taken only for the few that pass. */
    double rec[3][3], reach[3] = {0, 0, 0};
    if (as_lattice_reciprocal(lattice, rec) == 0)
        for (int k = 0; k < 3; k++)
            reach[k] = tol_bohr * sqrt(rec[k][0] * rec[k][0] + rec[k][1] * rec[k][1] + rec[k][2] * rec[k][2]) /
                       AS_TWOPI;
    else
        reach[0] = reach[1] = reach[2] = 1.0; /* a singular cell: no shortcut */
    /* Kept atoms are filed in a grid of bins at least that reach wide along each axis, so a candidate is compared
     * only with the atoms of its own and the neighbouring bins: linear in the atoms, not quadratic (a 50 A cubic cell
     * with 192 operations took seconds per structure before). */
    int nb[3];
    for (int k = 0; k < 3; k++) {
        double w = reach[k] > 1e-6 ? floor(1.0 / reach[k]) : 1e6;
        nb[k] = w < 1.0 ? 1 : w > 32.0 ? 32 : (int)w;
    }
    const int nbins = nb[0] * nb[1] * nb[2];
    int *head = malloc((size_t)nbins * sizeof *head), *next = NULL;
    as_structure *s = head ? as_structure_create(0, err) : NULL;
    if (!head)
        as_error_nomem(err, "symmetry expansion", (size_t)nbins * sizeof *head);
    if (!s) {
        free(head);
        return NULL;
    }
    for (int b = 0; b < nbins; b++)
        head[b] = -1;
    memcpy(s->lattice, lattice, sizeof s->lattice);
    int *owner = NULL, cap = 0;
    for (int i = 0; i < nsites; i++) {
        int warned = 0;
        for (int o = 0; o < nops; o++) {
            double y[3];
            int bin[3];
            for (int k = 0; k < 3; k++) {
                y[k] = rot[o][k][0] * frac[i][0] + rot[o][k][1] * frac[i][1] + rot[o][k][2] * frac[i][2] +
                       trans[o][k];
                y[k] -= floor(y[k]);
                if (y[k] >= 1.0 - 1e-12)
                    y[k] = 0.0;
                bin[k] = (int)(y[k] * nb[k]);
                if (bin[k] >= nb[k])
                    bin[k] = nb[k] - 1;
            }
            const int dup = find_kept(s, lattice, y, bin, nb, head, next, reach, tol_bohr);
            if (dup >= 0) {
                int j = owner[dup];
                if (j == i)
                    continue;
                char b1[96], b2[96];
                if (s->z[dup] != z[i]) {
                    as_error_set(err, AS_EINPUT,
                                 "sites %s and %s fall on the same position after applying the symmetry "
                                 "operations (mixed or partial occupancy is not supported; give one ordered "
                                 "structure)",
                                 site_name(labels, j, z[j], b1, sizeof b1), site_name(labels, i, z[i], b2, sizeof b2));
                    goto fail;
                }
                if (!warned++)
                    as_warn("sites %s and %s are the same atom after applying the symmetry operations; kept "
                            "once",
                            site_name(labels, j, z[j], b1, sizeof b1), site_name(labels, i, z[i], b2, sizeof b2));
                continue;
            }
            if (s->natoms >= AS_SUPERCELL_MAX_ATOMS) {
                as_error_set(err, AS_EINPUT, "the structure has more than %d atoms", AS_SUPERCELL_MAX_ATOMS);
                goto fail;
            }
            if (as_structure_add_atom(s, z[i], y, err))
                goto fail;
            if (s->natoms > cap) {
                cap = cap ? 2 * cap : 64;
                int *no = realloc(owner, (size_t)cap * sizeof *no);
                if (no)
                    owner = no;
                int *nx = no ? realloc(next, (size_t)cap * sizeof *nx) : NULL;
                if (!nx) {
                    as_error_nomem(err, "symmetry expansion", (size_t)cap * sizeof *no);
                    goto fail;
                }
                next = nx;
            }
            owner[s->natoms - 1] = i;
            const int b = (bin[0] * nb[1] + bin[1]) * nb[2] + bin[2];
            next[s->natoms - 1] = head[b];
            head[b] = s->natoms - 1;
        }
    }
    free(head);
    free(next);
    if (site_of_atom)
        *site_of_atom = owner;
    else
        free(owner);
    return s;
fail:
    free(head);
    free(next);
    free(owner);
    as_structure_destroy(s);
    return NULL;
}

int as_spacegroup_operations(int hall_number, int (**rot)[3][3], double (**trans)[3], as_error *err)
{
    *rot = NULL;
    *trans = NULL;
    int r[192][3][3];
    double t[192][3];
    int n = spg_get_symmetry_from_database(r, t, hall_number);
    if (n <= 0) {
        as_error_set(err, AS_EINTERNAL, "spglib has no operations for Hall number %d", hall_number);
        return 0;
    }
    *rot = malloc((size_t)n * sizeof **rot);
    *trans = malloc((size_t)n * sizeof **trans);
    if (!*rot || !*trans) {
        free(*rot);
        free(*trans);
        *rot = NULL;
        *trans = NULL;
        as_error_nomem(err, "space-group operations", (size_t)n * 96);
        return 0;
    }
    memcpy(*rot, r, (size_t)n * sizeof **rot);
    memcpy(*trans, t, (size_t)n * sizeof **trans);
    return n;
}
