/* Mixed halides: symmetry-distinct arrangements of a composition on the halide
 * sites of a pure host (crystal/perovskite.h, after any supercell).
 *
 * Counts: with N halide sites, each minority halide h takes round(N x_h / 3) sites
 * (at least 1 when x_h > 0); the majority halide keeps the rest.  The realised
 * composition is reported (formula, exact).
 *
 * Distinct arrangements: an arrangement is an occupation vector v (v[i] = index into
 * species_z of the halide on site i).  Every operation g of the pure host's space
 * group (spglib, including the pure translations of a supercell) permutes the sites,
 * (g v)[g(i)] = v[i].  The canonical representative of an orbit is its
 * lexicographically smallest vector; a vector is kept iff no operation makes it
 * smaller.  Its multiplicity (orbit size) is |G| / |stabiliser|; the multiplicities
 * add up to the raw count N! / prod n_h!.
 * Order: multiplicity descending, then canonical vector ascending; `pattern` counts
 * from 1 in this order. */
#ifndef AS_CRYSTAL_SUBSTITUTION_H
#define AS_CRYSTAL_SUBSTITUTION_H

#include "core/error.h"
#include "crystal/composition.h"
#include "crystal/structure.h"

/* Refuse enumerations above this many raw arrangements. */
#define AS_SUBST_MAX_RAW 2000000.0

typedef struct as_substitution {
    int nsites;                      /* halide sites of the host */
    int *site_atom;                  /* host atom index of each site */
    char *site_wyckoff;              /* host Wyckoff letter of each site */
    int *site_orbit;                 /* size of each site's orbit in the host cell */
    int nspecies;                    /* 1 (pure) + the number of substituting halides */
    int species_z[AS_NHALIDES];      /* [0] the host halide, then substituents (Cl, Br, I order) */
    int count[AS_NHALIDES];          /* sites per species_z entry */
    double realised[AS_NHALIDES];    /* halide amounts per formula unit (Cl, Br, I) */
    char formula[64];                /* realised composition, "CsPbCl0.25Br2.75" */
    int exact;                       /* realised == requested (to 1e-9) */
    int nops;                        /* operations of the host */
    double raw;                      /* raw arrangements N! / prod n_h! */
    int npatterns;
    unsigned char *occ;              /* npatterns x nsites canonical vectors */
    long *multiplicity;              /* orbit size per pattern */
} as_substitution;

/* Enumerate.  host must be pure (every halide site the majority halide of c);
 * symprec in bohr (<= 0: default); max_raw <= 0: AS_SUBST_MAX_RAW. */
as_substitution *as_substitution_enumerate(const as_structure *host, const as_composition *c, double symprec,
                                           double max_raw, as_error *err);
void as_substitution_destroy(as_substitution *sub);

/* A copy of host with pattern p (1-based) applied.  AS_EINPUT if p is out of range. */
as_structure *as_substitution_apply(const as_substitution *sub, const as_structure *host, int pattern,
                                    as_error *err);

/* One line describing pattern p: substituted atoms with their host Wyckoff letters,
 * e.g. "Cl on atom 12 (Br 8d)" (orbit size in the host cell and Wyckoff letter). */
void as_substitution_describe(const as_substitution *sub, int pattern, char *out, int n);

/* Site permutations of the host's operations: perm[o * nsites + i] = image of
 * site i under operation o (sites = the atoms listed in site_atom).  Returns nops,
 * or 0 with err set; *perm is malloc'd. */
int as_site_permutations(const as_structure *host, const int *site_atom, int nsites, double symprec, int **perm,
                         as_error *err);

#endif
