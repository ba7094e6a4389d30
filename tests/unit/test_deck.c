/* The deck contract: syntax, units, and clear errors naming file and line. */
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

#include "core/units.h"
#include "io/deck.h"
#include "io/settings.h"

static int parse_settings(const char *text, as_settings *s, as_error *err)
{
    as_deck *d = as_deck_parse("deck.in", text, err);
    if (!d)
        return err->code;
    int rc = as_settings_read(d, s, err);
    as_deck_destroy(d);
    return rc;
}

/* Expect an error whose message starts with "deck.in:LINE:" and contains `needle`. */
static void expect_error(const char *text, int line, const char *needle)
{
    as_settings s;
    as_error err;
    as_error_clear(&err);
    int rc = parse_settings(text, &s, &err);
    as_settings_free(&s);
    assert_int_equal(rc, AS_EINPUT);
    char head[64];
    if (line > 0)
        snprintf(head, sizeof head, "deck.in:%d:", line);
    else
        snprintf(head, sizeof head, "deck.in:");
    if (strncmp(err.msg, head, strlen(head)) != 0 || !strstr(err.msg, needle))
        fail_msg("expected '%s...%s', got '%s'", head, needle, err.msg);
}

static void full_deck_with_units(void **state)
{
    (void)state;
    const char *text = "# a comment line\n"
                       "[structure]\n"
                       "host      = CsPbCl0.25Br2.75      # mixed\n"
                       "phase     = Pnma\n"
                       "lattice   = 8.255 11.759 8.207 angstrom\n"
                       "supercell = 2 1 2\n"
                       "pattern   = 3\n"
                       "[dft]\n"
                       "xc = PBEsol\n"
                       "ecut = 50 Ry\n"
                       "kpoints = 7 5 7\n"
                       "kshift = 1 0 1\n"
                       "scf_tol = 1e-9\n"
                       "smearing = gaussian 0.01 Ry\n"
                       "potentials = default\n"
                       "    Pb  q14\n"
                       "[relax]\n"
                       "fmax = 0.001 eV/angstrom\n"
                       "cell = true\n"
                       "[scan]\n"
                       "species = Cl Br\n"
                       "mode = both\n"
                       "min_dist = 3.0 bohr\n"
                       "[output]\n"
                       "dir = out\n";
    as_settings s;
    as_error err;
    as_error_clear(&err);
    int rc = parse_settings(text, &s, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_string_equal(s.structure.host, "CsPbCl0.25Br2.75");
    assert_int_equal(s.structure.phase, AS_PHASE_PNMA);
    assert_true(fabs(s.structure.lattice[1] - 11.759 / AS_BOHR_ANG) < 1e-9);
    assert_int_equal(s.structure.supercell[0][0], 2);
    assert_int_equal(s.structure.supercell[1][1], 1);
    assert_int_equal(s.structure.supercell[2][2], 2);
    assert_int_equal(s.structure.supercell[0][1], 0);
    assert_int_equal(s.structure.pattern, 3);
    assert_string_equal(s.dft.xc, "PBEsol");
    assert_true(fabs(s.dft.ecut - 25.0) < 1e-12); /* 50 Ry = 25 Ha */
    assert_int_equal(s.dft.kmesh[1], 5);
    assert_int_equal(s.dft.kshift[0], 1);
    assert_int_equal(s.dft.smearing, AS_SMEAR_GAUSSIAN);
    assert_true(fabs(s.dft.smearing_width - 0.005) < 1e-15);
    assert_int_equal(s.dft.noverrides, 1);
    assert_int_equal(s.dft.overrides[0].z, 82);
    assert_string_equal(s.dft.overrides[0].variant, "q14");
    assert_true(fabs(s.relax.fmax - 0.001 / AS_HA_BOHR_EV_ANG) < 1e-15);
    assert_int_equal(s.relax.cell, 1);
    assert_int_equal(s.scan.nspecies, 2);
    assert_int_equal(s.scan.species[0], 17);
    assert_int_equal(s.scan.mode, AS_SCAN_BOTH);
    assert_true(fabs(s.scan.min_dist - 3.0) < 1e-12);
    assert_string_equal(s.output.dir, "out");
    as_settings_free(&s);
}

static void defaults_and_explicit_atoms(void **state)
{
    (void)state;
    const char *text = "[structure]\n"
                       "cell = bohr\n"
                       "   10 0 0\n"
                       "   0 10 0\n"
                       "   0 0 10\n"
                       "atoms = angstrom\n"
                       "   Si 0 0 0\n"
                       "   Si 1.3575 1.3575 1.3575\n";
    as_settings s;
    as_error err;
    as_error_clear(&err);
    if (parse_settings(text, &s, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(s.structure.source, AS_SRC_EXPLICIT);
    assert_int_equal(s.structure.natoms, 2);
    assert_int_equal(s.structure.z[1], 14);
    assert_true(fabs(s.structure.pos[1][0] - 1.3575 / AS_BOHR_ANG / 10.0) < 1e-12);
    assert_true(fabs(s.dft.ecut - 25.0) < 1e-12);
    assert_string_equal(s.dft.xc, "PBE");
    assert_int_equal(s.dft.kmesh[0], 1);
    as_settings_free(&s);
}

/* An error after an explicit [structure] leaves nothing to free: the atoms read before it are released
 * (a caller that only frees on success leaked them; make check SANITIZE=1 found it). */
static void error_after_atoms_frees_them(void **state)
{
    (void)state;
    const char *text = "[structure]\n"
                       "cell = bohr\n"
                       "   10 0 0\n"
                       "   0 10 0\n"
                       "   0 0 10\n"
                       "atoms = angstrom\n"
                       "   Si 0 0 0\n"
                       "[run]\n"
                       "max_time = 00:00:00\n";
    as_settings s;
    as_error err;
    as_error_clear(&err);
    assert_int_equal(parse_settings(text, &s, &err), AS_EINPUT);
    if (!strstr(err.msg, "deck.in:9:") || !strstr(err.msg, "max_time must be positive"))
        fail_msg("unexpected message '%s'", err.msg);
    assert_null(s.structure.z);
    assert_null(s.structure.pos);
}

static void errors_name_the_line(void **state)
{
    (void)state;
    expect_error("[structure]\nhost = CsPbBr3\n[dft]\necutt = 25\n", 4, "did you mean 'ecut'");
    expect_error("[structure]\nhost = CsPbBr3\n[dtf]\n", 3, "did you mean [dft]");
    expect_error("[structure]\nhost = CsPbBr3\n[dft]\necut = 25\necut = 30\n", 5, "duplicate key 'ecut'");
    expect_error("[structure]\nhost = CsPbBr3\n[dft]\necut = 25 angstrom\n", 4, "wrong unit");
    expect_error("[structure]\nhost = CsPbBr3\n[dft]\necut = -3\n", 4, "positive");
    expect_error("[structure]\nhost = CsPbBr3\n[dft]\necut =\n", 4, "no value");
    expect_error("[structure]\nhost = CsPbBr3\n[dft]\necut = abc\n", 4, "expects 1 number");
    expect_error("[structure]\nhost = CsPbBr3\n[dft]\nkpoints = 3 3\n", 4, "three integers");
    expect_error("[structure]\nhost = CsPbXx3\n", 2, "not Cl, Br or I");
    expect_error("[structure]\nhost = CsPbCl1Br1\n", 2, "add up to 2");
    expect_error("[structure]\nhost = CsPbBr3\nsupercell = 1 0 0 0 1 0 0 0 0\n", 3, "singular");
    expect_error("[structure]\ncell = angstrom\n 1 0 0\n 2 0 0\n 0 0 1\natoms = crystal\n Si 0 0 0\n", 2,
                 "singular");
    expect_error("[structure]\ncell = angstrom\n 5 0 0\n 0 5 0\n 0 0 5\natoms = crystal\n Si 0 0 0\n Xq 0.5 0.5 0.5\n",
                 8, "unknown element 'Xq'");
    expect_error("[structure]\ncell = angstrom\n 5 0 0\n 0 5 0\n 0 0 5\natoms = crystal\n Si 0 0 0\n Si 0.05 0 0\n",
                 8, "closer than 0.5");
    expect_error("[dft]\necut = 25\n", 0, " no structure"); /* no line: the whole deck */
    expect_error("ecut = 25\n", 1, "outside any section");
    expect_error("[structure]\nhost = CsPbBr3\n[dft]\n  ecut = 25\n", 4, "does not follow a key");
    expect_error("[structure]\nhost = CsPbBr3\n[relax]\necut = 25\n", 4, "goes in [dft]");
    expect_error("[structure]\nhost = CsPbBr3\n[dft]\nsmearing = gausian 0.01\n", 4, "did you mean 'gaussian'");
    expect_error("[structure]\nhost = CsPbBr3\n[scan]\nspecies = Br Pb\n", 4, "Pb is not one");
}

static void no_structure_error_has_path(void **state)
{
    (void)state;
    as_settings s;
    as_error err;
    as_error_clear(&err);
    assert_int_equal(parse_settings("[dft]\n", &s, &err), AS_EINPUT);
    assert_non_null(strstr(err.msg, "deck.in"));
    as_settings_free(&s);
}

/* A NUL byte used to end the deck there silently (the rest of the file was dropped): now an error. */
static void nul_byte_is_an_error(void **state)
{
    (void)state;
    char path[] = "/tmp/anionscan-test-deck-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "[structure]\nhost = CsPbBr3\n\0[dft]\necut = -5 Ha\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    as_error err;
    as_error_clear(&err);
    as_deck *d = as_deck_read(path, MPI_COMM_SELF, &err);
    unlink(path);
    assert_null(d);
    assert_int_equal(err.code, AS_EINPUT);
    assert_non_null(strstr(err.msg, ":3: the file has a NUL byte"));
}

int main(void)
{
    MPI_Init(NULL, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nul_byte_is_an_error),
        cmocka_unit_test(full_deck_with_units),
        cmocka_unit_test(defaults_and_explicit_atoms),
        cmocka_unit_test(error_after_atoms_frees_them),
        cmocka_unit_test(errors_name_the_line),
        cmocka_unit_test(no_structure_error_has_path),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return rc;
}
