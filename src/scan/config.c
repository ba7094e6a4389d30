/* The scan's configurations (scan/config.h). */
#include "scan/config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"

uint64_t as_scan_seed(long seed, const char *name)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)seed; /* FNV-1a over the name, started from the seed */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

double as_scan_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* The shortest cartesian vector from a to an image of b (fractional inputs); returns its length. */
static double min_image(const double lat[3][3], const double a[3], const double b[3], double v[3])
{
    double d[3], best = INFINITY;
    for (int k = 0; k < 3; k++)
        d[k] = b[k] - a[k] - floor(b[k] - a[k] + 0.5);
    for (int i = -1; i <= 1; i++)
        for (int j = -1; j <= 1; j++)
            for (int l = -1; l <= 1; l++) {
                const double f[3] = {d[0] + i, d[1] + j, d[2] + l};
                double c[3];
                as_frac_to_cart(lat, f, c);
                const double r = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
                if (r < best) {
                    best = r;
                    memcpy(v, c, sizeof c);
                }
            }
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double as_scan_frenkel_radius(const as_structure *host, const double x[3], int z)
{
    const double tol = AS_SCAN_SHELL_TOL_ANG * AS_ANG_BOHR;
    double *d = malloc((size_t)(host->natoms > 0 ? host->natoms : 1) * sizeof *d);
    if (!d)
        return 0.0;
    int n = 0;
    for (int a = 0; a < host->natoms; a++)
        if (host->z[a] == z)
            d[n++] = as_periodic_distance(host->lattice, x, host->frac[a]);
    qsort(d, (size_t)n, sizeof *d, cmp_double);
    double r = 0.0;
    int shells = 0;
    for (int i = 0; i < n && shells <= 2; i++) {
        if (i == 0 || d[i] - d[i - 1] >= tol) { /* a new shell starts (single linkage) */
            if (++shells > 2)
                break;
        }
        r = d[i] + tol;
    }
    free(d);
    return r;
}

static int push(as_scan_configs *cs, int *cap, const as_scan_config *c, as_error *err)
{
    if (cs->n == *cap) {
        int nc = *cap ? 2 * *cap : 16;
        as_scan_config *p = realloc(cs->c, (size_t)nc * sizeof *p);
        if (!p)
            return as_error_nomem(err, "configurations", (size_t)nc * sizeof *p);
        cs->c = p;
        *cap = nc;
    }
    cs->c[cs->n++] = *c;
    return AS_OK;
}

/* Move the interstitial's nearest neighbours along their bonds to it by the fraction delta. */
static void distort(as_structure *s, int ia, double delta)
{
    int nb[AS_SCAN_DISTORT_NEIGHBOURS];
    double dist[AS_SCAN_DISTORT_NEIGHBOURS];
    int n = 0;
    for (int a = 0; a < s->natoms; a++) {
        if (a == ia)
            continue;
        double v[3];
        const double r = min_image(s->lattice, s->frac[ia], s->frac[a], v);
        int pos = n < AS_SCAN_DISTORT_NEIGHBOURS ? n++ : AS_SCAN_DISTORT_NEIGHBOURS;
        if (pos == AS_SCAN_DISTORT_NEIGHBOURS && r >= dist[pos - 1])
            continue;
        if (pos == AS_SCAN_DISTORT_NEIGHBOURS)
            pos--;
        while (pos > 0 && dist[pos - 1] > r) { /* insertion, ties keep the lower index first */
            dist[pos] = dist[pos - 1], nb[pos] = nb[pos - 1];
            pos--;
        }
        dist[pos] = r, nb[pos] = a;
    }
    double inv[3][3];
    as_lattice_inverse(s->lattice, inv);
    for (int i = 0; i < n; i++) {
        double v[3], dv[3], df[3];
        min_image(s->lattice, s->frac[ia], s->frac[nb[i]], v);
        for (int k = 0; k < 3; k++)
            dv[k] = delta * v[k];
        as_cart_to_frac(inv, dv, df);
        for (int k = 0; k < 3; k++)
            s->frac[nb[i]][k] += df[k];
    }
}

/* The interstitial and its neighbours within AS_SCAN_RATTLE_RADIUS_ANG, each by a vector uniform in
 * a ball of radius amp; atoms in index order, so the displacements depend only on the seed. */
static void rattle(as_structure *s, int ia, const double centre[3], double amp, uint64_t seed)
{
    if (amp <= 0.0)
        return;
    double inv[3][3];
    as_lattice_inverse(s->lattice, inv);
    uint64_t st = seed;
    for (int a = 0; a < s->natoms; a++) {
        double v[3];
        if (a != ia && min_image(s->lattice, centre, s->frac[a], v) > AS_SCAN_RATTLE_RADIUS_ANG * AS_ANG_BOHR)
            continue;
        double u[3], r2;
        do {
            for (int k = 0; k < 3; k++)
                u[k] = 2.0 * as_scan_random(&st) - 1.0;
            r2 = u[0] * u[0] + u[1] * u[1] + u[2] * u[2];
        } while (r2 > 1.0);
        double c[3] = {amp * u[0], amp * u[1], amp * u[2]}, f[3];
        as_cart_to_frac(inv, c, f);
        for (int k = 0; k < 3; k++)
            s->frac[a][k] += f[k];
    }
}

static void fmt_distortion(char *out, size_t n, double d)
{
    if (d == 0.0)
        out[0] = '\0';
    else
        snprintf(out, n, "_d%+g", d);
}

/* Build the start of c (host copy, the anion placed, distorted, rattled, wrapped, checked). */
static int make_start(as_scan_config *c, const as_structure *host, const as_scan_settings *sc, as_error *err)
{
    as_structure *s = as_structure_copy(host, err);
    if (!s)
        return err->code;
    if (c->mode == AS_SCAN_FRENKEL) {
        memcpy(s->frac[c->vacancy], c->site_frac, sizeof c->site_frac);
        c->interstitial = c->vacancy;
    } else {
        if (as_structure_add_atom(s, c->species_z, c->site_frac, err)) {
            as_structure_destroy(s);
            return err->code;
        }
        c->interstitial = s->natoms - 1;
    }
    if (c->distortion != 0.0)
        distort(s, c->interstitial, c->distortion);
    c->seed = as_scan_seed(sc->seed, c->name);
    rattle(s, c->interstitial, c->site_frac, sc->rattle, c->seed);
    as_structure_wrap(s);
    int i = 0, j = 0;
    const double dmin = as_structure_min_distance(s, &i, &j);
    if (dmin < AS_SCAN_MIN_DIST_ANG * AS_ANG_BOHR) {
        as_structure_destroy(s);
        return as_error_set(err, AS_EINPUT, "configuration %s: atoms %d (%s) and %d (%s) start %.3f angstrom apart "
                            "(less than %.1f); use a smaller bond distortion or rattle, or a larger min_dist for the "
                            "sites", c->name, i + 1, as_element_symbol(s->z[i]), j + 1, as_element_symbol(s->z[j]),
                            dmin * AS_BOHR_ANG, AS_SCAN_MIN_DIST_ANG);
    }
    c->start = s;
    /* relative cost: the Hamiltonian's work grows about as natoms^2; a spin-polarised cell doubles it */
    c->cost = (double)s->natoms * s->natoms * (c->mode == AS_SCAN_INTERSTITIAL && c->charge == 0 ? 2.0 : 1.0);
    return AS_OK;
}

/* Add c once per distortion (0 alone when none are asked for). */
static int add_with_distortions(as_scan_configs *cs, int *cap, as_scan_config *c, const as_structure *host,
                                const as_scan_settings *sc, as_error *err)
{
    const double none = 0.0;
    const double *dl = sc->ndistortions ? sc->distortions : &none;
    const int nd = sc->ndistortions ? sc->ndistortions : 1;
    char base[AS_SCAN_NAME_LEN];
    snprintf(base, sizeof base, "%s", c->name);
    for (int i = 0; i < nd; i++) {
        as_scan_config x = *c;
        char suf[24];
        fmt_distortion(suf, sizeof suf, dl[i]);
        snprintf(x.name, sizeof x.name, "%.*s%s", (int)(sizeof x.name - sizeof suf), base, suf);
        x.distortion = dl[i];
        if (make_start(&x, host, sc, err) || push(cs, cap, &x, err)) {
            as_structure_destroy(x.start);
            return err->code;
        }
    }
    return AS_OK;
}

/* The Frenkel pairs of site si with species z. */
static int frenkel(as_scan_configs *cs, int *cap, const as_structure *host, const as_symmetry *sym,
                   const as_sites *sites, int si, int z, const as_scan_settings *sc, as_error *err)
{
    const as_site *site = &sites->site[si];
    const double R = sc->frenkel_radius > 0.0 ? sc->frenkel_radius : as_scan_frenkel_radius(host, site->frac, z);
    const int n = host->natoms;
    int *ops = malloc((size_t)sym->nops * sizeof *ops), *map = malloc((size_t)n * sizeof *map);
    int *orbit = malloc((size_t)n * sizeof *orbit); /* union-find parent among the candidates */
    int rc = AS_OK;
    if (!ops || !map || !orbit) {
        rc = as_error_nomem(err, "Frenkel orbits", (size_t)n * 12);
        goto done;
    }
    for (int a = 0; a < n; a++)
        orbit[a] = (host->z[a] == z && as_periodic_distance(host->lattice, site->frac, host->frac[a]) <= R + 1e-9)
                       ? a : -1;
    /* the site's stabiliser (the site sits on its symmetry elements to rounding) */
    const int nst = as_site_stabilizer(host, sym, site->frac, 0.05 * AS_ANG_BOHR, ops);
    for (int o = 0; o < nst; o++) {
        if (as_symmetry_atom_map(sym, host, ops[o], map) < 0) {
            rc = as_error_set(err, AS_EINTERNAL, "the host's symmetry operation %d does not map its atoms onto "
                              "themselves", ops[o] + 1);
            goto done;
        }
        for (int a = 0; a < n; a++) {
            if (orbit[a] < 0 || orbit[map[a]] < 0)
                continue;
            int ra = a, rb = map[a];
            while (orbit[ra] != ra)
                ra = orbit[ra];
            while (orbit[rb] != rb)
                rb = orbit[rb];
            if (ra != rb) /* the lower index is the root: the name takes the orbit's first atom */
                orbit[ra > rb ? ra : rb] = ra < rb ? ra : rb;
        }
    }
    for (int a = 0; a < n; a++) {
        if (orbit[a] != a)
            continue;
        int size = 0;
        for (int b = 0; b < n; b++) {
            int r = b;
            if (orbit[b] < 0)
                continue;
            while (orbit[r] != r)
                r = orbit[r];
            size += r == a;
        }
        as_scan_config c;
        memset(&c, 0, sizeof c);
        c.mode = AS_SCAN_FRENKEL;
        c.species_z = z;
        c.site = si;
        c.vacancy = a;
        c.vacancy_orbit = size;
        c.vacancy_dist = as_periodic_distance(host->lattice, site->frac, host->frac[a]);
        c.multiplicity = site->multiplicity * size;
        memcpy(c.site_frac, site->frac, sizeof c.site_frac);
        snprintf(c.name, sizeof c.name, "%s_%s_v%d", as_element_symbol(z), site->name, a + 1);
        snprintf(c.family, sizeof c.family, "frenkel %s q0", as_element_symbol(z));
        if ((rc = add_with_distortions(cs, cap, &c, host, sc, err)))
            goto done;
    }
done:
    free(ops), free(map), free(orbit);
    return rc;
}

static int interstitials(as_scan_configs *cs, int *cap, const as_structure *host, const as_sites *sites, int si,
                         int z, const as_scan_settings *sc, as_error *err)
{
    const as_site *site = &sites->site[si];
    for (int q = 0; q < sc->ncharges; q++) {
        as_scan_config c;
        memset(&c, 0, sizeof c);
        c.mode = AS_SCAN_INTERSTITIAL;
        c.species_z = z;
        c.charge = sc->charges[q];
        c.site = si;
        c.vacancy = -1;
        c.multiplicity = site->multiplicity;
        memcpy(c.site_frac, site->frac, sizeof c.site_frac);
        snprintf(c.name, sizeof c.name, "%s_%s_q%d", as_element_symbol(z), site->name, c.charge);
        snprintf(c.family, sizeof c.family, "interstitial %s q%d", as_element_symbol(z), c.charge);
        if (add_with_distortions(cs, cap, &c, host, sc, err))
            return err->code;
    }
    return AS_OK;
}

static int deck_error(as_error *err, const char *deck, int line, const char *fmt, const char *a, const char *b)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a, b);
    if (deck && line > 0)
        return as_error_set(err, AS_EINPUT, "%s:%d: %s", deck, line, msg);
    return as_error_set(err, AS_EINPUT, "%s%s%s", deck ? deck : "", deck ? ": " : "", msg);
}

