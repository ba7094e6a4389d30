/* Classification after relaxation (scan/classify.h). */
#include "scan/classify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/match.h"

int as_scan_find_interstitial(const as_structure *s, const as_structure *host, int z)
{
    int best = -1;
    double far = -1.0;
    for (int a = 0; a < s->natoms; a++) {
        if (s->z[a] != z)
            continue;
        double near = INFINITY;
        for (int b = 0; b < host->natoms; b++)
            if (host->z[b] == z) {
                const double d = as_periodic_distance(host->lattice, s->frac[a], host->frac[b]);
                near = d < near ? d : near;
            }
        if (near > far) {
            far = near;
            best = a;
        }
    }
    return best;
}

/* The site whose orbit passes nearest to x, if within tol; its distance in *dist. */
static int nearest_site(const as_sites *sites, const as_structure *host, const double x[3], double tol, double *dist)
{
    int best = -1;
    double bd = INFINITY;
    for (int i = 0; i < sites->nsites_all; i++) /* also the sites max_sites left out: basins all the same */
        for (int k = 0; k < sites->site[i].multiplicity; k++) {
            const double d = as_periodic_distance(host->lattice, x, sites->site[i].orbit[k]);
            if (d < bd)
                bd = d, best = i;
        }
    *dist = bd;
    return bd <= tol ? best : -1;
}

/* Remove a rigid drift of the whole cell from s (the forces' sum is zero only to rounding): the mean
 * displacement from c's start of the atoms other than the interstitial, which keep their indices. */
static void remove_drift(as_structure *s, const as_scan_config *c)
{
    const as_structure *s0 = c->start;
    double t[3] = {0, 0, 0};
    int nt = 0;
    for (int a = 0; a < s->natoms && s->natoms == s0->natoms; a++) {
        if (a == c->interstitial)
            continue;
        for (int k = 0; k < 3; k++) {
            double d = s->frac[a][k] - s0->frac[a][k];
            t[k] += d - floor(d + 0.5);
        }
        nt++;
    }
    for (int a = 0; nt && a < s->natoms; a++)
        for (int k = 0; k < 3; k++) {
            s->frac[a][k] -= t[k] / nt;
            s->frac[a][k] -= floor(s->frac[a][k]);
        }
}

int as_scan_is_recombined(const as_structure *s, const as_scan_config *c, const as_structure *host, as_error *err)
{
    if (c->mode != AS_SCAN_FRENKEL || s->natoms != host->natoms)
        return 0;
    as_structure *t = as_structure_copy(s, err);
    if (!t)
        return -1;
    remove_drift(t, c);
    const int m = as_match_structures(t, host, NULL, AS_SCAN_REFILL_TOL_ANG * AS_ANG_BOHR, NULL, NULL, NULL, err);
    as_structure_destroy(t);
    return m < 0 ? -1 : m == 1;
}

as_symmetry *as_scan_twin_operations(const as_structure *host, as_error *err)
{
    as_structure *one = as_structure_create(1, err);
    if (!one)
        return NULL;
    memcpy(one->lattice, host->lattice, sizeof one->lattice);
    one->z[0] = host->natoms > 0 ? host->z[0] : 1;
    double shortest = INFINITY;
    for (int i = 0; i < 3; i++) {
        const double *v = host->lattice[i];
        shortest = fmin(shortest, sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]));
    }
    as_symmetry *lat = as_symmetry_create(one, AS_SCAN_TWIN_STRAIN * shortest, err);
    as_structure_destroy(one);
    return lat;
}

/* indices sorted by energy (stable: configuration order breaks ties) */
static int by_energy(const void *a, const void *b, void *recs)
{
    const as_scan_record *rec = recs;
    const int i = *(const int *)a, j = *(const int *)b;
    const double x = rec[i].energy, y = rec[j].energy;
    return x < y ? -1 : x > y ? 1 : (i > j) - (i < j);
}

