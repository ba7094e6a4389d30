/* Typed settings read from a deck, one struct per section, in atomic units.
 * Every key a theorist can write is here and in docs/input.md (type, default,
 * unit, example).  Reading validates values and reports "deck.in:LINE: ...". */
#ifndef AS_IO_SETTINGS_H
#define AS_IO_SETTINGS_H

#include "core/error.h"
#include "core/units.h"
#include "io/deck.h"

#define AS_PATH_MAX 1024
#define AS_MAX_PSEUDO_OVERRIDES 16
/* Input limits (docs/input.md): beyond them no plane-wave calculation can run, and the readers refuse the
 * input before allocating for it. */
#define AS_MAX_SUPERCELL_ENTRY 100 /* |entry| of 'supercell' */
#define AS_MAX_SUPERCELL_DET 1000  /* cells in a supercell */
#define AS_MAX_KMESH 100           /* k points along one direction */
#define AS_MAX_KPOINTS 100000      /* points of the whole mesh */
#define AS_MAX_NBANDS 100000
#define AS_MAX_CELL_ANG 1000.0     /* |component| of a cell vector, angstrom */
#define AS_MAX_SCAN_SPECIES 4

/* [structure]: where the host comes from.  Exactly one of host / file / cell+atoms. */
typedef enum { AS_SRC_HOST, AS_SRC_FILE, AS_SRC_EXPLICIT } as_structure_source;
typedef enum { AS_PHASE_PNMA, AS_PHASE_CUBIC } as_phase;

typedef struct as_structure_settings {
    as_structure_source source;
    int line;               /* deck line of host/file/atoms, for messages */
    int supercell_line;     /* deck line of 'supercell' (0 if absent) */
    char host[64];          /* e.g. "CsPbCl0.25Br2.75" */
    as_phase phase;         /* default Pnma */
    int have_lattice;
    double lattice[3];      /* a b c, bohr (cubic: all equal) */
    int supercell[3][3];    /* integer matrix, rows = new vectors in old ones */
    int pattern;            /* 1-based mixed-halide arrangement */
    char file[AS_PATH_MAX]; /* CIF or POSCAR */
    double cell[3][3];      /* explicit cell rows, bohr */
    int natoms;             /* explicit atoms */
    int *z;
    double (*pos)[3];       /* explicit positions, fractional after reading */
} as_structure_settings;

typedef enum { AS_SPIN_NONE, AS_SPIN_COLLINEAR } as_spin_mode;
typedef enum {
    AS_SMEAR_NONE,
    AS_SMEAR_GAUSSIAN,
    AS_SMEAR_FERMI_DIRAC,
    AS_SMEAR_MARZARI_VANDERBILT,
    AS_SMEAR_METHFESSEL_PAXTON
} as_smearing_kind;

typedef struct as_pseudo_override {
    int z;
    char variant[64]; /* e.g. "q14" or "GTH-PBE-q14" */
    int line;
} as_pseudo_override;

/* [dft] */
/* band_edges: on the k mesh only, also at the special points, or the rule in pw/bandedges.h. */
typedef enum { AS_EDGES_MESH = 0, AS_EDGES_SPECIAL = 1, AS_EDGES_AUTO = 2 } as_edges_mode;

