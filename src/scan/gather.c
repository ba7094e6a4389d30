/* The finished runs that `anionscan report` ranks (scan/gather.h). */
#include "scan/gather.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/match.h"
#include "crystal/structure.h"
#include "scan/compat.h"
#include "scan/outcome.h"

as_gathered *as_gather_create(as_error *err)
{
    as_gathered *g = calloc(1, sizeof *g);
    if (!g) {
        as_error_nomem(err, "runs", sizeof *g);
        return NULL;
    }
    g->host_energy = g->host_gap = NAN;
    return g;
}

void as_gather_destroy(as_gathered *g)
{
    if (!g)
        return;
    free(g->rec);
    free(g->from);
    free(g->settings);
    as_structure_destroy(g->host);
    as_symmetry_destroy(g->host_sym);
    free(g);
}

static as_scan_record *push(as_gathered *g, const char *dir, as_error *err)
{
    if (g->n == g->cap) {
        const int cap = g->cap ? 2 * g->cap : 16;
        as_scan_record *r = realloc(g->rec, (size_t)cap * sizeof *r);
        if (r)
            g->rec = r;
        char(*f)[AS_PATH_MAX] = realloc(g->from, (size_t)cap * sizeof *f);
        if (f)
            g->from = f;
        if (!r || !f) {
            as_error_nomem(err, "runs", (size_t)cap * sizeof *r);
            return NULL;
        }
        g->cap = cap;
    }
    memset(&g->rec[g->n], 0, sizeof g->rec[g->n]);
    snprintf(g->from[g->n], AS_PATH_MAX, "%s", dir);
    return &g->rec[g->n++];
}

/* the settings of one input against those of the first */
static int settings(as_gathered *g, char *sig, const char *dir, as_error *err)
{
    if (!g->settings) {
        g->settings = sig;
        snprintf(g->settings_from, sizeof g->settings_from, "%s", dir);
        return AS_OK;
    }
    const int rc = as_compat_check(g->settings, g->settings_from, sig, dir, err);
    free(sig);
    return rc;
}

/* the host's numbers from one input against those of another */
static int host(as_gathered *g, double e, double gap, int fu, const char *dir, as_error *err)
{
    if (!isfinite(e))
        return AS_OK;
    if (isfinite(g->host_energy) &&
        (fabs(e - g->host_energy) > 1e-5 || fabs(gap - g->host_gap) > 1e-4 * AS_EV_HA || fu != g->formula_units))
        return as_error_set(err, AS_EINPUT, "%s and %s have different hosts (E = %.8f and %.8f Ha, gap %.4f and "
                            "%.4f eV, %d and %d formula units): their configurations do not compare", g->host_from,
                            dir, g->host_energy, e, g->host_gap * AS_HA_EV, gap * AS_HA_EV, g->formula_units, fu);
    g->host_energy = e, g->host_gap = gap, g->formula_units = fu;
    snprintf(g->host_from, sizeof g->host_from, "%s", dir);
    return AS_OK;
}

static int unique(const as_gathered *g, const char *name, const char *dir, as_error *err)
{
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->rec[i].name, name))
            return as_error_set(err, AS_EINPUT, "configuration %s is in both %s and %s: give each only once", name,
                                g->from[i], dir);
    return AS_OK;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(x) ? x->valuestring : "";
}

static as_scan_class cls_of(const char *status)
{
    static const char *const names[] = {"ok", "recombined", "moved", "same", "failed"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(status, names[i]))
            return (as_scan_class)i;
    return (as_scan_class)-1;
}

