/* Structure files: write -> read round trips (1e-8), the shared reference CIFs,
 * CIFs with symmetry operations (the International Tables' Pnma list and the ICSD
 * Pbnm setting, expanded to 20 atoms and checked against the published bond
 * lengths), POSCAR variants, errors that name file and line, and the deck front end
 * (structure_input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/units.h"
#include "crystal/composition.h"
#include "crystal/perovskite.h"
#include "crystal/symmetry.h"
#include "io/cif.h"
#include "io/deck.h"
#include "io/poscar.h"
#include "io/settings.h"
#include "io/structure_input.h"

#define REF "tests/reference/structures/" /* copies of shared/reference/structures */

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/as_test_io_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *tmp(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static as_structure *pnma_br(void)
{
    as_composition c;
    as_error err;
    as_composition_parse("CsPbBr3", &c, &err);
    as_structure *s = as_perovskite_build(&c, AS_PEROVSKITE_PNMA, NULL, &err);
    assert_non_null(s);
    return s;
}

/* A triclinic cell in the standard orientation with a dummy atom. */
static as_structure *triclinic(void)
{
    as_error err;
    as_structure *s = as_structure_create(4, &err);
    double abc[3] = {7.1 * AS_ANG_BOHR, 8.3 * AS_ANG_BOHR, 9.7 * AS_ANG_BOHR}, ang[3] = {81.3, 97.7, 112.9};
    assert_int_equal(as_cellpar_to_lattice(abc, ang, s->lattice), 0);
    const int z[4] = {82, 35, 0, 55};
    const double f[4][3] = {{0.1, 0.2, 0.3}, {0.123456789012, 0.87654321, 0.5}, {0.7, 0.1, 0.9}, {0.0, 0.5, 0.25}};
    for (int a = 0; a < 4; a++) {
        s->z[a] = z[a];
        memcpy(s->frac[a], f[a], sizeof f[a]);
    }
    return s;
}

static void same_structure(const as_structure *a, const as_structure *b, double tol_bohr, double tol_frac)
{
    assert_int_equal(a->natoms, b->natoms);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (fabs(a->lattice[i][j] - b->lattice[i][j]) > tol_bohr)
                fail_msg("lattice[%d][%d] %.12f vs %.12f", i, j, a->lattice[i][j], b->lattice[i][j]);
    for (int n = 0; n < a->natoms; n++) {
        assert_int_equal(a->z[n], b->z[n]);
        for (int k = 0; k < 3; k++)
            if (fabs(a->frac[n][k] - b->frac[n][k]) > tol_frac)
                fail_msg("atom %d coord %d: %.12f vs %.12f", n + 1, k, a->frac[n][k], b->frac[n][k]);
    }
}

/* Each atom of a has one atom of b of the same element at the same place. */
static void same_atoms_any_order(const as_structure *a, const as_structure *b, double tol_ang)
{
    assert_int_equal(a->natoms, b->natoms);
    int *used = calloc((size_t)b->natoms, sizeof *used);
    for (int i = 0; i < a->natoms; i++) {
        int hit = -1;
        for (int j = 0; j < b->natoms && hit < 0; j++)
            if (!used[j] && a->z[i] == b->z[j] &&
                as_periodic_distance(a->lattice, a->frac[i], b->frac[j]) * AS_BOHR_ANG < tol_ang)
                hit = j;
        if (hit < 0)
            fail_msg("atom %d (Z %d) has no partner", i + 1, a->z[i]);
        used[hit] = 1;
    }
    free(used);
}

static void cif_round_trip(void **state)
{
    (void)state;
    as_error err;
    as_error_clear(&err);
    as_structure *s[2] = {pnma_br(), triclinic()};
    for (int k = 0; k < 2; k++) {
        if (as_cif_write(tmp("rt.cif"), s[k], NULL, "round trip", &err))
            fail_msg("%s", err.msg);
        char **labels = NULL;
        as_structure *r = as_cif_read(tmp("rt.cif"), &labels, &err);
        if (!r)
            fail_msg("%s", err.msg);
        same_structure(s[k], r, 1e-8, 1e-8);
        if (k == 0) {
            assert_string_equal(labels[0], "Pb1");
            assert_string_equal(labels[19], "Br12");
        } else {
            assert_string_equal(labels[2], "X1");
            assert_int_equal(r->z[2], 0); /* dummy atom back as Z = 0 */
        }
        as_labels_free(labels, r->natoms);
        as_structure_destroy(r);
    }
    /* The dummy atom is written with type symbol XX (VESTA); custom labels survive. */
    const char *lab[4] = {"Pb_a", "Br eq", NULL, "Cs9"};
    as_cif_write(tmp("lab.cif"), s[1], lab, "labels", &err);
    char *text = NULL;
    as_file_read_all(tmp("lab.cif"), &text, NULL, &err);
    assert_non_null(strstr(text, " XX "));
    assert_non_null(strstr(text, "Br_eq"));
    free(text);
    char **labels = NULL;
    as_structure *r = as_cif_read(tmp("lab.cif"), &labels, &err);
    assert_string_equal(labels[0], "Pb_a");
    assert_string_equal(labels[1], "Br_eq");
    assert_string_equal(labels[3], "Cs9");
    as_labels_free(labels, r->natoms);
    as_structure_destroy(r);
    as_structure_destroy(s[0]);
    as_structure_destroy(s[1]);
}

static void poscar_round_trip(void **state)
{
    (void)state;
    as_error err;
    as_structure *s = triclinic();
    /* Rotate the cell out of the standard orientation: POSCAR keeps vectors as they are. */
    s->lattice[0][1] = 1.234;
    s->lattice[2][0] = -2.5;
    s->z[2] = 53;
    if (as_poscar_write(tmp("POSCAR"), s, "round trip", &err))
        fail_msg("%s", err.msg);
    as_structure *r = as_poscar_read(tmp("POSCAR"), &err);
    if (!r)
        fail_msg("%s", err.msg);
    same_structure(s, r, 1e-8, 1e-8);
    as_structure_destroy(r);
    as_structure_destroy(s);
}

static void poscar_variants_and_errors(void **state)
{
    (void)state;
    as_error err;
    as_error_clear(&err);
    /* Cartesian with scale 2: atom at (1,1,1)*2 in a 2*(4 A) cubic cell -> frac 0.25. */
    as_structure *r = as_poscar_parse("P1", "cubic\n2.0\n4 0 0\n0 4 0\n0 0 4\nCs Pb_d\n1 1\nSelective dynamics\n"
                                            "Cartesian\n0 0 0 T T T\n1 1 1 F F F\n", &err);
    if (!r)
        fail_msg("%s", err.msg);
    assert_int_equal(r->z[1], 82);
    assert_true(fabs(r->lattice[0][0] - 8.0 * AS_ANG_BOHR) < 1e-12);
    assert_true(fabs(r->frac[1][2] - 0.25) < 1e-12);
    as_structure_destroy(r);
    /* Negative scale = volume (angstrom^3): 1000 -> a = 10. */
    r = as_poscar_parse("P2", "vol\n-1000\n1 0 0\n0 1 0\n0 0 1\nBr\n1\nDirect\n0.5 0.5 0.5\n", &err);
    assert_non_null(r);
    assert_true(fabs(r->lattice[2][2] - 10.0 * AS_ANG_BOHR) < 1e-10);
    as_structure_destroy(r);
    /* VASP 4: no species line. */
    assert_null(as_poscar_parse("old/POSCAR", "old\n1.0\n5 0 0\n0 5 0\n0 0 5\n1 1\nDirect\n0 0 0\n.5 .5 .5\n", &err));
    assert_int_equal(err.code, AS_EINPUT);
    assert_non_null(strstr(err.msg, "old/POSCAR:6:"));
    assert_non_null(strstr(err.msg, "VASP 4"));
    /* A bad position names its line; a short file says what is missing. */
    assert_null(as_poscar_parse("bad", "x\n1\n5 0 0\n0 5 0\n0 0 5\nCs Br\n1 1\nDirect\n0 0 0\n0.5 oops 0\n", &err));
    assert_non_null(strstr(err.msg, "bad:10: atom 2 (Br)"));
    assert_null(as_poscar_parse("short", "x\n1\n5 0 0\n0 5 0\n0 0 5\nCs Br\n1 1\nDirect\n0 0 0\n", &err));
    assert_non_null(strstr(err.msg, "short:10:"));
    assert_null(as_poscar_parse("el", "x\n1\n5 0 0\n0 5 0\n0 0 5\nCs Qq\n1 1\nDirect\n0 0 0\n0 0 .5\n", &err));
    assert_non_null(strstr(err.msg, "el:6: unknown element 'Qq'"));
    /* Counts that would overflow an int (or need more lines than the file has) are refused on line 7, before any
     * allocation: 2147483647 + 2 wrapped to a small count once and wrote past the atoms' buffer. */
    assert_null(as_poscar_parse("big", "x\n1\n5 0 0\n0 5 0\n0 0 5\nCs Br\n2147483647 2\nDirect\n0 0 0\n0 0 .5\n", &err));
    assert_non_null(strstr(err.msg, "big:7:"));
    assert_null(as_poscar_parse("huge", "x\n1\n5 0 0\n0 5 0\n0 0 5\nCs\n99999999999999999999\nDirect\n0 0 0\n", &err));
    assert_non_null(strstr(err.msg, "huge:7:"));
}

static void shared_cifs(void **state)
{
    (void)state;
    const char *files[3] = {REF "CsPbBr3_Pnma_ICSD97851.cif", REF "CsPbI3_Pnma_gamma_Sutton2018.cif",
                            REF "CsPbBr3_cubic_425K.cif"};
    const char *formula[3] = {"Pb4Cs4Br12", "Pb4Cs4I12", "CsPbBr3"};
    const int sg[3] = {62, 62, 221};
    for (int k = 0; k < 3; k++) {
        as_error err;
        as_structure *s = as_cif_read(files[k], NULL, &err);
        if (!s)
            fail_msg("%s", err.msg);
        char f[64];
        as_structure_formula(s, f, sizeof f);
        assert_string_equal(f, formula[k]);
        as_symmetry *sym = as_symmetry_create(s, 0.0, &err);
        assert_int_equal(sym->number, sg[k]);
        as_symmetry_destroy(sym);
        as_structure_destroy(s);
    }
}

/* Pnma asymmetric unit with the 8 general positions of International Tables (No. 62),
 * uncertainties, an occupancy < 1, a text field and quoted strings. */
static const char *pnma_asym_cif =
    "# CsPbBr3, ICSD 97851 converted to Pnma\n"
    "data_CsPbBr3\n"
    "_publ_section_title\n"
    ";\n Some title; with a semicolon\n and two lines\n;\n"
    "_chemical_name_common 'cesium lead bromide'\n"
    "_cell_length_a 8.255(3)\n_cell_length_b 11.759(4)\n_cell_length_c 8.207(3)\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90.\n_cell_angle_gamma 90.000\n"
    "_symmetry_space_group_name_H-M 'P n m a'\n"
    "loop_\n_symmetry_equiv_pos_site_id\n_symmetry_equiv_pos_as_xyz\n"
    "1 'x, y, z'\n2 '-x+1/2, -y, z+1/2'\n3 '-x, y+1/2, -z'\n4 'x+1/2, -y+1/2, -z+1/2'\n"
    "5 '-x, -y, -z'\n6 'x+1/2, y, -z+1/2'\n7 'x, -y+1/2, z'\n8 '-x+1/2, y+1/2, z+1/2'\n"
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
    "_atom_site_fract_z\n_atom_site_occupancy\n"
    "Pb1 Pb2+ 0 0 0.5 1\n"
    "Cs1 Cs1+ 0.971(2) 0.25 0.990(1) 0.98\n"
    "Br1 Br1- 0.505(3) 0.25 0.046(2) 1.0\n"
    "Br2 Br1- 0.205(2) 0.025(1) 0.793(2) 1.0\n";

static void cif_with_symmetry_operations(void **state)
{
    (void)state;
    as_error err;
    as_error_clear(&err);
    write_text(tmp("asym.cif"), pnma_asym_cif);
    as_structure *s = as_cif_read(tmp("asym.cif"), NULL, &err);
    if (!s)
        fail_msg("%s", err.msg);
    assert_int_equal(s->natoms, 20);
    as_structure *ref = as_cif_read(REF "CsPbBr3_Pnma_ICSD97851.cif", NULL, &err);
    same_atoms_any_order(s, ref, 1e-4);
    as_structure_destroy(ref);
    as_structure_destroy(s);
}

/* The ICSD's own Pbnm setting (a 8.207, b 8.255, c 11.759; (x,y,z)Pnma = (y,z,x)Pbnm),
 * with the Pbnm operations: same bonds as the README. */
static void cif_pbnm_setting(void **state)
{
    (void)state;
    const char *cif = "data_icsd97851\n_cell_length_a 8.207\n_cell_length_b 8.255\n_cell_length_c 11.759\n"
                      "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                      "loop_\n_space_group_symop_id\n_space_group_symop_operation_xyz\n"
                      "1 x,y,z\n2 -x,-y,-z\n3 -x,-y,z+1/2\n4 x,y,-z+1/2\n5 x+1/2,-y+1/2,-z\n6 -x+1/2,y+1/2,z\n"
                      "7 -x+1/2,y+1/2,-z+1/2\n8 x+1/2,-y+1/2,z+1/2\n"
                      "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                      "Cs1 0.99 0.971 0.25\nPb1 0.5 0 0\nBr1 0.046 0.505 0.25\nBr2 0.793 0.205 0.025\n";
    as_error err;
    as_structure *s = as_cif_parse("pbnm.cif", cif, NULL, &err);
    if (!s)
        fail_msg("%s", err.msg);
    assert_int_equal(s->natoms, 20);
    as_symmetry *sym = as_symmetry_create(s, 0.0, &err);
    assert_int_equal(sym->number, 62);
    as_symmetry_destroy(sym);
    double want[3] = {2.955, 2.964, 2.984};
    int found[3] = {0, 0, 0};
    for (int a = 0; a < 20; a++)
        for (int b = 0; b < 20; b++) {
            if (s->z[a] != 82 || s->z[b] != 35)
                continue;
            double d = as_periodic_distance(s->lattice, s->frac[a], s->frac[b]) * AS_BOHR_ANG;
            if (d > 3.6)
                continue;
            int hit = 0;
            for (int k = 0; k < 3; k++)
                if (fabs(round(d * 1000) / 1000 - want[k]) < 1e-9)
                    found[k]++, hit = 1;
            if (!hit)
                fail_msg("unexpected Pb-Br %.4f", d);
        }
    for (int k = 0; k < 3; k++)
        assert_int_equal(found[k], 8); /* 4 Pb x 2 bonds of each length */
    as_structure_destroy(s);
}

/* Fm-3m in a 50 A cell: each Wyckoff position expands to its multiplicity in the International Tables (4a, 8c,
 * 24e, 32f, 192l), and two sites that are 4a images across the cell boundary are kept once. Exercises the binned
 * duplicate search of the symmetry expansion on a cell much larger than its tolerance. */
static void cif_wyckoff_multiplicities(void **state)
{
    (void)state;
    const char *cif = "data_big\n_cell_length_a 50\n_cell_length_b 50\n_cell_length_c 50\n"
                      "_space_group_name_H-M_alt 'F m -3 m'\n"
                      "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                      "_atom_site_fract_z\n"
                      "Br1 Br 0 0 0\nCl1 Cl 0.25 0.25 0.25\nI1 I 0.1 0 0\nCs1 Cs 0.1 0.1 0.1\nPb1 Pb 0.11 0.23 0.37\n"
                      "Br2 Br 0.9999999 0 0\nBr3 Br 0.0000001 0.5 0.5\n";
    as_error err;
    as_structure *s = as_cif_parse("fm3m.cif", cif, NULL, &err);
    if (!s)
        fail_msg("%s", err.msg);
    int n[5] = {0, 0, 0, 0, 0};
    const int zz[5] = {35, 17, 53, 55, 82}, want[5] = {4, 8, 24, 32, 192};
    for (int a = 0; a < s->natoms; a++)
        for (int k = 0; k < 5; k++)
            n[k] += s->z[a] == zz[k];
    for (int k = 0; k < 5; k++)
        assert_int_equal(n[k], want[k]);
    assert_int_equal(s->natoms, 260);
    as_structure_destroy(s);
}

static void cif_errors(void **state)
{
    (void)state;
    as_error err;
    const char *head = "data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\n";
    char buf[1024];
    snprintf(buf, sizeof buf, "%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\nCs1 0 0 0\nQq1 0.5 0.5 0.5\n", head);
    assert_null(as_cif_parse("e1.cif", buf, NULL, &err));
    assert_non_null(strstr(err.msg, "e1.cif:11: atom 'Qq1': unknown element"));
    snprintf(buf, sizeof buf, "%sloop_\n_symmetry_equiv_pos_as_xyz\n'x, y, z'\n'-x, y, w'\nloop_\n"
             "_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nCs1 0 0 0\n", head);
    assert_null(as_cif_parse("e2.cif", buf, NULL, &err));
    assert_non_null(strstr(err.msg, "e2.cif:8: cannot read the symmetry operation '-x, y, w'"));
    assert_null(as_cif_parse("e3.cif", "data_x\n_cell_length_a 5\n", NULL, &err));
    assert_non_null(strstr(err.msg, "e3.cif: no _cell_length_b"));
    snprintf(buf, sizeof buf, "%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\nCs1 0 0 0\nBr1 0.5 0.5\n", head);
    assert_null(as_cif_parse("e4.cif", buf, NULL, &err));
    assert_non_null(strstr(err.msg, "e4.cif:5: the loop has 4 tags but 7 values"));
    /* Different elements on one site after expansion (disorder) are refused. */
    snprintf(buf, sizeof buf, "%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\nBr1 0.5 0.5 0\nCl1 0.5 0.5 0.0001\n", head);
    assert_null(as_cif_parse("e5.cif", buf, NULL, &err));
    assert_non_null(strstr(err.msg, "same position"));
    assert_int_equal(err.code, AS_EINPUT);
}

/* ------------------------------------------------------- structure_input */

static as_structure *from_deck(const char *text, as_structure_info *info, as_error *err)
{
    write_text(tmp("deck.in"), text);
    as_deck *d = as_deck_read(tmp("deck.in"), MPI_COMM_WORLD, err);
    if (!d)
        return NULL;
    as_settings s;
    as_structure *st = NULL;
    if (as_settings_read(d, &s, err) == 0)
        st = as_structure_from_settings_info(&s.structure, tmp("deck.in"), info, err);
    as_settings_free(&s);
    as_deck_destroy(d);
    return st;
}

static void deck_front_end(void **state)
{
    (void)state;
    as_error err;
    as_error_clear(&err);
    as_structure_info info;
    /* host + supercell + pattern */
    as_structure *s = from_deck("[structure]\nhost = CsPbCl0.25Br2.75\nsupercell = 1 1 1\npattern = 2\n", &info, &err);
    if (!s)
        fail_msg("%s", err.msg);
    assert_int_equal(s->natoms, 20);
    assert_int_equal(as_structure_count(s, 17), 1);
    assert_int_equal(info.npatterns, 2);
    assert_int_equal(info.multiplicity, 4);
    as_structure_destroy(s);
    /* pattern out of range names the deck line and the count */
    assert_null(from_deck("[structure]\n\nhost = CsPbCl0.25Br2.75\npattern = 7\n", &info, &err));
    assert_int_equal(err.code, AS_EINPUT);
    char want[600];
    snprintf(want, sizeof want, "%s:3: 'pattern = 7' is out of range", tmp("deck.in"));
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, "choose pattern 1..2"));
    assert_null(from_deck("[structure]\nhost = CsPbBr3\npattern = 2\n", &info, &err));
    assert_non_null(strstr(err.msg, "not a mixed halide"));
    /* file = CIF (relative to the deck) then a supercell */
    as_structure *b = pnma_br();
    as_cif_write(tmp("host.cif"), b, NULL, "host", &err);
    s = from_deck("[structure]\nfile = host.cif\nsupercell = 1 2 1\n", &info, &err);
    if (!s)
        fail_msg("%s", err.msg);
    assert_int_equal(s->natoms, 40);
    assert_true(fabs(s->lattice[1][1] - 2 * b->lattice[1][1]) < 1e-8);
    as_structure_destroy(s);
    /* file = POSCAR without a telling name: recognised by content */
    as_poscar_write(tmp("cell.txt"), b, NULL, &err);
    s = from_deck("[structure]\nfile = cell.txt\n", &info, &err);
    if (!s)
        fail_msg("%s", err.msg);
    same_structure(b, s, 1e-8, 1e-8);
    as_structure_destroy(s);
    /* a missing file is an input error on the deck line */
    assert_null(from_deck("[structure]\nfile = nothere.cif\n", &info, &err));
    assert_int_equal(err.code, AS_EINPUT);
    snprintf(want, sizeof want, "%s:2: ", tmp("deck.in"));
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, "nothere.cif"));
    /* explicit cell + atoms with a supercell */
    s = from_deck("[structure]\ncell = angstrom\n 5.874 0 0\n 0 5.874 0\n 0 0 5.874\natoms = crystal\n"
                  " Cs 0 0 0\n Pb 0.5 0.5 0.5\n Br 0 0.5 0.5\n Br 0.5 0 0.5\n Br 0.5 0.5 0\nsupercell = 2 2 2\n",
                  &info, &err);
    if (!s)
        fail_msg("%s", err.msg);
    assert_int_equal(s->natoms, 40);
    as_structure_destroy(s);
    /* lattice override and cubic phase */
    s = from_deck("[structure]\nhost = CsPbI3\nphase = cubic\nlattice = 6.3 angstrom\n", &info, &err);
    assert_non_null(s);
    assert_true(fabs(s->lattice[0][0] * AS_BOHR_ANG - 6.3) < 1e-12);
    as_structure_destroy(s);
    /* atoms too close after validation: a CIF with two atoms 0.3 A apart */
    write_text(tmp("close.cif"), "data_c\n_cell_length_a 6\n_cell_length_b 6\n_cell_length_c 6\nloop_\n"
                                 "_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                                 "Cs1 0 0 0\nBr1 0.05 0 0\n");
    assert_null(from_deck("[structure]\nfile = close.cif\n", &info, &err));
    snprintf(want, sizeof want, "%s:2: atoms 1 (Cs) and 2 (Br) are 0.300 angstrom apart", tmp("deck.in"));
    assert_non_null(strstr(err.msg, want));
    as_structure_destroy(b);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cif_round_trip),
        cmocka_unit_test(poscar_round_trip),
        cmocka_unit_test(poscar_variants_and_errors),
        cmocka_unit_test(shared_cifs),
        cmocka_unit_test(cif_with_symmetry_operations),
        cmocka_unit_test(cif_pbnm_setting),
        cmocka_unit_test(cif_wyckoff_multiplicities),
        cmocka_unit_test(cif_errors),
        cmocka_unit_test(deck_front_end),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    MPI_Finalize();
    return rc;
}
