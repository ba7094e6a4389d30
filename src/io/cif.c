#include "io/cif.h"

#include <ctype.h>
#include <math.h>
#include <spglib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/expand.h"

#define AS_CIF_MAX_OPS 192 /* the most any space group has (a face-centred cubic cell) */

/* ------------------------------------------------------------- tokens ---- */

typedef struct {
    char *text;
    int line;
    int quoted; /* a quoted string or text field: never a keyword or tag */
} cif_tok;

typedef struct {
    cif_tok *t;
    int n, cap;
} cif_toks;

static int tok_push(cif_toks *ts, const char *s, size_t len, int line, int quoted, as_error *err)
{
    if (ts->n == ts->cap) {
        int nc = ts->cap ? 2 * ts->cap : 256;
        cif_tok *nt = realloc(ts->t, (size_t)nc * sizeof *nt);
        if (!nt)
            return as_error_nomem(err, "CIF tokens", (size_t)nc * sizeof *nt);
        ts->t = nt;
        ts->cap = nc;
    }
    char *c = malloc(len + 1);
    if (!c)
        return as_error_nomem(err, "CIF token", len + 1);
    memcpy(c, s, len);
    c[len] = '\0';
    ts->t[ts->n].text = c;
    ts->t[ts->n].line = line;
    ts->t[ts->n].quoted = quoted;
    ts->n++;
    return AS_OK;
}

static void toks_free(cif_toks *ts)
{
    for (int i = 0; i < ts->n; i++)
        free(ts->t[i].text);
    free(ts->t);
}

static int tokenize(const char *path, const char *text, cif_toks *ts, as_error *err)
{
    const char *p = text;
    int line = 1;
    while (*p) {
        if (*p == ';') { /* text field: up to the next line that starts with ';' */
            int start_line = line;
            const char *body = p + 1, *q = strchr(p, '\n');
            while (q && q[1] != ';') {
                q = strchr(q + 1, '\n');
                line++;
            }
            if (!q)
                return as_error_set(err, AS_EINPUT, "%s:%d: text field (';') is never closed", path, start_line);
            line++;
            if (tok_push(ts, body, (size_t)(q - body), start_line, 1, err))
                return err->code;
            p = q + 2; /* the rest of the closing line is read as tokens */
        }
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        while (p < eol) {
            while (p < eol && isspace((unsigned char)*p))
                p++;
            if (p >= eol || *p == '#')
                break;
            if (*p == '\'' || *p == '"') {
                char qc = *p;
                const char *s = p + 1, *q = s;
                while (q < eol && !(*q == qc && (q + 1 >= eol || isspace((unsigned char)q[1]))))
                    q++;
                if (q >= eol)
                    return as_error_set(err, AS_EINPUT, "%s:%d: unclosed quote %c", path, line, qc);
                if (tok_push(ts, s, (size_t)(q - s), line, 1, err))
                    return err->code;
                p = q + 1;
            } else {
                const char *s = p;
                while (p < eol && !isspace((unsigned char)*p))
                    p++;
                if (tok_push(ts, s, (size_t)(p - s), line, 0, err))
                    return err->code;
            }
        }
        if (!*eol)
            break;
        p = eol + 1;
        line++;
    }
    return AS_OK;
}

/* ----------------------------------------------------------- data block ---- */

typedef struct {
    const char *name; /* points into a token; '.' normalised to '_' */
    const cif_tok *value;
} cif_item;

typedef struct {
    int ntags, nrows, line;
    const char **tags;
    const cif_tok **vals; /* nrows * ntags */
} cif_loop;

typedef struct {
    cif_item *items;
    int nitems;
    cif_loop *loops;
    int nloops;
} cif_block;

static void block_free(cif_block *b)
{
    free(b->items);
    for (int i = 0; i < b->nloops; i++) {
        free(b->loops[i].tags);
        free(b->loops[i].vals);
    }
    free(b->loops);
}

static int is_kw(const cif_tok *t, const char *kw)
{
    return !t->quoted && !strncasecmp(t->text, kw, strlen(kw));
}

static int is_tag(const cif_tok *t) { return !t->quoted && t->text[0] == '_'; }

