#include "crystal/substitution.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/symmetry.h"

int as_site_permutations(const as_structure *host, const int *site_atom, int nsites, double symprec, int **perm_out,
                         as_error *err)
{
    *perm_out = NULL;
    as_symmetry *sym = as_symmetry_create(host, symprec, err);
    if (!sym)
        return 0;
    /* Images land on sites to within spglib's tolerance; allow a few times it. */
    double tol = 4.0 * sym->symprec;
    int *perm = malloc((size_t)sym->nops * (size_t)(nsites > 0 ? nsites : 1) * sizeof *perm);
    char *hit = calloc((size_t)(nsites > 0 ? nsites : 1), 1);
    if (!perm || !hit) {
        free(perm);
        free(hit);
        as_symmetry_destroy(sym);
        as_error_nomem(err, "site permutations", 0);
        return 0;
    }
    /* As in crystal/expand.c: |r| >= 2 pi |d_k| / |b_k| for the wrapped fractional difference d, so a site
     * farther than tol along one axis is skipped before the exact minimum-image distance. */
    double rec[3][3], reach[3] = {1.0, 1.0, 1.0};
    if (as_lattice_reciprocal(host->lattice, rec) == 0)
        for (int k = 0; k < 3; k++)
            reach[k] = tol * sqrt(rec[k][0] * rec[k][0] + rec[k][1] * rec[k][1] + rec[k][2] * rec[k][2]) / AS_TWOPI;
    for (int o = 0; o < sym->nops; o++) {
        memset(hit, 0, (size_t)nsites);
        for (int i = 0; i < nsites; i++) {
            double y[3];
            as_symmetry_apply(sym, o, host->frac[site_atom[i]], y);
            int found = -1;
            for (int j = 0; j < nsites && found < 0; j++) {
                if (host->z[site_atom[j]] != host->z[site_atom[i]])
                    continue;
                int far = 0;
                for (int k = 0; k < 3 && !far; k++) {
                    double d = host->frac[site_atom[j]][k] - y[k];
                    far = fabs(d - floor(d + 0.5)) > reach[k];
                }
                if (!far && as_periodic_distance(host->lattice, y, host->frac[site_atom[j]]) < tol)
                    found = j;
            }
            if (found < 0 || hit[found]) {
                as_error_set(err, AS_EINTERNAL,
                             "symmetry operation %d does not map halide site %d (atom %d) onto a site", o + 1, i + 1,
                             site_atom[i] + 1);
                free(perm);
                free(hit);
                as_symmetry_destroy(sym);
                return 0;
            }
            hit[found] = 1;
            perm[(size_t)o * nsites + i] = found;
        }
    }
    int nops = sym->nops;
    free(hit);
    as_symmetry_destroy(sym);
    *perm_out = perm;
    return nops;
}

void as_substitution_destroy(as_substitution *sub)
{
    if (!sub)
        return;
    free(sub->site_atom);
    free(sub->site_wyckoff);
    free(sub->site_orbit);
    free(sub->occ);
    free(sub->multiplicity);
    free(sub);
}

/* Next multiset permutation in lexicographic order; 0 when v was the last. */
static int next_perm(unsigned char *v, int n)
{
    int i = n - 2;
    while (i >= 0 && v[i] >= v[i + 1])
        i--;
    if (i < 0)
        return 0;
    int j = n - 1;
    while (v[j] <= v[i])
        j--;
    unsigned char t = v[i];
    v[i] = v[j];
    v[j] = t;
    for (int a = i + 1, b = n - 1; a < b; a++, b--) {
        t = v[a];
        v[a] = v[b];
        v[b] = t;
    }
    return 1;
}

/* Up to this many minority sites, (g v) - v is compared on the sorted minority sites alone. */
#define AS_SUBST_SPARSE 16

/* Lexicographic sign of (g v) - v from the minority sites nzpos[0..nz) of v (ascending) and their
 * images po[]: both vectors are zero away from their nz minority sites, so the first difference is at
 * the first rank where the sorted site lists, or the species on them, differ. */
