#include "pw/potential.h"
#include "core/clock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

void as_density_g2r(const as_disc *d, int nspin, const double complex *rho_g, double *rho_r)
{
    as_fft *f = d->fft;
    const as_gvecs *gv = d->gv;
    for (int s = 0; s < nspin; s++) {
        memset(gv->st->gbuf, 0, gv->st->ng * sizeof *gv->st->gbuf);
        for (int ig = 0; ig < gv->ng; ig++)
            gv->st->gbuf[gv->pos[ig]] = rho_g[(size_t)s * gv->ng + ig];
        as_fft_g2r(gv->st);
        for (size_t r = 0; r < f->ntot; r++)
            rho_r[(size_t)s * f->ntot + r] = creal(f->rbuf[r]);
    }
}

static int as_potential_body(const as_model *m, const as_disc *d, const double complex *rho_g, double *rho_r, double *v_r,
                 as_energies *e, as_error *err)
{
    const as_gvecs *gv = d->gv;
    as_fft *f = d->fft;
    const int ns = m->nspin;
    as_density_g2r(d, ns, rho_g, rho_r);
    double eh = 0.0, el = 0.0;
    for (int ig = 0; ig < gv->ng; ig++) {
        double complex rho = rho_g[ig];
        if (ns == 2)
            rho += rho_g[(size_t)gv->ng + ig];
        el += creal(conj(rho) * d->vloc_g[ig]);
        if (ig != gv->ig0)
            eh += AS_FOURPI * creal(conj(rho) * rho) / gv->g2[ig];
    }
    double v[2] = {eh, el};
    as_disc_sum_pw(d, v, 2);
    e->hartree = 0.5 * m->omega * v[0];
    e->local = m->omega * v[1];
    if (as_xc_eval(m->xc, gv, m->omega, rho_r, rho_g, v_r, &e->xc, NULL, d->lay->inter, err))
        return err->code;
    if (!v_r)
        return AS_OK;
    /* V_loc + V_H on the grid, added to V_xc. */
    memset(gv->st->gbuf, 0, gv->st->ng * sizeof *gv->st->gbuf);
    for (int ig = 0; ig < gv->ng; ig++) {
        double complex rho = rho_g[ig];
        if (ns == 2)
            rho += rho_g[(size_t)gv->ng + ig];
        double complex v = d->vloc_g[ig];
        if (ig != gv->ig0)
            v += AS_FOURPI * rho / gv->g2[ig];
        gv->st->gbuf[gv->pos[ig]] = v;
    }
    as_fft_g2r(gv->st);
    for (int s = 0; s < ns; s++)
        for (size_t r = 0; r < f->ntot; r++)
            v_r[(size_t)s * f->ntot + r] += creal(f->rbuf[r]);
    return AS_OK;
}

int as_potential(const as_model *m, const as_disc *d, const double complex *rho_g, double *rho_r, double *v_r,
                 as_energies *e, as_error *err)
{
    as_clock_start(AS_CLK_POTENTIAL);
    const int rc = as_potential_body(m, d, rho_g, rho_r, v_r, e, err);
    as_clock_stop(AS_CLK_POTENTIAL);
    return rc;
}
