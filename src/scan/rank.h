/* The ranking of a scan's configurations: energies relative to the zero of their family, band-gap shifts in the
 * paper's sign, Boltzmann populations; the one ranking `scan` and `report` print and write
 * (DIR/ranking.csv, DIR/ranking.json, DIR/report.md; docs/ranking.md gives the schema).
 *
 * Only configurations of one family (the record's `family`: mode, species, charge) are compared.  Within a family
 * the ranked configurations are the distinct minima (cls OK or MOVED); SAME, RECOMBINED and FAILED are listed with
 * their status but not ranked, and carry population 0.  Hartree inside; eV / meV only on output. */
#ifndef AS_SCAN_RANK_H
#define AS_SCAN_RANK_H

#include "core/error.h"
#include "scan/record.h"

typedef struct as_rank_params {
    double temperature;    /* K (> 0), default 300 */
    const char *reference; /* configuration whose energy is the zero of its family, or NULL: the lowest */
    double host_energy;    /* Ha, the relaxed host (all anions on lattice sites); NAN if unknown */
    double host_gap;       /* Ha; NAN if unknown (then no Δgap) */
    int formula_units;     /* formula units CsPbX3 in the host cell (>= 1), for ΔE per formula unit */
    const char *settings;  /* JSON text of the settings the energies were computed with (scan/settings.h),
                            * written as ranking.json's "settings" (anionscan report compares them); or NULL */
    const char *sources;   /* JSON text of an array of the directories ranked (anionscan report), or NULL */
} as_rank_params;

/* temperature 300 K, no reference, host energy and gap unknown (NAN), 1 formula unit, no settings. */
void as_rank_params_default(as_rank_params *p);

typedef struct as_rank_row { /* one configuration, ranked or not */
    int record;              /* index into the records */
    int family;              /* index into as_ranking.family */
    double de;               /* Ha, E - E(zero of the family); NAN without an energy or a zero */
    double de_per_fu;        /* Ha per formula unit: de / formula_units */
    double de_host;          /* Ha, E - E(host) for configurations of the host's composition (frenkel, charge 0),
                              * NAN otherwise: a Frenkel pair's energy, ~0 for a recombined one */
    double dgap;             /* Ha, gap(host, anions on the lattice) - gap(configuration): the gap change on annealing
                              * (interstitial -> lattice); the paper's Br_i^1 has dgap = -14 meV.  NAN if unknown */
    double population;       /* Boltzmann population (fraction) within the family at T, multiplicities counted;
                              * 0 for rows that are not ranked */
    int rank;                /* 1-based within the family by energy, 0 if not ranked */
} as_rank_row;

typedef struct as_rank_family {
    char name[AS_SCAN_NAME_LEN];
    int first, count;        /* its rows: row[first .. first + count - 1]; ranked ones first, by rank */
    int nranked;
    int zero;                /* record index of the zero-energy configuration, -1 if nothing is ranked */
    int zero_is_reference;   /* the zero is params.reference rather than the lowest energy */
    double e_zero;           /* Ha */
    double e_min;            /* Ha, the lowest ranked energy (the populations' origin) */
    double de_host_min;      /* Ha, the lowest E - E(host) of its configurations (host composition), NAN if none */
} as_rank_family;

/* A Frenkel pair cannot be more stable than the perfect crystal: a configuration of the host's composition more
 * than this below the host (Ha; 10 meV per cell, beyond the few meV that two relaxations within fmax differ by)
 * says that the host is not at a minimum at these settings (a saddle kept by its symmetry), and E - E(host) is then
 * no formation energy.  The ranking says so (as_rank_host_not_minimum). */
#define AS_RANK_HOST_BELOW (0.010 / 27.211386245988)
int as_rank_host_not_minimum(const as_rank_family *fa);

typedef struct as_ranking {
    int nrows;               /* = the number of records: every record has exactly one row */
    as_rank_row *row;        /* by family (in order of first appearance), within a family: ranked by rank, then
                              * SAME / RECOMBINED by energy, then those without an energy (FAILED) */
    int nfamilies;
    as_rank_family *family;
} as_ranking;

/* Rank n records.  AS_EINPUT when params.reference names no configuration or a not-ranked one, when the
 * temperature or formula_units are out of range, or when a record is inconsistent (an OK/MOVED configuration
 * without a finite energy and gap, or with multiplicity < 1).  Returns NULL on error. */
as_ranking *as_rank_compute(const as_scan_record *rec, int n, const as_rank_params *p, as_error *err);
void as_ranking_destroy(as_ranking *r);

/* "ok", "recombined", "moved", "same", "failed". */
const char *as_rank_status_name(as_scan_class cls);

/* The ranking as a table per family on the console (as_log), with the sign convention in its header. */
void as_rank_print(const as_ranking *r, const as_scan_record *rec, const as_rank_params *p);

/* DIR/ranking.csv, DIR/ranking.json and DIR/report.md, each written atomically (DIR is created if missing). */
int as_rank_write(const char *dir, const as_ranking *r, const as_scan_record *rec, int n, const as_rank_params *p,
                  as_error *err);

#endif
