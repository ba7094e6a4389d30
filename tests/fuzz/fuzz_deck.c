/* Fuzz harness: the input deck as `anionscan structure` reads it -- the file through
 * as_deck_read (rank 0 reads and broadcasts, here on MPI_COMM_SELF), the typed settings of every
 * section, the host structure they describe (built, read from a file, or given explicitly, then
 * the supercell and the mixed-halide pattern), its space group through spglib and its k mesh.  The deck's
 * directory holds host.cif and POSCAR, so `file = host.cif` and `file = POSCAR` reach the
 * structure readers too. */
#include "fuzz_common.h"

#include "crystal/symmetry.h"
#include "io/deck.h"
#include "io/settings.h"
#include "io/structure_input.h"
#include "pw/kpoints.h"

static const char host_cif[] =
    "data_cubic\n_cell_length_a 5.874\n_cell_length_b 5.874\n_cell_length_c 5.874\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
    "loop_\n_space_group_symop_operation_xyz\n'x, y, z'\n'-x, -y, -z'\n"
    "loop_\n_atom_site_type_symbol\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
    "Cs Cs1 0 0 0\nPb Pb1 0.5 0.5 0.5\nBr Br1 0 0.5 0.5\nBr Br2 0.5 0 0.5\nBr Br3 0.5 0.5 0\n";
static const char host_poscar[] = "CsPbBr3 cubic\n1.0\n5.874 0 0\n0 5.874 0\n0 0 5.874\nCs Pb Br\n1 1 3\nDirect\n"
                                  "0 0 0\n0.5 0.5 0.5\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_init(1);
    fz_write("host.cif", host_cif, sizeof host_cif - 1);
    fz_write("POSCAR", host_poscar, sizeof host_poscar - 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_write("deck.in", data, size);
    as_error err;
    as_error_clear(&err);
    as_deck *d = as_deck_read(path, MPI_COMM_SELF, &err);
    if (!d)
        return 0;
    as_settings s;
    as_settings_defaults(&s);
    if (as_settings_read(d, &s, &err) == AS_OK) {
        as_structure_info info;
        as_structure *st = as_structure_from_settings_info(&s.structure, path, &info, &err);
        if (st) {
            as_symmetry *sym = as_symmetry_create(st, 0.0, &err);
            /* the k mesh as the calculator makes it (small meshes only: the reduction is slow on big ones) */
            const int *k = s.dft.kmesh;
            if (sym && !s.dft.gamma_only && (double)k[0] * k[1] * k[2] <= 512.0) {
                as_kpoints *kp = as_kpoints_mesh(st, k, s.dft.kshift, s.dft.use_symmetry, sym->symprec, &err);
                as_kpoints_destroy(kp);
            }
            as_symmetry_destroy(sym);
            as_structure_destroy(st);
        }
    }
    as_settings_free(&s);
    as_deck_destroy(d);
    return 0;
}
