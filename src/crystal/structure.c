#include "crystal/structure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"

as_structure *as_structure_create(int natoms, as_error *err)
{
    if (natoms < 0) {
        as_error_set(err, AS_EINTERNAL, "negative atom count %d", natoms);
        return NULL;
    }
    as_structure *s = calloc(1, sizeof *s);
    if (!s) {
        as_error_nomem(err, "structure", sizeof *s);
        return NULL;
    }
    s->natoms = natoms;
    if (natoms > 0) {
        s->z = calloc((size_t)natoms, sizeof *s->z);
        s->frac = calloc((size_t)natoms, sizeof *s->frac);
        if (!s->z || !s->frac) {
            as_structure_destroy(s);
            as_error_nomem(err, "structure atoms", (size_t)natoms * 32);
            return NULL;
        }
    }
    return s;
}

void as_structure_destroy(as_structure *s)
{
    if (!s)
        return;
    free(s->z);
    free(s->frac);
    free(s);
}

as_structure *as_structure_copy(const as_structure *s, as_error *err)
{
    as_structure *c = as_structure_create(s->natoms, err);
    if (!c)
        return NULL;
    memcpy(c->lattice, s->lattice, sizeof c->lattice);
    if (s->natoms > 0) {
        memcpy(c->z, s->z, (size_t)s->natoms * sizeof *c->z);
        memcpy(c->frac, s->frac, (size_t)s->natoms * sizeof *c->frac);
    }
    return c;
}

int as_structure_add_atom(as_structure *s, int z, const double frac[3], as_error *err)
{
    int n = s->natoms + 1;
    int *nz = realloc(s->z, (size_t)n * sizeof *nz);
    if (!nz)
        return as_error_nomem(err, "structure atoms", (size_t)n * sizeof *nz);
    s->z = nz;
    double(*nf)[3] = realloc(s->frac, (size_t)n * sizeof *nf);
    if (!nf)
        return as_error_nomem(err, "structure atoms", (size_t)n * sizeof *nf);
    s->frac = nf;
    s->z[n - 1] = z;
    memcpy(s->frac[n - 1], frac, sizeof s->frac[0]);
    s->natoms = n;
    return AS_OK;
}

double as_lattice_volume(const double a[3][3])
{
    return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
           a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
           a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
}

int as_lattice_inverse(const double a[3][3], double inv[3][3])
{
    double det = as_lattice_volume(a);
    double scale = 0.0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            scale = fmax(scale, fabs(a[i][j]));
    if (scale == 0.0 || fabs(det) < 1e-10 * scale * scale * scale)
        return -1;
    inv[0][0] = (a[1][1] * a[2][2] - a[1][2] * a[2][1]) / det;
    inv[0][1] = (a[0][2] * a[2][1] - a[0][1] * a[2][2]) / det;
    inv[0][2] = (a[0][1] * a[1][2] - a[0][2] * a[1][1]) / det;
    inv[1][0] = (a[1][2] * a[2][0] - a[1][0] * a[2][2]) / det;
    inv[1][1] = (a[0][0] * a[2][2] - a[0][2] * a[2][0]) / det;
    inv[1][2] = (a[0][2] * a[1][0] - a[0][0] * a[1][2]) / det;
    inv[2][0] = (a[1][0] * a[2][1] - a[1][1] * a[2][0]) / det;
    inv[2][1] = (a[0][1] * a[2][0] - a[0][0] * a[2][1]) / det;
    inv[2][2] = (a[0][0] * a[1][1] - a[0][1] * a[1][0]) / det;
    return 0;
}

int as_lattice_reciprocal(const double a[3][3], double b[3][3])
{
    double inv[3][3];
    if (as_lattice_inverse(a, inv) != 0)
        return -1;
    /* b_i (row i) = 2 pi * column i of inv, since a . inv = 1. */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            b[i][j] = AS_TWOPI * inv[j][i];
    return 0;
}

void as_frac_to_cart(const double lat[3][3], const double f[3], double c[3])
{
    for (int j = 0; j < 3; j++)
        c[j] = f[0] * lat[0][j] + f[1] * lat[1][j] + f[2] * lat[2][j];
}

