/* The scan's configurations: from the relaxed host, its interstitial sites and [scan], the list of
 * starting structures, each with a deterministic name.  Pure (no MPI, no files): every rank builds
 * the same list from the same host.
 *
 *   frenkel       a lattice anion of the species moves to the site (composition kept).  Vacancy
 *                 choices: the lattice anions of that species within frenkel_radius of the site,
 *                 one per orbit of the site's stabiliser (two vacancies that a symmetry operation
 *                 fixing the site exchanges give the same pair); by default the nearest two
 *                 shells (AS_SCAN_SHELL_TOL_ANG).  Name SPECIES_SITE_vN, N the 1-based host index
 *                 of the orbit's first atom: "Br_i1_v14".  Multiplicity: the site's multiplicity
 *                 times the orbit's size (the pair's orbit under the host's group).
 *   interstitial  an extra anion on the site, for each charge (the cell's charge = the anion's:
 *                 -1 the closed-shell halide ion, 0 spin-polarised).  Name "Br_i1_q-1".
 *   distortions   each configuration once per value: the interstitial's AS_SCAN_DISTORT_NEIGHBOURS
 *                 nearest neighbours moved along their bond to it by that fraction of its length
 *                 (ShakeNBreak's bond distortions); 0 is the undistorted start; name suffix "_d+0.3".
 *   rattle        the interstitial and every atom within AS_SCAN_RATTLE_RADIUS_ANG of it are moved
 *                 by a random vector, uniform in a ball of radius `rattle`, from a generator seeded
 *                 by (seed, name): reproducible, and the same configuration gets the same start in
 *                 every run and on every rank.  It breaks the mirror planes a site may sit on.
 * The atoms keep the host's order (a Frenkel pair moves atom v; an extra anion is appended), so
 * the relaxed host's density and wavefunctions fit the configuration's first SCF. */
#ifndef AS_SCAN_CONFIG_H
#define AS_SCAN_CONFIG_H

#include <stdint.h>

#include "core/error.h"
#include "crystal/sites.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"
#include "io/settings.h"
#include "scan/record.h"

#define AS_SCAN_SHELL_TOL_ANG 0.3        /* anions whose distances to the site differ by less form one shell */
#define AS_SCAN_RATTLE_RADIUS_ANG 3.5    /* neighbours rattled with the interstitial: the first coordination shell */
#define AS_SCAN_DISTORT_NEIGHBOURS 2     /* nearest neighbours moved by a bond distortion */
#define AS_SCAN_MIN_DIST_ANG 0.5         /* no two atoms of a start closer than this */

typedef struct as_scan_config {
    char name[AS_SCAN_NAME_LEN];
    char family[AS_SCAN_NAME_LEN];
    as_scan_mode mode;          /* AS_SCAN_FRENKEL or AS_SCAN_INTERSTITIAL */
    int species_z;
    int charge;                 /* the cell's charge */
    int site;                   /* index into the sites */
    int vacancy;                /* host atom index of the moved anion (frenkel), else -1 */
    int vacancy_orbit;          /* atoms in its orbit under the site's stabiliser */
    double vacancy_dist;        /* bohr: from the site to the vacancy */
    double distortion;          /* fraction; 0 = none */
    int multiplicity;
    int interstitial;           /* the interstitial's atom index in start */
    double site_frac[3];        /* the unrattled interstitial position */
    uint64_t seed;
    as_structure *start;
    double cost;                /* relative cost, for the order of the task farm */
} as_scan_config;

typedef struct as_scan_configs {
    int n;
    as_scan_config *c;
} as_scan_configs;

/* All configurations, in a deterministic order (site, species, vacancy or charge, distortion).
 * Errors (AS_EINPUT, with deck:LINE when deck is given): an unknown site in 'sites', a Frenkel
 * species the host does not contain, a start with two atoms closer than AS_SCAN_MIN_DIST_ANG. */
as_scan_configs *as_scan_configs_build(const as_structure *host, const as_symmetry *sym, const as_sites *sites,
                                       const as_scan_settings *sc, const char *deck, as_error *err);
void as_scan_configs_destroy(as_scan_configs *cs);

/* The default Frenkel radius for a site at x and species z: the distance to the second shell of
 * z's atoms plus AS_SCAN_SHELL_TOL_ANG (bohr); all of them if there are fewer shells. */
double as_scan_frenkel_radius(const as_structure *host, const double x[3], int z);

/* The random generator of the rattle (splitmix64: small, portable, reproducible everywhere). */
uint64_t as_scan_seed(long seed, const char *name);
double as_scan_random(uint64_t *state); /* uniform in [0, 1) */

#endif
