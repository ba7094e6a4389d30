#include "io/sites_out.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/log.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "io/cif.h"
#include "io/settings.h"

/* Numbers rounded to 1e-6 so the files read cleanly (0.25, not 0.25000000000000006). */
static double r6(double x)
{
    double y = round(x * 1e6) / 1e6;
    return y == 0.0 ? 0.0 : y;
}

static cJSON *triple(const double v[3], double scale)
{
    const double w[3] = {r6(v[0] * scale), r6(v[1] * scale), r6(v[2] * scale)};
    return cJSON_CreateDoubleArray(w, 3);
}

char *as_sites_json(const as_sites *s, const as_structure *host, const as_symmetry *sym)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *h = cJSON_AddObjectToObject(root, "host");
    cJSON_AddStringToObject(h, "spacegroup", sym->international);
    cJSON_AddNumberToObject(h, "number", sym->number);
    cJSON_AddNumberToObject(h, "natoms", host->natoms);
    cJSON *arr = cJSON_AddArrayToObject(root, "sites");
    for (int i = 0; i < s->nsites && arr; i++) {
        const as_site *t = &s->site[i];
        double c[3];
        as_frac_to_cart(host->lattice, t->frac, c);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", t->name);
        cJSON_AddItemToObject(o, "frac", triple(t->frac, 1.0));
        cJSON_AddItemToObject(o, "cart_ang", triple(c, AS_BOHR_ANG));
        cJSON_AddNumberToObject(o, "multiplicity", t->multiplicity);
        cJSON_AddStringToObject(o, "site_symmetry", t->site_symmetry);
        cJSON_AddNumberToObject(o, "min_dist_ang", r6(t->free_radius * AS_BOHR_ANG));
        cJSON_AddStringToObject(o, "nearest", as_element_symbol(t->nearest_z));
        cJSON_AddStringToObject(o, "wyckoff", t->wyckoff);
        cJSON_AddItemToArray(arr, o);
    }
    char *text = (h && arr) ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    return text;
}

int as_sites_write_json(const char *path, const as_sites *s, const as_structure *host, const as_symmetry *sym,
                        as_error *err)
{
    char *text = as_sites_json(s, host, sym);
    if (!text)
        return as_error_nomem(err, "sites.json", 0);
    as_strbuf b;
    as_strbuf_init(&b);
    as_strbuf_printf(&b, "%s\n", text);
    cJSON_free(text);
    int rc = as_strbuf_write_atomic(&b, path, err);
    as_strbuf_free(&b);
    return rc;
}

int as_sites_write_csv(const char *path, const as_sites *s, const as_structure *host, as_error *err)
{
    as_strbuf b;
    as_strbuf_init(&b);
    as_strbuf_printf(&b, "name,wyckoff,site_symmetry,multiplicity,x,y,z,x_ang,y_ang,z_ang,min_dist_ang,nearest,"
                         "from\n");
    for (int i = 0; i < s->nsites; i++) {
        const as_site *t = &s->site[i];
        double c[3];
        as_frac_to_cart(host->lattice, t->frac, c);
        char kinds[8];
        as_sites_kinds_string(t->kinds, kinds);
        as_strbuf_printf(&b, "%s,%s,%s,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%s,%s\n", t->name, t->wyckoff,
                         t->site_symmetry, t->multiplicity, r6(t->frac[0]), r6(t->frac[1]), r6(t->frac[2]),
                         r6(c[0] * AS_BOHR_ANG), r6(c[1] * AS_BOHR_ANG), r6(c[2] * AS_BOHR_ANG),
                         r6(t->free_radius * AS_BOHR_ANG), as_element_symbol(t->nearest_z), kinds);
    }
    int rc = as_strbuf_write_atomic(&b, path, err);
    as_strbuf_free(&b);
    return rc;
}

int as_sites_write_cif(const char *path, const as_sites *s, const as_structure *host, as_error *err)
{
    as_structure *c = as_structure_copy(host, err);
    if (!c)
        return err->code;
    int n = host->natoms;
    for (int i = 0; i < s->nsites; i++)
        n += s->site[i].multiplicity;
    char **labels = calloc((size_t)n, sizeof *labels);
    int rc = AS_OK;
    if (!labels) {
        rc = as_error_nomem(err, "CIF labels", (size_t)n * sizeof *labels);
        goto done;
    }
    int k = host->natoms;
    for (int i = 0; i < s->nsites && !rc; i++)
        for (int m = 0; m < s->site[i].multiplicity && !rc; m++, k++) {
            rc = as_structure_add_atom(c, 0, s->site[i].orbit[m], err);
            labels[k] = malloc(32);
            if (!labels[k]) {
                rc = as_error_nomem(err, "CIF labels", 32);
                break;
            }
            if (m == 0)
                snprintf(labels[k], 32, "%s", s->site[i].name);
            else
                snprintf(labels[k], 32, "%s_%d", s->site[i].name, m + 1);
        }
    if (!rc) {
        char formula[256], title[300];
        as_structure_formula(host, formula, sizeof formula);
        snprintf(title, sizeof title, "%s_interstitial_sites", formula);
        rc = as_cif_write(path, c, (const char *const *)labels, title, err);
    }
done:
    if (labels)
        for (int i = 0; i < n; i++)
            free(labels[i]);
    free(labels);
    as_structure_destroy(c);
    return rc;
}

int as_sites_write_all(const char *dir, const as_sites *s, const as_structure *host, const as_symmetry *sym,
                       as_error *err)
{
    char path[AS_PATH_MAX + 32];
    if (as_file_mkdirs(dir, err))
        return err->code;
    if (as_path_join(path, sizeof path, dir, "sites.json", err) || as_sites_write_json(path, s, host, sym, err))
        return err->code;
    if (as_path_join(path, sizeof path, dir, "sites.csv", err) || as_sites_write_csv(path, s, host, err))
        return err->code;
    if (as_path_join(path, sizeof path, dir, "sites.cif", err) || as_sites_write_cif(path, s, host, err))
        return err->code;
    return AS_OK;
}
