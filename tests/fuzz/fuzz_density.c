/* Fuzz harness: the restartable density file (pw/density_io.h) read by as_density_read for a
 * fixed model (silicon, 5 Ha, Gamma), as `anionscan scf --restart` reads DIR/density.dat.
 *
 * Mode byte (the input's first byte), bits: 1 = write the trailing checksum; 2 = set ng to what
 * the length allows and cut the file to that length; 4 = put the model's lattice in the header.
 * So the mutations reach the Miller-index mapping behind the header checks.
 * ANIONSCAN_FUZZ_SEEDS=DIR: write a seed (a real density file with mode 7) to DIR/density_si. */
#include "fuzz_common.h"

#include <complex.h>

#include "core/checksum.h"
#include "core/units.h"
#include "io/settings.h"
#include "pw/density_io.h"
#include "pw/disc.h"
#include "pw/kpoints.h"
#include "pw/model.h"

static as_structure *si;
static as_model *model;
static as_disc *disc;
static double complex *rho;

static void fail(const as_error *err)
{
    fprintf(stderr, "fuzz_density: set-up failed: %s\n", err->msg);
    abort();
}

static void write_seed(const char *dir)
{
    as_error err;
    as_error_clear(&err);
    for (int i = 0; i < disc->gv->ng * model->nspin; i++)
        rho[i] = 0.01 * (i % 7) + 0.001 * I * (i % 3);
    char path[512];
    snprintf(path, sizeof path, "%s/density.dat", fz_dir);
    if (as_density_write(path, model, disc, rho, &err))
        fail(&err);
    FILE *f = fopen(path, "rb");
    char out[512];
    snprintf(out, sizeof out, "%s/density_si", dir);
    FILE *g = fopen(out, "wb");
    if (!f || !g)
        abort();
    fputc(7, g);
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, g);
    fclose(f);
    fclose(g);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_init(1);
    as_error err;
    as_error_clear(&err);
    if (!(si = as_structure_create(0, &err)))
        fail(&err);
    const double h = 2.71551025 * AS_ANG_BOHR;
    const double lat[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
    memcpy(si->lattice, lat, sizeof lat);
    const double x1[3] = {0.125, 0.125, 0.125}, x2[3] = {-0.125, -0.125, -0.125};
    if (as_structure_add_atom(si, 14, x1, &err) || as_structure_add_atom(si, 14, x2, &err))
        fail(&err);
    as_settings set;
    as_settings_defaults(&set);
    model = as_model_create(si, &set.dft, 1, &err);
    as_settings_free(&set);
    if (!model)
        fail(&err);
    const double k0[1][3] = {{0, 0, 0}};
    as_kpoints *kp = as_kpoints_list(1, k0, &err);
    if (!kp || !(disc = as_disc_create(model, 5.0, kp, 1, NULL, &err)))
        fail(&err);
    if (!(rho = malloc((size_t)disc->gv->ng * model->nspin * sizeof *rho)))
        abort();
    const char *seeds = getenv("ANIONSCAN_FUZZ_SEEDS");
    if (seeds && *seeds)
        write_seed(seeds);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const int mode = data[0];
    size_t n = size - 1;
    unsigned char *p = malloc(n ? n : 1);
    if (!p)
        abort();
    memcpy(p, data + 1, n);
    const size_t head = 8 + 12 + 72;
    if ((mode & 2) && n >= head + 8) {
        int32_t ns;
        memcpy(&ns, p + 12, 4);
        size_t per = 12 + 16 * (size_t)(ns == 2 ? 2 : 1);
        int32_t ng = (int32_t)((n - head - 8) / per);
        memcpy(p + 16, &ng, 4);
        n = head + (size_t)ng * per + 8;
    }
    if ((mode & 4) && n >= head)
        memcpy(p + 20, model->s->lattice, 72);
    if ((mode & 1) && n >= 8) {
        uint64_t h = as_checksum(p, n - 8);
        memcpy(p + n - 8, &h, 8);
    }
    const char *path = fz_write("density.dat", p, n);
    free(p);
    as_error err;
    as_error_clear(&err);
    as_density_read(path, model, disc, rho, &err);
    if (getenv("ANIONSCAN_FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz_density: %s\n", err.code ? err.msg : "read whole");
    return 0;
}
