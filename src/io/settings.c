#define _POSIX_C_SOURCE 200809L
#include "io/settings.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/units.h"
#include "crystal/composition.h"
#include "crystal/elements.h"
#include "crystal/sites.h"
#include "crystal/structure.h"
#include "crystal/supercell.h"

#ifndef AS_POTENTIALS_DIR
#define AS_POTENTIALS_DIR "potentials"
#endif

/* The contract: every valid key per section (docs/input.md documents each). */
static const char *const keys_structure[] = {"host", "phase", "lattice", "supercell", "pattern",
                                             "file", "cell", "atoms", NULL};
static const char *const keys_dft[] = {"xc", "ecut", "kpoints", "kshift", "nbands", "scf_tol", "max_scf",
                                       "mixing_beta", "mixing_history", "potentials", "charge", "spin", "smearing", "band_edges",
                                       "symmetry", "real_wavefunctions", "stress", NULL};
static const char *const keys_relax[] = {"fmax", "cell", "max_steps", "pressure", "method", "stress_tol",
                                         "keep_symmetry", "max_step", NULL};
static const char *const keys_scan[] = {"species",     "mode",         "min_dist", "cluster_tol", "max_sites",
                                        "relax_host",  "sites",        "frenkel_radius", "charges", "rattle",
                                        "seed",        "distortions",  "reference", "temperature", "same_energy",
                                        "positions",   "prerelax",     "prerelax_ecut", "prerelax_fmax",
                                        "prerelax_correct", "merge_tol", NULL};
static const char *const keys_output[] = {"dir", NULL};
static const char *const keys_parallel[] = {"pools", "groups", NULL};
static const char *const keys_run[] = {"max_time", NULL};

static const as_deck_schema schema[] = {
    {"structure", keys_structure}, {"dft", keys_dft}, {"relax", keys_relax},
    {"scan", keys_scan},           {"output", keys_output}, {"parallel", keys_parallel},
    {"run", keys_run},
};

/* An installed binary (make install PREFIX=P: P/bin/anionscan) finds P/share/anionscan/potentials;
 * a build in a source tree, moved or not, finds the tree's potentials/ next to bin/. */
static const char *beside_binary(void)
{
    static char found[AS_PATH_MAX];
    static int done;
    if (done)
        return found[0] ? found : NULL;
    done = 1;
    char exe[AS_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0'; /* the binary's directory */
    static const char *const rel[] = {"/../share/anionscan/potentials", "/../potentials"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char p[AS_PATH_MAX + 64];
        struct stat st;
        snprintf(p, sizeof p, "%s%s", exe, rel[i]);
        char canon[PATH_MAX];
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && realpath(p, canon) && strlen(canon) < sizeof found) {
            snprintf(found, sizeof found, "%s", canon);
            return found;
        }
    }
    return NULL;
}

const char *as_default_potentials_dir(void)
{
    const char *env = getenv("ANIONSCAN_POTENTIALS");
    if (env && *env)
        return env;
    const char *b = beside_binary();
    return b ? b : AS_POTENTIALS_DIR;
}

void as_settings_defaults(as_settings *s)
{
    memset(s, 0, sizeof *s);
    s->structure.source = AS_SRC_HOST;
    s->structure.phase = AS_PHASE_PNMA;
    for (int i = 0; i < 3; i++)
        s->structure.supercell[i][i] = 1;
    s->structure.pattern = 1;

    snprintf(s->dft.xc, sizeof s->dft.xc, "PBE");
    s->dft.ecut = 25.0;
    s->dft.kmesh[0] = s->dft.kmesh[1] = s->dft.kmesh[2] = 1;
    s->dft.scf_tol = 1e-8;
    s->dft.max_scf = 100;
    s->dft.mixing_beta = 0.6; /* docs/speed.md: one SCF iteration fewer than 0.5 on the 20-atom cells */
    s->dft.mixing_history = 8;
    s->dft.spin = AS_SPIN_NONE;
    s->dft.smearing = AS_SMEAR_NONE;
    s->dft.band_edges = AS_EDGES_AUTO;
    s->dft.use_symmetry = 1;
    s->dft.real_wavefunctions = 1;
    s->dft.stress = 0;

    s->relax.fmax = 0.05 / AS_HA_BOHR_EV_ANG;
    s->relax.max_steps = 100;
    s->relax.method = AS_RELAX_BFGS;
    s->relax.stress_tol = 0.05 / AS_HA_BOHR3_GPA;
    s->relax.keep_symmetry = 1;
    s->relax.max_step = 0.2 * AS_ANG_BOHR;

    s->scan.mode = AS_SCAN_FRENKEL;
    s->scan.min_dist = 0.0;
    s->scan.min_dist_factor = AS_SITES_MIN_DIST_FACTOR;
    s->scan.cluster_tol = AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR;
    s->scan.relax_host = AS_HOST_RELAX_POSITIONS;
    s->scan.charges[0] = -1;
    s->scan.ncharges = 1;
    s->scan.rattle = AS_SCAN_RATTLE_ANG * AS_ANG_BOHR;
    s->scan.seed = AS_SCAN_SEED;
    s->scan.temperature = AS_SCAN_TEMPERATURE_K;
    s->scan.same_energy = AS_SCAN_SAME_EV * AS_EV_HA;
    s->scan.prerelax = 1;
    s->scan.prerelax_correct = 1;
    s->scan.merge_tol = AS_SCAN_MERGE_TOL_ANG * AS_ANG_BOHR;
}

void as_settings_free(as_settings *s)
{
    free(s->structure.z);
    free(s->structure.pos);
    s->structure.z = NULL;
    s->structure.pos = NULL;
}

/* path relative to the deck's directory unless absolute */
static int resolve_path(const as_deck *d, const char *in, char *out, size_t n, int line, as_error *err)
{
    if (in[0] == '/') {
        if (strlen(in) >= n)
            return as_deck_error(d, line, err, "path '%s' is too long", in);
        snprintf(out, n, "%s", in);
        return AS_OK;
    }
    char *copy = strdup(d->path);
    if (!copy)
        return as_error_nomem(err, "path", 0);
    const char *dir = dirname(copy);
    int w = strcmp(dir, ".") ? snprintf(out, n, "%s/%s", dir, in) : snprintf(out, n, "%s", in);
    free(copy);
    if (w < 0 || (size_t)w >= n)
        return as_deck_error(d, line, err, "path '%s' is too long", in);
    return AS_OK;
}

