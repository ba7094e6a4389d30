/* What the scan knows about one configuration once it has been relaxed (or has failed): the
 * record the classifier fills, the ranking reads, and ranking.json / ranking.csv / report.md
 * carry.  Energies in Ha, lengths in bohr (atomic units inside; converted only on output). */
#ifndef AS_SCAN_RECORD_H
#define AS_SCAN_RECORD_H

#define AS_SCAN_NAME_LEN 64
#define AS_SCAN_MAX_LEVELS 8

/* Classification after relaxation (docs/scan.md). */
typedef enum {
    AS_CLASS_OK = 0,     /* stayed an interstitial near its starting site */
    AS_CLASS_RECOMBINED, /* a Frenkel interstitial fell back into a vacancy: the final structure is the host */
    AS_CLASS_MOVED,      /* ended in another site's basin (detail: that site's name) */
    AS_CLASS_SAME,       /* same final structure as another configuration (detail: its name) */
    AS_CLASS_FAILED      /* SCF or relaxation did not converge (detail: the reason) */
} as_scan_class;

/* One in-gap defect level: an eigenvalue between the host's band edges (Ha, absolute) and its
 * occupation (0..1: the fraction of the state filled, with or without spin; pw/bandedges.h). */
typedef struct as_scan_level {
    double energy;
    double occupation;
    int spin; /* 0, or 1 for the second channel */
} as_scan_level;

typedef struct as_scan_record {
    char name[AS_SCAN_NAME_LEN];   /* e.g. "Br_i1_v3" */
    char family[AS_SCAN_NAME_LEN]; /* configurations compared with each other: same mode, species and charge,
                                    * e.g. "frenkel Br q0" or "interstitial Cl q-1" */
    char mode[16];                 /* "frenkel" or "interstitial" */
    int species_z;                 /* the anion's atomic number */
    int charge;                    /* the cell's charge (frenkel: 0) */
    char site[16];                 /* the starting interstitial site, "i1" */
    int multiplicity;              /* equivalent configurations in the host cell (for the Boltzmann weights) */

    as_scan_class cls;
    char detail[AS_SCAN_NAME_LEN * 4]; /* the other site's / configuration's name, or the failure reason */
    char twin_of[AS_SCAN_NAME_LEN]; /* a lower-energy configuration of the family it is a twin of ("" if none):
                                     * the same arrangement turned by an operation of the lattice that the
                                     * host lacks (a <-> c of Pnma with a ~ c), with its own energy (classify.h) */

    int have_energy;               /* 0 for failed configurations without a final energy */
    double energy;                 /* Ha (free energy when smeared) */
    double gap;                    /* Ha: lowest empty minus highest fully occupied state */
    int smeared;                   /* smearing was switched on for this configuration */
    int nlevels;
    as_scan_level level[AS_SCAN_MAX_LEVELS];

    double final_frac[3];          /* the interstitial's final position (fractional) */
    char final_site[16];           /* the site whose basin it ended in ("" if none) */
    double displacement;           /* bohr: how far the interstitial moved from its start */

    int ionic_steps;
    long scf_iterations;
    double wall;                   /* seconds */
} as_scan_record;

#endif
