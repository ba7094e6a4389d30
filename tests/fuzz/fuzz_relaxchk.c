/* Fuzz harness: the relaxation checkpoint DIR/relax.chk as `anionscan relax --restart` reads it
 * (relax/run.c's read_checkpoint, step by step through the same entry points): the checkpoint
 * frame (as_checkpoint_read), the optimizer state (as_relax_load) against the deck's structure and
 * [relax] settings, the auto-smearing flag, the calculator state (as_calc_state_load: the
 * fingerprint of the [dft] settings, the structures, every rank's share of density and bands) and
 * the trajectory record.  The deck is relaxchk_deck below (silicon, 5 Ha, Gamma); the seeds are
 * relax.chk files of `anionscan relax` on it (tests/fuzz/README.md).
 *
 * Mode byte (the input's first byte): odd = the rest is the payload, framed here with the magic,
 * the length and the checksum (so the mutations reach the payload parsers); even = the file's
 * bytes as they are. */
#include "fuzz_common.h"

#include "core/checksum.h"
#include "core/file.h"
#include "io/deck.h"
#include "io/settings.h"
#include "io/structure_input.h"
#include "pw/calculator.h"
#include "relax/calc_state.h"
#include "relax/checkpoint.h"
#include "relax/relax.h"
#include "relax/serial.h"

#define CHK_MAGIC "ASRELAX2" /* relax/run.c's */

/* tests/fuzz/relaxchk.in holds the same text, for making seeds with bin/anionscan. */
static const char relaxchk_deck[] = "[structure]\n"
                                    "cell = angstrom\n"
                                    "    0  2.71551025  2.71551025\n"
                                    "    2.71551025  0  2.71551025\n"
                                    "    2.71551025  2.71551025  0\n"
                                    "atoms = crystal\n"
                                    "    Si  0.125  0.125  0.125\n"
                                    "    Si  -0.120  -0.125  -0.128\n"
                                    "[dft]\n"
                                    "ecut = 5 Ha\n"
                                    "kpoints = gamma\n"
                                    "[relax]\n"
                                    "max_steps = 2\n";

static as_settings set;
static as_structure *start;

static void fail(const as_error *err)
{
    fprintf(stderr, "fuzz_relaxchk: set-up failed: %s\n", err->msg);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_init(1);
    as_error err;
    as_error_clear(&err);
    const char *path = fz_write("relax.in", relaxchk_deck, sizeof relaxchk_deck - 1);
    as_deck *d = as_deck_read(path, MPI_COMM_SELF, &err);
    if (!d)
        fail(&err);
    as_settings_defaults(&set);
    if (as_settings_read(d, &set, &err) || !(start = as_structure_from_settings(&set.structure, path, &err)))
        fail(&err);
    as_deck_destroy(d);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *path;
    if (data[0] & 1) {
        const size_t n = size - 1;
        unsigned char *p = malloc(16 + n + 8);
        if (!p)
            abort();
        const uint64_t len = n;
        memcpy(p, CHK_MAGIC, 8);
        memcpy(p + 8, &len, 8);
        memcpy(p + 16, data + 1, n);
        const uint64_t h = as_checksum(p, 16 + n);
        memcpy(p + 16 + n, &h, 8);
        path = fz_write("relax.chk", p, 16 + n + 8);
        free(p);
    } else
        path = fz_write("relax.chk", data + 1, size - 1);

    as_error err;
    as_error_clear(&err);
    void *payload = NULL;
    size_t len = 0;
    if (as_checkpoint_read(path, CHK_MAGIC, &payload, &len, &err))
        return 0;
    as_ser b;
    as_ser_wrap(&b, payload, len);
    as_dft_settings dft = set.dft;
    as_relax *r = as_relax_load(&b, start, &set.relax, &err);
    as_calculator *c = NULL;
    as_structure *base = NULL;
    if (!r)
        goto done;
    if (as_ser_get_i32(&b) == 1) {
        dft.smearing = AS_SMEAR_MARZARI_VANDERBILT;
        dft.smearing_width = 0.005;
    }
    if (!(c = as_calculator_create(&dft, MPI_COMM_SELF, 0, &err)))
        goto done;
    c->opts.quiet = 1;
    if (as_calc_state_load(c, &b, &base, &err))
        goto done;
    int64_t tl = 0;
    as_ser_get(&b, &tl, sizeof tl);
    const void *t = tl >= 0 ? as_ser_peek(&b, (size_t)tl) : NULL;
    if (t && b.pos == b.len) {
        as_strbuf traj;
        as_strbuf_init(&traj);
        if (tl > 0)
            as_strbuf_printf(&traj, "%.*s", (int)tl, (const char *)t);
        as_strbuf_free(&traj);
    }
done:
    if (getenv("ANIONSCAN_FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz_relaxchk: %s\n", err.code ? err.msg : "read whole");
    as_structure_destroy(base);
    as_calculator_destroy(c);
    as_relax_destroy(r);
    free(payload);
    return 0;
}
