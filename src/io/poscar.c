#include "io/poscar.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"

#define MAX_SPECIES 64

typedef struct {
    char **line;
    int n;
} lines_t;

static int split_lines(char *text, lines_t *L)
{
    int cap = 64;
    L->n = 0;
    L->line = malloc((size_t)cap * sizeof *L->line);
    if (!L->line)
        return -1;
    char *p = text;
    for (;;) {
        if (L->n == cap) {
            cap *= 2;
            char **nl = realloc(L->line, (size_t)cap * sizeof *nl);
            if (!nl)
                return -1;
            L->line = nl;
        }
        L->line[L->n++] = p;
        char *e = strchr(p, '\n');
        if (!e)
            break;
        *e = '\0';
        if (e > p && e[-1] == '\r')
            e[-1] = '\0';
        p = e + 1;
        if (!*p)
            break;
    }
    return 0;
}

/* Up to max numbers from a line; returns how many were read before a non-number. */
static int read_numbers(const char *s, double *v, int max)
{
    int n = 0;
    while (n < max) {
        char *end;
        double x = strtod(s, &end);
        if (end == s || !isfinite(x)) /* inf, nan, 1e999: not a usable number */
            break;
        v[n++] = x;
        s = end;
    }
    return n;
}

static int blank(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

as_structure *as_poscar_parse(const char *path, const char *text_in, as_error *err)
{
    char *text = strdup(text_in);
    lines_t L = {NULL, 0};
    as_structure *s = NULL;
    int ok = 0;
    if (!text || split_lines(text, &L) != 0) {
        as_error_nomem(err, "POSCAR", strlen(text_in));
        goto done;
    }
#define NEED(k, what)                                                                                          \
    if ((k) >= L.n || blank(L.line[k])) {                                                                    \
        as_error_set(err, AS_EINPUT, "%s:%d: the file ends early: expected %s", path, (k) + 1, what);       \
        goto done;                                                                                             \
    }
    NEED(1, "the scale factor on line 2");
    double sc[3];
    int nsc = read_numbers(L.line[1], sc, 3);
    if (nsc != 1 && nsc != 3) {
        as_error_set(err, AS_EINPUT, "%s:2: expected the scale factor (one number, or three), got '%s'", path,
                     L.line[1]);
        goto done;
    }
    double lat[3][3];
    for (int i = 0; i < 3; i++) {
        NEED(2 + i, "a lattice vector (three numbers)");
        if (read_numbers(L.line[2 + i], lat[i], 3) != 3) {
            as_error_set(err, AS_EINPUT, "%s:%d: a lattice vector is three numbers, got '%s'", path, 3 + i,
                         L.line[2 + i]);
            goto done;
        }
    }
    double scale[3] = {1.0, 1.0, 1.0};
    if (nsc == 1 && sc[0] < 0.0) {
        double v0 = fabs(as_lattice_volume(lat));
        if (v0 <= 0.0) {
            as_error_set(err, AS_EINPUT, "%s:3: the lattice vectors are singular", path);
            goto done;
        }
        scale[0] = scale[1] = scale[2] = cbrt(-sc[0] / v0);
    } else if (nsc == 1) {
        scale[0] = scale[1] = scale[2] = sc[0];
    } else {
        for (int k = 0; k < 3; k++)
            scale[k] = sc[k];
    }
    for (int k = 0; k < 3; k++)
        if (!(scale[k] > 0.0)) {
            as_error_set(err, AS_EINPUT, "%s:2: the scale factor must be positive (or a negative volume with one "
                         "number), got '%s'", path, L.line[1]);
            goto done;
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            lat[i][j] *= scale[i] * AS_ANG_BOHR;

    NEED(5, "the species line (element symbols, VASP 5)");
    char *p = L.line[5];
    while (isspace((unsigned char)*p))
        p++;
    if (isdigit((unsigned char)*p)) {
        as_error_set(err, AS_EINPUT,
                     "%s:6: this is a VASP 4 POSCAR (counts without a species line); the elements are unknown. "
                     "Add a line with the element symbols (e.g. 'Pb Cs Br') after the lattice vectors",
                     path);
        goto done;
    }
    int zs[MAX_SPECIES], nspec = 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", p);
    for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (nspec == MAX_SPECIES) {
            as_error_set(err, AS_EINPUT, "%s:6: more than %d species", path, MAX_SPECIES);
            goto done;
        }
        int z = (t[0] == 'X' && (!t[1] || t[1] == '_' || t[1] == '/')) ? 0 : as_element_z(t);
        if (z == 0 && !(t[0] == 'X' && (!t[1] || t[1] == '_' || t[1] == '/'))) {
            as_error_set(err, AS_EINPUT, "%s:6: unknown element '%s' in the species line", path, t);
            goto done;
        }
        zs[nspec++] = z;
    }
    NEED(6, "the atom counts (one integer per species)");
    int counts[MAX_SPECIES], ncount = 0, natoms = 0;
    snprintf(buf, sizeof buf, "%s", L.line[6]);
    for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        char *end;
        errno = 0;
        long v = strtol(t, &end, 10);
        if (*end || v < 0 || errno == ERANGE || ncount == MAX_SPECIES) {
            as_error_set(err, AS_EINPUT, "%s:7: expected atom counts (non-negative integers), got '%s'", path,
                         L.line[6]);
            goto done;
        }
        /* every atom needs a line of the file: a count beyond them is no structure (and would overflow) */
        if (v > L.n || natoms + v > L.n) {
            as_error_set(err, AS_EINPUT, "%s:7: the atom counts '%s' add up to more atoms than the file has lines (%d)",
                         path, L.line[6], L.n);
            goto done;
        }
        counts[ncount++] = (int)v;
        natoms += (int)v;
    }
    if (ncount != nspec) {
        as_error_set(err, AS_EINPUT, "%s:7: %d species on line 6 but %d counts on line 7", path, nspec, ncount);
        goto done;
    }
    if (natoms <= 0) {
        as_error_set(err, AS_EINPUT, "%s:7: no atoms", path);
        goto done;
    }
    int k = 7;
    NEED(k, "'Direct' or 'Cartesian'");
    p = L.line[k];
    while (isspace((unsigned char)*p))
        p++;
    if (*p == 's' || *p == 'S') {
        k++;
        NEED(k, "'Direct' or 'Cartesian'");
        p = L.line[k];
        while (isspace((unsigned char)*p))
            p++;
    }
    int cart = *p == 'c' || *p == 'C' || *p == 'k' || *p == 'K';
    if (!cart && !(*p == 'd' || *p == 'D')) {
        as_error_set(err, AS_EINPUT, "%s:%d: expected 'Direct' or 'Cartesian', got '%s'", path, k + 1, L.line[k]);
        goto done;
    }
    if (cart && nsc == 3) {
        as_error_set(err, AS_EINPUT, "%s:2: three scale factors with Cartesian positions are not supported; "
                     "use Direct coordinates or one scale factor", path);
        goto done;
    }
    k++;
    double inv[3][3];
    if (as_lattice_inverse(lat, inv) != 0) {
        as_error_set(err, AS_EINPUT, "%s:3: the lattice vectors are singular", path);
        goto done;
    }
    s = as_structure_create(natoms, err);
    if (!s)
        goto done;
    memcpy(s->lattice, lat, sizeof lat);
    int a = 0;
    for (int sp = 0; sp < nspec; sp++)
        for (int c = 0; c < counts[sp]; c++, a++) {
            int ln = k + a;
            NEED(ln, "an atom position (three numbers)");
            double v[3];
            if (read_numbers(L.line[ln], v, 3) != 3) {
                as_error_set(err, AS_EINPUT, "%s:%d: atom %d (%s): expected three coordinates, got '%s'", path,
                             ln + 1, a + 1, as_element_symbol(zs[sp]), L.line[ln]);
                goto done;
            }
            s->z[a] = zs[sp];
            if (cart) {
                double c3[3] = {v[0] * scale[0] * AS_ANG_BOHR, v[1] * scale[0] * AS_ANG_BOHR,
                                v[2] * scale[0] * AS_ANG_BOHR};
                as_cart_to_frac(inv, c3, s->frac[a]);
            } else {
                memcpy(s->frac[a], v, sizeof v);
            }
        }
#undef NEED
    ok = 1;
done:
    if (!ok) {
        as_structure_destroy(s);
        s = NULL;
    }
    free(L.line);
    free(text);
    return s;
}

