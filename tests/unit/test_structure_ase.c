/* An independent reader: ASE (Debian python3-ase, run with /usr/bin/python3) reads
 * every format we write -- CIF, POSCAR, XSF, extended XYZ (a two-frame trajectory
 * with a forces column and an energy) -- and must get the same cell, elements and
 * Cartesian positions.  Skips, with a message, only if ASE cannot be imported. */
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
#include "crystal/supercell.h"
#include "io/cif.h"
#include "io/extxyz.h"
#include "io/poscar.h"
#include "io/xsf.h"

static char dir[256];

static const char *script =
    "import sys\n"
    "from ase.io import read\n"
    "path, fmt = sys.argv[1], sys.argv[2]\n"
    "frames = read(path, format=fmt, index=':')\n"
    "for a in frames:\n"
    "    print('frame', len(a))\n"
    "    print('cell', ' '.join('%.12f' % x for x in a.cell.array.ravel()))\n"
    "    f = a.arrays.get('forces')\n"
    "    if f is None and a.calc is not None and 'forces' in a.calc.results: f = a.calc.results['forces']\n"
    "    for i, (z, p) in enumerate(zip(a.numbers, a.positions)):\n"
    "        extra = '' if f is None else ' ' + ' '.join('%.12f' % x for x in f[i])\n"
    "        print('atom', z, ' '.join('%.12f' % x for x in p) + extra)\n"
    "    e = a.info.get('energy')\n"
    "    if e is None and a.calc is not None: e = a.calc.results.get('energy')\n"
    "    if e is not None: print('energy %.12f' % e)\n";

static int have_ase(void)
{
    return system("/usr/bin/python3 -c 'import ase.io' >/dev/null 2>&1") == 0;
}

/* Run ASE on path and compare with s (and forces/energy if given, frame index fr). */
static void ase_compare(const char *path, const char *fmt, const as_structure *const *frames, int nframes,
                        const double *forces, const double *energy)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/read.py '%s' %s 2>&1", dir, path, fmt);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char word[64];
    int fr = -1, atom = 0, nlines = 0;
    while (fscanf(p, "%63s", word) == 1) {
        nlines++;
        if (!strcmp(word, "frame")) {
            int n;
            assert_int_equal(fscanf(p, "%d", &n), 1);
            fr++;
            assert_true(fr < nframes);
            assert_int_equal(n, frames[fr]->natoms);
            atom = 0;
        } else if (!strcmp(word, "cell")) {
            for (int k = 0; k < 9; k++) {
                double v;
                assert_int_equal(fscanf(p, "%lf", &v), 1);
                double want = frames[fr]->lattice[k / 3][k % 3] * AS_BOHR_ANG;
                if (fabs(v - want) > 1e-7)
                    fail_msg("%s (%s): cell[%d] %.10f vs %.10f", path, fmt, k, v, want);
            }
        } else if (!strcmp(word, "atom")) {
            int z;
            double x[3], c[3];
            assert_int_equal(fscanf(p, "%d %lf %lf %lf", &z, &x[0], &x[1], &x[2]), 4);
            const as_structure *s = frames[fr];
            assert_int_equal(z, s->z[atom]);
            as_frac_to_cart(s->lattice, s->frac[atom], c);
            for (int k = 0; k < 3; k++)
                if (fabs(x[k] - c[k] * AS_BOHR_ANG) > 1e-7)
                    fail_msg("%s (%s): atom %d coord %d %.10f vs %.10f", path, fmt, atom + 1, k, x[k],
                             c[k] * AS_BOHR_ANG);
            if (forces) {
                for (int k = 0; k < 3; k++) {
                    double f;
                    assert_int_equal(fscanf(p, "%lf", &f), 1);
                    assert_true(fabs(f - forces[(size_t)fr * 1000 + atom * 3 + k]) < 1e-9);
                }
            }
            atom++;
        } else if (!strcmp(word, "energy")) {
            double e;
            assert_int_equal(fscanf(p, "%lf", &e), 1);
            assert_non_null(energy);
            assert_true(fabs(e - energy[fr]) < 1e-9);
        } else {
            char rest[512] = "";
            if (!fgets(rest, sizeof rest, p))
                rest[0] = '\0';
            pclose(p);
            fail_msg("ASE on %s (%s) said: %s%s", path, fmt, word, rest);
        }
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(fr, nframes - 1);
    assert_true(nlines > 0);
}