/* a scan directory: its ranking.json */
static int add_scan(as_gathered *g, const char *dir, const char *path, as_error *err)
{
    char *text = NULL;
    size_t len = 0;
    if (as_file_read_all(path, &text, &len, err))
        return err->code;
    cJSON *j = cJSON_Parse(text);
    free(text);
    int rc = AS_OK;
    const cJSON *h = j ? cJSON_GetObjectItemCaseSensitive(j, "host") : NULL;
    const cJSON *fams = j ? cJSON_GetObjectItemCaseSensitive(j, "families") : NULL;
    if (!j || strcmp(str(j, "schema"), "anionscan-ranking/1") || !cJSON_IsObject(h) || !cJSON_IsArray(fams)) {
        rc = as_error_set(err, AS_EINPUT, "%s is not a ranking written by anionscan (truncated or damaged? run the "
                          "scan again to rewrite it)", path);
        goto done;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "settings");
    char *sig = NULL;
    if (cJSON_IsObject(st)) {
        sig = cJSON_PrintUnformatted(st);
    } else { /* a ranking from before the settings were written: the host's result.json */
        char hd[AS_PATH_MAX + 16];
        if (as_path_join(hd, sizeof hd, dir, "host", err) || !(sig = as_compat_signature(hd, err))) {
            rc = as_error_prefix(err, "%s has no settings: ", path);
            goto done;
        }
    }
    if (!sig) {
        rc = as_error_nomem(err, "settings", 0);
        goto done;
    }
    if ((rc = settings(g, sig, dir, err)) ||
        (rc = host(g, num(h, "energy_ha"), num(h, "gap_ev") * AS_EV_HA, (int)num(h, "formula_units"), dir, err)))
        goto done;
    const cJSON *f, *c;
    cJSON_ArrayForEach(f, fams)
    {
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(f, "configurations"))
        {
            const char *name = str(c, "name");
            if (!*name || cls_of(str(c, "status")) == (as_scan_class)-1) {
                rc = as_error_set(err, AS_EINPUT, "%s: a configuration without a name or with an unknown status",
                                  path);
                goto done;
            }
            if ((rc = unique(g, name, dir, err)))
                goto done;
            as_scan_record *r = push(g, dir, err);
            if (!r) {
                rc = err->code;
                goto done;
            }
            snprintf(r->name, sizeof r->name, "%s", name);
            snprintf(r->family, sizeof r->family, "%s", str(c, "family"));
            snprintf(r->mode, sizeof r->mode, "%s", str(c, "mode"));
            snprintf(r->site, sizeof r->site, "%s", str(c, "site"));
            snprintf(r->detail, sizeof r->detail, "%s", str(c, "detail"));
            snprintf(r->twin_of, sizeof r->twin_of, "%s", str(c, "twin_of"));
            snprintf(r->final_site, sizeof r->final_site, "%s", str(c, "final_site"));
            r->species_z = (int)num(c, "species_z");
            r->charge = (int)num(c, "charge");
            r->multiplicity = (int)num(c, "multiplicity");
            r->cls = cls_of(str(c, "status"));
            if (r->cls != AS_CLASS_OK && r->cls != AS_CLASS_MOVED) /* twin_of is an ok or moved row's only */
                r->twin_of[0] = '\0';
            r->have_energy = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "have_energy"));
            r->energy = num(c, "energy_ha");
            r->gap = num(c, "gap_ev") * AS_EV_HA;
            r->smeared = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "smeared"));
            const cJSON *lv;
            cJSON_ArrayForEach(lv, cJSON_GetObjectItemCaseSensitive(c, "levels"))
            {
                if (r->nlevels < AS_SCAN_MAX_LEVELS)
                    r->level[r->nlevels++] = (as_scan_level){num(lv, "energy_ev") * AS_EV_HA, num(lv, "occupation"),
                                                             (int)num(lv, "spin")};
            }
            const cJSON *ff = cJSON_GetObjectItemCaseSensitive(c, "final_frac");
            for (int k = 0; k < 3; k++) {
                const cJSON *v = cJSON_GetArrayItem(ff, k);
                r->final_frac[k] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
            }
            r->displacement = num(c, "displacement_ang") * AS_ANG_BOHR;
            r->ionic_steps = (int)num(c, "ionic_steps");
            r->scf_iterations = (long)num(c, "scf_iterations");
            r->wall = num(c, "wall_s");
        }
    }
done:
    cJSON_Delete(j);
    return rc;
}

/* "Cs4Pb4Br13" from a structure, elements in order of first appearance */
static void formula(const as_structure *s, char *out, size_t n)
{
    out[0] = '\0';
    for (int a = 0; a < s->natoms; a++) {
        int seen = 0;
        for (int b = 0; b < a; b++)
            seen |= s->z[b] == s->z[a];
        if (seen)
            continue;
        const char *e = as_element_symbol(s->z[a]);
        const int c = as_structure_count(s, s->z[a]);
        const size_t l = strlen(out);
        snprintf(out + l, n - l, c > 1 ? "%s%d" : "%s", e ? e : "?", c);
    }
}

