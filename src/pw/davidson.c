#include "pw/davidson.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Lowest nb eigenpairs of the n x n Hermitian pencil (hc, sc) (leading dimension ld).
 * vc (ld x nb) receives the vectors, ew the values.  Returns 0, or -1 on failure. */
static int reduced_eig(int n, int ld, const double complex *hc, const double complex *sc, int nb,
                       double complex *vc, double *ew, int *fallback)
{
    double complex *a = malloc((size_t)n * n * sizeof *a), *b = malloc((size_t)n * n * sizeof *b);
    double complex *z = malloc((size_t)n * n * sizeof *z);
    double *w = malloc((size_t)n * sizeof *w);
    lapack_int *ifail = malloc((size_t)n * sizeof *ifail);
    int rc = -1;
    if (!a || !b || !z || !w || !ifail)
        goto done;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            a[(size_t)j * n + i] = hc[(size_t)j * ld + i];
            b[(size_t)j * n + i] = sc[(size_t)j * ld + i];
        }
    lapack_int m = 0;
    lapack_int info = LAPACKE_zhegvx(LAPACK_COL_MAJOR, 1, 'V', 'I', 'U', n, a, n, b, n, 0.0, 0.0, 1, nb, 0.0, &m, w,
                                     z, n, ifail);
    if (info == 0 && m == nb) {
        for (int j = 0; j < nb; j++) {
            ew[j] = w[j];
            for (int i = 0; i < n; i++)
                vc[(size_t)j * ld + i] = z[(size_t)j * n + i];
        }
        rc = 0;
        goto done;
    }
    /* Fallback: the overlap is (nearly) singular.  Canonical orthogonalisation:
     * S = U s U^H, keep s > tol, X = U s^{-1/2}; solve X^H H X y = e y, c = X y. */
    *fallback += 1;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
            b[(size_t)j * n + i] = sc[(size_t)j * ld + i];
    if (LAPACKE_zheev(LAPACK_COL_MAJOR, 'V', 'U', n, b, n, w) != 0)
        goto done;
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
        goto done;
    /* t = H X (n x keep), hx = X^H t (keep x keep) */
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
            a[(size_t)j * n + i] = hc[(size_t)j * ld + i];
    const double complex one = 1.0, zero = 0.0;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, keep, n, &one, a, n, b, n, &zero, z, n);
    double complex *hx = malloc((size_t)keep * keep * sizeof *hx);
    if (!hx)
        goto done;
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, keep, keep, n, &one, b, n, z, n, &zero, hx, keep);
    if (LAPACKE_zheev(LAPACK_COL_MAJOR, 'V', 'U', keep, hx, keep, w) != 0) {
        free(hx);
        goto done;
    }
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, nb, keep, &one, b, n, hx, keep, &zero, z, n);
    for (int j = 0; j < nb; j++) {
        ew[j] = w[j];
        for (int i = 0; i < n; i++)
            vc[(size_t)j * ld + i] = z[(size_t)j * n + i];
    }
    free(hx);
    rc = 0;
done:
    free(a), free(b), free(z), free(w), free(ifail);
    return rc;
}

int as_orthonormalize(int npw, int nb, double complex *psi, as_error *err)
{
    const double complex one = 1.0, zero = 0.0;
    double complex *s = malloc((size_t)nb * nb * sizeof *s);
    if (!s)
        return as_error_nomem(err, "overlap", (size_t)nb * nb * 16);
    cblas_zherk(CblasColMajor, CblasUpper, CblasConjTrans, nb, npw, 1.0, psi, npw, 0.0, s, nb);
    (void)one, (void)zero;
    if (LAPACKE_zpotrf(LAPACK_COL_MAJOR, 'U', nb, s, nb) != 0) {
        free(s);
        return as_error_set(err, AS_EINTERNAL, "wavefunctions are linearly dependent (Cholesky failed)");
    }
    /* psi <- psi U^{-1} */
    cblas_ztrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, npw, nb, &one, s, nb, psi, npw);
    free(s);
    return AS_OK;
}

