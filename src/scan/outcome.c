/* Reading a configuration's result.json (scan/outcome.h). */
#include "scan/outcome.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "io/settings.h"

static int number(const cJSON *o, const char *key, double *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
        return 0;
    *v = x->valuedouble;
    return 1;
}

static as_structure *structure(const cJSON *relax, const char *path, as_error *err)
{
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(relax, "lattice_angstrom");
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(relax, "positions_frac");
    const cJSON *sym = cJSON_GetObjectItemCaseSensitive(relax, "symbols");
    const int n = cJSON_GetArraySize(pos);
    if (cJSON_GetArraySize(lat) != 3 || n < 1 || cJSON_GetArraySize(sym) != n) {
        as_error_set(err, AS_EINPUT, "%s: the \"relax\" block has no complete final structure", path);
        return NULL;
    }
    as_structure *s = as_structure_create(n, err);
    if (!s)
        return NULL;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            const cJSON *v = cJSON_GetArrayItem(cJSON_GetArrayItem(lat, i), k);
            s->lattice[i][k] = cJSON_IsNumber(v) ? v->valuedouble * AS_ANG_BOHR : NAN;
        }
    for (int a = 0; a < n; a++) {
        const cJSON *e = cJSON_GetArrayItem(sym, a);
        s->z[a] = cJSON_IsString(e) ? as_element_z(e->valuestring) : 0;
        for (int k = 0; k < 3; k++) {
            const cJSON *v = cJSON_GetArrayItem(cJSON_GetArrayItem(pos, a), k);
            s->frac[a][k] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        }
    }
    for (int a = 0; a < n; a++) {
        int ok = s->z[a] > 0;
        for (int k = 0; k < 3; k++)
            ok &= isfinite(s->frac[a][k]) && isfinite(s->lattice[k][0] + s->lattice[k][1] + s->lattice[k][2]);
        if (!ok) {
            as_structure_destroy(s);
            as_error_set(err, AS_EINPUT, "%s: atom %d of the final structure is unreadable", path, a + 1);
            return NULL;
        }
    }
    return s;
}

static int outcome_read(const char *dir, as_scan_record *rec, as_structure **final, int require_relax,
                        as_error *err)
{
    char path[AS_PATH_MAX + 32];
    char *text = NULL;
    size_t len = 0;
    if (final)
        *final = NULL;
    if (as_path_join(path, sizeof path, dir, "result.json", err) || as_file_read_all(path, &text, &len, err))
        return err->code;
    cJSON *j = cJSON_Parse(text);
    free(text);
    if (!j)
        return as_error_set(err, AS_EINPUT, "%s is not valid JSON (damaged? run the scan again with --restart to "
                            "recompute it)", path);
    int rc = AS_OK;
    double e, g;
    const cJSON *relax = cJSON_GetObjectItemCaseSensitive(j, "relax");
    if (!cJSON_IsObject(relax) && !require_relax) /* an scf result: its structure, no ionic steps */
        relax = cJSON_GetObjectItemCaseSensitive(j, "structure");
    if (!number(j, "energy_ha", &e) || !number(j, "gap_ev", &g) || !cJSON_IsObject(relax)) {
        rc = as_error_set(err, AS_EINPUT, "%s lacks energy_ha, gap_ev or the \"%s\" block", path,
                          require_relax ? "relax" : "relax\" or \"structure");
        goto done;
    }
    const cJSON *conv = cJSON_GetObjectItemCaseSensitive(relax, "converged");
    rec->cls = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "converged")) && (!conv || cJSON_IsTrue(conv))
                   ? AS_CLASS_OK
                   : AS_CLASS_FAILED;
    rec->have_energy = 1;
    rec->energy = e;
    rec->gap = g * AS_EV_HA;
    double v;
    rec->ionic_steps = number(relax, "steps", &v) ? (int)v : 0;
    rec->scf_iterations = number(relax, "total_scf_iterations", &v) ? (long)v : 0;
    rec->wall = number(relax, "wall_s", &v) ? v : 0.0;
    rec->smeared = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(relax, "auto_smearing"));
    rec->nlevels = 0;
    const cJSON *lv, *levels = cJSON_GetObjectItemCaseSensitive(j, "defect_levels");
    cJSON_ArrayForEach(lv, levels)
    {
        double le, lo, ls = 0;
        if (rec->nlevels >= AS_SCAN_MAX_LEVELS || !number(lv, "energy_ev", &le) || !number(lv, "occupation", &lo))
            continue;
        number(lv, "spin", &ls);
        rec->level[rec->nlevels++] = (as_scan_level){le * AS_EV_HA, lo, (int)ls};
    }
    if (final && !(*final = structure(relax, path, err)))
        rc = err->code;
done:
    cJSON_Delete(j);
    return rc;
}

int as_scan_outcome_read(const char *dir, as_scan_record *rec, as_structure **final, as_error *err)
{
    return outcome_read(dir, rec, final, 1, err);
}

int as_scan_outcome_read_run(const char *dir, as_scan_record *rec, as_structure **final, as_error *err)
{
    return outcome_read(dir, rec, final, 0, err);
}