void as_cart_to_frac(const double inv[3][3], const double c[3], double f[3])
{
    for (int j = 0; j < 3; j++)
        f[j] = c[0] * inv[0][j] + c[1] * inv[1][j] + c[2] * inv[2][j];
}

void as_structure_wrap(as_structure *s)
{
    for (int a = 0; a < s->natoms; a++)
        for (int k = 0; k < 3; k++) {
            double x = s->frac[a][k] - floor(s->frac[a][k]);
            s->frac[a][k] = (x >= 1.0) ? 0.0 : x;
        }
}

double as_periodic_distance(const double lat[3][3], const double a[3], const double b[3])
{
    double d[3];
    for (int k = 0; k < 3; k++) {
        d[k] = b[k] - a[k];
        d[k] -= floor(d[k] + 0.5);
    }
    /* After reduction to [-1/2, 1/2) the nearest image is among the 27 neighbours
     * for any cell that is not extremely skewed; search one shell further to be safe. */
    double best = INFINITY;
    for (int i = -2; i <= 2; i++)
        for (int j = -2; j <= 2; j++)
            for (int k = -2; k <= 2; k++) {
                double f[3] = {d[0] + i, d[1] + j, d[2] + k}, c[3];
                as_frac_to_cart(lat, f, c);
                double r2 = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
                if (r2 < best)
                    best = r2;
            }
    return sqrt(best);
}

double as_structure_min_distance(const as_structure *s, int *pi, int *pj)
{
    double best = INFINITY;
    int bi = -1, bj = -1;
    for (int i = 0; i < s->natoms; i++)
        for (int j = i + 1; j < s->natoms; j++) {
            double d = as_periodic_distance(s->lattice, s->frac[i], s->frac[j]);
            if (d < best) {
                best = d;
                bi = i;
                bj = j;
            }
        }
    if (pi)
        *pi = bi;
    if (pj)
        *pj = bj;
    return best;
}

/* The first pair (i < j, in that order) closer than dmin, or *pi = -1.  Atoms go into a grid of cells at
 * least dmin high, so only atoms in neighbouring cells are compared: linear in the atoms, where all pairs
 * (with 125 images each) never finished for a large supercell.  Returns -1 when out of memory. */
static int first_close_pair(const as_structure *s, double dmin, int *pi, int *pj, double *pd)
{
    *pi = *pj = -1;
    const double vol = fabs(as_lattice_volume(s->lattice));
    int nb[3];
    for (int k = 0; k < 3; k++) {
        const double *u = s->lattice[(k + 1) % 3], *v = s->lattice[(k + 2) % 3];
        double c[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
        double h = vol / sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]); /* the cell's height along k */
        double m = floor(h / dmin);
        nb[k] = !(m >= 1.0) ? 1 : m > 64.0 ? 64 : (int)m;
    }
    const int nbins = nb[0] * nb[1] * nb[2], n = s->natoms;
    int *head = malloc((size_t)nbins * sizeof *head), *next = malloc((size_t)n * sizeof *next);
    int *bin = malloc((size_t)n * 3 * sizeof *bin);
    if (!head || !next || !bin) {
        free(head), free(next), free(bin);
        return -1;
    }
    for (int b = 0; b < nbins; b++)
        head[b] = -1;
    for (int a = n - 1; a >= 0; a--) {
        for (int k = 0; k < 3; k++) {
            double f = s->frac[a][k] - floor(s->frac[a][k]);
            int b = (int)(f * nb[k]);
            bin[3 * a + k] = b < 0 ? 0 : b >= nb[k] ? nb[k] - 1 : b;
        }
        int b = (bin[3 * a] * nb[1] + bin[3 * a + 1]) * nb[2] + bin[3 * a + 2];
        next[a] = head[b];
        head[b] = a;
    }
    for (int i = 0; i < n && *pi < 0; i++) {
        int cand[3][3], nc[3];
        for (int k = 0; k < 3; k++) { /* the neighbouring cells along k, each once */
            const int b = bin[3 * i + k];
            nc[k] = 0;
            for (int o = -1; o <= 1; o++) {
                int c = ((b + o) % nb[k] + nb[k]) % nb[k], dup = 0;
                for (int q = 0; q < nc[k]; q++)
                    dup |= cand[k][q] == c;
                if (!dup)
                    cand[k][nc[k]++] = c;
            }
        }
        int bestj = -1;
        double bestd = 0.0;
        for (int x = 0; x < nc[0]; x++)
            for (int y = 0; y < nc[1]; y++)
                for (int z = 0; z < nc[2]; z++)
                    for (int j = head[(cand[0][x] * nb[1] + cand[1][y]) * nb[2] + cand[2][z]]; j >= 0; j = next[j]) {
                        if (j <= i || (bestj >= 0 && j > bestj))
                            continue;
                        double d = as_periodic_distance(s->lattice, s->frac[i], s->frac[j]);
                        if (d < dmin) {
                            bestj = j;
                            bestd = d;
                        }
                    }
        if (bestj >= 0) {
            *pi = i;
            *pj = bestj;
            *pd = bestd;
        }
    }
    free(head), free(next), free(bin);
    return 0;
}

