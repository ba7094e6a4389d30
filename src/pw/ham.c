#include "pw/ham.h"

#include <stdlib.h>
#include <string.h>

int as_ham_prepare(as_ham *h, as_error *err)
{
    const int npw = h->basis->npw;
    free(h->hdiag);
    h->hdiag = malloc((size_t)npw * sizeof *h->hdiag);
    if (!h->hdiag)
        return as_error_nomem(err, "H diagonal", (size_t)npw * sizeof(double));
    double vavg = 0.0;
    for (size_t r = 0; r < h->fft->ntot; r++)
        vavg += h->vloc[r];
    vavg /= (double)h->fft->ntot;
    const as_nonlocal *nl = h->nl;
    for (int g = 0; g < npw; g++) {
        double d = 0.0;
        for (int j = 0; j < nl->nproj; j++) {
            double complex bj = h->proj->b[(size_t)j * npw + g];
            for (int k = 0; k < nl->nblk[j]; k++) {
                int jj = nl->first[j] + k;
                d += nl->h[j][k] * creal(conj(bj) * h->proj->b[(size_t)jj * npw + g]);
            }
        }
        h->hdiag[g] = h->basis->ekin[g] + vavg + d;
    }
    return AS_OK;
}

void as_ham_release(as_ham *h)
{
    free(h->hdiag);
    h->hdiag = NULL;
}

void as_ham_apply(const as_ham *h, int nb, const double complex *psi, double complex *hpsi, double complex *work)
{
    const as_basis *b = h->basis;
    const int npw = b->npw;
    as_fft *f = h->fft;
    const double inv = 1.0 / (double)f->ntot;
    if (!b->gamma) {
        for (int n = 0; n < nb; n++) {
            const double complex *p = psi + (size_t)n * npw;
            double complex *hp = hpsi + (size_t)n * npw;
            memset(f->box, 0, f->ntot * sizeof *f->box);
            for (int g = 0; g < npw; g++)
                f->box[b->box[g]] = p[g];
            as_fft_g2r(f);
            for (size_t r = 0; r < f->ntot; r++)
                f->box[r] *= h->vloc[r];
            as_fft_r2g_unscaled(f);
            for (int g = 0; g < npw; g++)
                hp[g] = b->ekin[g] * p[g] + inv * f->box[b->box[g]];
        }
    } else {
        for (int n = 0; n < nb; n += 2) {
            const double complex *p1 = psi + (size_t)n * npw;
            const double complex *p2 = n + 1 < nb ? p1 + npw : NULL;
            double complex *h1 = hpsi + (size_t)n * npw, *h2 = p2 ? h1 + npw : NULL;
            memset(f->box, 0, f->ntot * sizeof *f->box);
            for (int g = 0; g < npw; g++) {
                double complex a = p1[g], c = p2 ? p2[g] : 0.0;
                f->box[b->box[g]] = a + I * c;
                f->box[b->box_minus[g]] = conj(a) + I * conj(c);
            }
            as_fft_g2r(f);
            for (size_t r = 0; r < f->ntot; r++)
                f->box[r] *= h->vloc[r];
            as_fft_r2g_unscaled(f);
            for (int g = 0; g < npw; g++) {
                double complex fp = f->box[b->box[g]], fm = conj(f->box[b->box_minus[g]]);
                h1[g] = b->ekin[g] * p1[g] + 0.5 * inv * (fp + fm);
                if (h2)
                    h2[g] = b->ekin[g] * p2[g] - 0.5 * I * inv * (fp - fm);
            }
        }
    }
    as_nonlocal_apply(h->nl, h->proj, b, nb, psi, hpsi, work);
}
