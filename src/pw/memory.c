/* The solver's memory on one rank (pw/memory.h).  Every term counts arrays the solver allocates:
 * complex coefficients are 16 bytes, grid values 8. */
#include "pw/memory.h"

/* Real-space and density-sphere arrays per point: rho, V_H, V_loc, V_xc, V_eff and the XC work in r
 * (10 + 6 per spin); rho(G), the structure factors, the mixer's history (8 pairs in single precision),
 * the form factors and the work arrays in G (30 complex). */
#define GRID_R_DOUBLES(nspin) (10.0 + 6.0 * (nspin))
#define GRID_G_COMPLEX 30.0

double as_memory_estimate(const as_memory_sizes *z, as_memory *m)
{
    const double c = 16.0, nb = z->nbands, nvec = (z->nvec_factor >= 2 ? z->nvec_factor : 2) * nb;
    m->wf = z->npw_sum * nb * z->nspin * c;
    m->dav = 2.0 * nvec * z->npw_max * c;
    m->proj = z->npw_sum * z->proj_cols * c;
    m->grid = z->grid_points * 8.0 * GRID_R_DOUBLES(z->nspin) + z->density_g * c * GRID_G_COMPLEX +
              3.0 * z->stick_g * c;
    /* hc, sc, vc and the reduced problem's three n x n copies (complex) and its real work: 104 bytes per
     * element; the projections P, D P and their work: 3 x nproj x nvec complex */
    m->rep = 104.0 * nvec * nvec + 3.0 * (z->nproj > 0 ? z->nproj : 1) * nvec * c;
    return m->wf + m->dav + m->proj + m->grid + m->rep;
}
