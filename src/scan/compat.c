/* Whether two runs' energies compare (scan/compat.h). */
#include "scan/compat.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "io/settings.h"

static const char *const KEYS[] = {"xc", "ecut_ha", "kmesh", "kshift", "kpoints", "potentials", "cell_angstrom"};

char *as_compat_signature(const char *dir, as_error *err)
{
    char path[AS_PATH_MAX + 32], *text = NULL, *out = NULL;
    size_t len = 0;
    if (as_path_join(path, sizeof path, dir, "result.json", err) || as_file_read_all(path, &text, &len, err))
        return NULL;
    cJSON *j = cJSON_Parse(text), *sig = cJSON_CreateObject();
    free(text);
    if (!j) {
        as_error_set(err, AS_EINPUT, "%s is not valid JSON (truncated or damaged)", path);
        goto done;
    }
    const cJSON *xc = cJSON_GetObjectItemCaseSensitive(j, "xc"), *ec = cJSON_GetObjectItemCaseSensitive(j, "ecut_ha");
    const cJSON *pots = cJSON_GetObjectItemCaseSensitive(j, "potentials");
    if (!cJSON_IsString(xc) || !cJSON_IsNumber(ec) || !cJSON_IsArray(pots)) {
        as_error_set(err, AS_EINPUT, "%s lacks xc, ecut_ha or potentials: not a result of anionscan 0.1 or of "
                     "analysis/import_results.py", path);
        goto done;
    }
    cJSON_AddStringToObject(sig, "xc", xc->valuestring);
    cJSON_AddNumberToObject(sig, "ecut_ha", ec->valuedouble);
    const cJSON *km = cJSON_GetObjectItemCaseSensitive(j, "kmesh"), *ks = cJSON_GetObjectItemCaseSensitive(j, "kshift");
    if (cJSON_IsArray(km) && cJSON_IsArray(ks)) {
        cJSON_AddItemToObject(sig, "kmesh", cJSON_Duplicate(km, 1));
        cJSON_AddItemToObject(sig, "kshift", cJSON_Duplicate(ks, 1));
    } else { /* an explicit list: the points and weights */
        cJSON *kl = cJSON_AddArrayToObject(sig, "kpoints"), *k;
        cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(j, "kpoints"))
        {
            const cJSON *kv = cJSON_GetObjectItemCaseSensitive(k, "k"), *w = cJSON_GetObjectItemCaseSensitive(k, "weight");
            double v[4] = {NAN, NAN, NAN, cJSON_IsNumber(w) ? w->valuedouble : NAN};
            for (int i = 0; i < 3; i++) {
                const cJSON *c = cJSON_GetArrayItem(kv, i);
                v[i] = cJSON_IsNumber(c) ? c->valuedouble : NAN;
            }
            cJSON_AddItemToArray(kl, cJSON_CreateDoubleArray(v, 4));
        }
    }
    cJSON *po = cJSON_AddObjectToObject(sig, "potentials"), *p;
    cJSON_ArrayForEach(p, pots)
    {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(p, "element"), *l = cJSON_GetObjectItemCaseSensitive(p, "label");
        if (cJSON_IsString(e) && cJSON_IsString(l))
            cJSON_AddStringToObject(po, e->valuestring, l->valuestring);
    }
    const cJSON *relax = cJSON_GetObjectItemCaseSensitive(j, "relax"), *st = cJSON_GetObjectItemCaseSensitive(j, "structure");
    const cJSON *cell = cJSON_GetObjectItemCaseSensitive(cJSON_IsObject(relax) ? relax : st, "lattice_angstrom");
    if (cJSON_GetArraySize(cell) == 3)
        cJSON_AddItemToObject(sig, "cell_angstrom", cJSON_Duplicate(cell, 1));
    if (!(out = cJSON_PrintUnformatted(sig)))
        as_error_nomem(err, "settings signature", 0);
done:
    cJSON_Delete(j);
    cJSON_Delete(sig);
    return out;
}

/* 1 if x and y agree (numbers within tol relative, or absolute for cells), recursively */
static int same(const cJSON *x, const cJSON *y, double tol, int absolute)
{
    if (cJSON_IsNumber(x) && cJSON_IsNumber(y)) {
        const double d = fabs(x->valuedouble - y->valuedouble);
        return d <= (absolute ? tol : tol * fmax(1.0, fmax(fabs(x->valuedouble), fabs(y->valuedouble))));
    }
    if (cJSON_IsString(x) && cJSON_IsString(y))
        return !strcmp(x->valuestring, y->valuestring);
    if (cJSON_IsArray(x) && cJSON_IsArray(y)) {
        if (cJSON_GetArraySize(x) != cJSON_GetArraySize(y))
            return 0;
        for (int i = 0; i < cJSON_GetArraySize(x); i++)
            if (!same(cJSON_GetArrayItem(x, i), cJSON_GetArrayItem(y, i), tol, absolute))
                return 0;
        return 1;
    }
    if (cJSON_IsObject(x) && cJSON_IsObject(y)) {
        if (cJSON_GetArraySize(x) != cJSON_GetArraySize(y))
            return 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, x)
        {
            if (!same(c, cJSON_GetObjectItemCaseSensitive(y, c->string), tol, absolute))
                return 0;
        }
        return 1;
    }
    return 0;
}

int as_compat_check(const char *sig_a, const char *a, const char *sig_b, const char *b, as_error *err)
{
    cJSON *x = cJSON_Parse(sig_a), *y = cJSON_Parse(sig_b);
    int rc = AS_OK;
    if (!x || !y) {
        rc = as_error_set(err, AS_EINTERNAL, "a settings signature is not JSON");
        goto done;
    }
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(x, KEYS[i]), *v = cJSON_GetObjectItemCaseSensitive(y, KEYS[i]);
        if (!u && !v)
            continue;
        if (!strcmp(KEYS[i], "cell_angstrom") && (!u || !v))
            continue; /* one run without a structure: nothing to compare */
        const int cell = !strcmp(KEYS[i], "cell_angstrom");
        if (!u || !v || !same(u, v, cell ? 1e-4 : 1e-6, cell)) {
            char *su = u ? cJSON_PrintUnformatted(u) : NULL, *sv = v ? cJSON_PrintUnformatted(v) : NULL;
            rc = as_error_set(err, AS_EINPUT, "%s and %s were computed with other settings: %s is %.200s in the "
                              "first and %.200s in the second; their energies do not compare (rank them separately)",
                              a, b, KEYS[i], su ? su : "(none)", sv ? sv : "(none)");
            free(su), free(sv);
            goto done;
        }
    }
done:
    cJSON_Delete(x);
    cJSON_Delete(y);
    return rc;
}