static int is_reserved(const cif_tok *t)
{
    return is_kw(t, "data_") || is_kw(t, "loop_") || is_kw(t, "save_") || is_kw(t, "global_") ||
           is_kw(t, "stop_");
}

static void normalise_tag(char *s)
{
    for (; *s; s++)
        if (*s == '.')
            *s = '_';
}

static int parse_block(const char *path, cif_toks *ts, cif_block *b, as_error *err)
{
    memset(b, 0, sizeof *b);
    int i = 0;
    while (i < ts->n && !is_kw(&ts->t[i], "data_"))
        i++;
    if (i == ts->n)
        return as_error_set(err, AS_EINPUT, "%s: no 'data_' block; is this a CIF file?", path);
    i++;
    while (i < ts->n) {
        cif_tok *t = &ts->t[i];
        if (is_kw(t, "data_")) {
            as_warn("%s:%d: only the first data block is read", path, t->line);
            break;
        }
        if (is_kw(t, "loop_")) {
            cif_loop L = {0, 0, t->line, NULL, NULL};
            int j = i + 1;
            while (j < ts->n && is_tag(&ts->t[j]))
                j++;
            L.ntags = j - i - 1;
            if (L.ntags <= 0)
                return as_error_set(err, AS_EINPUT, "%s:%d: 'loop_' without tags", path, t->line);
            int k = j;
            while (k < ts->n && !is_tag(&ts->t[k]) && !is_reserved(&ts->t[k]))
                k++;
            int nv = k - j;
            if (nv % L.ntags != 0)
                return as_error_set(err, AS_EINPUT,
                                    "%s:%d: the loop has %d tags but %d values (not a multiple); a value is "
                                    "missing or has an unquoted space",
                                    path, t->line, L.ntags, nv);
            L.nrows = nv / L.ntags;
            L.tags = malloc((size_t)L.ntags * sizeof *L.tags);
            L.vals = malloc((size_t)(nv > 0 ? nv : 1) * sizeof *L.vals);
            cif_loop *nl = realloc(b->loops, (size_t)(b->nloops + 1) * sizeof *nl);
            if (!L.tags || !L.vals || !nl) {
                free(L.tags);
                free(L.vals);
                if (nl)
                    b->loops = nl;
                return as_error_nomem(err, "CIF loop", 0);
            }
            b->loops = nl;
            for (int q = 0; q < L.ntags; q++) {
                normalise_tag(ts->t[i + 1 + q].text);
                L.tags[q] = ts->t[i + 1 + q].text;
            }
            for (int q = 0; q < nv; q++)
                L.vals[q] = &ts->t[j + q];
            b->loops[b->nloops++] = L;
            i = k;
            continue;
        }
        if (is_tag(t)) {
            if (i + 1 >= ts->n || is_tag(&ts->t[i + 1]) || is_reserved(&ts->t[i + 1]))
                return as_error_set(err, AS_EINPUT, "%s:%d: tag '%s' has no value", path, t->line, t->text);
            cif_item *ni = realloc(b->items, (size_t)(b->nitems + 1) * sizeof *ni);
            if (!ni)
                return as_error_nomem(err, "CIF items", 0);
            b->items = ni;
            normalise_tag(t->text);
            b->items[b->nitems].name = t->text;
            b->items[b->nitems].value = &ts->t[i + 1];
            b->nitems++;
            i += 2;
            continue;
        }
        if (is_kw(t, "save_") || is_kw(t, "global_") || is_kw(t, "stop_")) {
            i++;
            continue;
        }
        return as_error_set(err, AS_EINPUT, "%s:%d: unexpected '%s' (expected a tag, 'loop_' or 'data_')", path,
                            t->line, t->text);
    }
    return AS_OK;
}

static const cif_tok *find_item(const cif_block *b, const char *name)
{
    for (int i = 0; i < b->nitems; i++)
        if (!strcasecmp(b->items[i].name, name))
            return b->items[i].value;
    return NULL;
}

/* The loop holding tag name; *col receives its column. */
static const cif_loop *find_loop(const cif_block *b, const char *name, int *col)
{
    for (int l = 0; l < b->nloops; l++)
        for (int c = 0; c < b->loops[l].ntags; c++)
            if (!strcasecmp(b->loops[l].tags[c], name)) {
                if (col)
                    *col = c;
                return &b->loops[l];
            }
    return NULL;
}

