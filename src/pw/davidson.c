#include "pw/davidson.h"
#include "core/clock.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pw/wfblas.h"

/* Canonical orthogonalisation when S is (nearly) singular: S = U s U^H, keep s > tol,
 * X = U s^{-1/2}; solve X^H H X y = e y; c = X y.  a, b: n x n scratch holding H, S. */
static int reduced_eig_fallback(int n, double complex *a, double complex *b, double complex *z, double *w, int nb,
                                double complex *vc, int ld, double *ew)
{
    if (LAPACKE_zheev(LAPACK_COL_MAJOR, 'V', 'U', n, b, n, w) != 0)
        return -1;
    int keep = 0;
    const double tol = 1e-10 * w[n - 1];
    for (int j = 0; j < n; j++)
        if (w[j] > tol) {
            double s = 1.0 / sqrt(w[j]);
            for (int i = 0; i < n; i++)
                b[(size_t)keep * n + i] = b[(size_t)j * n + i] * s;
            keep++;
        }
    if (keep < nb)
        return -1;
    const double complex one = 1.0, zero = 0.0;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, keep, n, &one, a, n, b, n, &zero, z, n);
    double complex *hx = malloc((size_t)keep * keep * sizeof *hx);
    if (!hx)
        return -1;
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, keep, keep, n, &one, b, n, z, n, &zero, hx, keep);
    if (LAPACKE_zheev(LAPACK_COL_MAJOR, 'V', 'U', keep, hx, keep, w) != 0) {
        free(hx);
        return -1;
    }
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, nb, keep, &one, b, n, hx, keep, &zero, z, n);
    for (int j = 0; j < nb; j++) {
        ew[j] = w[j];
        for (int i = 0; i < n; i++)
            vc[(size_t)j * ld + i] = z[(size_t)j * n + i];
    }
    free(hx);
    return 0;
}

/* Lowest nb eigenpairs of the n x n pencil (hc, sc) (leading dimension ld) into vc, ew.
 * real: the matrices are real symmetric (Gamma layout) and so are the eigenvectors. */
static int reduced_eig_body(const as_blacs *blacs, int real, int n, int ld, const double complex *hc,
                       const double complex *sc, int nb, double complex *vc, double *ew, int *fallback)
{
    if (blacs && n >= blacs->min_n && as_blacs_eig(blacs, real, n, hc, sc, ld, nb, ew, vc) == 0)
        return 0;
    double complex *a = malloc((size_t)n * n * sizeof *a), *b = malloc((size_t)n * n * sizeof *b);
    double complex *z = malloc((size_t)n * n * sizeof *z);
    double *w = malloc((size_t)n * sizeof *w);
    lapack_int *ifail = malloc((size_t)n * sizeof *ifail);
    int rc = -1;
    if (!a || !b || !z || !w || !ifail)
        goto done;
    lapack_int m = 0, info;
    if (real) {
        double *ar = (double *)a, *br = (double *)b, *zr = (double *)z;
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) {
                ar[(size_t)j * n + i] = creal(hc[(size_t)j * ld + i]);
                br[(size_t)j * n + i] = creal(sc[(size_t)j * ld + i]);
            }
        info = LAPACKE_dsygvx(LAPACK_COL_MAJOR, 1, 'V', 'I', 'U', n, ar, n, br, n, 0.0, 0.0, 1, nb, 0.0, &m, w, zr, n,
                              ifail);
        if (info == 0 && m == nb) {
            for (int j = 0; j < nb; j++) {
                ew[j] = w[j];
                for (int i = 0; i < n; i++)
                    vc[(size_t)j * ld + i] = zr[(size_t)j * n + i];
            }
            rc = 0;
            goto done;
        }
    } else {
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) {
                a[(size_t)j * n + i] = hc[(size_t)j * ld + i];
                b[(size_t)j * n + i] = sc[(size_t)j * ld + i];
            }
        info = LAPACKE_zhegvx(LAPACK_COL_MAJOR, 1, 'V', 'I', 'U', n, a, n, b, n, 0.0, 0.0, 1, nb, 0.0, &m, w, z, n,
                              ifail);
        if (info == 0 && m == nb) {
            for (int j = 0; j < nb; j++) {
                ew[j] = w[j];
                for (int i = 0; i < n; i++)
                    vc[(size_t)j * ld + i] = z[(size_t)j * n + i];
            }
            rc = 0;
            goto done;
        }
    }
    /* The fallback works in complex arithmetic; for real input its eigenvectors are real up
     * to a phase per vector, which is removed so the Gamma layout stays real. */
    *fallback += 1;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            a[(size_t)j * n + i] = hc[(size_t)j * ld + i];
            b[(size_t)j * n + i] = sc[(size_t)j * ld + i];
        }
    rc = reduced_eig_fallback(n, a, b, z, w, nb, vc, ld, ew);
    if (rc == 0 && real)
        for (int j = 0; j < nb; j++) {
            double complex *v = vc + (size_t)j * ld;
            int big = 0;
            for (int i = 1; i < n; i++)
                if (cabs(v[i]) > cabs(v[big]))
                    big = i;
            double complex ph = cabs(v[big]) > 0 ? conj(v[big]) / cabs(v[big]) : 1.0;
            for (int i = 0; i < n; i++)
                v[i] = creal(v[i] * ph);
        }