/* a run directory's result.json, its settings checked against the others': one record, its charge and structure */
static int read_run(as_gathered *g, const char *dir, as_scan_record *r, double *charge, as_structure **s,
                    as_error *err)
{
    char *sig = as_compat_signature(dir, err);
    if (!sig || settings(g, sig, dir, err))
        return err->code;
    memset(r, 0, sizeof *r);
    if (as_scan_outcome_read_run(dir, r, s, err))
        return err->code;
    char path[AS_PATH_MAX + 32], *text = NULL;
    size_t len = 0;
    *charge = 0.0;
    if (!as_path_join(path, sizeof path, dir, "result.json", err) && !as_file_read_all(path, &text, &len, err)) {
        cJSON *j = cJSON_Parse(text);
        const double q = num(j, "charge");
        *charge = isfinite(q) ? q : 0.0;
        cJSON_Delete(j);
        free(text);
    }
    return AS_OK;
}

static void basename_of(const char *dir, char *out, size_t n)
{
    char tmp[AS_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", dir);
    size_t l = strlen(tmp);
    while (l > 1 && tmp[l - 1] == '/')
        tmp[--l] = '\0';
    const char *b = strrchr(tmp, '/');
    snprintf(out, n, "%s", b ? b + 1 : tmp);
}

/* the copies of a run's final structure under the host's operations; 1 without a host or in another cell */
static int run_multiplicity(const as_gathered *g, const as_structure *s, as_error *err)
{
    if (!g->host_sym || s->natoms < 1 || !as_match_same_lattice(s->lattice, g->host->lattice))
        return 1;
    return as_match_image_count(s, g->host_sym, AS_MATCH_TOL, err);
}

static int add_run(as_gathered *g, const char *dir, as_error *err)
{
    as_scan_record tmp;
    as_structure *s = NULL;
    double q = 0.0;
    if (read_run(g, dir, &tmp, &q, &s, err))
        return err->code;
    char name[AS_PATH_MAX], f[AS_SCAN_NAME_LEN];
    basename_of(dir, name, sizeof name);
    formula(s, f, sizeof f);
    int rc = unique(g, name, dir, err);
    as_scan_record *r = rc ? NULL : push(g, dir, err);
    if (r) {
        *r = tmp;
        snprintf(r->name, sizeof r->name, "%.63s", name);
        snprintf(r->family, sizeof r->family, "runs %.40s q%+d", f, (int)lround(q));
        snprintf(r->mode, sizeof r->mode, "run");
        snprintf(r->site, sizeof r->site, "-");
        r->charge = (int)lround(q);
        r->multiplicity = run_multiplicity(g, s, err);
        if (r->multiplicity < 1)
            rc = err->code;
        r->displacement = 0.0;
        r->final_frac[0] = r->final_frac[1] = r->final_frac[2] = NAN;
        if (r->cls == AS_CLASS_FAILED)
            snprintf(r->detail, sizeof r->detail, "not converged (%s/result.json)", dir);
        if (!g->formula_units && as_structure_count(s, 82) > 0)
            g->formula_units = as_structure_count(s, 82); /* until a host says otherwise */
    } else {
        rc = err->code;
    }
    as_structure_destroy(s);
    return rc;
}

int as_gather_add(as_gathered *g, const char *dir, as_error *err)
{
    char p[AS_PATH_MAX + 32];
    if (as_path_join(p, sizeof p, dir, "ranking.json", err))
        return err->code;
    if (as_file_exists(p))
        return add_scan(g, dir, p, err);
    if (as_path_join(p, sizeof p, dir, "result.json", err))
        return err->code;
    if (as_file_exists(p))
        return add_run(g, dir, err);
    return as_error_set(err, AS_EINPUT, "%s is not a finished run: it has neither ranking.json (a scan) nor "
                        "result.json (relax, scf or analysis/import_results.py)", dir);
}

int as_gather_host(as_gathered *g, const char *dir, as_error *err)
{
    as_scan_record r;
    as_structure *s = NULL;
    double q = 0.0;
    if (read_run(g, dir, &r, &q, &s, err))
        return err->code;
    const int fu = as_structure_count(s, 82);
    if (r.cls != AS_CLASS_OK) {
        as_structure_destroy(s);
        return as_error_set(err, AS_EINPUT, "the host %s/result.json did not converge", dir);
    }
    as_structure_destroy(g->host);
    as_symmetry_destroy(g->host_sym);
    g->host = s;
    if (!(g->host_sym = as_symmetry_create(s, 0.0, err)))
        return err->code;
    return host(g, r.energy, r.gap, fu > 0 ? fu : 1, dir, err);
}