static int loop_col(const cif_loop *L, const char *name)
{
    for (int c = 0; c < L->ntags; c++)
        if (!strcasecmp(L->tags[c], name))
            return c;
    return -1;
}

/* A CIF number, with an optional standard uncertainty "0.971(2)". */
static int parse_number(const char *s, double *v)
{
    char *end;
    if (!*s)
        return -1;
    *v = strtod(s, &end);
    if (end == s)
        return -1;
    if (*end == '(') {
        end++;
        while (isdigit((unsigned char)*end))
            end++;
        if (*end != ')')
            return -1;
        end++;
    }
    return *end ? -1 : 0;
}

/* "-x+1/2, y, 1/2+z" -> rotation and translation. */
static int parse_symop(const char *s, int rot[3][3], double t[3])
{
    memset(rot, 0, 9 * sizeof(int));
    t[0] = t[1] = t[2] = 0.0;
    const char *p = s;
    for (int comp = 0; comp < 3; comp++) {
        const char *end = strchr(p, ',');
        if (comp < 2 && !end)
            return -1;
        if (comp == 2) {
            if (end)
                return -1;
            end = p + strlen(p);
        }
        int nterms = 0;
        while (p < end) {
            while (p < end && isspace((unsigned char)*p))
                p++;
            if (p >= end)
                break;
            double sign = 1.0;
            if (*p == '+' || *p == '-') {
                sign = *p == '-' ? -1.0 : 1.0;
                p++;
                while (p < end && isspace((unsigned char)*p))
                    p++;
            }
            double num = 1.0;
            int have_num = 0;
            if (p < end && (isdigit((unsigned char)*p) || *p == '.')) {
                char *q;
                num = strtod(p, &q);
                if (q == p || q > end || !isfinite(num) || fabs(num) > 1e3)
                    return -1; /* "." alone is no number: without this the parser never advanced */
                p = q;
                if (p < end && *p == '/') {
                    double den = strtod(p + 1, &q);
                    if (q == p + 1 || q > end || den == 0.0 || !isfinite(den))
                        return -1;
                    num /= den;
                    p = q;
                }
                have_num = 1;
                while (p < end && isspace((unsigned char)*p))
                    p++;
                if (p < end && *p == '*')
                    p++;
                while (p < end && isspace((unsigned char)*p))
                    p++;
            }
            int var = -1;
            if (p < end) {
                char c = (char)tolower((unsigned char)*p);
                var = c == 'x' ? 0 : c == 'y' ? 1 : c == 'z' ? 2 : -1;
            }
            if (var >= 0) {
                if (fabs(num - round(num)) > 1e-6 || fabs(num) > 1000.0)
                    return -1;
                rot[comp][var] += (int)lround(sign * num);
                p++;
            } else if (have_num) {
                t[comp] += sign * num;
            } else {
                return -1;
            }
            nterms++;
        }
        if (nterms == 0)
            return -1;
        t[comp] -= floor(t[comp]);
        p = end + 1;
    }
    return 0;
}

/* The operations must form a group: every product of two is in the list (translations modulo lattice
 * vectors, within 1e-3), and every rotation is a lattice symmetry (determinant +-1).  A list with a typo
 * or a missing operation otherwise puts atoms where none belong (e.g. 1 angstrom apart). */
static int same_translation(const double a[3], const double b[3])
{
    for (int k = 0; k < 3; k++) {
        double d = a[k] - b[k];
        d -= round(d);
        if (fabs(d) > 1e-3)
            return 0;
    }
    return 1;
}

static void op_text(const int r[3][3], const double t[3], char *out, size_t n)
{
    size_t l = 0;
    out[0] = '\0';
    for (int i = 0; i < 3 && l < n; i++) {
        int first = 1;
        for (int j = 0; j < 3; j++)
            if (r[i][j] && l < n) {
                l += (size_t)snprintf(out + l, n - l, "%s%s%s", r[i][j] < 0 ? "-" : (first ? "" : "+"),
                                      abs(r[i][j]) > 1 ? "2*" : "", j == 0 ? "x" : j == 1 ? "y" : "z");
                first = 0;
            }
        double tt = t[i] - floor(t[i]);
        if (tt > 1e-6 && l < n)
            l += (size_t)snprintf(out + l, n - l, "%s%.4g", first ? "" : "+", tt);
        if (first && tt <= 1e-6 && l < n)
            l += (size_t)snprintf(out + l, n - l, "0");
        if (i < 2 && l < n)
            l += (size_t)snprintf(out + l, n - l, ",");
    }
}

