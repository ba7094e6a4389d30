#include "pw/xc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Densities below this are treated as vacuum (libxc's own threshold is similar; QE uses 1e-10). */
#define AS_XC_RHO_MIN 1e-10

as_xc *as_xc_create(const char *name, int nspin, as_error *err)
{
    int ids[2], gga;
    if (!strcasecmp(name, "PBE")) {
        ids[0] = XC_GGA_X_PBE, ids[1] = XC_GGA_C_PBE, gga = 1;
    } else if (!strcasecmp(name, "PBEsol")) {
        ids[0] = XC_GGA_X_PBE_SOL, ids[1] = XC_GGA_C_PBE_SOL, gga = 1;
    } else if (!strcasecmp(name, "LDA") || !strcasecmp(name, "PZ")) {
        ids[0] = XC_LDA_X, ids[1] = XC_LDA_C_PZ, gga = 0;
    } else if (!strcasecmp(name, "PW")) {
        ids[0] = XC_LDA_X, ids[1] = XC_LDA_C_PW, gga = 0;
    } else {
        as_error_set(err, AS_EINPUT, "unknown functional '%s' (PBE, PBEsol, LDA, PW)", name);
        return NULL;
    }
    as_xc *xc = calloc(1, sizeof *xc);
    if (!xc) {
        as_error_nomem(err, "xc", sizeof *xc);
        return NULL;
    }
    snprintf(xc->name, sizeof xc->name, "%s", name);
    xc->gga = gga;
    xc->nspin = nspin;
    for (int i = 0; i < 2; i++) {
        if (xc_func_init(&xc->func[i], ids[i], nspin == 2 ? XC_POLARIZED : XC_UNPOLARIZED) != 0) {
            as_xc_destroy(xc);
            as_error_set(err, AS_EINTERNAL, "libxc could not initialise functional %d", ids[i]);
            return NULL;
        }
        xc->nfunc++;
        xc_func_set_dens_threshold(&xc->func[i], AS_XC_RHO_MIN);
    }
    return xc;
}

void as_xc_destroy(as_xc *xc)
{
    if (!xc)
        return;
    for (int i = 0; i < xc->nfunc; i++)
        xc_func_end(&xc->func[i]);
    free(xc);
}

/* out[x] (x = 0..2, ntot reals each) = d/dx_x of the field with sphere coefficients f_g.
 * Two real fields share one transform: (d_x + i d_y), then d_z. */
static void gradient(const as_gvecs *gv, const double complex *f_g, double *out)
{
    as_fft_sticks *st = gv->st;
    const size_t nt = st->grid->ntot;
    for (int pass = 0; pass < 2; pass++) {
        memset(st->gbuf, 0, st->ng * sizeof *st->gbuf);
        for (int ig = 0; ig < gv->ng; ig++) {
            /* real fields: d_x f has coefficients i G_x f(G); combine two as a + i b */
            double complex a = I * gv->g[ig][pass ? 2 : 0] * f_g[ig];
            double complex b = pass ? 0.0 : I * gv->g[ig][1] * f_g[ig];
            st->gbuf[gv->pos[ig]] = a + I * b;
        }
        as_fft_g2r(st);
        const double complex *rb = st->grid->rbuf;
        if (pass == 0) {
            for (size_t r = 0; r < nt; r++) {
                out[r] = creal(rb[r]);
                out[nt + r] = cimag(rb[r]);
            }
        } else {
            for (size_t r = 0; r < nt; r++)
                out[2 * nt + r] = creal(rb[r]);
        }
    }
}

/* out (ntot reals) -= div h, h = 3 fields of ntot reals, differentiated on the sphere. */
static void subtract_divergence(const as_gvecs *gv, const double *h, double *out, double complex *acc)
{
    as_fft_sticks *st = gv->st;
    const size_t nt = st->grid->ntot;
    const double inv = 1.0 / (double)st->grid->nglobal;
    double complex *rb = st->grid->rbuf;
    memset(acc, 0, (size_t)gv->ng * sizeof *acc);
    for (int pass = 0; pass < 2; pass++) {
        /* h_x + i h_y, then h_z: split the transform of two real fields by G <-> -G symmetry */
        for (size_t r = 0; r < nt; r++)
            rb[r] = pass ? h[2 * nt + r] : h[r] + I * h[nt + r];
        as_fft_r2g(st);
        for (int ig = 0; ig < gv->ng; ig++) {
            const double complex fp = st->gbuf[gv->pos[ig]] * inv, fm = conj(st->gbuf[gv->pos[gv->minus[ig]]]) * inv;
            if (pass == 0) {
                const double complex hx = 0.5 * (fp + fm), hy = -0.5 * I * (fp - fm);
                acc[ig] += I * (gv->g[ig][0] * hx + gv->g[ig][1] * hy);
            } else {
                acc[ig] += I * gv->g[ig][2] * fp;
            }
        }
    }
    memset(st->gbuf, 0, st->ng * sizeof *st->gbuf);
    for (int ig = 0; ig < gv->ng; ig++)
        st->gbuf[gv->pos[ig]] = acc[ig];
    as_fft_g2r(st);
    for (size_t r = 0; r < nt; r++)
        out[r] -= creal(rb[r]);
}

