#include "pw/ham.h"
#include "core/clock.h"

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
    const as_fft *grid = h->fft->grid;
    for (size_t r = 0; r < grid->ntot; r++)
        vavg += h->vloc[r];
    vavg = as_fft_sum(grid, vavg) / (double)grid->nglobal;
    /* the nonlocal part is fixed per k-point: the projectors keep it */
    for (int g = 0; g < npw; g++)
        h->hdiag[g] = h->basis->ekin[g] + vavg + h->proj->diag[g];
    return AS_OK;
}

void as_ham_release(as_ham *h)
{
    free(h->hdiag);
    h->hdiag = NULL;
}

/* The local potential on one real-space plane (as_fft_g2r_planes). */
static void times_vloc(void *ctx, int iz, double complex *plane)
{
    const as_ham *h = ctx;
    const size_t np = (size_t)h->fft->grid->n[0] * h->fft->grid->n[1];
    const double *v = h->vloc + (size_t)iz * np;
    for (size_t i = 0; i < np; i++)
        plane[i] *= v[i];
}

static void as_ham_apply_body(const as_ham *h, int nb, const double complex *psi, double complex *hpsi, double complex *work)
{
    const as_basis *b = h->basis;
    const int npw = b->npw;
    as_fft_sticks *st = h->fft;
    as_fft *grid = st->grid;
    double complex *gb = st->gbuf;
    const double inv = 1.0 / (double)grid->nglobal;
    if (!b->real) {
        for (int n = 0; n < nb; n++) {
            const double complex *p = psi + (size_t)n * npw;
            double complex *hp = hpsi + (size_t)n * npw;
            memset(gb, 0, st->ng * sizeof *gb);
            for (int g = 0; g < npw; g++)
                gb[b->pos[g]] = p[g];
            as_fft_g2r_planes(st, times_vloc, (void *)h, 1);
            for (int g = 0; g < npw; g++)
                hp[g] = b->ekin[g] * p[g] + inv * gb[b->pos[g]];
        }
    } else {
        for (int n = 0; n < nb; n += 2) {
            const double complex *p1 = psi + (size_t)n * npw;
            const double complex *p2 = n + 1 < nb ? p1 + npw : NULL;
            double complex *h1 = hpsi + (size_t)n * npw, *h2 = p2 ? h1 + npw : NULL;
            memset(gb, 0, st->ng * sizeof *gb);
            for (int g = 0; g < npw; g++) {
                double complex a = p1[g], c = p2 ? p2[g] : 0.0;
                gb[b->pos[g]] = a + I * c;
                gb[b->pos_minus[g]] = conj(a) + I * conj(c);
            }
            as_fft_g2r_planes(st, times_vloc, (void *)h, 1);
            for (int g = 0; g < npw; g++) {
                double complex fp = gb[b->pos[g]], fm = conj(gb[b->pos_minus[g]]);
                h1[g] = b->ekin[g] * p1[g] + 0.5 * inv * (fp + fm);
                if (h2)
                    h2[g] = b->ekin[g] * p2[g] - 0.5 * I * inv * (fp - fm);
            }
        }
    }
    as_nonlocal_apply(h->nl, h->proj, b, nb, psi, hpsi, work);
}

void as_ham_apply(const as_ham *h, int nb, const double complex *psi, double complex *hpsi, double complex *work)
{
    as_clock_start(AS_CLK_HPSI);
    as_ham_apply_body(h, nb, psi, hpsi, work);
    as_clock_stop(AS_CLK_HPSI);
}
