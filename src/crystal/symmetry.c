#include "crystal/symmetry.h"

#include <math.h>
#include <spglib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crystal/elements.h"

as_symmetry *as_symmetry_create(const as_structure *s, double symprec, as_error *err)
{
    if (symprec <= 0.0)
        symprec = AS_SYMPREC_DEFAULT;
    /* spglib crashes on a non-finite or absurd cell or position: whatever reader let one through, stop it here */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (!(fabs(s->lattice[i][j]) <= AS_SYMMETRY_MAX_BOHR)) {
                as_error_set(err, AS_EINPUT, "the cell is not usable (lattice vector %d has the component %g bohr)",
                             i + 1, s->lattice[i][j]);
                return NULL;
            }
    for (int a = 0; a < s->natoms; a++)
        for (int j = 0; j < 3; j++)
            if (!(fabs(s->frac[a][j]) <= AS_SYMMETRY_MAX_BOHR)) {
                as_error_set(err, AS_EINPUT, "atom %d has an unusable fractional coordinate %g", a + 1,
                             s->frac[a][j]);
                return NULL;
            }
    /* spglib takes lattice vectors as columns. */
    double lat[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            lat[i][j] = s->lattice[j][i];
    SpglibDataset *ds = spg_get_dataset(lat, (double(*)[3])s->frac, s->z, s->natoms, symprec);
    if (!ds) {
        as_error_set(err, AS_EINPUT, "spglib could not determine the symmetry: %s",
                     spg_get_error_message(spg_get_error_code()));
        return NULL;
    }
    as_symmetry *sym = calloc(1, sizeof *sym);
    if (sym) {
        sym->number = ds->spacegroup_number;
        snprintf(sym->international, sizeof sym->international, "%s", ds->international_symbol);
        snprintf(sym->hall, sizeof sym->hall, "%s", ds->hall_symbol);
        snprintf(sym->pointgroup, sizeof sym->pointgroup, "%s", ds->pointgroup_symbol);
        sym->nops = ds->n_operations;
        sym->natoms = s->natoms;
        sym->symprec = symprec;
        sym->rot = malloc((size_t)sym->nops * sizeof *sym->rot);
        sym->trans = malloc((size_t)sym->nops * sizeof *sym->trans);
        sym->equivalent = malloc((size_t)s->natoms * sizeof *sym->equivalent);
        sym->wyckoff = malloc((size_t)s->natoms + 1);
        sym->site_symmetry = malloc((size_t)s->natoms * sizeof *sym->site_symmetry);
    }
    if (!sym || !sym->rot || !sym->trans || !sym->equivalent || !sym->wyckoff || !sym->site_symmetry) {
        spg_free_dataset(ds);
        as_symmetry_destroy(sym);
        as_error_nomem(err, "symmetry", 0);
        return NULL;
    }
    memcpy(sym->rot, ds->rotations, (size_t)sym->nops * sizeof *sym->rot);
    for (int o = 0; o < sym->nops; o++)
        for (int k = 0; k < 3; k++) {
            /* spglib returns translations in [0,1) up to rounding; keep them tidy. */
            double t = ds->translations[o][k] - floor(ds->translations[o][k] + 1e-10);
            sym->trans[o][k] = fabs(t) < 1e-10 ? 0.0 : t;
        }
    for (int a = 0; a < s->natoms; a++) {
        sym->equivalent[a] = ds->equivalent_atoms[a];
        sym->wyckoff[a] = (char)('a' + ds->wyckoffs[a]);
        snprintf(sym->site_symmetry[a], sizeof sym->site_symmetry[a], "%s", ds->site_symmetry_symbols[a]);
    }
    sym->wyckoff[s->natoms] = '\0';
    spg_free_dataset(ds);
    return sym;
}

void as_symmetry_destroy(as_symmetry *sym)
{
    if (!sym)
        return;
    free(sym->rot);
    free(sym->trans);
    free(sym->equivalent);
    free(sym->wyckoff);
    free(sym->site_symmetry);
    free(sym);
}

void as_symmetry_apply(const as_symmetry *sym, int op, const double x[3], double y[3])
{
    for (int i = 0; i < 3; i++)
        y[i] = sym->rot[op][i][0] * x[0] + sym->rot[op][i][1] * x[1] + sym->rot[op][i][2] * x[2] +
               sym->trans[op][i];
}

int as_symmetry_atom_map(const as_symmetry *sym, const as_structure *s, int op, int *map)
{
    for (int a = 0; a < s->natoms; a++) {
        double y[3];
        as_symmetry_apply(sym, op, s->frac[a], y);
        map[a] = -1;
        double best = INFINITY;
        for (int b = 0; b < s->natoms; b++) {
            if (s->z[b] != s->z[a])
                continue;
            double d = as_periodic_distance(s->lattice, y, s->frac[b]);
            if (d < best)
                best = d, map[a] = b;
        }
        if (best > 10.0 * sym->symprec)
            return -1;
    }
    return 0;
}

void as_symmetry_cart_rotation(const as_symmetry *sym, const as_structure *s, int op, double rc[3][3])
{
    /* r = A^T x (rows of A are lattice vectors): Rc = A^T R A^{-T}. */
    double inv[3][3];
    as_lattice_inverse(s->lattice, inv);
    double t[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            t[i][j] = 0.0;
            for (int k = 0; k < 3; k++)
                t[i][j] += sym->rot[op][i][k] * inv[j][k]; /* R A^{-T}: (A^{-T})_{kj} = inv_{jk} */
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            rc[i][j] = 0.0;
            for (int k = 0; k < 3; k++)
                rc[i][j] += s->lattice[k][i] * t[k][j];
        }
}

int as_symmetry_symmetrize(const as_symmetry *sym, const as_structure *s, double (*v)[3], double t[3][3],
                           as_error *err)
{
    const int n = s->natoms;
    int *map = malloc((size_t)n * sizeof *map);
    double(*acc)[3] = calloc((size_t)n, sizeof *acc);
    double tacc[3][3] = {{0}};
    if (!map || !acc) {
        free(map), free(acc);
        return as_error_nomem(err, "symmetrisation", (size_t)n * 28);
    }
    for (int o = 0; o < sym->nops; o++) {
        double rc[3][3];
        as_symmetry_cart_rotation(sym, s, o, rc);
        if (v) {
            if (as_symmetry_atom_map(sym, s, o, map)) {
                free(map), free(acc);
                return as_error_set(err, AS_EINTERNAL, "symmetry operation %d does not map the atoms onto "
                                    "themselves", o + 1);
            }
            for (int a = 0; a < n; a++)
                for (int i = 0; i < 3; i++)
                    acc[map[a]][i] += rc[i][0] * v[a][0] + rc[i][1] * v[a][1] + rc[i][2] * v[a][2];
        }
        if (t)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    for (int k = 0; k < 3; k++)
                        for (int l = 0; l < 3; l++)
                            tacc[i][j] += rc[i][k] * t[k][l] * rc[j][l];
    }
    if (v)
        for (int a = 0; a < n; a++)
            for (int i = 0; i < 3; i++)
                v[a][i] = acc[a][i] / sym->nops;
    if (t)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                t[i][j] = tacc[i][j] / sym->nops;
    free(map), free(acc);
    return AS_OK;
}

int as_symmetry_norbits(const as_symmetry *sym)
{
    int n = 0;
    for (int a = 0; a < sym->natoms; a++)
        n += sym->equivalent[a] == a;
    return n;
}

void as_symmetry_print(const as_symmetry *sym, const as_structure *s)
{
    as_log("  space group      %s (No. %d), point group %s, %d operations\n", sym->international, sym->number,
           sym->pointgroup, sym->nops);
    as_log("  orbits           ");
    int col = 0;
    for (int a = 0; a < s->natoms; a++) {
        if (sym->equivalent[a] != a)
            continue;
        int mult = 0;
        for (int b = 0; b < s->natoms; b++)
            mult += sym->equivalent[b] == a;
        as_log("%s%s %d%c (%s)", col ? ", " : "", as_element_symbol(s->z[a]), mult, sym->wyckoff[a],
               sym->site_symmetry[a]);
        if (++col % 4 == 0 && a + 1 < s->natoms)
            as_log("\n                   "), col = 0;
    }
    as_log("\n");
}