as_structure *as_poscar_read(const char *path, as_error *err)
{
    char *text = NULL;
    if (as_file_read_all(path, &text, NULL, err))
        return NULL;
    as_structure *s = as_poscar_parse(path, text, err);
    free(text);
    return s;
}

static const char *sym_of(int z)
{
    const char *s = as_element_symbol(z);
    return (s && z > 0) ? s : "X";
}

void as_poscar_format(as_strbuf *b, const as_structure *s, const char *comment)
{
    char formula[256];
    as_structure_formula(s, formula, sizeof formula);
    as_strbuf_printf(b, "%s\n1.0\n", comment && *comment ? comment : formula);
    for (int i = 0; i < 3; i++)
        as_strbuf_printf(b, "  %20.12f %20.12f %20.12f\n", s->lattice[i][0] * AS_BOHR_ANG,
                         s->lattice[i][1] * AS_BOHR_ANG, s->lattice[i][2] * AS_BOHR_ANG);
    /* Runs of consecutive equal elements. */
    as_strbuf_printf(b, " ");
    for (int a = 0; a < s->natoms; a++)
        if (a == 0 || s->z[a] != s->z[a - 1])
            as_strbuf_printf(b, " %s", sym_of(s->z[a]));
    as_strbuf_printf(b, "\n ");
    for (int a = 0; a < s->natoms;) {
        int e = a;
        while (e < s->natoms && s->z[e] == s->z[a])
            e++;
        as_strbuf_printf(b, " %d", e - a);
        a = e;
    }
    as_strbuf_printf(b, "\nDirect\n");
    for (int a = 0; a < s->natoms; a++)
        as_strbuf_printf(b, "  %18.12f %18.12f %18.12f  %s\n", s->frac[a][0], s->frac[a][1], s->frac[a][2],
                         sym_of(s->z[a]));
}

int as_poscar_write(const char *path, const as_structure *s, const char *comment, as_error *err)
{
    as_strbuf b;
    as_strbuf_init(&b);
    as_poscar_format(&b, s, comment);
    int rc = as_strbuf_write_atomic(&b, path, err);
    as_strbuf_free(&b);
    return rc;
}