typedef struct as_dft_settings {
    char xc[32];                 /* PBE (default), PBEsol, LDA (PZ), PW */
    double ecut;                 /* Ha, wavefunction cutoff; default 25 Ha */
    int gamma_only;              /* kpoints = gamma */
    int kmesh[3];                /* Monkhorst-Pack mesh; default 1 1 1 */
    int kshift[3];               /* 0 or 1 (half-step shift) per direction */
    int nbands;                  /* 0 = automatic */
    double scf_tol;              /* Ha, energy change and density residual; default 1e-8 */
    int max_scf;                 /* default 100 */
    double mixing_beta;          /* default 0.5 */
    int mixing_history;          /* Pulay history length, 1..64; default 8 */
    char potentials[AS_PATH_MAX]; /* directory; "" = the shipped potentials/ */
    as_pseudo_override overrides[AS_MAX_PSEUDO_OVERRIDES];
    int noverrides;
    double charge;               /* net charge q of the cell (electrons removed = q) */
    as_spin_mode spin;
    double magnetization;        /* total magnetisation, Bohr magnetons: fixed with fixed occupations, the
                                    starting value with smearing; NAN = automatic (N_el mod 2) */
    int spin_fixed;              /* 'collinear M fixed': keep M with smearing too (two Fermi levels) */
    as_smearing_kind smearing;
    double smearing_width;       /* Ha */
    as_edges_mode band_edges;    /* where the band edges are looked for (default AS_EDGES_AUTO) */
    int use_symmetry;            /* reduce k-points and symmetrise the density (default 1) */
    int real_wavefunctions;      /* real layout at time-reversal-invariant k-points (default 1) */
    int stress;                  /* 'scf' computes and prints the stress tensor (default 0: when asked) */
    int line;                    /* deck line for errors found later (the xc key, else [dft]) */
    int potentials_line;         /* deck line of 'potentials' (0 if absent) */
    int nbands_line;             /* deck line of 'nbands' (0 if absent) */
} as_dft_settings;

/* [relax] */
typedef struct as_relax_settings {
    double fmax;      /* Ha/bohr; default 0.05 eV/angstrom */
    int cell;         /* relax the cell too; default false */
    int max_steps;    /* default 100 */
    double pressure;  /* target pressure, Ha/bohr^3; default 0 */
    int method;       /* AS_RELAX_BFGS (default) or AS_RELAX_FIRE */
    double stress_tol; /* Ha/bohr^3, max |sigma - p| for cell = true; default 0.05 GPa */
    int keep_symmetry; /* symmetrise forces, stress and steps with the starting group; default true */
    double max_step;  /* bohr, largest displacement of an atom per step; default 0.2 angstrom */
} as_relax_settings;

enum { AS_RELAX_BFGS = 0, AS_RELAX_FIRE = 1 };

typedef enum { AS_SCAN_INTERSTITIAL, AS_SCAN_FRENKEL, AS_SCAN_BOTH } as_scan_mode;
typedef enum { AS_HOST_RELAX_NONE, AS_HOST_RELAX_POSITIONS, AS_HOST_RELAX_CELL } as_host_relax;

#define AS_MAX_SCAN_SITES 64
#define AS_MAX_SCAN_CHARGES 4
#define AS_MAX_SCAN_DISTORTIONS 8
/* Defaults of the scan (docs/scan.md says why). */
#define AS_SCAN_RATTLE_ANG 0.03       /* random displacement of the interstitial and its neighbours */
#define AS_SCAN_SEED 20261203         /* the rattle's seed */
#define AS_SCAN_TEMPERATURE_K 300.0
#define AS_SCAN_SAME_EV 0.005         /* "same as": structures match and energies within 5 meV */
#define AS_SCAN_PRERELAX_ECUT 0.6     /* the prerelaxation's cutoff, a fraction of ecut (0.22 x the plane waves) */
#define AS_SCAN_PRERELAX_FMAX 3.0     /* its fmax, times the deck's */
#define AS_SCAN_MERGE_TOL_ANG 0.3      /* merging after the prerelaxation (scan/merge.h): the classifier's
                                       * `same as` tolerance, crystal/match.h's AS_MATCH_TOL_ANG */
#define AS_SCAN_PRERELAX_FMAX_MIN (0.05 / AS_HA_BOHR_EV_ANG) /* and at least 0.05 eV/angstrom (in Ha/bohr) */