as_scan_configs *as_scan_configs_build(const as_structure *host, const as_symmetry *sym, const as_sites *sites,
                                       const as_scan_settings *sc, const char *deck, as_error *err)
{
    as_scan_configs *cs = calloc(1, sizeof *cs);
    if (!cs) {
        as_error_nomem(err, "configurations", sizeof *cs);
        return NULL;
    }
    int cap = 0;
    /* the sites: those named in 'sites', else all listed */
    int *use = calloc((size_t)(sites->nsites > 0 ? sites->nsites : 1), sizeof *use);
    if (!use) {
        as_error_nomem(err, "sites", (size_t)sites->nsites * sizeof *use);
        goto fail;
    }
    for (int i = 0; i < sites->nsites; i++)
        use[i] = sc->nsites == 0;
    for (int k = 0; k < sc->nsites; k++) {
        int found = -1;
        for (int i = 0; i < sites->nsites; i++)
            if (!strcmp(sites->site[i].name, sc->sites[k]))
                found = i;
        if (found < 0) {
            char n[32];
            snprintf(n, sizeof n, "%d", sites->nsites);
            deck_error(err, deck, sc->sites_line, "'sites' names %s, but the host has sites i1..i%s only (see "
                       "'anionscan sites'; max_sites also limits them)", sc->sites[k], n);
            goto fail;
        }
        use[found] = 1;
    }
    /* the species: [scan] species, else the host's halides in order of appearance */
    int species[AS_MAX_SCAN_SPECIES], ns = 0;
    if (sc->nspecies) {
        memcpy(species, sc->species, (size_t)sc->nspecies * sizeof *species);
        ns = sc->nspecies;
    } else {
        for (int a = 0; a < host->natoms; a++) {
            int seen = 0;
            for (int k = 0; k < ns; k++)
                seen |= species[k] == host->z[a];
            if (!seen && as_element_is_halide(host->z[a]) && ns < AS_MAX_SCAN_SPECIES)
                species[ns++] = host->z[a];
        }
        if (ns == 0) {
            deck_error(err, deck, sc->line, "the host has no halide anions; name the interstitial's element with "
                       "[scan] species = Br (or Cl, I)%s%s", "", "");
            goto fail;
        }
    }
    const int do_frenkel = sc->mode == AS_SCAN_FRENKEL || sc->mode == AS_SCAN_BOTH;
    const int do_inter = sc->mode == AS_SCAN_INTERSTITIAL || sc->mode == AS_SCAN_BOTH;
    if (do_frenkel)
        for (int k = 0; k < ns; k++)
            if (as_structure_count(host, species[k]) == 0) {
                deck_error(err, deck, sc->line, "mode frenkel moves a lattice %s to a site, but the host has no %s; "
                           "use mode = interstitial for an extra anion", as_element_symbol(species[k]),
                           as_element_symbol(species[k]));
                goto fail;
            }
    for (int si = 0; si < sites->nsites; si++) {
        if (!use[si])
            continue;
        for (int k = 0; k < ns; k++) {
            if (do_frenkel && frenkel(cs, &cap, host, sym, sites, si, species[k], sc, err))
                goto fail;
            if (do_inter && interstitials(cs, &cap, host, sites, si, species[k], sc, err))
                goto fail;
        }
    }
    if (cs->n == 0) {
        deck_error(err, deck, sc->line, "no configurations: the host has no interstitial sites with these settings "
                   "(see 'anionscan sites'; min_dist and max_sites choose them)%s%s", "", "");
        goto fail;
    }
    free(use);
    return cs;
fail:
    if (deck && err->msg[0] && strncmp(err->msg, deck, strlen(deck)))
        as_error_prefix(err, "%s: ", deck);
    free(use);
    as_scan_configs_destroy(cs);
    return NULL;
}

void as_scan_configs_destroy(as_scan_configs *cs)
{
    if (!cs)
        return;
    for (int i = 0; i < cs->n; i++)
        as_structure_destroy(cs->c[i].start);
    free(cs->c);
    free(cs);
}
