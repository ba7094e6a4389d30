#define _POSIX_C_SOURCE 200809L
#include "io/deck.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/file.h"
#include "core/units.h"

/* ---------------------------------------------------------------- parsing -- */

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

int as_deck_error(const as_deck *d, int line, as_error *err, const char *fmt, ...)
{
    char msg[AS_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        return as_error_set(err, AS_EINPUT, "%s:%d: %s", d->path, line, msg);
    return as_error_set(err, AS_EINPUT, "%s: %s", d->path, msg);
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return 0;
    return 1;
}

static int push_entry(as_deck *d, const char *section, const char *key, const char *value, int line,
                      as_error *err)
{
    if (d->nentries >= AS_DECK_MAX_ENTRIES) /* every key is compared with the others: no unbounded count */
        return as_deck_error(d, line, err, "more than %d keys; this is no deck", AS_DECK_MAX_ENTRIES);
    as_deck_entry *ne = realloc(d->entries, (size_t)(d->nentries + 1) * sizeof *ne);
    if (!ne)
        return as_error_nomem(err, "deck", 0);
    d->entries = ne;
    as_deck_entry *e = &d->entries[d->nentries++];
    memset(e, 0, sizeof *e);
    e->section = strdup(section);
    e->key = strdup(key);
    e->value = strdup(value);
    e->line = line;
    if (!e->section || !e->key || !e->value)
        return as_error_nomem(err, "deck", 0);
    return AS_OK;
}

static int push_block_line(as_deck_entry *e, const char *text, int line, as_error *err)
{
    if (e->nblock >= AS_DECK_MAX_BLOCK)
        return as_error_set(err, AS_EINPUT, "%d: the block of '%s' has more than %d lines", line, e->key,
                            AS_DECK_MAX_BLOCK);
    as_deck_line *nb = realloc(e->block, (size_t)(e->nblock + 1) * sizeof *nb);
    if (!nb)
        return as_error_nomem(err, "deck", 0);
    e->block = nb;
    e->block[e->nblock].text = strdup(text);
    e->block[e->nblock].line = line;
    if (!e->block[e->nblock].text)
        return as_error_nomem(err, "deck", 0);
    e->nblock++;
    return AS_OK;
}

static int push_section(as_deck *d, const char *name, int line, as_error *err)
{
    if (d->nsections >= AS_DECK_MAX_ENTRIES)
        return as_deck_error(d, line, err, "more than %d sections; this is no deck", AS_DECK_MAX_ENTRIES);
    for (int i = 0; i < d->nsections; i++)
        if (!strcmp(d->sections[i].name, name))
            return as_deck_error(d, line, err,
                                 "section [%s] appears twice (first on line %d); merge the two into one",
                                 name, d->sections[i].line);
    as_deck_section *ns = realloc(d->sections, (size_t)(d->nsections + 1) * sizeof *ns);
    if (!ns)
        return as_error_nomem(err, "deck", 0);
    d->sections = ns;
    d->sections[d->nsections].name = strdup(name);
    d->sections[d->nsections].line = line;
    if (!d->sections[d->nsections].name)
        return as_error_nomem(err, "deck", 0);
    d->nsections++;
    return AS_OK;
}

as_deck *as_deck_parse(const char *path, const char *text, as_error *err)
{
    as_deck *d = calloc(1, sizeof *d);
    char *copy = strdup(text ? text : "");
    if (!d || !copy || !(d->path = strdup(path ? path : "deck"))) {
        free(copy);
        as_deck_destroy(d);
        as_error_nomem(err, "deck", 0);
        return NULL;
    }
    char section[128] = "";
    as_deck_entry *last = NULL; /* the entry indented lines attach to */
    int lineno = 0, rc = AS_OK;
    char *save = NULL;
    for (char *raw = copy; raw && rc == AS_OK; raw = save) {
        char *nl = strchr(raw, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        char *hash = strchr(raw, '#');
        if (hash)
            *hash = '\0';
        for (char *p = raw; *p; p++)
            if (*p == '\r' || *p == '\t')
                *p = (*p == '\t') ? ' ' : '\0';
        int indented = isspace((unsigned char)raw[0]);
        char *s = trim(raw);
        if (!*s)
            continue;
        if (indented) {
            if (!last) {
                rc = as_deck_error(d, lineno, err,
                                   "indented line '%s' does not follow a key; block lines belong under a "
                                   "'key = value' header (or remove the indentation)",
                                   s);
                break;
            }
            rc = push_block_line(last, s, lineno, err);
            if (rc == AS_EINPUT)
                as_error_prefix(err, "%s:", d->path);
            continue;
        }
        if (s[0] == '[') {
            char *close = strchr(s, ']');
            if (!close || trim(close + 1)[0] != '\0') {
                rc = as_deck_error(d, lineno, err, "malformed section header '%s'; write it as [name]", s);
                break;
            }
            *close = '\0';
            char *name = trim(s + 1);
            lower(name);
            if (!valid_name(name) || strlen(name) >= sizeof section) {
                rc = as_deck_error(d, lineno, err, "malformed section name '[%s]'", name);
                break;
            }
            snprintf(section, sizeof section, "%s", name);
            rc = push_section(d, section, lineno, err);
            last = NULL;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = as_deck_error(d, lineno, err,
                               "expected 'key = value', a [section] header or an indented block line, got '%s'",
                               s);
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        lower(key);
        if (!valid_name(key)) {
            rc = as_deck_error(d, lineno, err, "malformed key '%s' (letters, digits and '_' only)", key);
            break;
        }
        if (!section[0]) {
            rc = as_deck_error(d, lineno, err,
                               "key '%s' is outside any section; put it under a header such as [structure] "
                               "or [dft]",
                               key);
            break;
        }
        for (int i = 0; i < d->nentries; i++)
            if (!strcmp(d->entries[i].section, section) && !strcmp(d->entries[i].key, key)) {
                rc = as_deck_error(d, lineno, err, "duplicate key '%s' in [%s] (first given on line %d)", key,
                                   section, d->entries[i].line);
                break;
            }
        if (rc != AS_OK)
            break;
        if (strlen(value) > AS_DECK_MAX_VALUE) {
            rc = as_deck_error(d, lineno, err, "the value of '%s' is %zu characters long, more than %d; no key takes "
                               "such a value", key, strlen(value), AS_DECK_MAX_VALUE);
            break;
        }
        rc = push_entry(d, section, key, value, lineno, err);
        last = (rc == AS_OK) ? &d->entries[d->nentries - 1] : NULL;
    }
    free(copy);
    if (rc != AS_OK) {
        as_deck_destroy(d);
        return NULL;
    }
    return d;
}

as_deck *as_deck_read(const char *path, MPI_Comm comm, as_error *err)
{
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    char *text = NULL;
    long len = 0;
    as_error local;
    as_error_clear(&local);
    if (rank == 0) {
        size_t n = 0;
        if (as_file_read_text(path, &text, &n, &local) == AS_OK)
            len = (long)n;
        else
            len = -1;
    }
    MPI_Bcast(&len, 1, MPI_LONG, 0, comm);
    if (len < 0) {
        /* Rank 0's message goes to everyone so every rank fails the same way. */
        MPI_Bcast(local.msg, AS_ERROR_MSG_LEN, MPI_CHAR, 0, comm);
        as_error_set(err, AS_EINPUT, "%s", local.msg);
        return NULL;
    }
    if (rank != 0) {
        text = malloc((size_t)len + 1);
        if (!text) {
            as_error_nomem(err, "deck text", (size_t)len + 1);
            MPI_Abort(comm, AS_ENOMEM);
            return NULL;
        }
    }
    MPI_Bcast(text, (int)len, MPI_CHAR, 0, comm);
    text[len] = '\0';
    const char *nul = memchr(text, '\0', (size_t)len);
    if (nul) { /* the parser would stop there and silently drop the rest of the deck */
        int line = 1;
        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        as_error_set(err, AS_EINPUT, "%s:%d: a NUL byte (at byte %ld): the deck must be plain text", path, line,
                     (long)(nul - text) + 1);
        free(text);
        return NULL;
    }
    as_deck *d = as_deck_parse(path, text, err);
    free(text);
    return d;
}

void as_deck_destroy(as_deck *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->nentries; i++) {
        as_deck_entry *e = &d->entries[i];
        free(e->section);
        free(e->key);
        free(e->value);
        for (int b = 0; b < e->nblock; b++)
            free(e->block[b].text);
        free(e->block);
    }
    for (int i = 0; i < d->nsections; i++)
        free(d->sections[i].name);
    free(d->sections);
    free(d->entries);
    free(d->path);
    free(d);
}

as_deck_entry *as_deck_find(as_deck *d, const char *section, const char *key)
{
    for (int i = 0; i < d->nentries; i++)
        if (!strcmp(d->entries[i].section, section) && !strcmp(d->entries[i].key, key)) {
            d->entries[i].used = 1;
            return &d->entries[i];
        }
    return NULL;
}

int as_deck_has_section(const as_deck *d, const char *section)
{
    for (int i = 0; i < d->nsections; i++)
        if (!strcmp(d->sections[i].name, section))
            return 1;
    return 0;
}

/* ------------------------------------------------------- schema checking -- */

/* Optimal-string-alignment distance: insertions, deletions, substitutions and
 * swaps of neighbours ("dtf" for "dft") each cost one. */
static int edit_distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int dist[64][64];
    for (int i = 0; i <= la; i++)
        dist[i][0] = i;
    for (int j = 0; j <= lb; j++)
        dist[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            int best = dist[i - 1][j - 1] + (ca != cb);
            if (dist[i - 1][j] + 1 < best)
                best = dist[i - 1][j] + 1;
            if (dist[i][j - 1] + 1 < best)
                best = dist[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && dist[i - 2][j - 2] + 1 < best)
                best = dist[i - 2][j - 2] + 1;
            dist[i][j] = best;
        }
    return dist[la][lb];
}

const char *as_closest_name(const char *word, const char *const *candidates)
{
    const char *best = NULL;
    int bestd = 1 << 20;
    for (int i = 0; candidates[i]; i++) {
        int dist = edit_distance(word, candidates[i]);
        /* A prefix ("kpoint" for "kpoints") counts as close too. */
        if (!strncasecmp(word, candidates[i], strlen(word)) || !strncasecmp(candidates[i], word, strlen(candidates[i])))
            dist = dist < 1 ? dist : 1;
        if (dist < bestd) {
            bestd = dist;
            best = candidates[i];
        }
    }
    int len = (int)strlen(word);
    int allowed = len <= 3 ? 1 : (len <= 6 ? 2 : 3);
    return bestd <= allowed ? best : NULL;
}

int as_deck_check_schema(const as_deck *d, const as_deck_schema *schema, int nschema, as_error *err)
{
    const char *names[32];
    int nn = 0;
    for (int s = 0; s < nschema && nn < 31; s++)
        names[nn++] = schema[s].section;
    names[nn] = NULL;
    for (int i = 0; i < d->nsections; i++) {
        int ok = 0;
        for (int s = 0; s < nschema; s++)
            ok |= !strcmp(d->sections[i].name, schema[s].section);
        if (ok)
            continue;
        const char *near = as_closest_name(d->sections[i].name, names);
        if (near)
            return as_deck_error(d, d->sections[i].line, err, "unknown section [%s]; did you mean [%s]?",
                                 d->sections[i].name, near);
        char list[256] = "";
        for (int k = 0; k < nn; k++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s[%s]", k ? ", " : "", names[k]);
        }
        return as_deck_error(d, d->sections[i].line, err, "unknown section [%s]; valid sections: %s",
                             d->sections[i].name, list);
    }
    for (int i = 0; i < d->nentries; i++) {
        const as_deck_entry *e = &d->entries[i];
        const as_deck_schema *sc = NULL;
        for (int s = 0; s < nschema; s++)
            if (!strcmp(e->section, schema[s].section))
                sc = &schema[s];
        if (!sc)
            continue; /* reported above */
        int ok = 0;
        for (int k = 0; sc->keys[k]; k++)
            ok |= !strcmp(e->key, sc->keys[k]);
        if (ok)
            continue;
        const char *near = as_closest_name(e->key, sc->keys);
        /* A key that belongs to another section is a common slip: say where it goes. */
        const char *home = NULL;
        for (int s = 0; s < nschema && !home; s++)
            for (int k = 0; schema[s].keys[k]; k++)
                if (!strcmp(e->key, schema[s].keys[k]))
                    home = schema[s].section;
        if (home)
            return as_deck_error(d, e->line, err, "key '%s' does not belong in [%s]; it goes in [%s]", e->key,
                                 e->section, home);
        if (near)
            return as_deck_error(d, e->line, err, "unknown key '%s' in [%s]; did you mean '%s'?", e->key,
                                 e->section, near);
        return as_deck_error(d, e->line, err, "unknown key '%s' in [%s]; see docs/input.md for the valid keys",
                             e->key, e->section);
    }
    return AS_OK;
}

/* ---------------------------------------------------------------- getters -- */

static int need_value(as_deck *d, const as_deck_entry *e, as_error *err)
{
    if (!e->value[0])
        return as_deck_error(d, e->line, err, "key '%s' has no value", e->key);
    return AS_OK;
}

int as_deck_get_string(as_deck *d, const char *sec, const char *key, char *out, int n, int *found,
                       as_error *err)
{
    if (found)
        *found = 0;
    as_deck_entry *e = as_deck_find(d, sec, key);
    if (!e)
        return AS_OK;
    if (need_value(d, e, err))
        return err->code;
    if ((int)strlen(e->value) >= n)
        return as_deck_error(d, e->line, err, "value of '%s' is too long (at most %d characters)", key, n - 1);
    snprintf(out, (size_t)n, "%s", e->value);
    if (found)
        *found = 1;
    return AS_OK;
}

/* Strict integer: the whole token must be an integer. */
static int parse_int(const char *tok, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(tok, &end, 10);
    if (end == tok || *end || errno || v < -2147483647L || v > 2147483647L)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_double(const char *tok, double *out)
{
    char *end;
    errno = 0;
    /* Accept Fortran exponents (1.0d-8) since decks are often copied from QE inputs. */
    char buf[64];
    if (strlen(tok) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", tok);
    for (char *p = buf; *p; p++)
        if (*p == 'd' || *p == 'D')
            *p = 'e';
    double v = strtod(buf, &end);
    if (end == buf || *end || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int as_deck_get_ints(as_deck *d, const char *sec, const char *key, int *out, int count, int *found,
                     as_error *err)
{
    if (found)
        *found = 0;
    as_deck_entry *e = as_deck_find(d, sec, key);
    if (!e)
        return AS_OK;
    if (need_value(d, e, err))
        return err->code;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", e->value);
    int n = 0, tmp[64];
    for (char *save = NULL, *t = strtok_r(buf, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
        if (n >= count || n >= 64)
            return as_deck_error(d, e->line, err, "'%s' takes %d integer%s, got more: '%s'", key, count,
                                 count == 1 ? "" : "s", e->value);
        if (parse_int(t, &tmp[n]))
            return as_deck_error(d, e->line, err, "'%s' expects %s integer%s, got '%s'", key,
                                 count == 1 ? "an" : "", count == 1 ? "" : "s", t);
        n++;
    }
    if (n != count)
        return as_deck_error(d, e->line, err, "'%s' takes %d integer%s, got %d: '%s'", key, count,
                             count == 1 ? "" : "s", n, e->value);
    memcpy(out, tmp, sizeof(int) * (size_t)count);
    if (found)
        *found = 1;
    return AS_OK;
}

int as_deck_get_int(as_deck *d, const char *sec, const char *key, int *out, int *found, as_error *err)
{
    return as_deck_get_ints(d, sec, key, out, 1, found, err);
}

int as_deck_get_double(as_deck *d, const char *sec, const char *key, double *out, int *found, as_error *err)
{
    return as_deck_get_quantity(d, sec, key, AS_QTY_NONE, out, 1, found, err);
}

int as_deck_get_bool(as_deck *d, const char *sec, const char *key, int *out, int *found, as_error *err)
{
    static const char *const choices[] = {"false", "true", "no", "yes", "off", "on", "0", "1",
                                          ".false.", ".true.", NULL};
    int idx = 0, f = 0;
    if (as_deck_get_choice(d, sec, key, choices, &idx, &f, err))
        return err->code;
    if (f)
        *out = idx % 2;
    if (found)
        *found = f;
    return AS_OK;
}

int as_deck_get_choice(as_deck *d, const char *sec, const char *key, const char *const *choices, int *out,
                       int *found, as_error *err)
{
    if (found)
        *found = 0;
    as_deck_entry *e = as_deck_find(d, sec, key);
    if (!e)
        return AS_OK;
    if (need_value(d, e, err))
        return err->code;
    for (int i = 0; choices[i]; i++)
        if (!strcasecmp(e->value, choices[i])) {
            *out = i;
            if (found)
                *found = 1;
            return AS_OK;
        }
    char list[512] = "";
    for (int i = 0; choices[i]; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", choices[i]);
    }
    const char *near = as_closest_name(e->value, choices);
    if (near)
        return as_deck_error(d, e->line, err, "'%s' cannot be '%s'; did you mean '%s'? (one of: %s)", key,
                             e->value, near, list);
    return as_deck_error(d, e->line, err, "'%s' cannot be '%s'; use one of: %s", key, e->value, list);
}

const char *as_qty_units_help(as_qty_kind kind)
{
    switch (kind) {
    case AS_QTY_ENERGY: return "Ha (default), Ry, eV, meV or K";
    case AS_QTY_LENGTH: return "angstrom (default), bohr or nm";
    case AS_QTY_FORCE: return "eV/angstrom (default), Ha/bohr or Ry/bohr";
    case AS_QTY_PRESSURE: return "GPa (default), kbar or Ha/bohr^3";
    case AS_QTY_TIME: return "s (default), min, h or d, or HH:MM:SS";
    case AS_QTY_NONE: return "no unit";
    }
    return "";
}

/* Factor from `unit` to atomic units for the kind; 0 if the unit is wrong. */
static double unit_factor(as_qty_kind kind, const char *unit)
{
    switch (kind) {
    case AS_QTY_ENERGY: return as_units_energy_to_ha(unit);
    case AS_QTY_LENGTH: return as_units_length_to_bohr(unit);
    case AS_QTY_FORCE:
        if (!strcasecmp(unit, "eV/angstrom") || !strcasecmp(unit, "eV/ang") || !strcasecmp(unit, "eV/A"))
            return 1.0 / AS_HA_BOHR_EV_ANG;
        if (!strcasecmp(unit, "Ha/bohr") || !strcasecmp(unit, "hartree/bohr"))
            return 1.0;
        if (!strcasecmp(unit, "Ry/bohr"))
            return AS_RY_HA;
        return 0.0;
    case AS_QTY_PRESSURE:
        if (!strcasecmp(unit, "GPa"))
            return 1.0 / AS_HA_BOHR3_GPA;
        if (!strcasecmp(unit, "kbar"))
            return 0.1 / AS_HA_BOHR3_GPA;
        if (!strcasecmp(unit, "Ha/bohr^3") || !strcasecmp(unit, "Ha/bohr3"))
            return 1.0;
        return 0.0;
    case AS_QTY_TIME:
        if (!strcasecmp(unit, "s") || !strcasecmp(unit, "sec") || !strcasecmp(unit, "seconds"))
            return 1.0;
        if (!strcasecmp(unit, "min") || !strcasecmp(unit, "minutes"))
            return 60.0;
        if (!strcasecmp(unit, "h") || !strcasecmp(unit, "hours"))
            return 3600.0;
        if (!strcasecmp(unit, "d") || !strcasecmp(unit, "days"))
            return 86400.0;
        return 0.0;
    case AS_QTY_NONE: return 0.0;
    }
    return 0.0;
}

static double default_factor(as_qty_kind kind)
{
    switch (kind) {
    case AS_QTY_ENERGY: return 1.0;
    case AS_QTY_LENGTH: return AS_ANG_BOHR;
    case AS_QTY_FORCE: return 1.0 / AS_HA_BOHR_EV_ANG;
    case AS_QTY_PRESSURE: return 1.0 / AS_HA_BOHR3_GPA;
    case AS_QTY_TIME: return 1.0;
    case AS_QTY_NONE: return 1.0;
    }
    return 1.0;
}

/* Returns 0 ok, -1 wrong count / not a number, -2 wrong unit.  The unit word,
 * when present, is the token after the numbers. */
/* SLURM's time formats: [D-]HH:MM:SS, HH:MM:SS, MM:SS (one token with a colon) -> seconds; -1 if not one. */
static double slurm_time(const char *t)
{
    int d = 0, f[3], n = 0, used = 0;
    if (strchr(t, '-')) {
        char *end;
        long days = strtol(t, &end, 10);
        if (end == t || *end != '-' || days < 0 || days > 100000)
            return -1.0;
        d = (int)days;
        used = (int)(end + 1 - t);
        t += used;
    }
    for (;;) {
        char *end;
        long v = strtol(t, &end, 10);
        if (end == t || v < 0 || v > 1000000 || n == 3) /* no int overflow in the cast below */
            return -1.0;
        f[n++] = (int)v;
        if (*end == '\0')
            break;
        if (*end != ':')
            return -1.0;
        t = end + 1;
    }
    if (n < 2)
        return -1.0;
    const double s = n == 3 ? f[0] * 3600.0 + f[1] * 60.0 + f[2] : f[0] * 60.0 + f[1];
    return d * 86400.0 + s;
}

int as_parse_quantity(const char *text, as_qty_kind kind, int count, double *out, const char **unit_used)
{
    if (kind == AS_QTY_TIME && count == 1 && strchr(text, ':')) {
        char tok[64] = "", rest[8] = "";
        if (sscanf(text, " %63s %7s", tok, rest) != 1) /* one token, nothing after it */
            return -1;
        const double v = slurm_time(tok);
        if (v < 0.0)
            return -1;
        out[0] = v;
        if (unit_used)
            *unit_used = NULL;
        return 0;
    }
    char buf[1024];
    if (strlen(text) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", text);
    char *tok[66];
    int nt = 0;
    for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t && nt < 66; t = strtok_r(NULL, " \t", &save))
        tok[nt++] = t;
    if (nt < count || nt > count + 1)
        return -1;
    double vals[64];
    for (int i = 0; i < count; i++)
        if (parse_double(tok[i], &vals[i]))
            return -1;
    double f = default_factor(kind);
    if (unit_used)
        *unit_used = NULL;
    if (nt == count + 1) {
        f = unit_factor(kind, tok[count]);
        if (f == 0.0)
            return -2;
        if (unit_used)
            *unit_used = text + (tok[count] - buf);
    }
    for (int i = 0; i < count; i++)
        out[i] = vals[i] * f;
    return 0;
}

int as_deck_get_quantity(as_deck *d, const char *sec, const char *key, as_qty_kind kind, double *out,
                         int count, int *found, as_error *err)
{
    if (found)
        *found = 0;
    as_deck_entry *e = as_deck_find(d, sec, key);
    if (!e)
        return AS_OK;
    if (need_value(d, e, err))
        return err->code;
    double tmp[64];
    if (count > 64)
        return as_error_set(err, AS_EINTERNAL, "quantity with %d values", count);
    int rc = as_parse_quantity(e->value, kind, count, tmp, NULL);
    if (rc == -2 && count < 64 && as_parse_quantity(e->value, AS_QTY_NONE, count + 1, tmp, NULL) == 0)
        rc = -1; /* one number too many, not a unit: "25 30" */
    if (rc == -2) {
        if (kind == AS_QTY_NONE)
            return as_deck_error(d, e->line, err, "'%s' is a plain number and takes no unit, got '%s'", key,
                                 e->value);
        return as_deck_error(d, e->line, err, "'%s' has a wrong unit in '%s'; use %s", key, e->value,
                             as_qty_units_help(kind));
    }
    if (rc != 0)
        return as_deck_error(d, e->line, err, "'%s' expects %d number%s%s, got '%s'", key, count,
                             count == 1 ? "" : "s", kind == AS_QTY_NONE ? "" : " and an optional unit",
                             e->value);
    memcpy(out, tmp, sizeof(double) * (size_t)count);
    if (found)
        *found = 1;
    return AS_OK;
}