static as_structure *triclinic(void)
{
    as_error err;
    as_structure *s = as_structure_create(4, &err);
    double abc[3] = {7.1 * AS_ANG_BOHR, 8.3 * AS_ANG_BOHR, 9.7 * AS_ANG_BOHR}, ang[3] = {81.3, 97.7, 112.9};
    assert_int_equal(as_cellpar_to_lattice(abc, ang, s->lattice), 0);
    const int z[4] = {82, 35, 17, 55};
    const double f[4][3] = {{0.1, 0.2, 0.3}, {0.123456789012, 0.87654321, 0.5}, {0.7, 0.1, 0.9}, {0.0, 0.5, 0.25}};
    for (int a = 0; a < 4; a++) {
        s->z[a] = z[a];
        memcpy(s->frac[a], f[a], sizeof f[a]);
    }
    return s;
}

static void ase_reads_what_we_write(void **state)
{
    (void)state;
    if (!have_ase()) {
        fprintf(stderr, "SKIP: /usr/bin/python3 cannot import ase (install python3-ase)\n");
        skip();
    }
    snprintf(dir, sizeof dir, "/tmp/as_test_ase_XXXXXX");
    assert_non_null(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof path, "%s/read.py", dir);
    as_error err;
    as_strbuf b;
    as_strbuf_init(&b);
    as_strbuf_printf(&b, "%s", script);
    assert_int_equal(as_strbuf_write_atomic(&b, path, &err), 0);
    as_strbuf_free(&b);

    /* Structures: a triclinic cell and a 2x1x2 mixed CsPbCl0.25Br2.75-like Pnma supercell. */
    as_composition c;
    as_composition_parse("CsPbBr3", &c, &err);
    as_structure *u = as_perovskite_build(&c, AS_PEROVSKITE_PNMA, NULL, &err);
    const int m[3][3] = {{2, 0, 0}, {0, 1, 0}, {0, 0, 2}};
    as_structure *big = as_supercell_build(u, m, NULL, &err);
    big->z[40] = 17;
    as_structure *tri = triclinic();
    as_structure *list[2] = {tri, big};
    for (int k = 0; k < 2; k++) {
        const as_structure *one[1] = {list[k]};
        snprintf(path, sizeof path, "%s/s%d.cif", dir, k);
        assert_int_equal(as_cif_write(path, list[k], NULL, "ase test", &err), 0);
        ase_compare(path, "cif", one, 1, NULL, NULL);
        snprintf(path, sizeof path, "%s/POSCAR%d", dir, k);
        assert_int_equal(as_poscar_write(path, list[k], NULL, &err), 0);
        ase_compare(path, "vasp", one, 1, NULL, NULL);
        snprintf(path, sizeof path, "%s/s%d.xsf", dir, k);
        assert_int_equal(as_xsf_write(path, list[k], &err), 0);
        ase_compare(path, "xsf", one, 1, NULL, NULL);
        snprintf(path, sizeof path, "%s/s%d.extxyz", dir, k);
        assert_int_equal(as_extxyz_write(path, list[k], NULL, 0, NULL, 0, &err), 0);
        ase_compare(path, "extxyz", one, 1, NULL, NULL);
    }
    /* A two-frame relaxation trajectory with forces (eV/A) and energies (eV). */
    as_structure *moved = as_structure_copy(tri, &err);
    moved->frac[1][0] += 0.01;
    moved->lattice[2][2] *= 1.01;
    double forces[2000], energy[2] = {-1234.5678901234, -1234.6};
    for (int i = 0; i < 2000; i++)
        forces[i] = 0.001 * ((i * 37) % 101) - 0.05;
    as_strbuf_init(&b);
    const as_structure *frames[2] = {tri, moved};
    for (int f = 0; f < 2; f++) {
        as_extxyz_column col = {"forces", 3, forces + 1000 * f};
        as_extxyz_info info[2] = {{"energy", NULL, energy[f]}, {"step", "relax step", 0.0}};
        assert_int_equal(as_extxyz_append(&b, frames[f], &col, 1, info, 2, &err), 0);
    }
    snprintf(path, sizeof path, "%s/traj.extxyz", dir);
    assert_int_equal(as_strbuf_write_atomic(&b, path, &err), 0);
    as_strbuf_free(&b);
    ase_compare(path, "extxyz", frames, 2, forces, energy);

    as_structure_destroy(moved);
    as_structure_destroy(tri);
    as_structure_destroy(big);
    as_structure_destroy(u);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ase_reads_what_we_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
