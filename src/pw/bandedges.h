/* Band edges and the gap.  The valence band maximum is the highest fully occupied state
 * (occupation > 99 % of the maximum), the conduction band minimum the lowest empty one
 * (< 1 %); states in between (a partly filled defect level, with smearing) are listed as
 * in-gap levels with their occupations.  Taken from the converged eigenvalues on the k mesh, and from
 * non-self-consistent calculations at the lattice's special points (the 8 TRIM points),
 * with the converged potential, because a mesh can miss the edges (a 3x3x3 mesh has no
 * R point, where cubic CsPbBr3's PBE gap is).
 *
 * band_edges = auto (the default) takes the special points only where they can change the
 * answer at a small price: when the mesh misses some of them, the mesh is more than the
 * single point Gamma, and the cell has at most AS_EDGES_AUTO_MAX_ATOMS atoms.  A Gamma-only
 * run is the supercell convention (defect cells, the scan's configurations): its gap is the
 * Gamma gap, as in VASP's and pw.x's Gamma-only defect calculations, and the special points
 * would cost several k-points (complex at most of them) on top of a one-point SCF.  In cells
 * above 40 atoms the Brillouin zone is small and the folded bands flat across it, while
 * each extra point costs a full diagonalisation of the large cell.  `special` always adds
 * them, `mesh` never.  With auto, a special point far from both edges is only converged roughly
 * (AS_EDGES_SCREEN_*, below). */
#ifndef AS_PW_BANDEDGES_H
#define AS_PW_BANDEDGES_H

#include "core/units.h"
#include "pw/disc.h"
#include "pw/model.h"
#include "pw/scf.h"
#include "io/settings.h"

#define AS_EDGES_AUTO_MAX_ATOMS 40

/* band_edges = auto converges the special points in two stages.  First the bands next to the gap to
 * AS_EDGES_SCREEN_ETHR (Ha; the eigenvalue change of a Davidson iteration: the values are then within
 * ~10 meV, 2-8 meV measured on Pnma CsPbBr3) and the others to ten times that; a point whose
 * highest occupied band is then more than AS_EDGES_SCREEN_MARGIN below the mesh's valence band
 * maximum and whose lowest empty band more than that above the mesh's conduction band minimum
 * cannot hold an edge and stops there ("screened"); the others are converged as with
 * band_edges = special.  The margin is 10x the error measured (tests/e2e/t_scf_bandedges.sh). */
#define AS_EDGES_SCREEN_ETHR 1e-4
#define AS_EDGES_SCREEN_MARGIN (0.1 / AS_HA_EV) /* 0.1 eV */

typedef struct as_band_edges {
    double vbm, cbm, gap;           /* Ha, including special points */
    double vbm_k[3], cbm_k[3];
    char vbm_label[8], cbm_label[8];
    double vbm_mesh, cbm_mesh, gap_mesh;
    double mesh_vbm_k[3], mesh_cbm_k[3];
    int nspecial;                   /* special points computed off the mesh */
    double (*special_k)[3];
    char (*special_label)[8];
    double *special_eig;            /* nspecial x nspin x nbands_special */
    int *special_screened;          /* 1: the point was screened (AS_EDGES_SCREEN_*): its bands are
                                     * converged to AS_EDGES_SCREEN_ETHR only, all far from both edges */
    int nbands_special;
    int special_asked;              /* 1 if the special points were looked at (mode and rule) */
    char rule[160];                 /* why they were or were not, for the output */
    int nlevels;                    /* partly occupied states on the mesh */
    struct as_level {
        int k, spin, band;
        double energy, occupation;  /* Ha; 0..1 per state */
    } *levels;
} as_band_edges;

/* Whether mode (auto resolved by the rule above) takes the special points; why in why[n]. */
int as_band_edges_want_special(const as_model *m, const as_disc *d, as_edges_mode mode, char *why, size_t n);
int as_band_edges_compute(const as_model *m, const as_disc *d, const as_scf_state *st, as_edges_mode mode,
                          as_band_edges *be, as_error *err);
void as_band_edges_free(as_band_edges *be);

#endif
