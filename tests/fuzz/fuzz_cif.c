/* Fuzz harness: CIF text through the reader's from-memory entry point (as_cif_parse, which
 * as_cif_read calls on the file's bytes), with the site labels, then the structure's space group
 * through spglib, as `file = x.cif` in a deck does. */
#include "fuzz_common.h"

#include "crystal/symmetry.h"
#include "io/cif.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_init(0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_text(data, size);
    as_error err;
    as_error_clear(&err);
    char **labels = NULL;
    as_structure *s = as_cif_parse("fuzz.cif", text, &labels, &err);
    if (s) {
        as_symmetry *sym = as_symmetry_create(s, 0.0, &err);
        as_symmetry_destroy(sym);
        as_labels_free(labels, s->natoms);
        as_structure_destroy(s);
    }
    free(text);
    return 0;
}