int as_xc_eval(const as_xc *xc, const as_gvecs *gv, double omega, const double *rho_r,
               const double complex *rho_g, double *vxc_r, double *exc, double stress_gga[3][3], MPI_Comm share,
               as_error *err)
{
    const size_t n = gv->st->grid->ntot, nglobal = gv->st->grid->nglobal;
    const int ns = xc->nspin, nsig = ns == 2 ? 3 : 1;
    double *rho = malloc(n * (size_t)ns * sizeof *rho);      /* libxc layout: interleaved spins */
    double *zk = malloc(n * sizeof *zk), *zt = malloc(n * sizeof *zt);
    double *vrho = malloc(n * (size_t)ns * sizeof *vrho), *vt = malloc(n * (size_t)ns * sizeof *vt);
    double *sigma = NULL, *vsig = NULL, *vst = NULL, *grad = NULL, *h = NULL;
    double complex *acc = NULL;
    int ok = rho && zk && zt && vrho && vt;
    if (ok && xc->gga) {
        sigma = malloc(n * (size_t)nsig * sizeof *sigma);
        vsig = malloc(n * (size_t)nsig * sizeof *vsig);
        vst = malloc(n * (size_t)nsig * sizeof *vst);
        grad = malloc(n * 3 * (size_t)ns * sizeof *grad);
        h = malloc(n * 3 * sizeof *h);
        acc = malloc((size_t)gv->ng * sizeof *acc);
        ok = sigma && vsig && vst && grad && h && acc;
    }
    if (!ok) {
        free(rho), free(zk), free(zt), free(vrho), free(vt), free(sigma), free(vsig), free(vst), free(grad), free(h),
            free(acc);
        return as_error_nomem(err, "XC work arrays", n * 8 * 16);
    }
    /* Densities as |rho| (a truncated Fourier series can dip below zero); the energy keeps
     * the sign, as QE's v_of_rho does. */
    for (size_t r = 0; r < n; r++)
        for (int s = 0; s < ns; s++)
            rho[r * ns + s] = fabs(rho_r[(size_t)s * n + r]);
    if (xc->gga) {
        for (int s = 0; s < ns; s++)
            gradient(gv, rho_g + (size_t)s * gv->ng, grad + (size_t)s * 3 * n);
        for (size_t r = 0; r < n; r++) {
            const double *g0 = grad, *g1 = grad + 3 * n;
            double gu[3] = {g0[r], g0[n + r], g0[2 * n + r]};
            if (ns == 1) {
                sigma[r] = gu[0] * gu[0] + gu[1] * gu[1] + gu[2] * gu[2];
            } else {
                double gd[3] = {g1[r], g1[n + r], g1[2 * n + r]};
                sigma[3 * r] = gu[0] * gu[0] + gu[1] * gu[1] + gu[2] * gu[2];
                sigma[3 * r + 1] = gu[0] * gd[0] + gu[1] * gd[1] + gu[2] * gd[2];
                sigma[3 * r + 2] = gd[0] * gd[0] + gd[1] * gd[1] + gd[2] * gd[2];
            }
        }
    }
    memset(zk, 0, n * sizeof *zk);
    memset(vrho, 0, n * (size_t)ns * sizeof *vrho);
    if (xc->gga)
        memset(vsig, 0, n * (size_t)nsig * sizeof *vsig);
    const int energy_only = vxc_r == NULL;
    int rc = AS_OK;
    if (energy_only)
        stress_gga = NULL;
    /* This rank's share of the points [lo, hi) when several ranks hold the same grid. */
    int np = 1, me = 0;
    if (share != MPI_COMM_NULL) {
        MPI_Comm_size(share, &np);
        MPI_Comm_rank(share, &me);
    }
    const size_t lo = n * (size_t)me / (size_t)np, hi = n * (size_t)(me + 1) / (size_t)np, m = hi - lo;
    for (int f = 0; f < xc->nfunc; f++) {
        const double *rh = rho + lo * ns, *sg = xc->gga ? sigma + lo * nsig : NULL;
        if (energy_only) {
            if (xc->func[f].info->family == XC_FAMILY_GGA)
                xc_gga_exc(&xc->func[f], m, rh, sg, zt);
            else
                xc_lda_exc(&xc->func[f], m, rh, zt);
            for (size_t r = 0; r < m; r++)
                zk[lo + r] += zt[r];
            continue;
        }
        if (xc->func[f].info->family == XC_FAMILY_GGA)
            xc_gga_exc_vxc(&xc->func[f], m, rh, sg, zt, vt, vst);
        else {
            xc_lda_exc_vxc(&xc->func[f], m, rh, zt, vt);
            if (xc->gga)
                memset(vst, 0, m * (size_t)nsig * sizeof *vst);
        }
        for (size_t r = 0; r < m; r++)
            zk[lo + r] += zt[r];
        for (size_t r = 0; r < m * (size_t)ns; r++)
            vrho[lo * ns + r] += vt[r];
        if (xc->gga)
            for (size_t r = 0; r < m * (size_t)nsig; r++)
                vsig[lo * nsig + r] += vst[r];
    }
    if (np > 1) {
        /* every rank gets every point's values back (point order kept: the results do not depend on np) */
        int *cnt = malloc((size_t)np * 2 * sizeof *cnt);
        if (!cnt) {
            rc = as_error_nomem(err, "XC share counts", (size_t)np * 8);
            goto done;
        }
        int *dsp = cnt + np;
        const int widths[3] = {1, ns, nsig};
        double *arrays[3] = {zk, vrho, vsig};
        for (int a = 0; a < (energy_only ? 1 : (xc->gga ? 3 : 2)); a++) {
            for (int q = 0; q < np; q++) {
                const size_t ql = n * (size_t)q / (size_t)np, qh = n * (size_t)(q + 1) / (size_t)np;
                cnt[q] = (int)((qh - ql) * (size_t)widths[a]);
                dsp[q] = (int)(ql * (size_t)widths[a]);
            }
            MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, arrays[a], cnt, dsp, MPI_DOUBLE, share);
        }
        free(cnt);
    }
    double e = 0.0;
    for (size_t r = 0; r < n; r++) {
        double tot = 0.0, atot = 0.0;
        for (int s = 0; s < ns; s++) {
            tot += rho_r[(size_t)s * n + r];
            atot += rho[r * ns + s];
        }
        if (atot < AS_XC_RHO_MIN)
            continue;
        e += zk[r] * (ns == 1 ? tot : atot);
    }
    *exc = as_fft_sum(gv->st->grid, e) * omega / (double)nglobal;
    if (energy_only)
        goto done;
    for (int s = 0; s < ns; s++)
        for (size_t r = 0; r < n; r++)
            vxc_r[(size_t)s * n + r] = rho[r * ns + s] < AS_XC_RHO_MIN ? 0.0 : vrho[r * ns + s];
    if (stress_gga)
        memset(stress_gga, 0, 9 * sizeof(double));
    if (xc->gga) {
        /* v_s -= div( sum_s' c_ss' vsigma ∇rho_s' ): c = 2 for the same spin (and unpolarised), 1 across. */
        for (int s = 0; s < ns; s++) {
            for (size_t r = 0; r < n; r++) {
                for (int x = 0; x < 3; x++) {
                    double v;
                    if (ns == 1)
                        v = 2.0 * vsig[r] * grad[x * n + r];
                    else if (s == 0)
                        v = 2.0 * vsig[3 * r] * grad[x * n + r] + vsig[3 * r + 1] * grad[3 * n + x * n + r];
                    else
                        v = 2.0 * vsig[3 * r + 2] * grad[3 * n + x * n + r] + vsig[3 * r + 1] * grad[x * n + r];
                    h[x * n + r] = v;
                }
            }
            if (stress_gga)
                for (int x = 0; x < 3; x++)
                    for (int y = 0; y < 3; y++) {
                        double sum = 0.0;
                        for (size_t r = 0; r < n; r++)
                            sum += h[x * n + r] * grad[(size_t)s * 3 * n + y * n + r];
                        stress_gga[x][y] += sum / (double)nglobal;
                    }
            subtract_divergence(gv, h, vxc_r + (size_t)s * n, acc);
        }
        if (stress_gga)
            as_fft_sum_array(gv->st->grid, &stress_gga[0][0], 9);
    }
done:
    free(rho), free(zk), free(zt), free(vrho), free(vt), free(sigma), free(vsig), free(vst), free(grad), free(h),
        free(acc);
    return rc;
}