int as_scan_classify(as_scan_record *rec, as_structure **final, const as_scan_config *cfg, int n,
                     const as_structure *host, const as_symmetry *sym, const as_sites *sites, double cluster_tol,
                     double same_energy, as_error *err)
{
    const double tol = AS_MATCH_TOL_ANG * AS_ANG_BOHR;
    as_symmetry *lat = NULL; /* the lattice's operations within AS_SCAN_TWIN_STRAIN, made when first needed */
    for (int i = 0; i < n; i++) {
        as_scan_record *r = &rec[i];
        if (r->cls == AS_CLASS_FAILED || !final[i])
            continue;
        as_structure *s = final[i];
        remove_drift(s, &cfg[i]);
        const int ia = as_scan_find_interstitial(s, host, cfg[i].species_z);
        if (ia < 0)
            return as_error_set(err, AS_EINPUT, "configuration %s: its final structure has no atom of the "
                                "interstitial's element (result.json damaged?)", r->name);
        memcpy(r->final_frac, s->frac[ia], sizeof r->final_frac);
        /* how far the placed atom moved (it keeps its index; after a kick-out the interstitial is another atom) */
        r->displacement = as_periodic_distance(host->lattice, cfg[i].start->frac[cfg[i].interstitial],
                                               s->frac[cfg[i].interstitial]);
        double d, dev = 0.0;
        const int site = nearest_site(sites, host, s->frac[ia], cluster_tol, &d);
        snprintf(r->final_site, sizeof r->final_site, "%s", site >= 0 ? sites->site[site].name : "");
        r->cls = AS_CLASS_OK;
        r->detail[0] = '\0';
        r->twin_of[0] = '\0';
        if (cfg[i].mode == AS_SCAN_FRENKEL && as_match_structures(s, host, NULL, tol, NULL, NULL, NULL, NULL) == 1) {
            r->cls = AS_CLASS_RECOMBINED;
            memcpy(r->final_frac, s->frac[cfg[i].interstitial], sizeof r->final_frac);
            r->final_site[0] = '\0';
            snprintf(r->detail, sizeof r->detail, "the interstitial fell back into a vacancy (%.2f angstrom moved)",
                     r->displacement * AS_BOHR_ANG);
        } else if (cfg[i].mode == AS_SCAN_FRENKEL && s->natoms == host->natoms &&
                   (lat || (lat = as_scan_twin_operations(host, err))) &&
                   as_match_structures(s, host, lat, tol, NULL, NULL, NULL, NULL) == 1) {
            /* every atom on a site of the host turned by an operation of the lattice that the host lacks */
            r->cls = AS_CLASS_RECOMBINED;
            memcpy(r->final_frac, s->frac[cfg[i].interstitial], sizeof r->final_frac);
            r->final_site[0] = '\0';
            snprintf(r->detail, sizeof r->detail, "the interstitial fell back into a vacancy, and the octahedra "
                     "turned into a twin domain of the host (%.2f angstrom moved)", r->displacement * AS_BOHR_ANG);
        } else if (cfg[i].mode == AS_SCAN_FRENKEL && s->natoms == host->natoms &&
                   as_match_structures(s, host, NULL, AS_SCAN_REFILL_TOL_ANG * AS_ANG_BOHR, NULL, NULL, &dev, NULL) ==
                       1) {
            /* every atom within AS_SCAN_REFILL_TOL_ANG of a host site: the vacancy is refilled, the lattice
             * around it in another arrangement of its own energy */
            r->cls = AS_CLASS_RECOMBINED;
            memcpy(r->final_frac, s->frac[cfg[i].interstitial], sizeof r->final_frac);
            r->final_site[0] = '\0';
            snprintf(r->detail, sizeof r->detail, "the interstitial fell back into a vacancy (%.2f angstrom moved); "
                     "the lattice ended in another arrangement, up to %.2f angstrom from the host's",
                     r->displacement * AS_BOHR_ANG, dev * AS_BOHR_ANG);
        } else if (site >= 0 && site != cfg[i].site) {
            r->cls = AS_CLASS_MOVED;
            snprintf(r->detail, sizeof r->detail, "moved to %s", sites->site[site].name);
        }
        if (sym && (r->cls == AS_CLASS_OK || r->cls == AS_CLASS_MOVED)) {
            /* the copies of the configuration it ended as, not of the one it started from */
            const int g = as_match_image_count(s, sym, tol, err);
            if (g < 0) {
                as_symmetry_destroy(lat);
                return err->code;
            }
            r->multiplicity = g;
        }
    }
    /* same as: against the lower-energy configurations of the family that are still distinct */
    int *order = malloc((size_t)(n > 0 ? n : 1) * sizeof *order), m = 0;
    if (!order)
        return as_error_nomem(err, "classification", (size_t)n * sizeof *order);
    for (int i = 0; i < n; i++)
        if ((rec[i].cls == AS_CLASS_OK || rec[i].cls == AS_CLASS_MOVED) && final[i])
            order[m++] = i;
    qsort_r(order, (size_t)m, sizeof *order, by_energy, rec);
    for (int a = 0; a < m; a++) {
        const int i = order[a];
        for (int b = 0; b < a; b++) {
            const int j = order[b];
            if (rec[j].cls == AS_CLASS_SAME || strcmp(rec[i].family, rec[j].family) ||
                fabs(rec[i].energy - rec[j].energy) > same_energy)
                continue;
            double rms = 0.0;
            if (as_match_structures(final[i], final[j], sym, tol, NULL, &rms, NULL, NULL) == 1) {
                rec[i].cls = AS_CLASS_SAME;
                snprintf(rec[i].detail, sizeof rec[i].detail, "same as %s", rec[j].name);
                break;
            }
        }
    }
    /* twin of: distinct from every lower one under the host's operations, but a lower one turned by an
     * operation of the lattice that the host lacks (not without the host's operations: every image would be
     * a twin) */
    int no_twins = !sym;
    for (int a = 0; a < m && !no_twins; a++) {
        const int i = order[a];
        if (rec[i].cls == AS_CLASS_SAME)
            continue;
        for (int b = 0; b < a; b++) {
            const int j = order[b];
            if (rec[j].cls == AS_CLASS_SAME || strcmp(rec[i].family, rec[j].family) ||
                final[i]->natoms != final[j]->natoms)
                continue;
            if (!lat && !(lat = as_scan_twin_operations(host, err))) {
                no_twins = 1; /* no twins told (the error is not the classification's) */
                break;
            }
            if (as_match_structures(final[i], final[j], lat, tol, NULL, NULL, NULL, NULL) == 1 &&
                as_match_structures(final[i], final[j], sym, tol, NULL, NULL, NULL, NULL) == 0) {
                snprintf(rec[i].twin_of, sizeof rec[i].twin_of, "%s", rec[j].name);
                break;
            }
        }
    }
    free(order);
    as_symmetry_destroy(lat);
    as_error_clear(err);
    return AS_OK;
}
