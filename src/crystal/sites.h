/* Interstitial sites of a host crystal: candidates, filter, clustering, orbits.
 *
 *   1. candidates: Voronoi vertices (crystal/voronoi.h), centroids of Delaunay
 *      faces, midpoints of Delaunay edges, and the Wyckoff positions without free
 *      parameters of the host's space group (fixed points of its operations);
 *   2. drop candidates closer than min_dist(atom) to any host atom;
 *   3. merge: single linkage of the candidates' orbits -- two candidates belong to
 *      one site when a space-group operation maps one within cluster_tol of the
 *      other, transitively -- so each merged set is a union of whole orbits and the
 *      result does not depend on the origin, the atom order or the cell;
 *   4. each merged set takes the position, among its candidates, the centroids of
 *      its clusters in space (candidates linked by distances < cluster_tol) and the
 *      candidates averaged over their cluster's stabiliser, each projected onto the
 *      symmetry elements within sym_tol, with the highest site symmetry unless it
 *      has clearly less room (see as_sites_params.room_tol);
 *   5. sets whose positions an operation maps within cluster_tol of each other are
 *      merged too (the same rule picks the position), until no two are that close;
 *      each set is one irreducible site with its orbit, multiplicity, site symmetry
 *      (spglib, from the orbit appended as dummy atoms, checked against our own
 *      stabiliser), free radius (distance to the nearest host atom) and a name
 *      "i1", "i2", ... in order of decreasing free radius.
 * docs/sites.md explains the defaults. */
#ifndef AS_CRYSTAL_SITES_H
#define AS_CRYSTAL_SITES_H

#include "core/error.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"
#include "io/settings.h"

/* Candidate kinds (bit flags: a site remembers what it was merged from). */
enum { AS_CAND_VERTEX = 1, AS_CAND_FACE = 2, AS_CAND_EDGE = 4, AS_CAND_SPECIAL = 8 };

/* Defaults (docs/sites.md): keep candidates farther than 0.6 x (r_atom + r_anion) from every
 * host atom, and merge candidates closer than 1 angstrom (a relaxation merges such starting
 * points anyway).  Pnma CsPbBr3 then gives a handful of sites, cubic CsPbBr3 its 3d and 8g voids. */
#define AS_SITES_MIN_DIST_FACTOR 0.6
#define AS_SITES_CLUSTER_TOL_ANG 1.0

typedef struct as_sites_params {
    double min_dist;        /* bohr; > 0: this one distance for every host atom */
    double min_dist_factor; /* default rule: factor * (r_atom + r_anion), Shannon radii; 0.6 */
    double anion_radius;    /* bohr: radius of the inserted anion (the smallest scan species) */
    double cluster_tol;     /* bohr; 1 angstrom */
    double sym_tol;         /* bohr: a position this close to a symmetry element is put on it; 0.1 angstrom */
    double room_tol;        /* bohr: "clearly less room" = nearest atom closer by more than this; 0.1 angstrom */
    int max_sites;          /* keep the first N sites (0 = all) */
} as_sites_params;

/* Defaults, with Br- as the anion. */
void as_sites_params_default(as_sites_params *p);
/* Defaults overridden by [scan]: min_dist, min_dist_factor, cluster_tol, max_sites;
 * the anion is the smallest of the scan species, else of the host's halides, else Br. */
void as_sites_params_from_scan(as_sites_params *p, const as_scan_settings *sc, const as_structure *host);
/* The minimum distance (bohr) the filter keeps from an atom of element z. */
double as_sites_min_dist(const as_sites_params *p, int z);

typedef struct as_site {
    char name[16];          /* "i1", "i2", ... */
    char wyckoff[8];        /* "4c": multiplicity in the conventional cell and letter (spglib) */
    char site_symmetry[8];  /* oriented site-symmetry symbol (spglib), e.g. ".m." */
    char pointgroup[8];     /* point group of the stabiliser, e.g. "m" */
    double frac[3];         /* representative, fractional in [0, 1) */
    int multiplicity;       /* orbit size in the host cell */
    int stab_order;         /* order of the site-symmetry group */
    double free_radius;     /* bohr: distance to the nearest host atom */
    int nearest;            /* that atom (0-based index into the host) */
    int nearest_z;
    int kinds;              /* AS_CAND_* of the candidates merged into this site */
    double (*orbit)[3];     /* the multiplicity equivalent positions; orbit[0] = frac */
} as_site;

typedef struct as_sites {
    int nsites;             /* listed (after max_sites) */
    int nsites_all;         /* before max_sites */
    as_site *site;
    int nraw[4];            /* candidates: vertices, faces, edges, fixed-point Wyckoff positions */
    int nkept;              /* candidates after the min_dist filter */
    double (*cand)[3];      /* those candidates (fractional) */
    int *cand_site;         /* the site each was merged into (index into site[]; -1 if cut by max_sites) */
    int nclusters;          /* clusters in space: candidates linked by distances < cluster_tol */
    double min_dist_min, min_dist_max; /* bohr: range of the per-atom minimum distances */
    int spglib_agrees;      /* spglib's orbits of the sites (as dummy atoms) equal ours */
    char host_group[16];    /* the host's space-group type, "Pnma" */
    char wyckoff_group[16]; /* the type whose Wyckoff letters the sites carry: the host's, or for
                             * a supercell that keeps fewer operations, that subgroup's */
} as_sites;

/* Find the interstitial sites of host; sym = as_symmetry_create(host). */
as_sites *as_sites_find(const as_structure *host, const as_symmetry *sym, const as_sites_params *p,
                        as_error *err);
void as_sites_destroy(as_sites *s);

/* The Wyckoff positions without free parameters: points fixed by an operation
 * with an isolated fixed point (rotoinversion) or by two rotations about
 * different axes; fractional, [0, 1), deduplicated.  *pts is malloc'd. */
int as_special_points(const as_symmetry *sym, double (**pts)[3], int *npts, as_error *err);

/* Stabiliser of fractional x: the operations mapping x to itself within tol
 * (bohr); ops (optional, room for sym->nops) receives their indices.  Returns
 * its order. */
int as_site_stabilizer(const as_structure *host, const as_symmetry *sym, const double x[3], double tol, int *ops);

/* "VFEW"-style letters of the candidate kinds (vertex, face, edge, Wyckoff). */
void as_sites_kinds_string(int kinds, char out[8]);

/* Append a given point as a site named name (after the listed ones): its orbit under sym, no
 * Wyckoff letter ("-").  The scan's [scan] positions. */
int as_sites_add_point(as_sites *s, const as_structure *host, const as_symmetry *sym, const double frac[3],
                       const char *name, as_error *err);

/* Print the table of sites. */
void as_sites_print(const as_sites *s, const as_structure *host);

#endif
