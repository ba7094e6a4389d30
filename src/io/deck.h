/* The input deck: sections in brackets, `key = value` lines, `#` comments, an
 * optional unit word after a number, and block values on indented lines after a
 * header word.  This module only tokenizes and offers typed, unit-aware getters
 * that report errors as "deck.in:LINE: message"; the meaning of each key lives
 * in io/settings.c. */
#ifndef AS_IO_DECK_H
#define AS_IO_DECK_H

#include <mpi.h>

/* The longest value a key takes (a path of AS_PATH_MAX or less, lists); a longer line is no deck. */
#define AS_DECK_MAX_VALUE 1000
/* At most this many keys (and sections), and lines in one block (an atoms block is refused beyond 2000 later). */
#define AS_DECK_MAX_ENTRIES 1000
#define AS_DECK_MAX_BLOCK 100000

#include "core/error.h"

typedef struct as_deck_line {
    char *text; /* the line without comment and surrounding blanks */
    int line;   /* 1-based line number in the deck */
} as_deck_line;

typedef struct as_deck_entry {
    char *section;       /* lower-case section name */
    char *key;           /* lower-case key */
    char *value;         /* text after '=', trimmed ("" if none) */
    int line;            /* line of the key */
    as_deck_line *block; /* indented lines that follow */
    int nblock;
    int used;            /* set by a getter; unused entries are unknown keys */
} as_deck_entry;

typedef struct as_deck_section {
    char *name;
    int line;
} as_deck_section;

typedef struct as_deck {
    char *path; /* as the user wrote it, used in every message */
    as_deck_entry *entries;
    int nentries;
    as_deck_section *sections;
    int nsections;
} as_deck;

/* Parse deck text; path is only used in messages. */
as_deck *as_deck_parse(const char *path, const char *text, as_error *err);
/* Rank 0 of comm reads the file and broadcasts its text; every rank parses it,
 * so every rank sees the same deck or the same error. */
as_deck *as_deck_read(const char *path, MPI_Comm comm, as_error *err);
void as_deck_destroy(as_deck *d);

/* The entry for section/key, or NULL; marks it used. */
as_deck_entry *as_deck_find(as_deck *d, const char *section, const char *key);
/* Whether a section header is present. */
int as_deck_has_section(const as_deck *d, const char *section);

/* Error helpers: "path:line: message" with code AS_EINPUT. */
int as_deck_error(const as_deck *d, int line, as_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Check that every section is one of `sections` and every key of a section is
 * in its NULL-terminated list; suggests the closest valid name. */
typedef struct as_deck_schema {
    const char *section;
    const char *const *keys;
} as_deck_schema;
int as_deck_check_schema(const as_deck *d, const as_deck_schema *schema, int nschema, as_error *err);

/* Closest candidate to word (edit distance), or NULL if none is close. */
const char *as_closest_name(const char *word, const char *const *candidates);

/* ---- Typed getters.  Each returns AS_OK and leaves *out untouched when the key
 * is absent (so the caller's default stands); *found says whether it was set. ---- */

int as_deck_get_string(as_deck *d, const char *sec, const char *key, char *out, int n, int *found,
                       as_error *err);
int as_deck_get_int(as_deck *d, const char *sec, const char *key, int *out, int *found, as_error *err);
/* Exactly `count` integers. */
int as_deck_get_ints(as_deck *d, const char *sec, const char *key, int *out, int count, int *found,
                     as_error *err);
int as_deck_get_double(as_deck *d, const char *sec, const char *key, double *out, int *found, as_error *err);
int as_deck_get_bool(as_deck *d, const char *sec, const char *key, int *out, int *found, as_error *err);
/* One of the NULL-terminated choices (case-insensitive); *out is the index. */
int as_deck_get_choice(as_deck *d, const char *sec, const char *key, const char *const *choices, int *out,
                       int *found, as_error *err);

/* Physical quantities with an optional unit word after the number(s). */
typedef enum {
    AS_QTY_ENERGY,   /* Ha (default) | Ry | eV | meV | K -> hartree */
    AS_QTY_LENGTH,   /* angstrom (default) | bohr | nm -> bohr */
    AS_QTY_FORCE,    /* eV/angstrom (default) | Ha/bohr | Ry/bohr -> Ha/bohr */
    AS_QTY_PRESSURE, /* GPa (default) | kbar | Ha/bohr^3 -> Ha/bohr^3 */
    AS_QTY_TIME,     /* s (default) | min | h | d -> seconds; also SLURM's [D-]HH:MM:SS and MM:SS */
    AS_QTY_NONE      /* dimensionless: a unit word is an error */
} as_qty_kind;

/* Parse "x [unit]" from a string (the helper below and block readers use it). */
int as_parse_quantity(const char *text, as_qty_kind kind, int count, double *out, const char **unit_used);
/* `count` numbers and an optional unit, converted to atomic units. */
int as_deck_get_quantity(as_deck *d, const char *sec, const char *key, as_qty_kind kind, double *out,
                         int count, int *found, as_error *err);

/* The name of a quantity kind's units for messages ("Ha, Ry, eV, meV or K"). */
const char *as_qty_units_help(as_qty_kind kind);

#endif