int as_structure_validate(const as_structure *s, double min_dist_bohr, as_error *err)
{
    double inv[3][3];
    if (as_lattice_inverse(s->lattice, inv) != 0)
        return as_error_set(err, AS_EINPUT,
                            "the cell is singular (its three vectors are linearly dependent or zero); "
                            "check the lattice vectors");
    if (s->natoms <= 0)
        return as_error_set(err, AS_EINPUT, "the structure has no atoms");
    for (int a = 0; a < s->natoms; a++) {
        if (s->z[a] < 1 || s->z[a] > AS_MAX_Z)
            return as_error_set(err, AS_EINPUT, "atom %d has an unknown element (Z = %d)", a + 1, s->z[a]);
        for (int k = 0; k < 3; k++)
            if (!isfinite(s->frac[a][k]))
                return as_error_set(err, AS_EINPUT, "atom %d (%s) has a non-finite coordinate", a + 1,
                                    as_element_symbol(s->z[a]));
    }
    if (min_dist_bohr > 0.0) {
        /* An atom and its own periodic images: the shortest lattice vector. */
        double d = INFINITY;
        for (int t = 1; t < 27; t++) {
            double f[3] = {t % 3 - 1, (t / 3) % 3 - 1, t / 9 - 1}, c[3];
            if (f[0] == 0 && f[1] == 0 && f[2] == 0)
                continue;
            as_frac_to_cart(s->lattice, f, c);
            d = fmin(d, sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]));
        }
        if (d < min_dist_bohr)
            return as_error_set(err, AS_EINPUT,
                                "the cell is too small: a lattice vector is %.3f angstrom, "
                                "shorter than the %.2f angstrom minimum distance",
                                d * AS_BOHR_ANG, min_dist_bohr * AS_BOHR_ANG);
        int i = -1, j = -1;
        int rc = first_close_pair(s, min_dist_bohr, &i, &j, &d);
        if (rc)
            return as_error_nomem(err, "closest-pair bins", (size_t)s->natoms * sizeof(int));
        if (i >= 0)
            return as_error_set(err, AS_EINPUT,
                                "atoms %d (%s) and %d (%s) are %.3f angstrom apart, closer than "
                                "%.2f angstrom; check their coordinates and the cell units",
                                i + 1, as_element_symbol(s->z[i]), j + 1, as_element_symbol(s->z[j]),
                                d * AS_BOHR_ANG, min_dist_bohr * AS_BOHR_ANG);
    }
    return AS_OK;
}

void as_structure_formula(const as_structure *s, char *out, int n)
{
    int seen[AS_MAX_Z + 1] = {0};
    int pos = 0;
    out[0] = '\0';
    for (int a = 0; a < s->natoms; a++) {
        int z = s->z[a];
        if (z < 0 || z > AS_MAX_Z || seen[z])
            continue;
        seen[z] = 1;
        int cnt = as_structure_count(s, z);
        int w = snprintf(out + pos, (size_t)(n - pos), cnt == 1 ? "%s" : "%s%d", as_element_symbol(z), cnt);
        if (w < 0 || w >= n - pos)
            return;
        pos += w;
    }
}

int as_structure_count(const as_structure *s, int z)
{
    int c = 0;
    for (int a = 0; a < s->natoms; a++)
        c += s->z[a] == z;
    return c;
}