done:
    free(a), free(b), free(z), free(w), free(ifail);
    return rc;
}

static int reduced_eig(const as_blacs *blacs, int real, int n, int ld, const double complex *hc,
                       const double complex *sc, int nb, double complex *vc, double *ew, int *fallback)
{
    as_clock_start(AS_CLK_SUBSPACE);
    const int rc = reduced_eig_body(blacs, real, n, ld, hc, sc, nb, vc, ew, fallback);
    as_clock_stop(AS_CLK_SUBSPACE);
    return rc;
}

int as_davidson(const as_ham *h, int nb, double complex *psi, double *eig, const as_david_opts *o,
                as_david_stats *st, as_error *err)
{
    const as_basis *bs = h->basis;
    const int npw = bs->npw, real = bs->real;
    const int nvecx = (o->nvec_factor >= 2 ? o->nvec_factor : 2) * nb;
    const int nproj = h->nl->nproj > 0 ? h->nl->nproj : 1;
    const size_t big = (size_t)npw * (size_t)nvecx;
    double complex *v = malloc(big * sizeof *v), *hv = malloc(big * sizeof *hv);
    double complex *hc = calloc((size_t)nvecx * nvecx, sizeof *hc), *sc = calloc((size_t)nvecx * nvecx, sizeof *sc);
    double complex *vc = calloc((size_t)nvecx * nvecx, sizeof *vc);
    double complex *work = malloc(AS_NONLOCAL_WORK(nproj, nvecx) * sizeof *work);
    double *rwork = malloc((size_t)nvecx * nvecx * sizeof *rwork);
    double *ew = malloc((size_t)nvecx * sizeof *ew);
    int *unc = malloc((size_t)nb * sizeof *unc);
    memset(st, 0, sizeof *st);
    int rc = AS_OK;
    if (!v || !hv || !hc || !sc || !vc || !work || !rwork || !ew || !unc) {
        rc = as_error_nomem(err, "Davidson work space", big * 32);
        goto done;
    }
    memcpy(v, psi, (size_t)npw * nb * sizeof *v);
    as_ham_apply(h, nb, v, hv, work);
    st->nhpsi += nb;
    as_wf_overlap(bs, nb, v, nb, hv, hc, nvecx, rwork);
    as_wf_overlap(bs, nb, v, nb, v, sc, nvecx, rwork);
    int nbase = nb;
    if (reduced_eig(h->blacs, real, nbase, nvecx, hc, sc, nb, vc, ew, &st->fallbacks)) {
        rc = as_error_set(err, AS_EINTERNAL, "Davidson: the starting subspace problem could not be solved");
        goto done;
    }
    memcpy(eig, ew, (size_t)nb * sizeof *eig);
    int notconv = 0;
    for (int n = o->first_open > 0 && o->first_open < nb ? o->first_open : 0; n < nb; n++)
        unc[notconv++] = n;
    for (int kter = 0; kter < o->maxiter; kter++) {
        st->iterations = kter + 1;
        /* Corrections for the unconverged bands, r = (HV - e V) vc[:, n], preconditioned.
         * The spare columns nbase.. of vc hold a compact copy of the needed coefficients. */
        for (int j = 0; j < notconv; j++)
            memcpy(vc + (size_t)(nbase + j) * nvecx, vc + (size_t)unc[j] * nvecx, (size_t)nbase * sizeof *vc);
        const double complex *vcu = vc + (size_t)nbase * nvecx;
        double complex *cor = v + (size_t)nbase * npw;
        as_wf_combine(bs, nbase, v, vcu, nvecx, notconv, 0.0, cor, rwork);
        for (int j = 0; j < notconv; j++) {
            const double e = eig[unc[j]];
            double complex *c = cor + (size_t)j * npw;
            for (int g = 0; g < npw; g++)
                c[g] *= -e;
        }
        as_wf_combine(bs, nbase, hv, vcu, nvecx, notconv, 1.0, cor, rwork);
        for (int j = 0; j < notconv; j++) {
            double complex *c = cor + (size_t)j * npw;
            const double e = eig[unc[j]];
            for (int g = 0; g < npw; g++) {
                /* pw.x's g_psi in Rydberg units: a smooth, positive version of 1/(h_GG - e). */
                double x = 2.0 * (h->hdiag[g] - e);
                c[g] /= 0.5 * (1.0 + x + sqrt(1.0 + (x - 1.0) * (x - 1.0)));
            }
        }
        as_wf_norm2_many(bs, notconv, cor, ew); /* ew is free until the subspace problem below */
        for (int j = 0; j < notconv; j++) {
            double complex *c = cor + (size_t)j * npw;
            if (ew[j] > 0.0) {
                const double s = 1.0 / sqrt(ew[j]);
                for (int g = 0; g < npw; g++)
                    c[g] *= s;
            }
        }
        as_ham_apply(h, notconv, cor, hv + (size_t)nbase * npw, work);
        st->nhpsi += notconv;
        const int nnew = nbase + notconv;
        as_wf_overlap(bs, nnew, v, notconv, hv + (size_t)nbase * npw, hc + (size_t)nbase * nvecx, nvecx, rwork);
        as_wf_overlap(bs, nnew, v, notconv, cor, sc + (size_t)nbase * nvecx, nvecx, rwork);
        nbase = nnew;
        for (int j = 0; j < nbase; j++)
            for (int i = j + 1; i < nbase; i++) {
                hc[(size_t)j * nvecx + i] = conj(hc[(size_t)i * nvecx + j]);
                sc[(size_t)j * nvecx + i] = conj(sc[(size_t)i * nvecx + j]);
            }
        if (reduced_eig(h->blacs, real, nbase, nvecx, hc, sc, nb, vc, ew, &st->fallbacks)) {
            rc = as_error_set(err, AS_EINTERNAL, "Davidson: the subspace eigenproblem failed (basis of %d vectors)",
                              nbase);
            goto done;
        }
        notconv = 0;
        for (int n = 0; n < nb; n++) {
            double thr = (n >= o->tight_lo && n < o->ntight) ? o->ethr : o->ethr_empty;
            if (!(fabs(ew[n] - eig[n]) < thr))
                unc[notconv++] = n;
            eig[n] = ew[n];
        }
        const int last = kter == o->maxiter - 1;
        if (notconv == 0 || nbase + notconv > nvecx || last) {
            as_wf_combine(bs, nbase, v, vc, nvecx, nb, 0.0, psi, rwork);
            if (notconv == 0 || last)
                break;
            /* Restart on the Ritz vectors. */
            memcpy(v, psi, (size_t)npw * nb * sizeof *v);
            /* H V vc into V's upper columns, free now (nvecx >= 2 nb): no third block of vectors */
            as_wf_combine(bs, nbase, hv, vc, nvecx, nb, 0.0, v + (size_t)nb * npw, rwork);
            memcpy(hv, v + (size_t)nb * npw, (size_t)npw * nb * sizeof *hv);
            nbase = nb;
            memset(hc, 0, (size_t)nvecx * nvecx * sizeof *hc);
            memset(sc, 0, (size_t)nvecx * nvecx * sizeof *sc);
            memset(vc, 0, (size_t)nvecx * nvecx * sizeof *vc);
            for (int n = 0; n < nb; n++) {
                hc[(size_t)n * nvecx + n] = eig[n];
                sc[(size_t)n * nvecx + n] = 1.0;
                vc[(size_t)n * nvecx + n] = 1.0;
            }
        }
    }
    st->notconv = notconv;
done:
    free(v), free(hv), free(hc), free(sc), free(vc), free(work), free(rwork), free(ew), free(unc);
    return rc;
}

