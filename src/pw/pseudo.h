/* Goedecker-Teter-Hutter / Hartwigsen-Goedecker-Hutter norm-conserving pseudopotentials
 * (GTH PRB 54, 1703 (1996); HGH PRB 58, 3641 (1998); Krack TCA 114, 145 (2005)),
 * read in CP2K's format, with their analytic Fourier transforms.
 *
 * Conventions (docs/theory.md): v_loc(G) = (1/Omega) \int v_loc(r) e^{-iGr} d^3r;
 * projector radial transforms P_i^l(q) = \int_0^inf r^2 p_i^l(r) j_l(qr) dr, so that
 * <k+G|beta_{ilm}> = (4 pi / sqrt(Omega)) Y_lm(q^) P_i^l(q) e^{-i q.tau} up to a phase (-i)^l that cancels
 * in every |beta_i><beta_j| pair of the same l. */
#ifndef AS_PW_PSEUDO_H
#define AS_PW_PSEUDO_H

#include "core/error.h"

#define AS_PSEUDO_LMAX 3
#define AS_PSEUDO_NPRJ 3

typedef struct as_pseudo {
    int z;                  /* atomic number */
    char symbol[4];
    char name[64];          /* e.g. "GTH-PBE-q9" */
    char family[8];         /* "GGA" or "LDA", from the name (PBE/BLYP/.. vs PADE/LDA) */
    char path[1024];
    double zion;            /* valence charge */
    double nelec_l[AS_PSEUDO_LMAX + 1]; /* valence electrons per l (the file's second line): the starting orbitals */
    double rloc;
    int nloc;               /* number of C_i */
    double c[4];
    int nl;                 /* number of angular momentum channels l = 0..nl-1 */
    double rl[AS_PSEUDO_LMAX + 1];
    int nprj[AS_PSEUDO_LMAX + 1];
    double h[AS_PSEUDO_LMAX + 1][AS_PSEUDO_NPRJ][AS_PSEUDO_NPRJ];
} as_pseudo;

/* Parse one CP2K-format GTH block from text (path used in messages). */
int as_pseudo_parse(const char *text, const char *path, as_pseudo *p, as_error *err);
/* Read a file holding one block. */
int as_pseudo_read(const char *path, as_pseudo *p, as_error *err);

/* Find and read the potential for element z: dir/FAMILY/El-VARIANT.gth, then dir/El-VARIANT.gth,
 * where FAMILY is PBE for GGA functionals and LDA for LDA ones; variant "" = the default
 * (Cs q9, Pb q4, Cl/Br/I q7, Si q4, else the smallest valence found). */
int as_pseudo_find(const char *dir, int z, const char *variant, int gga, as_pseudo *p, as_error *err);

/* v_loc(G) * Omega for |G| = g (bohr^-1), without the -4 pi Z/G^2 Coulomb tail when
 * `short_range` is set (used for G = 0: the finite "alpha Z" term). */
double as_pseudo_vloc_g(const as_pseudo *p, double g, int short_range);
/* Derivative d(v_loc*Omega)/dg (for stress), full potential. */
double as_pseudo_vloc_dg(const as_pseudo *p, double g);

/* Radial projector transform P_i^l(q), i = 0..nprj-1 (0-based). */
double as_pseudo_proj_q(const as_pseudo *p, int l, int i, double q);
/* Its derivative with respect to q (for stress). */
double as_pseudo_proj_dq(const as_pseudo *p, int l, int i, double q);
/* Real-space projector p_i^l(r), for tests. */
double as_pseudo_proj_r(const as_pseudo *p, int l, int i, double r);
/* Real-space local potential v_loc(r), for tests. */
double as_pseudo_vloc_r(const as_pseudo *p, double r);

/* Total number of projector functions (sum over l of nprj*(2l+1)). */
int as_pseudo_nproj(const as_pseudo *p);

#endif