int as_davidson(const as_ham *h, int nb, double complex *psi, double *eig, const as_david_opts *o,
                as_david_stats *st, as_error *err)
{
    const int npw = h->basis->npw;
    const int nvecx = (o->nvec_factor >= 2 ? o->nvec_factor : 2) * nb;
    const int nproj = h->nl->nproj > 0 ? h->nl->nproj : 1;
    const size_t big = (size_t)npw * (size_t)nvecx;
    double complex *v = malloc(big * sizeof *v), *hv = malloc(big * sizeof *hv);
    double complex *hc = calloc((size_t)nvecx * nvecx, sizeof *hc), *sc = calloc((size_t)nvecx * nvecx, sizeof *sc);
    double complex *vc = calloc((size_t)nvecx * nvecx, sizeof *vc);
    double complex *work = malloc((size_t)2 * nproj * (size_t)nvecx * sizeof *work);
    double complex *tmp = malloc((size_t)npw * nb * sizeof *tmp);
    double *ew = malloc((size_t)nvecx * sizeof *ew);
    int *conv = calloc((size_t)nb, sizeof *conv), *unc = malloc((size_t)nb * sizeof *unc);
    memset(st, 0, sizeof *st);
    int rc = AS_OK;
    if (!v || !hv || !hc || !sc || !vc || !work || !tmp || !ew || !conv || !unc) {
        rc = as_error_nomem(err, "Davidson work space", big * 32);
        goto done;
    }
    const double complex one = 1.0, zero = 0.0;
    memcpy(v, psi, (size_t)npw * nb * sizeof *v);
    as_ham_apply(h, nb, v, hv, work);
    st->nhpsi += nb;
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, nb, nb, npw, &one, v, npw, hv, npw, &zero, hc, nvecx);
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, nb, nb, npw, &one, v, npw, v, npw, &zero, sc, nvecx);
    int nbase = nb;
    if (reduced_eig(nbase, nvecx, hc, sc, nb, vc, ew, &st->fallbacks)) {
        rc = as_error_set(err, AS_EINTERNAL, "Davidson: the starting subspace problem could not be solved");
        goto done;
    }
    memcpy(eig, ew, (size_t)nb * sizeof *eig);
    int notconv = nb;
    for (int n = 0; n < nb; n++)
        unc[n] = n;
    for (int kter = 0; kter < o->maxiter; kter++) {
        st->iterations = kter + 1;
        /* Corrections for the unconverged bands: r = (HV - e V) vc[:, n]. */
        for (int j = 0; j < notconv; j++)
            memcpy(vc + (size_t)(nbase + j) * nvecx, vc + (size_t)unc[j] * nvecx, (size_t)nbase * sizeof *vc);
        /* Use the spare columns nbase.. of vc as a compact copy (vc has nvecx columns). */
        double complex *vcu = vc + (size_t)nbase * nvecx;
        double complex *cor = v + (size_t)nbase * npw;
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, npw, notconv, nbase, &one, v, npw, vcu, nvecx, &zero,
                    cor, npw);
        for (int j = 0; j < notconv; j++) {
            double complex ne = -eig[unc[j]];
            cblas_zscal(npw, &ne, cor + (size_t)j * npw, 1);
        }
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, npw, notconv, nbase, &one, hv, npw, vcu, nvecx, &one,
                    cor, npw);
        for (int j = 0; j < notconv; j++) {
            double complex *c = cor + (size_t)j * npw;
            const double e = eig[unc[j]];
            double nrm = 0.0;
            for (int g = 0; g < npw; g++) {
                /* pw.x's g_psi in Rydberg units: a smooth, positive version of 1/(h_GG - e). */
                double x = 2.0 * (h->hdiag[g] - e);
                double denm = 0.5 * (1.0 + x + sqrt(1.0 + (x - 1.0) * (x - 1.0)));
                c[g] /= denm;
                nrm += creal(c[g] * conj(c[g]));
            }
            if (nrm > 0.0) {
                double complex s = 1.0 / sqrt(nrm);
                cblas_zscal(npw, &s, c, 1);
            }
        }
        as_ham_apply(h, notconv, cor, hv + (size_t)nbase * npw, work);
        st->nhpsi += notconv;
        const int nnew = nbase + notconv;
        cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, nnew, notconv, npw, &one, v, npw,
                    hv + (size_t)nbase * npw, npw, &zero, hc + (size_t)nbase * nvecx, nvecx);
        cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, nnew, notconv, npw, &one, v, npw, cor, npw, &zero,
                    sc + (size_t)nbase * nvecx, nvecx);
        nbase = nnew;
        for (int j = 0; j < nbase; j++)
            for (int i = j + 1; i < nbase; i++) {
                hc[(size_t)j * nvecx + i] = conj(hc[(size_t)i * nvecx + j]);
                sc[(size_t)j * nvecx + i] = conj(sc[(size_t)i * nvecx + j]);
            }
        if (reduced_eig(nbase, nvecx, hc, sc, nb, vc, ew, &st->fallbacks)) {
            rc = as_error_set(err, AS_EINTERNAL, "Davidson: the subspace eigenproblem failed (basis of %d vectors)",
                              nbase);
            goto done;
        }
        notconv = 0;
        for (int n = 0; n < nb; n++) {
            double thr = n < o->ntight ? o->ethr : o->ethr_empty;
            conv[n] = fabs(ew[n] - eig[n]) < thr;
            if (!conv[n])
                unc[notconv++] = n;
            eig[n] = ew[n];
        }
        const int last = kter == o->maxiter - 1;
        if (notconv == 0 || nbase + notconv > nvecx || last) {
            cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, npw, nb, nbase, &one, v, npw, vc, nvecx, &zero, psi,
                        npw);
            if (notconv == 0 || last)
                break;
            /* Restart on the Ritz vectors. */
            memcpy(v, psi, (size_t)npw * nb * sizeof *v);
            cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, npw, nb, nbase, &one, hv, npw, vc, nvecx, &zero, tmp,
                        npw);
            memcpy(hv, tmp, (size_t)npw * nb * sizeof *hv);
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
    free(v), free(hv), free(hc), free(sc), free(vc), free(work), free(tmp), free(ew), free(conv), free(unc);
    return rc;
}