int as_rayleigh_ritz(const as_ham *h, int nvec, const double complex *v, int nb, double complex *psi, double *eig,
                     as_error *err)
{
    const as_basis *bs = h->basis;
    const int npw = bs->npw;
    const int nproj = h->nl->nproj > 0 ? h->nl->nproj : 1;
    double complex *hv = malloc((size_t)(npw > 0 ? npw : 1) * nvec * sizeof *hv);
    double complex *hc = calloc((size_t)nvec * nvec, sizeof *hc), *sc = calloc((size_t)nvec * nvec, sizeof *sc);
    double complex *vc = calloc((size_t)nvec * nvec, sizeof *vc);
    double complex *work = malloc(AS_NONLOCAL_WORK(nproj, nvec) * sizeof *work);
    double *rwork = malloc((size_t)nvec * nvec * sizeof *rwork);
    double *ew = malloc((size_t)nvec * sizeof *ew);
    int rc = AS_OK, fallbacks = 0;
    if (!hv || !hc || !sc || !vc || !work || !rwork || !ew) {
        rc = as_error_nomem(err, "Rayleigh-Ritz work space", (size_t)npw * nvec * 16);
        goto done;
    }
    as_ham_apply(h, nvec, v, hv, work);
    as_wf_overlap(bs, nvec, v, nvec, hv, hc, nvec, rwork);
    as_wf_overlap(bs, nvec, v, nvec, v, sc, nvec, rwork);
    /* symmetrise: the subspace solvers read one triangle */
    for (int j = 0; j < nvec; j++)
        for (int i = j + 1; i < nvec; i++) {
            hc[(size_t)j * nvec + i] = 0.5 * (hc[(size_t)j * nvec + i] + conj(hc[(size_t)i * nvec + j]));
            hc[(size_t)i * nvec + j] = conj(hc[(size_t)j * nvec + i]);
            sc[(size_t)j * nvec + i] = 0.5 * (sc[(size_t)j * nvec + i] + conj(sc[(size_t)i * nvec + j]));
            sc[(size_t)i * nvec + j] = conj(sc[(size_t)j * nvec + i]);
        }
    if (reduced_eig(h->blacs, bs->real, nvec, nvec, hc, sc, nb, vc, ew, &fallbacks)) {
        rc = as_error_set(err, AS_EINTERNAL, "Rayleigh-Ritz: the subspace problem of %d vectors failed", nvec);
        goto done;
    }
    as_wf_combine(bs, nvec, v, vc, nvec, nb, 0.0, psi, rwork);
    memcpy(eig, ew, (size_t)nb * sizeof *eig);
done:
    free(hv), free(hc), free(sc), free(vc), free(work), free(rwork), free(ew);
    return rc;
}
