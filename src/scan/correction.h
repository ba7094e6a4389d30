/* The cutoff correction of the scan's prerelaxation (docs/scan.md, "corrected prerelaxation").
 *
 * The lower cutoff's energy surface has its minima elsewhere than the full cutoff's (the basis error
 * of the semicore potentials), so a relaxation at the lower cutoff alone stops away from the full
 * cutoff's minimum and the relaxation at the full cutoff has to walk the rest.  The correction: one
 * SCF at the full cutoff at the prerelaxed structure x1 gives F_full(x1); the prerelaxation then goes
 * on at the lower cutoff with every force shifted by F_full(x1) - F_low(x1) (relax/run.h,
 * force_shift), so that at x1 it sees the full cutoff's forces exactly and nearby nearly: the basis
 * error of the forces varies with the bonds far more slowly than the forces themselves. */
#ifndef AS_SCAN_CORRECTION_H
#define AS_SCAN_CORRECTION_H

#include "core/error.h"

/* At most this many rounds of probe + shifted relaxation (scan/scan.c, corrected_prerelax): the shift
 * is exact only where it was taken, so a long path on the lower cutoff's surface is corrected again
 * from where it stopped. */
#define AS_SCAN_CORRECT_ROUNDS 3
/* and only while each round brings the full cutoff's largest force below this fraction of the last
 * round's: where the two cutoffs' difference changes faster than the path is long, it does not */
#define AS_SCAN_CORRECT_GAIN 0.7
/* The rounds relax to the deck's fmax, but not below this (eV/angstrom): the shift is exact only where it was
 * taken, and on a flat surface a relaxation to a much smaller fmax on the shifted lower cutoff wanders
 * (bench/decks/scan_cspbbr3_int_k212_tight.in at fmax 0.0005: 120 steps at 6 Ha with forces of 0.01-0.07,
 * going nowhere).  The relaxation at the full cutoff takes it from there with the rounds' Hessian. */
#define AS_SCAN_CORRECT_FMAX_MIN_EV_ANG 0.01

/* The lower-cutoff stages' SCF tolerance is matched to their own fmax, not the deck's: a force's error goes
 * as the square root of the SCF's energy error, so a stage relaxing to stage_fmax needs only
 * scf_tol x (stage_fmax / fmax)^2, and at most this (Ha; the default scf_tol, with which a
 * prerelaxation at 0.05 eV/angstrom works, docs/scan.md).  A deck at the default scf_tol and an fmax of
 * 0.01 or more keeps scf_tol in every stage; the tight bench deck (fmax 0.0005, scf_tol 1e-11) paid 40 %
 * more for its prerelaxation with scf_tol itself (window 12). */
#define AS_SCAN_STAGE_SCF_TOL_MAX 1e-8

/* The SCF tolerance (Ha) of a stage relaxing to stage_fmax for a deck of scf_tol and fmax: scf_tol x
 * (stage_fmax / fmax)^2, not above AS_SCAN_STAGE_SCF_TOL_MAX, not below scf_tol. */
double as_scan_stage_scf_tol(double scf_tol, double stage_fmax, double fmax);

typedef struct as_scan_shift {
    int natoms;
    double (*shift)[3];    /* F_full - F_low per atom, Cartesian Ha/bohr */
    double fmax_full;      /* the largest |F_full| (Ha/bohr) */
    double fmax_low;       /* the largest |F_low| */
    double largest;        /* the largest |F_full - F_low| */
} as_scan_shift;

/* Reads "forces_ha_bohr" from lowdir/result.json and fulldir/result.json (runs of one structure at the
 * two cutoffs, natoms atoms) and fills sh (its shift malloc'd; as_scan_shift_free).  AS_EIO/AS_EINPUT
 * naming the file when one is missing, damaged or of another atom count. */
int as_scan_shift_read(const char *lowdir, const char *fulldir, int natoms, as_scan_shift *sh, as_error *err);
void as_scan_shift_free(as_scan_shift *sh);

#endif
