/* The cutoff correction of the prerelaxation (scan/correction.h). */
#include "scan/correction.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "io/settings.h"

/* dir/result.json's forces (natoms x 3, Ha/bohr) into f */
static int read_forces(const char *dir, int natoms, double (*f)[3], as_error *err)
{
    char path[AS_PATH_MAX + 32];
    char *text = NULL;
    size_t len = 0;
    if (as_path_join(path, sizeof path, dir, "result.json", err) || as_file_read_all(path, &text, &len, err))
        return err->code;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *fs = j ? cJSON_GetObjectItemCaseSensitive(j, "forces_ha_bohr") : NULL;
    int rc = AS_OK;
    if (!j)
        rc = as_error_set(err, AS_EIO, "%s is not valid JSON; delete its directory and run the scan again", path);
    else if (cJSON_GetArraySize(fs) != natoms)
        rc = as_error_set(err, AS_EINPUT, "%s: \"forces_ha_bohr\" has %d atoms, not %d", path, cJSON_GetArraySize(fs),
                          natoms);
    for (int a = 0; rc == AS_OK && a < natoms; a++)
        for (int k = 0; k < 3; k++) {
            const cJSON *v = cJSON_GetArrayItem(cJSON_GetArrayItem(fs, a), k);
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
                rc = as_error_set(err, AS_EINPUT, "%s: the force on atom %d is unreadable", path, a + 1);
                break;
            }
            f[a][k] = v->valuedouble;
        }
    cJSON_Delete(j);
    return rc;
}

int as_scan_shift_read(const char *lowdir, const char *fulldir, int natoms, as_scan_shift *sh, as_error *err)
{
    memset(sh, 0, sizeof *sh);
    double(*lo)[3] = malloc((size_t)natoms * sizeof *lo);
    sh->shift = malloc((size_t)natoms * sizeof *sh->shift);
    int rc = AS_OK;
    if (!lo || !sh->shift)
        rc = as_error_nomem(err, "the prerelaxation's force shift", 2 * (size_t)natoms * sizeof *lo);
    if (rc == AS_OK && !(rc = read_forces(lowdir, natoms, lo, err)))
        rc = read_forces(fulldir, natoms, sh->shift, err);
    if (rc == AS_OK) {
        sh->natoms = natoms;
        for (int a = 0; a < natoms; a++) {
            double d2 = 0.0, fl = 0.0, ff = 0.0;
            for (int k = 0; k < 3; k++) {
                ff += sh->shift[a][k] * sh->shift[a][k];
                fl += lo[a][k] * lo[a][k];
                sh->shift[a][k] -= lo[a][k];
                d2 += sh->shift[a][k] * sh->shift[a][k];
            }
            sh->fmax_full = fmax(sh->fmax_full, sqrt(ff));
            sh->fmax_low = fmax(sh->fmax_low, sqrt(fl));
            sh->largest = fmax(sh->largest, sqrt(d2));
        }
    } else {
        free(sh->shift);
        sh->shift = NULL;
    }
    free(lo);
    return rc;
}

void as_scan_shift_free(as_scan_shift *sh)
{
    free(sh->shift);
    sh->shift = NULL;
}

double as_scan_stage_scf_tol(double scf_tol, double stage_fmax, double fmax)
{
    if (!(fmax > 0.0) || !(stage_fmax > fmax) || !(scf_tol < AS_SCAN_STAGE_SCF_TOL_MAX))
        return scf_tol;
    const double q = stage_fmax / fmax;
    return fmin(AS_SCAN_STAGE_SCF_TOL_MAX, scf_tol * q * q);
}
