/* Band edges and the gap.  The valence band maximum is the highest fully occupied state
 * (occupation > 99 % of the maximum), the conduction band minimum the lowest empty one
 * (< 1 %); states in between (a partly filled defect level, with smearing) are listed as
 * in-gap levels with their occupations.  Taken from the converged eigenvalues on the k mesh, and from
 * non-self-consistent calculations at the lattice's special points (the 8 TRIM points),
 * with the converged potential, because a mesh can miss the edges (a 3x3x3 mesh has no
 * R point, where cubic CsPbBr3's PBE gap is). */
#ifndef AS_PW_BANDEDGES_H
#define AS_PW_BANDEDGES_H

#include "pw/disc.h"
#include "pw/model.h"
#include "pw/scf.h"

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
    int nbands_special;
    int nlevels;                    /* partly occupied states on the mesh */
    struct as_level {
        int k, spin, band;
        double energy, occupation;  /* Ha; 0..1 per state */
    } *levels;
} as_band_edges;

/* special: also compute the special points off the mesh. */
int as_band_edges_compute(const as_model *m, const as_disc *d, const as_scf_state *st, int special,
                          as_band_edges *be, as_error *err);
void as_band_edges_free(as_band_edges *be);

#endif