static int sparse_sign(const unsigned char *v, const int *po, const int *nzpos, int nz, int *img)
{
    for (int t = 0; t < nz; t++) { /* insertion sort of the images, each carrying its species */
        int q = po[nzpos[t]], sp = v[nzpos[t]], u = t;
        while (u > 0 && img[2 * (u - 1)] > q) {
            img[2 * u] = img[2 * (u - 1)];
            img[2 * u + 1] = img[2 * (u - 1) + 1];
            u--;
        }
        img[2 * u] = q;
        img[2 * u + 1] = sp;
    }
    for (int t = 0; t < nz; t++) {
        int q = img[2 * t], p = nzpos[t];
        if (q != p) /* at min(q, p) only one of the two vectors is non-zero */
            return q < p ? 1 : -1;
        if (img[2 * t + 1] != v[p])
            return img[2 * t + 1] - (int)v[p];
    }
    return 0;
}

typedef struct {
    long mult;
    int index;
} order_key;

static int cmp_key(const void *pa, const void *pb)
{
    const order_key *a = pa, *b = pb;
    if (a->mult != b->mult)
        return a->mult > b->mult ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

as_substitution *as_substitution_enumerate(const as_structure *host, const as_composition *c, double symprec,
                                           double max_raw, as_error *err)
{
    if (max_raw <= 0.0)
        max_raw = AS_SUBST_MAX_RAW;
    as_substitution *sub = calloc(1, sizeof *sub);
    if (!sub) {
        as_error_nomem(err, "substitution", sizeof *sub);
        return NULL;
    }
    int *inv = NULL, *perm = NULL, *nzpos = NULL, img[2 * AS_SUBST_SPARSE];
    unsigned char *v = NULL;
    int major = as_composition_major(c), zmaj = as_halide_z(major);

    sub->site_atom = malloc((size_t)(host->natoms > 0 ? host->natoms : 1) * sizeof *sub->site_atom);
    if (!sub->site_atom) {
        as_error_nomem(err, "substitution", 0);
        goto fail;
    }
    for (int a = 0; a < host->natoms; a++) {
        if (as_halide_index(host->z[a]) < 0)
            continue;
        if (host->z[a] != zmaj) {
            as_error_set(err, AS_EINTERNAL, "substitution: the host is not pure %s (atom %d is %s)",
                         as_element_symbol(zmaj), a + 1, as_element_symbol(host->z[a]));
            goto fail;
        }
        sub->site_atom[sub->nsites++] = a;
    }
    int N = sub->nsites;
    if (N == 0) {
        as_error_set(err, AS_EINPUT, "the host has no halide sites to substitute");
        goto fail;
    }
    int npb = as_structure_count(host, 82);
    double nfu = npb > 0 ? npb : N / 3.0;

    /* Site counts. */
    sub->species_z[0] = zmaj;
    sub->nspecies = 1;
    int nminor = 0;
    for (int h = 0; h < AS_NHALIDES; h++) {
        if (h == major || c->x[h] <= 0.0)
            continue;
        int n = (int)lround(N * c->x[h] / 3.0);
        if (n < 1)
            n = 1;
        sub->species_z[sub->nspecies] = as_halide_z(h);
        sub->count[sub->nspecies] = n;
        sub->nspecies++;
        nminor += n;
    }
    if (nminor >= N) {
        as_error_set(err, AS_EINPUT, "%s cannot be realised on %d halide sites (the minority halides need %d); use a "
                     "larger supercell", c->formula, N, nminor);
        goto fail;
    }
    sub->count[0] = N - nminor;
    sub->exact = 1;
    for (int k = 0; k < sub->nspecies; k++) {
        int h = as_halide_index(sub->species_z[k]);
        sub->realised[h] = sub->count[k] / nfu;
        if (fabs(sub->realised[h] - c->x[h]) > 1e-9)
            sub->exact = 0;
    }
    {
        static const char *const hs[AS_NHALIDES] = {"Cl", "Br", "I"};
        int pos = snprintf(sub->formula, sizeof sub->formula, "CsPb");
        for (int h = 0; h < AS_NHALIDES; h++)
            if (sub->realised[h] > 0.0)
                pos += snprintf(sub->formula + pos, sizeof sub->formula - (size_t)pos, "%s%.6g", hs[h],
                                sub->realised[h]);
    }

    /* Raw count N! / prod n_k!, computed as a product of binomials in floating point. */
    double raw = 1.0;
    int left = N;
    for (int k = 1; k < sub->nspecies; k++) {
        for (int i = 0; i < sub->count[k]; i++)
            raw = raw * (left - i) / (i + 1);
        left -= sub->count[k];
    }
    sub->raw = raw;
    if (raw > max_raw) {
        char what[128] = "";
        for (int k = 1; k < sub->nspecies; k++) {
            size_t l = strlen(what);
            snprintf(what + l, sizeof what - l, "%s%d %s", k > 1 ? " and " : "", sub->count[k],
                     as_element_symbol(sub->species_z[k]));
        }
        as_error_set(err, AS_EINPUT,
                     "%s on %d halide sites (%s) has %.4g arrangements before symmetry reduction, more than the "
                     "%.0f this program enumerates; use a smaller supercell",
                     c->formula, N, what, raw, max_raw);
        goto fail;
    }

    sub->nops = as_site_permutations(host, sub->site_atom, N, symprec, &perm, err);
    if (sub->nops == 0)
        goto fail;
    {
        as_symmetry *sym = as_symmetry_create(host, symprec, err);
        if (!sym)
            goto fail;
        sub->site_wyckoff = malloc((size_t)N + 1);
        sub->site_orbit = calloc((size_t)N, sizeof *sub->site_orbit);
        if (!sub->site_wyckoff || !sub->site_orbit) {
            as_symmetry_destroy(sym);
            as_error_nomem(err, "substitution", 0);
            goto fail;
        }
        for (int i = 0; i < N; i++) {
            sub->site_wyckoff[i] = sym->wyckoff[sub->site_atom[i]];
            for (int a = 0; a < host->natoms; a++)
                sub->site_orbit[i] += sym->equivalent[a] == sym->equivalent[sub->site_atom[i]];
        }
        sub->site_wyckoff[N] = '\0';
        as_symmetry_destroy(sym);
    }
    /* inv[o][j]: the site that operation o sends to j, so (g v)[j] = v[inv[o][j]]. */
    int G = sub->nops;
    inv = malloc((size_t)G * N * sizeof *inv);
    nzpos = malloc((size_t)N * sizeof *nzpos);
    v = malloc((size_t)N);
    if (!inv || !nzpos || !v) {
        as_error_nomem(err, "substitution", (size_t)G * N * sizeof *inv);
        goto fail;
    }
    for (int o = 0; o < G; o++)
        for (int i = 0; i < N; i++)
            inv[(size_t)o * N + perm[(size_t)o * N + i]] = i;

    int cap = 0;
    {
        int p = 0;
        for (int k = 0; k < sub->nspecies; k++)
            for (int i = 0; i < sub->count[k]; i++)
                v[p++] = (unsigned char)k;
    }
    do {
        /* The minority sites of v; f, the first, is where v first differs from zero. */
        int nz = 0;
        for (int p = 0; p < N; p++)
            if (v[p])
                nzpos[nz++] = p;
        int f = nz ? nzpos[0] : N;
        int canonical = 1;
        long stab = 0;
        for (int o = 0; o < G && canonical; o++) {
            const int *io = inv + (size_t)o * N, *po = perm + (size_t)o * N;
            /* Lexicographic sign of (g v) - v.  Both are zero before min(f, fw), fw being the first minority
             * site of g v, so only when fw == f must the vectors be compared, from f on. */
            int fw = N;
            for (int t = 0; t < nz; t++)
                if (po[nzpos[t]] < fw)
                    fw = po[nzpos[t]];
            int d = fw < f ? 1 : fw > f ? -1 : 0;
            if (d == 0 && nz <= AS_SUBST_SPARSE)
                d = sparse_sign(v, po, nzpos, nz, img);
            else
                for (int j = f; j < N && d == 0; j++)
                    d = (int)v[io[j]] - (int)v[j];
            if (d < 0)
                canonical = 0;
            else if (d == 0)
                stab++;
        }
        if (!canonical)
            continue;
        if (sub->npatterns == cap) {
            cap = cap ? 2 * cap : 64;
            unsigned char *no = realloc(sub->occ, (size_t)cap * N);
            long *nm = realloc(sub->multiplicity, (size_t)cap * sizeof *nm);
            if (no)
                sub->occ = no;
            if (nm)
                sub->multiplicity = nm;
            if (!no || !nm) {
                as_error_nomem(err, "substitution patterns", (size_t)cap * N);
                goto fail;
            }
        }
        memcpy(sub->occ + (size_t)sub->npatterns * N, v, (size_t)N);
        sub->multiplicity[sub->npatterns] = G / stab;
        sub->npatterns++;
    } while (next_perm(v, N));

    /* Order: multiplicity descending, then canonical vector (enumeration order) ascending. */
    {
        int np = sub->npatterns;
        order_key *keys = malloc((size_t)np * sizeof *keys);
        unsigned char *occ2 = malloc((size_t)np * N);
        long *m2 = malloc((size_t)np * sizeof *m2);
        if (!keys || !occ2 || !m2) {
            free(keys);
            free(occ2);
            free(m2);
            as_error_nomem(err, "substitution patterns", (size_t)np * N);
            goto fail;
        }
        for (int i = 0; i < np; i++)
            keys[i].mult = sub->multiplicity[i], keys[i].index = i;
        qsort(keys, (size_t)np, sizeof *keys, cmp_key);
        for (int i = 0; i < np; i++) {
            memcpy(occ2 + (size_t)i * N, sub->occ + (size_t)keys[i].index * N, (size_t)N);
            m2[i] = keys[i].mult;
        }
        free(keys);
        free(sub->occ);
        free(sub->multiplicity);
        sub->occ = occ2;
        sub->multiplicity = m2;
    }
    free(inv);
    free(nzpos);
    free(perm);
    free(v);
    return sub;
fail:
    free(inv);
    free(nzpos);
    free(perm);
    free(v);
    as_substitution_destroy(sub);
    return NULL;
}

as_structure *as_substitution_apply(const as_substitution *sub, const as_structure *host, int pattern,
                                    as_error *err)
{
    if (pattern < 1 || pattern > sub->npatterns) {
        as_error_set(err, AS_EINPUT, "pattern %d does not exist: %s has %d symmetry-distinct arrangement%s (1..%d)",
                     pattern, sub->formula, sub->npatterns, sub->npatterns == 1 ? "" : "s", sub->npatterns);
        return NULL;
    }
    as_structure *s = as_structure_copy(host, err);
    if (!s)
        return NULL;
    const unsigned char *o = sub->occ + (size_t)(pattern - 1) * sub->nsites;
    for (int i = 0; i < sub->nsites; i++)
        s->z[sub->site_atom[i]] = sub->species_z[o[i]];
    return s;
}

void as_substitution_describe(const as_substitution *sub, int pattern, char *out, int n)
{
    out[0] = '\0';
    if (pattern < 1 || pattern > sub->npatterns)
        return;
    const unsigned char *o = sub->occ + (size_t)(pattern - 1) * sub->nsites;
    int pos = 0, shown = 0, total = 0;
    for (int i = 0; i < sub->nsites; i++) {
        if (o[i] == 0)
            continue;
        total++;
        if (shown >= 12)
            continue;
        int w = snprintf(out + pos, (size_t)(n - pos), "%s%s on atom %d (%s %d%c)", shown ? ", " : "",
                         as_element_symbol(sub->species_z[o[i]]), sub->site_atom[i] + 1,
                         as_element_symbol(sub->species_z[0]), sub->site_orbit ? sub->site_orbit[i] : 0,
                         sub->site_wyckoff ? sub->site_wyckoff[i] : '?');
        if (w < 0 || w >= n - pos)
            return;
        pos += w;
        shown++;
    }
    if (total > shown)
        snprintf(out + pos, (size_t)(n - pos), ", ... (%d sites in all)", total);
}