static int check_group(const char *path, int nops, const int (*rot)[3][3], const double (*trans)[3], int line,
                       as_error *err)
{
    for (int i = 0; i < nops; i++) {
        const int(*r)[3] = rot[i];
        long det = (long)r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
                   (long)r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
                   (long)r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
        if (det != 1 && det != -1) {
            char txt[128];
            op_text(rot[i], trans[i], txt, sizeof txt);
            return as_error_set(err, AS_EINPUT, "%s:%d: symmetry operation '%s' is not a symmetry (its determinant "
                                "is %ld, not +1 or -1); check the list", path, line, txt, det);
        }
    }
    for (int i = 0; i < nops; i++)
        for (int j = 0; j < nops; j++) {
            int r[3][3];
            double t[3];
            for (int a = 0; a < 3; a++) {
                t[a] = trans[i][a];
                for (int b = 0; b < 3; b++) {
                    r[a][b] = 0;
                    for (int c = 0; c < 3; c++)
                        r[a][b] += rot[i][a][c] * rot[j][c][b];
                    t[a] += rot[i][a][b] * trans[j][b];
                }
            }
            int found = 0;
            for (int k = 0; k < nops && !found; k++)
                found = !memcmp(r, rot[k], sizeof r) && same_translation(t, trans[k]);
            if (!found) {
                char a[128], b[128], c[128];
                op_text(rot[i], trans[i], a, sizeof a);
                op_text(rot[j], trans[j], b, sizeof b);
                op_text((const int(*)[3])r, t, c, sizeof c);
                return as_error_set(err, AS_EINPUT, "%s:%d: the %d symmetry operations do not form a group: '%s' "
                                    "after '%s' gives '%s', which is not in the list; an operation is missing or "
                                    "mistyped (or write the file in P1 with every atom)",
                                    path, line, nops, a, b, c);
            }
        }
    return AS_OK;
}

/* Operations from the space-group name when a file lists none (spglib's table). */
static int ops_from_hm(const char *hm, int (**rot)[3][3], double (**trans)[3], as_error *err)
{
    char want[64], got[64];
    int n = 0;
    for (const char *p = hm; *p && n < 63; p++)
        if (!isspace((unsigned char)*p) && *p != '_')
            want[n++] = (char)tolower((unsigned char)*p);
    want[n] = '\0';
    for (int h = 1; h <= 530; h++) {
        SpglibSpacegroupType t = spg_get_spacegroup_type(h);
        const char *cand[2] = {t.international_short, t.international_full};
        for (int c = 0; c < 2; c++) {
            int m = 0;
            for (const char *p = cand[c]; *p && m < 63; p++)
                if (!isspace((unsigned char)*p) && *p != '_')
                    got[m++] = (char)tolower((unsigned char)*p);
            got[m] = '\0';
            if (!strcmp(want, got))
                return as_spacegroup_operations(h, rot, trans, err);
        }
    }
    return 0;
}

/* ------------------------------------------------------------- reading ---- */

