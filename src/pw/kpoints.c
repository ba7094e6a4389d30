#include "pw/kpoints.h"

#include <math.h>
#include <spglib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static as_kpoints *alloc_k(int nk, as_error *err)
{
    as_kpoints *kp = calloc(1, sizeof *kp);
    if (kp) {
        kp->nk = nk;
        kp->k = calloc((size_t)nk, sizeof *kp->k);
        kp->w = calloc((size_t)nk, sizeof *kp->w);
        kp->label = calloc((size_t)nk, sizeof *kp->label);
    }
    if (!kp || !kp->k || !kp->w || !kp->label) {
        as_kpoints_destroy(kp);
        as_error_nomem(err, "k-points", (size_t)nk * 40);
        return NULL;
    }
    return kp;
}

void as_kpoints_destroy(as_kpoints *kp)
{
    if (!kp)
        return;
    free(kp->k);
    free(kp->w);
    free(kp->label);
    free(kp);
}

int as_kpoint_equal(const double a[3], const double b[3])
{
    for (int i = 0; i < 3; i++) {
        double d = a[i] - b[i];
        if (fabs(d - round(d)) > 1e-8)
            return 0;
    }
    return 1;
}

as_kpoints *as_kpoints_list(int nk, const double (*k)[3], as_error *err)
{
    as_kpoints *kp = alloc_k(nk, err);
    if (!kp)
        return NULL;
    for (int i = 0; i < nk; i++) {
        memcpy(kp->k[i], k[i], sizeof kp->k[i]);
        kp->w[i] = 1.0 / nk;
    }
    kp->nfull = nk;
    return kp;
}

as_kpoints *as_kpoints_mesh(const as_structure *s, const int mesh[3], const int shift[3], int use_symmetry,
                            double symprec, as_error *err)
{
    const int nfull = mesh[0] * mesh[1] * mesh[2];
    int(*addr)[3] = malloc((size_t)nfull * sizeof *addr);
    int *map = malloc((size_t)nfull * sizeof *map);
    int *count = calloc((size_t)nfull, sizeof *count);
    if (!addr || !map || !count) {
        free(addr), free(map), free(count);
        as_error_nomem(err, "k mesh", (size_t)nfull * 20);
        return NULL;
    }
    if (use_symmetry) {
        double lat[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                lat[i][j] = s->lattice[j][i];
        int nir = spg_get_ir_reciprocal_mesh(addr, map, mesh, shift, 1, lat, (double(*)[3])s->frac, s->z,
                                             s->natoms, symprec);
        if (nir <= 0) {
            free(addr), free(map), free(count);
            as_error_set(err, AS_EINTERNAL, "spglib could not reduce the %dx%dx%d k mesh", mesh[0], mesh[1], mesh[2]);
            return NULL;
        }
    } else {
        /* The same grid-address convention as spglib, without reduction. */
        for (int i = 0; i < nfull; i++) {
            int a = i % mesh[0], b = (i / mesh[0]) % mesh[1], c = i / (mesh[0] * mesh[1]);
            addr[i][0] = a, addr[i][1] = b, addr[i][2] = c;
            map[i] = i;
        }
    }
    int nk = 0;
    for (int i = 0; i < nfull; i++) {
        if (count[map[i]]++ == 0)
            nk++;
    }
    as_kpoints *kp = alloc_k(nk, err);
    if (!kp) {
        free(addr), free(map), free(count);
        return NULL;
    }
    int j = 0;
    for (int i = 0; i < nfull; i++) {
        if (map[i] != i)
            continue;
        for (int x = 0; x < 3; x++) {
            double k = (addr[i][x] + 0.5 * shift[x]) / mesh[x];
            k -= floor(k + 1e-12); /* [0, 1) like QE's listing */
            kp->k[j][x] = k;
        }
        kp->w[j] = (double)count[i] / nfull;
        j++;
    }
    memcpy(kp->mesh, mesh, sizeof kp->mesh);
    memcpy(kp->shift, shift, sizeof kp->shift);
    kp->nfull = nfull;
    free(addr), free(map), free(count);
    return kp;
}

as_kpoints *as_kpoints_special(const as_structure *s, as_error *err)
{
    as_kpoints *kp = alloc_k(8, err);
    if (!kp)
        return NULL;
    /* Orthogonal cells get the usual letters; others get coordinates as labels. */
    int orth = 1;
    double len[3];
    for (int i = 0; i < 3; i++) {
        len[i] = sqrt(s->lattice[i][0] * s->lattice[i][0] + s->lattice[i][1] * s->lattice[i][1] +
                      s->lattice[i][2] * s->lattice[i][2]);
        for (int j = i + 1; j < 3; j++) {
            double d = s->lattice[i][0] * s->lattice[j][0] + s->lattice[i][1] * s->lattice[j][1] +
                       s->lattice[i][2] * s->lattice[j][2];
            orth &= fabs(d) < 1e-8;
        }
    }
    int cubic = orth && fabs(len[0] - len[1]) < 1e-8 && fabs(len[0] - len[2]) < 1e-8;
    static const char *const orth_names[8] = {"G", "X", "Y", "S", "Z", "U", "T", "R"};
    static const char *const cub_names[8] = {"G", "X", "X", "M", "X", "M", "M", "R"};
    for (int i = 0; i < 8; i++) {
        kp->k[i][0] = 0.5 * (i & 1);
        kp->k[i][1] = 0.5 * ((i >> 1) & 1);
        kp->k[i][2] = 0.5 * ((i >> 2) & 1);
        kp->w[i] = 0.0;
        if (cubic)
            snprintf(kp->label[i], sizeof kp->label[i], "%s", cub_names[i]);
        else if (orth)
            snprintf(kp->label[i], sizeof kp->label[i], "%s", orth_names[i]);
        else
            snprintf(kp->label[i], sizeof kp->label[i], "%s", i ? "TRIM" : "G");
    }
    kp->nfull = 8;
    return kp;
}