/* [scan] */
typedef struct as_scan_settings {
    int species[AS_MAX_SCAN_SPECIES]; /* atomic numbers; default: the host's halides */
    int nspecies;
    as_scan_mode mode;                /* default frenkel (the anion leaves a lattice site) */
    double min_dist;                  /* bohr; <= 0: default from ionic radii */
    double min_dist_factor;           /* fraction of the radii sum used by the default (0.6) */
    double cluster_tol;               /* bohr; default 1 angstrom (AS_SITES_CLUSTER_TOL_ANG) */
    int max_sites;                    /* default 0 = all */
    as_host_relax relax_host;         /* default positions */
    char sites[AS_MAX_SCAN_SITES][16]; /* 'sites = i1 i3': only these (default: all) */
    int nsites;
    int sites_line;
    double frenkel_radius;            /* bohr; 0 = the nearest two shells of the species (default) */
    int charges[AS_MAX_SCAN_CHARGES]; /* interstitial mode: the extra anion's charges; default -1 */
    int ncharges;
    double rattle;                    /* bohr; AS_SCAN_RATTLE_ANG; 0 = none */
    long seed;                        /* AS_SCAN_SEED */
    double distortions[AS_MAX_SCAN_DISTORTIONS]; /* bond distortions of the neighbours (fractions); default none */
    int ndistortions;
    char reference[64];               /* configuration whose energy is the zero of its family ("" = the lowest) */
    int reference_line;
    double temperature;               /* K, for the populations; AS_SCAN_TEMPERATURE_K */
    double same_energy;               /* Ha: AS_SCAN_SAME_EV */
    int prerelax;                     /* relax each configuration first at a lower cutoff (default true) */
    double prerelax_ecut;             /* Ha; 0 = AS_SCAN_PRERELAX_ECUT x ecut */
    double prerelax_fmax;             /* Ha/bohr; 0 = max(AS_SCAN_PRERELAX_FMAX x fmax, 0.05 eV/angstrom) */
    int prerelax_correct;             /* then the corrected prerelaxation to fmax (scan/correction.h; default true) */
    double merge_tol;                 /* bohr: merging after the prerelaxation (scan/merge.h); 0 = off */
    double positions[AS_MAX_SCAN_SITES][3]; /* 'positions = crystal' block: given sites u1, u2, ... (fractional) */
    int npositions;
    int line;                         /* the [scan] section's line (0 if absent) */
} as_scan_settings;

/* [parallel] (the command line's --pools and --groups win) */
typedef struct as_parallel_settings {
    int pools;  /* k-point pools; 0 = automatic */
    int groups; /* configuration groups for several decks; 0 = automatic */
    int pools_line; /* deck line of 'pools' (0 if absent), for errors found when the ranks are known */
} as_parallel_settings;

/* [run] (the command line's --max-time wins) */
typedef struct as_run_settings {
    double max_time; /* s: the run's time budget (parallel/stop.h); 0 = none */
} as_run_settings;

/* [output] */
typedef struct as_output_settings {
    char dir[AS_PATH_MAX]; /* default: the deck's name without extension */
} as_output_settings;

typedef struct as_settings {
    as_structure_settings structure;
    as_dft_settings dft;
    as_relax_settings relax;
    as_scan_settings scan;
    as_output_settings output;
    as_parallel_settings parallel;
    as_run_settings run;
} as_settings;

/* Defaults for every key. */
void as_settings_defaults(as_settings *s);
/* Read all sections; unknown sections or keys, bad values and wrong units are errors.
 * Relative paths (file, potentials) are taken relative to the deck's directory. */ 
int as_settings_read(as_deck *deck, as_settings *s, as_error *err);
void as_settings_free(as_settings *s);

/* The shipped potentials directory: $ANIONSCAN_POTENTIALS, else the installed one beside the binary
 * (BIN/../share/anionscan/potentials, make install), else the source tree's (BIN/../potentials),
 * else the compiled-in path of the build. */
const char *as_default_potentials_dir(void);

#endif
