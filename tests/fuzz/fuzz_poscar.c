/* Fuzz harness: POSCAR/CONTCAR text through the reader's from-memory entry point (as_poscar_parse,
 * which as_poscar_read calls on the file's bytes), then the structure's space group through spglib,
 * as `file = POSCAR` in a deck does. */
#include "fuzz_common.h"

#include "crystal/symmetry.h"
#include "io/poscar.h"

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
    as_structure *s = as_poscar_parse("POSCAR", text, &err);
    if (s) {
        as_symmetry *sym = as_symmetry_create(s, 0.0, &err);
        as_symmetry_destroy(sym);
        as_structure_destroy(s);
    }
    free(text);
    return 0;
}