void as_labels_free(char **labels, int n)
{
    if (!labels)
        return;
    for (int i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
}

static int dummy_symbol(const char *s)
{
    if (toupper((unsigned char)s[0]) != 'X')
        return 0;
    return !(islower((unsigned char)s[1]) && s[1] != 'x');
}

int as_cellpar_to_lattice(const double abc[3], const double ang[3], double lat[3][3])
{
    double c[3], s[3];
    for (int k = 0; k < 3; k++) {
        if (fabs(ang[k] - 90.0) < 1e-10) {
            c[k] = 0.0;
            s[k] = 1.0;
        } else {
            c[k] = cos(ang[k] * AS_PI / 180.0);
            s[k] = sin(ang[k] * AS_PI / 180.0);
        }
    }
    memset(lat, 0, 9 * sizeof(double));
    lat[0][0] = abc[0];
    lat[1][0] = abc[1] * c[2];
    lat[1][1] = abc[1] * s[2];
    lat[2][0] = abc[2] * c[1];
    lat[2][1] = abc[2] * (c[0] - c[1] * c[2]) / s[2];
    double z2 = abc[2] * abc[2] - lat[2][0] * lat[2][0] - lat[2][1] * lat[2][1];
    if (!(z2 > 1e-12 * abc[2] * abc[2]) || !(s[2] > 1e-8))
        return -1;
    lat[2][2] = sqrt(z2);
    return 0;
}

void as_lattice_to_cellpar(const double lat[3][3], double abc[3], double ang[3])
{
    for (int k = 0; k < 3; k++)
        abc[k] = sqrt(lat[k][0] * lat[k][0] + lat[k][1] * lat[k][1] + lat[k][2] * lat[k][2]);
    for (int k = 0; k < 3; k++) {
        int i = (k + 1) % 3, j = (k + 2) % 3;
        double d = lat[i][0] * lat[j][0] + lat[i][1] * lat[j][1] + lat[i][2] * lat[j][2];
        double cosv = d / (abc[i] * abc[j]);
        cosv = cosv > 1.0 ? 1.0 : cosv < -1.0 ? -1.0 : cosv;
        ang[k] = acos(cosv) * 180.0 / AS_PI;
    }
}

static int cell_value(const char *path, const cif_block *b, const char *name, double *v, int required,
                      as_error *err)
{
    const cif_tok *t = find_item(b, name);
    if (!t) {
        if (required)
            return as_error_set(err, AS_EINPUT, "%s: no %s; the cell is needed", path, name);
        return AS_OK;
    }
    if (parse_number(t->text, v) != 0 || !(*v > 0.0) || !isfinite(*v))
        return as_error_set(err, AS_EINPUT, "%s:%d: %s must be a positive number, got '%s'", path, t->line, name,
                            t->text);
    const int angle = strstr(name, "angle") != NULL;
    if (angle ? !(*v > 0.0 && *v < 180.0) : !(*v >= 1.0 && *v <= 1000.0))
        return as_error_set(err, AS_EINPUT, "%s:%d: %s = %s is outside %s; check the file", path, t->line, name,
                            t->text, angle ? "(0, 180) degrees" : "1..1000 angstrom");
    return AS_OK;
}

as_structure *as_cif_parse(const char *path, const char *text, char ***labels_out, as_error *err)
{
    if (labels_out)
        *labels_out = NULL;
    cif_toks ts = {0};
    cif_block b;
    memset(&b, 0, sizeof b);
    as_structure *s = NULL;
    int nsites = 0, nops = 0;
    int *z = NULL, *site_of = NULL;
    double(*frac)[3] = NULL;
    char **slabels = NULL;
    int(*rot)[3][3] = NULL;
    double(*trans)[3] = NULL;

    if (tokenize(path, text, &ts, err) || parse_block(path, &ts, &b, err))
        goto done;

    double abc[3], ang[3] = {90.0, 90.0, 90.0}, lat[3][3];
    if (cell_value(path, &b, "_cell_length_a", &abc[0], 1, err) ||
        cell_value(path, &b, "_cell_length_b", &abc[1], 1, err) ||
        cell_value(path, &b, "_cell_length_c", &abc[2], 1, err) ||
        cell_value(path, &b, "_cell_angle_alpha", &ang[0], 0, err) ||
        cell_value(path, &b, "_cell_angle_beta", &ang[1], 0, err) ||
        cell_value(path, &b, "_cell_angle_gamma", &ang[2], 0, err))
        goto done;
    for (int k = 0; k < 3; k++)
        abc[k] *= AS_ANG_BOHR;
    if (as_cellpar_to_lattice(abc, ang, lat) != 0) {
        as_error_set(err, AS_EINPUT, "%s: the cell angles %g %g %g do not form a cell", path, ang[0], ang[1],
                     ang[2]);
        goto done;
    }

    /* Symmetry operations. */
    int col = -1;
    const cif_loop *sl = find_loop(&b, "_space_group_symop_operation_xyz", &col);
    if (!sl)
        sl = find_loop(&b, "_symmetry_equiv_pos_as_xyz", &col);
    const cif_tok *single = NULL;
    if (!sl) {
        single = find_item(&b, "_space_group_symop_operation_xyz");
        if (!single)
            single = find_item(&b, "_symmetry_equiv_pos_as_xyz");
    }
    if (sl || single) {
        int n = sl ? sl->nrows : 1;
        if (n > AS_CIF_MAX_OPS) {
            as_error_set(err, AS_EINPUT, "%s:%d: %d symmetry operations; no space group has more than %d, so the "
                         "list is damaged", path, sl->line, n, AS_CIF_MAX_OPS);
            goto done;
        }
        rot = malloc((size_t)(n + 1) * sizeof *rot);
        trans = malloc((size_t)(n + 1) * sizeof *trans);
        if (!rot || !trans) {
            as_error_nomem(err, "CIF symmetry", 0);
            goto done;
        }
        int have_identity = 0;
        for (int r = 0; r < n; r++) {
            const cif_tok *t = sl ? sl->vals[r * sl->ntags + col] : single;
            if (parse_symop(t->text, rot[nops], trans[nops]) != 0) {
                as_error_set(err, AS_EINPUT,
                             "%s:%d: cannot read the symmetry operation '%s' (expected e.g. '-x+1/2, y, z+1/2')",
                             path, t->line, t->text);
                goto done;
            }
            int id = 1;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    id &= rot[nops][i][j] == (i == j);
            id &= trans[nops][0] == 0.0 && trans[nops][1] == 0.0 && trans[nops][2] == 0.0;
            have_identity |= id;
            nops++;
        }
        if (!have_identity) {
            as_warn("%s: the symmetry operations do not include 'x, y, z'; added", path);
            memmove(rot + 1, rot, (size_t)nops * sizeof *rot);
            memmove(trans + 1, trans, (size_t)nops * sizeof *trans);
            memset(rot[0], 0, sizeof rot[0]);
            rot[0][0][0] = rot[0][1][1] = rot[0][2][2] = 1;
            trans[0][0] = trans[0][1] = trans[0][2] = 0.0;
            nops++;
        }
    } else {
        const char *names[] = {"_space_group_name_H-M_alt", "_symmetry_space_group_name_H-M", NULL};
        const cif_tok *hm = NULL;
        for (int k = 0; names[k] && !hm; k++)
            hm = find_item(&b, names[k]);
        if (hm && strcmp(hm->text, "P 1") && strcmp(hm->text, "P1")) {
            nops = ops_from_hm(hm->text, &rot, &trans, err);
            if (nops == 0) {
                as_error_set(err, AS_EINPUT,
                             "%s:%d: the file lists no symmetry operations and the space group '%s' is not "
                             "recognised; add a _space_group_symop_operation_xyz loop or write the file in P1",
                             path, hm->line, hm->text);
                goto done;
            }
            as_warn("%s: no symmetry operations listed; using the %d operations of '%s' (standard setting)",
                    path, nops, hm->text);
        } else {
            nops = 1;
            rot = calloc(1, sizeof *rot);
            trans = calloc(1, sizeof *trans);
            if (!rot || !trans) {
                as_error_nomem(err, "CIF symmetry", 0);
                goto done;
            }
            rot[0][0][0] = rot[0][1][1] = rot[0][2][2] = 1;
        }
    }

    if (check_group(path, nops, (const int(*)[3][3])rot, (const double(*)[3])trans,
                    sl ? sl->line : single ? single->line : 0, err))
        goto done;

    /* Atom sites. */
    int cx;
    const cif_loop *al = find_loop(&b, "_atom_site_fract_x", &cx);
    if (!al) {
        if (find_loop(&b, "_atom_site_Cartn_x", NULL))
            as_error_set(err, AS_EINPUT, "%s: only fractional coordinates (_atom_site_fract_x/y/z) are read, "
                         "this file has Cartesian ones", path);
        else
            as_error_set(err, AS_EINPUT, "%s: no atom-site loop with _atom_site_fract_x/y/z", path);
        goto done;
    }
    int cy = loop_col(al, "_atom_site_fract_y"), cz = loop_col(al, "_atom_site_fract_z");
    int csym = loop_col(al, "_atom_site_type_symbol"), clab = loop_col(al, "_atom_site_label");
    int cocc = loop_col(al, "_atom_site_occupancy");
    if (cy < 0 || cz < 0) {
        as_error_set(err, AS_EINPUT, "%s:%d: the atom-site loop lacks _atom_site_fract_y or _z", path, al->line);
        goto done;
    }
    if (csym < 0 && clab < 0) {
        as_error_set(err, AS_EINPUT, "%s:%d: the atom-site loop has neither _atom_site_type_symbol nor "
                     "_atom_site_label, so the elements are unknown", path, al->line);
        goto done;
    }
    nsites = al->nrows;
    if ((long)nsites * nops > 1000000L) {
        as_error_set(err, AS_EINPUT, "%s:%d: %d atom sites times %d symmetry operations would give more than a "
                     "million atoms; this is no cell a plane-wave calculation can use", path, al->line, nsites, nops);
        goto done;
    }
    if (nsites == 0) {
        as_error_set(err, AS_EINPUT, "%s:%d: the atom-site loop has no atoms", path, al->line);
        goto done;
    }
    z = calloc((size_t)nsites, sizeof *z);
    frac = calloc((size_t)nsites, sizeof *frac);
    slabels = calloc((size_t)nsites, sizeof *slabels);
    if (!z || !frac || !slabels) {
        as_error_nomem(err, "CIF atoms", 0);
        goto done;
    }
    char partial[512] = "";
    int npartial = 0;
    for (int r = 0; r < nsites; r++) {
        const cif_tok *const *row = &al->vals[r * al->ntags];
        const char *sym = csym >= 0 ? row[csym]->text : row[clab]->text;
        const char *lab = clab >= 0 ? row[clab]->text : sym;
        int line = row[0]->line;
        if (csym >= 0 && (!strcmp(sym, "?") || !strcmp(sym, ".")) && clab >= 0)
            sym = lab;
        slabels[r] = strdup(lab);
        if (!slabels[r]) {
            as_error_nomem(err, "CIF labels", 0);
            goto done;
        }
        if (dummy_symbol(sym)) {
            z[r] = 0;
        } else {
            z[r] = as_element_z(sym);
            if (z[r] == 0) {
                as_error_set(err, AS_EINPUT, "%s:%d: atom '%s': unknown element '%s'", path, line, lab, sym);
                goto done;
            }
        }
        int cc[3] = {cx, cy, cz};
        for (int k = 0; k < 3; k++)
            if (parse_number(row[cc[k]]->text, &frac[r][k]) != 0 || !isfinite(frac[r][k]) ||
                fabs(frac[r][k]) > 1000.0) {
                as_error_set(err, AS_EINPUT, "%s:%d: atom '%s': coordinate '%s' is not a number (or beyond 1000)", path,
                             row[cc[k]]->line, lab, row[cc[k]]->text);
                goto done;
            }
        double occ = 1.0;
        if (cocc >= 0 && parse_number(row[cocc]->text, &occ) == 0 && occ < 1.0 - 1e-6) {
            if (npartial++ < 8) {
                size_t l = strlen(partial);
                snprintf(partial + l, sizeof partial - l, "%s%s (%g)", l ? ", " : "", lab, occ);
            }
        }
    }
    if (npartial)
        as_warn("%s: %d site%s with occupancy < 1 (%s%s); occupancies are ignored, every site is taken as "
                "fully occupied",
                path, npartial, npartial > 1 ? "s" : "", partial, npartial > 8 ? ", ..." : "");

    s = as_structure_expand(lat, nsites, z, (const double(*)[3])frac, (const char *const *)slabels, nops,
                            (const int(*)[3][3])rot, (const double(*)[3])trans, AS_EXPAND_TOL_BOHR, &site_of, err);
    if (!s) {
        as_error_prefix(err, "%s:%d: ", path, al->line);
        goto done;
    }
    if (labels_out) {
        char **out = calloc((size_t)s->natoms, sizeof *out);
        if (!out) {
            as_structure_destroy(s);
            s = NULL;
            as_error_nomem(err, "CIF labels", 0);
            goto done;
        }
        for (int a = 0; a < s->natoms; a++)
            if (!(out[a] = strdup(slabels[site_of[a]]))) {
                as_labels_free(out, s->natoms);
                as_structure_destroy(s);
                s = NULL;
                as_error_nomem(err, "CIF labels", 0);
                goto done;
            }
        *labels_out = out;
    }
done:
    as_labels_free(slabels, nsites);
    free(z);
    free(frac);
    free(site_of);
    free(rot);
    free(trans);
    block_free(&b);
    toks_free(&ts);
    return s;
}

as_structure *as_cif_read(const char *path, char ***labels, as_error *err)
{
    char *text = NULL;
    if (as_file_read_text(path, &text, NULL, err))
        return NULL;
    as_structure *s = as_cif_parse(path, text, labels, err);
    free(text);
    return s;
}

/* ------------------------------------------------------------- writing ---- */

void as_cif_format(as_strbuf *b, const as_structure *s, const char *const *labels, const char *title)
{
    double abc[3], ang[3];
    as_lattice_to_cellpar(s->lattice, abc, ang);
    char name[80];
    int n = 0;
    for (const char *p = title && *title ? title : "anionscan"; *p && n < 79; p++)
        name[n++] = isspace((unsigned char)*p) ? '_' : *p;
    name[n] = '\0';
    as_strbuf_printf(b, "# written by anionscan (P1, every atom listed; XX = dummy atom / site)\n");
    as_strbuf_printf(b, "data_%s\n", name);
    /* Sum formula in order of first appearance. */
    int seen[AS_MAX_Z + 1] = {0};
    as_strbuf_printf(b, "_chemical_formula_sum '");
    int first = 1;
    for (int a = 0; a < s->natoms; a++) {
        int zz = s->z[a];
        if (zz < 0 || zz > AS_MAX_Z || seen[zz])
            continue;
        seen[zz] = 1;
        as_strbuf_printf(b, "%s%s%d", first ? "" : " ", zz == 0 ? "XX" : as_element_symbol(zz),
                         as_structure_count(s, zz));
        first = 0;
    }
    as_strbuf_printf(b, "'\n");
    as_strbuf_printf(b, "_cell_length_a    %.10f\n_cell_length_b    %.10f\n_cell_length_c    %.10f\n",
                     abc[0] * AS_BOHR_ANG, abc[1] * AS_BOHR_ANG, abc[2] * AS_BOHR_ANG);
    as_strbuf_printf(b, "_cell_angle_alpha %.10f\n_cell_angle_beta  %.10f\n_cell_angle_gamma %.10f\n", ang[0],
                     ang[1], ang[2]);
    as_strbuf_printf(b, "_cell_volume      %.6f\n", fabs(as_lattice_volume(s->lattice)) * pow(AS_BOHR_ANG, 3));
    as_strbuf_printf(b, "\n_space_group_name_H-M_alt 'P 1'\n_space_group_IT_number 1\n\n"
                        "loop_\n  _space_group_symop_operation_xyz\n  'x, y, z'\n\n");
    as_strbuf_printf(b, "loop_\n  _atom_site_label\n  _atom_site_type_symbol\n  _atom_site_fract_x\n"
                        "  _atom_site_fract_y\n  _atom_site_fract_z\n  _atom_site_occupancy\n");
    int count[AS_MAX_Z + 1] = {0};
    for (int a = 0; a < s->natoms; a++) {
        int zz = s->z[a] >= 0 && s->z[a] <= AS_MAX_Z ? s->z[a] : 0;
        count[zz]++;
        const char *sym = zz == 0 ? "XX" : as_element_symbol(zz);
        char lab[64];
        if (labels && labels[a] && labels[a][0]) {
            int m = 0;
            for (const char *p = labels[a]; *p && m < 63; p++)
                lab[m++] = isspace((unsigned char)*p) ? '_' : *p;
            lab[m] = '\0';
        } else {
            snprintf(lab, sizeof lab, "%s%d", zz == 0 ? "X" : sym, count[zz]);
        }
        as_strbuf_printf(b, "  %-8s %-3s %15.10f %15.10f %15.10f 1.0\n", lab, sym, s->frac[a][0], s->frac[a][1],
                         s->frac[a][2]);
    }
}

int as_cif_write(const char *path, const as_structure *s, const char *const *labels, const char *title,
                 as_error *err)
{
    as_strbuf b;
    as_strbuf_init(&b);
    as_cif_format(&b, s, labels, title);
    int rc = as_strbuf_write_atomic(&b, path, err);
    as_strbuf_free(&b);
    return rc;
}