/* ------------------------------------------------------------ [structure] */

static int read_cell_block(as_deck *d, as_structure_settings *st, as_error *err)
{
    as_deck_entry *e = as_deck_find(d, "structure", "cell");
    if (!e)
        return AS_OK;
    double f = as_units_length_to_bohr(e->value[0] ? e->value : "angstrom");
    if (f == 0.0)
        return as_deck_error(d, e->line, err, "cell unit '%s' is not angstrom or bohr", e->value);
    if (e->nblock != 3)
        return as_deck_error(d, e->line, err,
                             "'cell' needs three indented lines, one lattice vector each; found %d", e->nblock);
    for (int i = 0; i < 3; i++) {
        double v[3];
        int rc = as_parse_quantity(e->block[i].text, AS_QTY_NONE, 3, v, NULL);
        if (rc != 0)
            return as_deck_error(d, e->block[i].line, err, "a cell vector is three numbers, got '%s'",
                                 e->block[i].text);
        for (int k = 0; k < 3; k++) {
            st->cell[i][k] = v[k] * f;
            if (!isfinite(st->cell[i][k]) || fabs(st->cell[i][k]) > AS_MAX_CELL_ANG * AS_ANG_BOHR)
                return as_deck_error(d, e->block[i].line, err, "a cell vector component of '%s' is beyond %g "
                                     "angstrom; check the numbers and the unit ('%s')",
                                     e->block[i].text, AS_MAX_CELL_ANG, e->value[0] ? e->value : "angstrom");
        }
    }
    double inv[3][3];
    if (as_lattice_inverse(st->cell, inv) != 0)
        return as_deck_error(d, e->line, err,
                             "the cell is singular: its three vectors are linearly dependent or zero");
    return AS_OK;
}

static int read_atoms_block(as_deck *d, as_structure_settings *st, int have_cell, as_error *err)
{
    as_deck_entry *e = as_deck_find(d, "structure", "atoms");
    if (!e)
        return AS_OK;
    static const char *const units[] = {"crystal", "angstrom", "bohr", NULL};
    int which = -1;
    const char *u = e->value[0] ? e->value : "crystal";
    for (int i = 0; units[i]; i++)
        if (!strcasecmp(u, units[i]))
            which = i;
    if (which < 0) {
        const char *near = as_closest_name(u, units);
        return as_deck_error(d, e->line, err, "atoms unit '%s' is not crystal, angstrom or bohr%s%s%s", u,
                             near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    }
    if (!have_cell)
        return as_deck_error(d, e->line, err, "'atoms' needs a 'cell' block in [structure] too");
    if (e->nblock == 0)
        return as_deck_error(d, e->line, err, "'atoms' has no indented 'El x y z' lines");
    if (e->nblock > 2000)
        return as_deck_error(d, e->line, err, "'atoms' has %d lines, more than 2000; give a structure this large "
                             "as a file (file = x.cif or POSCAR)", e->nblock);
    st->natoms = e->nblock;
    st->z = calloc((size_t)e->nblock, sizeof *st->z);
    st->pos = calloc((size_t)e->nblock, sizeof *st->pos);
    if (!st->z || !st->pos)
        return as_error_nomem(err, "atoms", 0);
    double inv[3][3];
    as_lattice_inverse(st->cell, inv);
    double f = which == 1 ? AS_ANG_BOHR : 1.0;
    for (int a = 0; a < e->nblock; a++) {
        char sym[16];
        int off = 0;
        if (sscanf(e->block[a].text, "%15s %n", sym, &off) != 1)
            return as_deck_error(d, e->block[a].line, err, "expected 'El x y z', got '%s'", e->block[a].text);
        int z = as_element_z(sym);
        if (z == 0)
            return as_deck_error(d, e->block[a].line, err, "unknown element '%s' (atom %d)", sym, a + 1);
        double v[3];
        if (as_parse_quantity(e->block[a].text + off, AS_QTY_NONE, 3, v, NULL) != 0)
            return as_deck_error(d, e->block[a].line, err, "atom %d (%s): expected three coordinates after the "
                                 "element, got '%s'", a + 1, sym, e->block[a].text + off);
        const double vmax = which == 0 ? 1000.0 : AS_MAX_CELL_ANG * 10.0 / (which == 2 ? AS_BOHR_ANG : 1.0);
        if (fabs(v[0]) > vmax || fabs(v[1]) > vmax || fabs(v[2]) > vmax)
            return as_deck_error(d, e->block[a].line, err, "atom %d (%s): coordinate beyond %g (%s); check the "
                                 "numbers and the unit", a + 1, sym, vmax, u);
        st->z[a] = z;
        if (which == 0) {
            memcpy(st->pos[a], v, sizeof v);
        } else {
            double c[3] = {v[0] * f, v[1] * f, v[2] * f};
            as_cart_to_frac(inv, c, st->pos[a]);
        }
    }
    /* Two atoms closer than 0.5 angstrom: name both deck lines. */
    const double dmin = 0.5 * AS_ANG_BOHR;
    for (int i = 0; i < st->natoms; i++)
        for (int j = i + 1; j < st->natoms; j++) {
            double r = as_periodic_distance(st->cell, st->pos[i], st->pos[j]);
            if (r < dmin)
                return as_deck_error(d, e->block[j].line, err,
                                     "atom %d (%s) is %.3f angstrom from atom %d (%s, line %d), closer than 0.5 "
                                     "angstrom; check the coordinates and the units ('%s')",
                                     j + 1, as_element_symbol(st->z[j]), r * AS_BOHR_ANG, i + 1,
                                     as_element_symbol(st->z[i]), e->block[i].line, u);
        }
    return AS_OK;
}

static int read_structure(as_deck *d, as_structure_settings *st, as_error *err)
{
    int f_host = 0, f_file = 0, found = 0;
    as_deck_entry *eh = as_deck_find(d, "structure", "host");
    as_deck_entry *ef = as_deck_find(d, "structure", "file");
    as_deck_entry *ea = as_deck_find(d, "structure", "atoms");
    as_deck_entry *ec = as_deck_find(d, "structure", "cell");
    f_host = eh != NULL;
    f_file = ef != NULL;
    int f_atoms = ea != NULL;
    if (f_host + f_file + f_atoms == 0) {
        if (ec)
            return as_deck_error(d, ec->line, err, "'cell' needs an 'atoms' block in [structure]");
        return as_deck_error(d, 0, err,
                             "no structure: give [structure] host = CsPbBr3 (or a mix such as CsPbCl0.25Br2.75), "
                             "file = my.cif, or cell and atoms blocks");
    }
    if (f_host + f_file + f_atoms > 1) {
        int line = f_host && f_file ? ef->line : (ea ? ea->line : ef->line);
        return as_deck_error(d, line, err, "give only one of 'host', 'file' or 'cell'+'atoms' in [structure]");
    }
    if (f_host) {
        st->source = AS_SRC_HOST;
        st->line = eh->line;
        if (as_deck_get_string(d, "structure", "host", st->host, sizeof st->host, NULL, err))
            return err->code;
        as_composition c;
        if (as_composition_parse(st->host, &c, err) != AS_OK)
            return as_deck_error(d, eh->line, err, "%s", err->msg);
    } else if (f_file) {
        st->source = AS_SRC_FILE;
        st->line = ef->line;
        char raw[AS_PATH_MAX];
        if (as_deck_get_string(d, "structure", "file", raw, sizeof raw, NULL, err))
            return err->code;
        if (resolve_path(d, raw, st->file, sizeof st->file, ef->line, err))
            return err->code;
    } else {
        st->source = AS_SRC_EXPLICIT;
        st->line = ea->line;
    }
    if (ec && st->source != AS_SRC_EXPLICIT)
        return as_deck_error(d, ec->line, err, "'cell' goes with an 'atoms' block; with 'host' or 'file' use "
                             "'lattice' to change the cell");
    if (read_cell_block(d, st, err))
        return err->code;
    if (read_atoms_block(d, st, ec != NULL, err))
        return err->code;

    static const char *const phases[] = {"Pnma", "cubic", NULL};
    int ph = 0;
    if (as_deck_get_choice(d, "structure", "phase", phases, &ph, &found, err))
        return err->code;
    st->phase = ph == 1 ? AS_PHASE_CUBIC : AS_PHASE_PNMA;
    as_deck_entry *e;
    if (found && st->source != AS_SRC_HOST)
        return as_deck_error(d, as_deck_find(d, "structure", "phase")->line, err,
                             "'phase' only applies to a built-in 'host'");

    if ((e = as_deck_find(d, "structure", "lattice"))) {
        if (st->source != AS_SRC_HOST)
            return as_deck_error(d, e->line, err, "'lattice' only applies to a built-in 'host'");
        double v[3];
        int rc = as_parse_quantity(e->value, AS_QTY_LENGTH, 3, v, NULL);
        double two[2];
        if (rc != 0 && as_parse_quantity(e->value, AS_QTY_LENGTH, 2, two, NULL) == 0)
            return as_deck_error(d, e->line, err, "'lattice' has two numbers in '%s'; give a b c (three lengths), "
                                 "or one a for a cubic cell", e->value);
        if (rc == -1 && as_parse_quantity(e->value, AS_QTY_LENGTH, 1, v, NULL) == 0)
            v[1] = v[2] = v[0], rc = 0;
        else if (rc == -1)
            rc = as_parse_quantity(e->value, AS_QTY_LENGTH, 1, v, NULL) == -2 ? -2 : -1;
        if (rc == -2)
            return as_deck_error(d, e->line, err, "'lattice' has a wrong unit in '%s'; use %s", e->value,
                                 as_qty_units_help(AS_QTY_LENGTH));
        if (rc != 0)
            return as_deck_error(d, e->line, err, "'lattice' expects a b c (or one a for cubic) and an optional "
                                 "unit, got '%s'", e->value);
        for (int k = 0; k < 3; k++)
            if (!(v[k] > 0.0))
                return as_deck_error(d, e->line, err, "lattice constants must be positive, got '%s'", e->value);
            else if (!(v[k] >= 2.0 * AS_ANG_BOHR && v[k] <= 100.0 * AS_ANG_BOHR))
                return as_deck_error(d, e->line, err, "lattice constant %g angstrom in '%s' is outside 2..100 "
                                     "angstrom, far from any CsPbX3 cell; check the numbers and the unit",
                                     v[k] * AS_BOHR_ANG, e->value);
        if (st->phase == AS_PHASE_CUBIC && (v[0] != v[1] || v[0] != v[2]))
            return as_deck_error(d, e->line, err, "a cubic lattice has a = b = c; got '%s'", e->value);
        memcpy(st->lattice, v, sizeof v);
        st->have_lattice = 1;
    }
    if ((e = as_deck_find(d, "structure", "supercell"))) {
        st->supercell_line = e->line;
        int m[9];
        char buf[256];
        if (strlen(e->value) >= sizeof buf)
            return as_deck_error(d, e->line, err, "'supercell' is three integers or nine (a matrix); the value is "
                                 "%zu characters long", strlen(e->value));
        snprintf(buf, sizeof buf, "%s", e->value);
        int n = 0;
        for (char *save = NULL, *t = strtok_r(buf, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
            char *end;
            errno = 0;
            long v = strtol(t, &end, 10);
            if (*end || end == t || n >= 9)
                return as_deck_error(d, e->line, err, "'supercell' is three integers or nine (a matrix), got '%s'",
                                     e->value);
            if (errno == ERANGE || v > AS_MAX_SUPERCELL_ENTRY || v < -AS_MAX_SUPERCELL_ENTRY)
                return as_deck_error(d, e->line, err, "supercell entry '%s' is out of range (|n| <= %d; a supercell "
                                     "of at most %d cells is built)", t, AS_MAX_SUPERCELL_ENTRY, AS_MAX_SUPERCELL_DET);
            m[n++] = (int)v;
        }
        if (n != 3 && n != 9)
            return as_deck_error(d, e->line, err, "'supercell' is three integers or nine (a matrix), got %d", n);
        memset(st->supercell, 0, sizeof st->supercell);
        if (n == 3) {
            for (int i = 0; i < 3; i++) {
                if (m[i] < 1)
                    return as_deck_error(d, e->line, err, "supercell repeats must be >= 1, got '%s'", e->value);
                st->supercell[i][i] = m[i];
            }
        } else {
            for (int i = 0; i < 9; i++)
                st->supercell[i / 3][i % 3] = m[i];
            long det = as_supercell_det(st->supercell);
            if (det == 0)
                return as_deck_error(d, e->line, err, "the supercell matrix is singular (determinant 0)");
            if (det < 0)
                return as_deck_error(d, e->line, err,
                                     "the supercell matrix has a negative determinant (%ld); swap two rows to keep "
                                     "the cell right-handed",
                                     det);
        }
        long det = as_supercell_det(st->supercell);
        if (det > AS_MAX_SUPERCELL_DET)
            return as_deck_error(d, e->line, err, "the supercell '%s' is %ld cells, more than %d; a plane-wave "
                                 "calculation cannot run on it", e->value, det, AS_MAX_SUPERCELL_DET);
    }
    if (as_deck_get_int(d, "structure", "pattern", &st->pattern, &found, err))
        return err->code;
    if (found && st->pattern < 1)
        return as_deck_error(d, as_deck_find(d, "structure", "pattern")->line, err,
                             "'pattern' counts from 1, got %d", st->pattern);
    return AS_OK;
}

/* ------------------------------------------------------------------ [dft] */

static int read_dft(as_deck *d, as_dft_settings *dft, as_error *err)
{
    int found = 0;
    as_deck_entry *e;
    for (int i = 0; i < d->nsections; i++)
        if (!strcmp(d->sections[i].name, "dft"))
            dft->line = d->sections[i].line;
    for (int i = 0; i < d->nentries; i++)
        if (!strcmp(d->entries[i].section, "dft") && !strcmp(d->entries[i].key, "xc"))
            dft->line = d->entries[i].line;
    static const char *const xcs[] = {"PBE", "PBEsol", "LDA", "PZ", "PW", NULL};
    int ix = 0;
    if (as_deck_get_choice(d, "dft", "xc", xcs, &ix, &found, err))
        return err->code;
    if (found)
        snprintf(dft->xc, sizeof dft->xc, "%s", xcs[ix == 3 ? 2 : ix]);

    if (as_deck_get_quantity(d, "dft", "ecut", AS_QTY_ENERGY, &dft->ecut, 1, &found, err))
        return err->code;
    if (found && !(dft->ecut > 0.0))
        return as_deck_error(d, as_deck_find(d, "dft", "ecut")->line, err,
                             "ecut must be positive, got %g Ha", dft->ecut);
    if (found && dft->ecut > 500.0)
        return as_deck_error(d, as_deck_find(d, "dft", "ecut")->line, err,
                             "ecut = %g Ha is far above anything these potentials need (25-50 Ha); was the "
                             "unit meant to be eV ('ecut = %g eV')?",
                             dft->ecut, dft->ecut);

    if ((e = as_deck_find(d, "dft", "kpoints"))) {
        if (!strcasecmp(e->value, "gamma")) {
            dft->gamma_only = 1;
            dft->kmesh[0] = dft->kmesh[1] = dft->kmesh[2] = 1;
        } else {
            if (as_deck_get_ints(d, "dft", "kpoints", dft->kmesh, 3, NULL, err))
                return as_deck_error(d, e->line, err, "'kpoints' is 'gamma' or three integers n1 n2 n3, got '%s'",
                                     e->value);
            for (int i = 0; i < 3; i++)
                if (dft->kmesh[i] < 1)
                    return as_deck_error(d, e->line, err, "k-point mesh sizes must be >= 1, got '%s'", e->value);
            for (int i = 0; i < 3; i++)
                if (dft->kmesh[i] > AS_MAX_KMESH)
                    return as_deck_error(d, e->line, err, "k-point mesh size %d is more than %d; a CsPbX3 cell "
                                         "needs a few points per direction (e.g. 4 4 4)", dft->kmesh[i], AS_MAX_KMESH);
            if ((long)dft->kmesh[0] * dft->kmesh[1] * dft->kmesh[2] > AS_MAX_KPOINTS)
                return as_deck_error(d, e->line, err, "the k-point mesh '%s' has %ld points, more than %d",
                                     e->value, (long)dft->kmesh[0] * dft->kmesh[1] * dft->kmesh[2], AS_MAX_KPOINTS);
        }
    }
    if ((e = as_deck_find(d, "dft", "kshift"))) {
        if (as_deck_get_ints(d, "dft", "kshift", dft->kshift, 3, NULL, err))
            return err->code;
        for (int i = 0; i < 3; i++)
            if (dft->kshift[i] != 0 && dft->kshift[i] != 1)
                return as_deck_error(d, e->line, err, "'kshift' is three 0/1 flags (half-step shift), got '%s'",
                                     e->value);
        if (dft->gamma_only && (dft->kshift[0] || dft->kshift[1] || dft->kshift[2]))
            return as_deck_error(d, e->line, err, "'kshift' cannot shift 'kpoints = gamma'");
    }
    if (as_deck_get_int(d, "dft", "nbands", &dft->nbands, &found, err))
        return err->code;
    if (found)
        dft->nbands_line = as_deck_find(d, "dft", "nbands")->line;
    if (found && dft->nbands < 1)
        return as_deck_error(d, as_deck_find(d, "dft", "nbands")->line, err, "nbands must be >= 1");
    if (found && dft->nbands > AS_MAX_NBANDS)
        return as_deck_error(d, as_deck_find(d, "dft", "nbands")->line, err, "nbands = %d is more than %d; a few "
                             "more than the occupied bands are enough (leave it out for the automatic count)",
                             dft->nbands, AS_MAX_NBANDS);
    if (as_deck_get_quantity(d, "dft", "scf_tol", AS_QTY_ENERGY, &dft->scf_tol, 1, &found, err))
        return err->code;
    if (found && !(dft->scf_tol > 0.0 && dft->scf_tol < 1.0))
        return as_deck_error(d, as_deck_find(d, "dft", "scf_tol")->line, err,
                             "scf_tol must be in (0, 1) Ha, got %g", dft->scf_tol);
    if (as_deck_get_int(d, "dft", "max_scf", &dft->max_scf, &found, err))
        return err->code;
    if (found && dft->max_scf < 1)
        return as_deck_error(d, as_deck_find(d, "dft", "max_scf")->line, err, "max_scf must be >= 1");
    if (as_deck_get_double(d, "dft", "mixing_beta", &dft->mixing_beta, &found, err))
        return err->code;
    if (found && !(dft->mixing_beta > 0.0 && dft->mixing_beta <= 1.0))
        return as_deck_error(d, as_deck_find(d, "dft", "mixing_beta")->line, err,
                             "mixing_beta must be in (0, 1], got %g", dft->mixing_beta);
    if (as_deck_get_int(d, "dft", "mixing_history", &dft->mixing_history, &found, err))
        return err->code;
    if (found && !(dft->mixing_history >= 1 && dft->mixing_history <= 64))
        return as_deck_error(d, as_deck_find(d, "dft", "mixing_history")->line, err,
                             "mixing_history must be an integer from 1 to 64, got %d", dft->mixing_history);

    if ((e = as_deck_find(d, "dft", "potentials"))) {
        dft->potentials_line = e->line;
        if (e->value[0] && strcasecmp(e->value, "default") && strcasecmp(e->value, "shipped")) {
            if (resolve_path(d, e->value, dft->potentials, sizeof dft->potentials, e->line, err))
                return err->code;
        }
        for (int b = 0; b < e->nblock; b++) {
            char sym[16], var[64];
            char extra[8];
            int n = sscanf(e->block[b].text, "%15s %63s %7s", sym, var, extra);
            if (n != 2)
                return as_deck_error(d, e->block[b].line, err,
                                     "a potentials line is 'El variant', e.g. 'Pb q14', got '%s'", e->block[b].text);
            int z = as_element_z(sym);
            if (!z || strlen(sym) > 2)
                return as_deck_error(d, e->block[b].line, err, "unknown element '%s'", sym);
            if (dft->noverrides >= AS_MAX_PSEUDO_OVERRIDES)
                return as_deck_error(d, e->block[b].line, err, "too many potential overrides");
            for (int o = 0; o < dft->noverrides; o++)
                if (dft->overrides[o].z == z)
                    return as_deck_error(d, e->block[b].line, err, "%s is named twice (first on line %d)", sym,
                                         dft->overrides[o].line);
            as_pseudo_override *o = &dft->overrides[dft->noverrides++];
            o->z = z;
            o->line = e->block[b].line;
            snprintf(o->variant, sizeof o->variant, "%s", var);
        }
    }
    if (as_deck_get_bool(d, "dft", "symmetry", &dft->use_symmetry, NULL, err))
        return err->code;
    if (as_deck_get_bool(d, "dft", "real_wavefunctions", &dft->real_wavefunctions, NULL, err))
        return err->code;
    if (as_deck_get_bool(d, "dft", "stress", &dft->stress, NULL, err))
        return err->code;
    static const char *const edges[] = {"mesh", "special", "auto", NULL}; /* the as_edges_mode order */
    int be = AS_EDGES_AUTO;
    if (as_deck_get_choice(d, "dft", "band_edges", edges, &be, &found, err))
        return err->code;
    if (found)
        dft->band_edges = (as_edges_mode)be;
    if (as_deck_get_double(d, "dft", "charge", &dft->charge, &found, err))
        return err->code;
    if (found && fabs(dft->charge) > 20.0)
        return as_deck_error(d, as_deck_find(d, "dft", "charge")->line, err,
                             "charge = %g is not a defect charge; use a small integer such as -1 or +1", dft->charge);

    if ((e = as_deck_find(d, "dft", "spin"))) {
        char mode[32] = "", fixed[16] = "";
        double m = 0.0;
        int n = sscanf(e->value, "%31s %lf %15s", mode, &m, fixed);
        if (n == 3) {
            if (strcasecmp(fixed, "fixed"))
                return as_deck_error(d, e->line, err, "'spin = collinear M fixed' keeps the magnetisation at M; "
                                     "'%s' is not 'fixed'", fixed);
            dft->spin_fixed = 1;
            n = 2;
        }
        if (n >= 1 && !strcasecmp(mode, "none") && n == 1) {
            dft->spin = AS_SPIN_NONE;
        } else if (n >= 1 && !strcasecmp(mode, "collinear")) {
            dft->spin = AS_SPIN_COLLINEAR;
            dft->magnetization = n == 2 ? m : NAN; /* automatic: see pw/model.c */
            if (n == 2 && !(fabs(m) <= 20.0)) /* NaN too: it would silently mean "automatic" */
                return as_deck_error(d, e->line, err, "starting magnetisation %g Bohr magnetons is unphysical", m);
        } else {
            return as_deck_error(d, e->line, err,
                                 "'spin' is 'none' or 'collinear [M [fixed]]' (M: magnetisation in Bohr magnetons, "
                                 "the starting value unless 'fixed'), got '%s'",
                                 e->value);
        }
    }
    if ((e = as_deck_find(d, "dft", "smearing"))) {
        static const char *const kinds[] = {"none", "gaussian", "fermi-dirac", "marzari-vanderbilt",
                                            "methfessel-paxton", NULL};
        char kind[32] = "";
        int off = 0;
        sscanf(e->value, "%31s %n", kind, &off);
        int k = -1;
        for (int i = 0; kinds[i]; i++)
            if (!strcasecmp(kind, kinds[i]))
                k = i;
        if (!strcasecmp(kind, "mv") || !strcasecmp(kind, "cold"))
            k = 3;
        if (!strcasecmp(kind, "fd"))
            k = 2;
        if (!strcasecmp(kind, "mp"))
            k = 4;
        if (k < 0) {
            const char *near = as_closest_name(kind, kinds);
            return as_deck_error(d, e->line, err,
                                 "smearing '%s' is not one of none, gaussian, fermi-dirac, marzari-vanderbilt, "
                                 "methfessel-paxton%s%s%s",
                                 kind, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        }
        dft->smearing = (as_smearing_kind)k;
        if (k == 0) {
            if (e->value[off])
                return as_deck_error(d, e->line, err, "'smearing = none' takes no width");
        } else {
            int rc = as_parse_quantity(e->value + off, AS_QTY_ENERGY, 1, &dft->smearing_width, NULL);
            if (rc == -2)
                return as_deck_error(d, e->line, err, "smearing width has a wrong unit in '%s'; use %s", e->value,
                                     as_qty_units_help(AS_QTY_ENERGY));
            if (rc != 0)
                return as_deck_error(d, e->line, err, "smearing is 'KIND WIDTH [unit]', e.g. 'gaussian 0.01 Ry'");
            if (!(dft->smearing_width > 0.0) || dft->smearing_width > 0.5)
                return as_deck_error(d, e->line, err, "smearing width must be in (0, 0.5] Ha, got %g Ha",
                                     dft->smearing_width);
        }
    }
    return AS_OK;
}

/* ---------------------------------------------------------------- [relax] */

static int read_relax(as_deck *d, as_relax_settings *r, as_error *err)
{
    int found = 0;
    if (as_deck_get_quantity(d, "relax", "fmax", AS_QTY_FORCE, &r->fmax, 1, &found, err))
        return err->code;
    if (found && !(r->fmax > 0.0))
        return as_deck_error(d, as_deck_find(d, "relax", "fmax")->line, err, "fmax must be positive");
    if (as_deck_get_bool(d, "relax", "cell", &r->cell, NULL, err))
        return err->code;
    if (as_deck_get_int(d, "relax", "max_steps", &r->max_steps, &found, err))
        return err->code;
    if (found && r->max_steps < 1)
        return as_deck_error(d, as_deck_find(d, "relax", "max_steps")->line, err, "max_steps must be >= 1");
    if (as_deck_get_quantity(d, "relax", "pressure", AS_QTY_PRESSURE, &r->pressure, 1, NULL, err))
        return err->code;
    static const char *const methods[] = {"bfgs", "fire", NULL};
    if (as_deck_get_choice(d, "relax", "method", methods, &r->method, NULL, err))
        return err->code;
    if (as_deck_get_quantity(d, "relax", "stress_tol", AS_QTY_PRESSURE, &r->stress_tol, 1, &found, err))
        return err->code;
    if (found && !(r->stress_tol > 0.0))
        return as_deck_error(d, as_deck_find(d, "relax", "stress_tol")->line, err, "stress_tol must be positive");
    if (as_deck_get_bool(d, "relax", "keep_symmetry", &r->keep_symmetry, NULL, err))
        return err->code;
    if (as_deck_get_quantity(d, "relax", "max_step", AS_QTY_LENGTH, &r->max_step, 1, &found, err))
        return err->code;
    if (found && !(r->max_step > 0.0 && r->max_step <= 1.0 * AS_ANG_BOHR))
        return as_deck_error(d, as_deck_find(d, "relax", "max_step")->line, err,
                             "max_step must be in (0, 1] angstrom");
    return AS_OK;
}

/* ----------------------------------------------------------------- [scan] */

/* A list of numbers "a b c" (blanks or commas) into out[0..max); *n their count. */
static int list_of_numbers(as_deck *d, const as_deck_entry *e, double *out, int max, int *n, as_error *err)
{
    char buf[512];
    if (strlen(e->value) >= sizeof buf)
        return as_deck_error(d, e->line, err, "at most %d values in '%s'; the value is %zu characters long", max,
                             e->key, strlen(e->value));
    snprintf(buf, sizeof buf, "%s", e->value);
    *n = 0;
    for (char *save = NULL, *t = strtok_r(buf, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
        char *end;
        double v = strtod(t, &end);
        if (*end || !isfinite(v))
            return as_deck_error(d, e->line, err, "'%s' is not a number in '%s'", t, e->key);
        if (*n >= max)
            return as_deck_error(d, e->line, err, "at most %d values in '%s'", max, e->key);
        out[(*n)++] = v;
    }
    if (*n == 0)
        return as_deck_error(d, e->line, err, "'%s' has no value", e->key);
    return AS_OK;
}

static int read_scan_more(as_deck *d, as_scan_settings *sc, as_error *err)
{
    int found = 0;
    as_deck_entry *e;
    static const char *const hr[] = {"none", "positions", "cell", NULL};
    int m = 1;
    if (as_deck_get_choice(d, "scan", "relax_host", hr, &m, &found, err))
        return err->code;
    if (found)
        sc->relax_host = (as_host_relax)m;
    if ((e = as_deck_find(d, "scan", "sites"))) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", e->value);
        sc->nsites = 0;
        sc->sites_line = e->line;
        for (char *save = NULL, *t = strtok_r(buf, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
            char *end;
            long k = (t[0] == 'i' || t[0] == 'u') ? strtol(t + 1, &end, 10) : 0;
            if ((t[0] != 'i' && t[0] != 'u') || !t[1] || *end || k < 1 || k > 9999)
                return as_deck_error(d, e->line, err, "'%s' is not a site name; sites are named i1, i2, ... "
                                     "(see 'anionscan sites'), and the 'positions' given in [scan] u1, u2, ...", t);
            if (sc->nsites >= AS_MAX_SCAN_SITES)
                return as_deck_error(d, e->line, err, "at most %d sites in 'sites'", AS_MAX_SCAN_SITES);
            snprintf(sc->sites[sc->nsites++], sizeof sc->sites[0], "%s", t);
        }
        if (sc->nsites == 0)
            return as_deck_error(d, e->line, err, "'sites' has no value");
    }
    if (as_deck_get_quantity(d, "scan", "frenkel_radius", AS_QTY_LENGTH, &sc->frenkel_radius, 1, &found, err))
        return err->code;
    if (found && !(sc->frenkel_radius > 0.0 && sc->frenkel_radius < 30.0 * AS_ANG_BOHR))
        return as_deck_error(d, as_deck_find(d, "scan", "frenkel_radius")->line, err,
                             "frenkel_radius must be in (0, 30) angstrom");
    if ((e = as_deck_find(d, "scan", "charges"))) {
        double v[AS_MAX_SCAN_CHARGES];
        int n = 0;
        if (list_of_numbers(d, e, v, AS_MAX_SCAN_CHARGES, &n, err))
            return err->code;
        for (int i = 0; i < n; i++) {
            if (v[i] != floor(v[i]) || v[i] < -1 || v[i] > 1)
                return as_deck_error(d, e->line, err, "charges are whole numbers -1, 0 or +1 (the extra anion's "
                                     "charge: -1 the closed-shell halide ion); got %g", v[i]);
            for (int j = 0; j < i; j++)
                if (v[j] == v[i])
                    return as_deck_error(d, e->line, err, "charge %g is listed twice", v[i]);
            sc->charges[i] = (int)v[i];
        }
        sc->ncharges = n;
    }
    if (as_deck_get_quantity(d, "scan", "rattle", AS_QTY_LENGTH, &sc->rattle, 1, &found, err))
        return err->code;
    if (found && !(sc->rattle >= 0.0 && sc->rattle <= 0.3 * AS_ANG_BOHR))
        return as_deck_error(d, as_deck_find(d, "scan", "rattle")->line, err,
                             "rattle must be in [0, 0.3] angstrom (0 = no random displacement)");
    int seed = 0;
    if (as_deck_get_int(d, "scan", "seed", &seed, &found, err))
        return err->code;
    if (found) {
        if (seed < 0)
            return as_deck_error(d, as_deck_find(d, "scan", "seed")->line, err, "seed must be >= 0");
        sc->seed = seed;
    }
    if ((e = as_deck_find(d, "scan", "distortions"))) {
        if (list_of_numbers(d, e, sc->distortions, AS_MAX_SCAN_DISTORTIONS, &sc->ndistortions, err))
            return err->code;
        for (int i = 0; i < sc->ndistortions; i++) {
            if (!(sc->distortions[i] > -0.6 && sc->distortions[i] < 0.6))
                return as_deck_error(d, e->line, err, "distortions are fractions of the bond length in (-0.6, 0.6), "
                                     "e.g. -0.3 0 0.3; got %g", sc->distortions[i]);
            for (int j = 0; j < i; j++)
                if (sc->distortions[j] == sc->distortions[i])
                    return as_deck_error(d, e->line, err, "distortion %g is listed twice", sc->distortions[i]);
        }
    }
    if ((e = as_deck_find(d, "scan", "reference"))) {
        if (!e->value[0] || strlen(e->value) >= sizeof sc->reference || strpbrk(e->value, " \t,"))
            return as_deck_error(d, e->line, err, "reference names one configuration, e.g. Br_i2_v5 (see the plan "
                                 "of 'anionscan scan --dry-run')");
        snprintf(sc->reference, sizeof sc->reference, "%s", e->value);
        sc->reference_line = e->line;
    }
    if (as_deck_get_double(d, "scan", "temperature", &sc->temperature, &found, err))
        return err->code;
    if (found && !(sc->temperature > 0.0 && sc->temperature < 5000.0))
        return as_deck_error(d, as_deck_find(d, "scan", "temperature")->line, err,
                             "temperature must be in (0, 5000) K");
    if (as_deck_get_quantity(d, "scan", "same_energy", AS_QTY_ENERGY, &sc->same_energy, 1, &found, err))
        return err->code;
    if (found && !(sc->same_energy > 0.0 && sc->same_energy < 1.0 * AS_EV_HA))
        return as_deck_error(d, as_deck_find(d, "scan", "same_energy")->line, err,
                             "same_energy must be in (0, 1) eV");
    if (as_deck_get_bool(d, "scan", "prerelax", &sc->prerelax, &found, err))
        return err->code;
    if (as_deck_get_bool(d, "scan", "prerelax_correct", &sc->prerelax_correct, &found, err))
        return err->code;
    if (as_deck_get_quantity(d, "scan", "merge_tol", AS_QTY_LENGTH, &sc->merge_tol, 1, &found, err))
        return err->code;
    if (found && !(sc->merge_tol >= 0.0 && sc->merge_tol < 1.0 * AS_ANG_BOHR))
        return as_deck_error(d, as_deck_find(d, "scan", "merge_tol")->line, err,
                             "merge_tol must be in [0, 1) angstrom (0: no merging after the prerelaxation)");
    if (as_deck_get_quantity(d, "scan", "prerelax_ecut", AS_QTY_ENERGY, &sc->prerelax_ecut, 1, &found, err))
        return err->code;
    if (found && !(sc->prerelax_ecut > 0.0))
        return as_deck_error(d, as_deck_find(d, "scan", "prerelax_ecut")->line, err, "prerelax_ecut must be positive");
    if (as_deck_get_quantity(d, "scan", "prerelax_fmax", AS_QTY_FORCE, &sc->prerelax_fmax, 1, &found, err))
        return err->code;
    if (found && !(sc->prerelax_fmax > 0.0))
        return as_deck_error(d, as_deck_find(d, "scan", "prerelax_fmax")->line, err, "prerelax_fmax must be positive");
    if ((e = as_deck_find(d, "scan", "positions"))) {
        if (e->value[0] && strcasecmp(e->value, "crystal"))
            return as_deck_error(d, e->line, err, "positions are given in crystal (fractional) coordinates: "
                                 "'positions = crystal' and one 'x y z' line each");
        if (e->nblock == 0)
            return as_deck_error(d, e->line, err, "'positions' has no indented 'x y z' lines");
        if (e->nblock > AS_MAX_SCAN_SITES)
            return as_deck_error(d, e->line, err, "at most %d positions", AS_MAX_SCAN_SITES);
        for (int i = 0; i < e->nblock; i++)
            if (as_parse_quantity(e->block[i].text, AS_QTY_NONE, 3, sc->positions[i], NULL) != 0 ||
                !(fabs(sc->positions[i][0]) <= 1000.0 && fabs(sc->positions[i][1]) <= 1000.0 &&
                  fabs(sc->positions[i][2]) <= 1000.0))
                return as_deck_error(d, e->block[i].line, err, "position u%d: expected three fractional "
                                     "coordinates, got '%s'", i + 1, e->block[i].text);
        sc->npositions = e->nblock;
    }
    for (int i = 0; i < d->nsections; i++)
        if (!strcmp(d->sections[i].name, "scan"))
            sc->line = d->sections[i].line;
    return AS_OK;
}

static int read_scan(as_deck *d, as_scan_settings *sc, as_error *err)
{
    int found = 0;
    as_deck_entry *e;
    if ((e = as_deck_find(d, "scan", "species"))) {
        char buf[256];
        if (strlen(e->value) >= sizeof buf)
            return as_deck_error(d, e->line, err, "'species' lists at most %d halides; the value is %zu characters "
                                 "long", AS_MAX_SCAN_SPECIES, strlen(e->value));
        snprintf(buf, sizeof buf, "%s", e->value);
        sc->nspecies = 0;
        for (char *save = NULL, *t = strtok_r(buf, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
            int z = as_element_z(t);
            if (!z || strlen(t) > 2)
                return as_deck_error(d, e->line, err, "unknown element '%s' in 'species'", t);
            if (!as_element_is_halide(z))
                return as_deck_error(d, e->line, err, "'species' lists halide anions (Cl, Br, I); %s is not one", t);
            if (sc->nspecies >= AS_MAX_SCAN_SPECIES)
                return as_deck_error(d, e->line, err, "at most %d species", AS_MAX_SCAN_SPECIES);
            for (int i = 0; i < sc->nspecies; i++)
                if (sc->species[i] == z)
                    return as_deck_error(d, e->line, err, "%s is listed twice in 'species'", t);
            sc->species[sc->nspecies++] = z;
        }
        if (sc->nspecies == 0)
            return as_deck_error(d, e->line, err, "'species' has no value");
    }
    static const char *const modes[] = {"interstitial", "frenkel", "both", NULL};
    int m = 1;
    if (as_deck_get_choice(d, "scan", "mode", modes, &m, &found, err))
        return err->code;
    if (found)
        sc->mode = (as_scan_mode)m;
    if (as_deck_get_quantity(d, "scan", "min_dist", AS_QTY_LENGTH, &sc->min_dist, 1, &found, err))
        return err->code;
    if (found && !(sc->min_dist > 0.0))
        return as_deck_error(d, as_deck_find(d, "scan", "min_dist")->line, err, "min_dist must be positive");
    if (as_deck_get_quantity(d, "scan", "cluster_tol", AS_QTY_LENGTH, &sc->cluster_tol, 1, &found, err))
        return err->code;
    if (found && !(sc->cluster_tol > 0.0 && sc->cluster_tol < 3.0 * AS_ANG_BOHR))
        return as_deck_error(d, as_deck_find(d, "scan", "cluster_tol")->line, err,
                             "cluster_tol must be in (0, 3) angstrom");
    if (as_deck_get_int(d, "scan", "max_sites", &sc->max_sites, &found, err))
        return err->code;
    if (found && sc->max_sites < 0)
        return as_deck_error(d, as_deck_find(d, "scan", "max_sites")->line, err, "max_sites must be >= 0 (0 = all)");
    return read_scan_more(d, sc, err);
}

/* --------------------------------------------------------------- [output] */

static int read_output(as_deck *d, as_output_settings *o, as_error *err)
{
    int found = 0;
    char raw[AS_PATH_MAX];
    if (as_deck_get_string(d, "output", "dir", raw, sizeof raw, &found, err))
        return err->code;
    if (found)
        snprintf(o->dir, sizeof o->dir, "%s", raw);
    return AS_OK;
}

static int read_parallel(as_deck *d, as_parallel_settings *p, as_error *err)
{
    int found = 0;
    if (as_deck_get_int(d, "parallel", "pools", &p->pools, &found, err))
        return err->code;
    if (found && p->pools < 1)
        return as_deck_error(d, as_deck_find(d, "parallel", "pools")->line, err, "pools must be >= 1");
    if (found)
        p->pools_line = as_deck_find(d, "parallel", "pools")->line;
    if (as_deck_get_int(d, "parallel", "groups", &p->groups, &found, err))
        return err->code;
    if (found && p->groups < 1)
        return as_deck_error(d, as_deck_find(d, "parallel", "groups")->line, err, "groups must be >= 1");
    return AS_OK;
}

static int read_run(as_deck *d, as_run_settings *r, as_error *err)
{
    int found = 0;
    if (as_deck_get_quantity(d, "run", "max_time", AS_QTY_TIME, &r->max_time, 1, &found, err))
        return err->code;
    if (found && r->max_time <= 0.0)
        return as_deck_error(d, as_deck_find(d, "run", "max_time")->line, err,
                             "max_time must be positive (e.g. max_time = 3.5 h, or 03:30:00)");
    return AS_OK;
}

int as_settings_read(as_deck *deck, as_settings *s, as_error *err)
{
    as_settings_defaults(s);
    if (as_deck_check_schema(deck, schema, (int)(sizeof schema / sizeof schema[0]), err))
        return err->code;
    if (read_structure(deck, &s->structure, err) || read_dft(deck, &s->dft, err) ||
        read_relax(deck, &s->relax, err) || read_scan(deck, &s->scan, err) || read_output(deck, &s->output, err) ||
        read_parallel(deck, &s->parallel, err) || read_run(deck, &s->run, err)) {
        as_settings_free(s); /* what was read before the error (the atoms of an explicit structure) */
        return err->code;
    }
    return AS_OK;
}
