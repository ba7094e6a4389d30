#include "pw/fft.h"

#include <stdlib.h>
#include <string.h>

int as_fft_good_size(int nmin)
{
    for (int n = nmin > 1 ? nmin : 1;; n++) {
        int m = n;
        while (m % 2 == 0)
            m /= 2;
        while (m % 3 == 0)
            m /= 3;
        while (m % 5 == 0)
            m /= 5;
        if (m == 1)
            return n;
    }
}

as_fft *as_fft_create(const int n[3], as_error *err)
{
    as_fft *f = calloc(1, sizeof *f);
    if (!f) {
        as_error_nomem(err, "FFT grid", sizeof *f);
        return NULL;
    }
    memcpy(f->n, n, sizeof f->n);
    f->nglobal = (size_t)n[0] * n[1] * n[2];
    f->z0 = 0;
    f->nz = n[2];
    f->ntot = (size_t)n[0] * n[1] * f->nz;
    f->rbuf = fftw_malloc(f->ntot * sizeof *f->rbuf);
    if (!f->rbuf) {
        as_error_nomem(err, "FFT real-space buffer", f->ntot * sizeof(double complex));
        free(f);
        return NULL;
    }
    return f;
}

void as_fft_destroy(as_fft *f)
{
    if (!f)
        return;
    fftw_free(f->rbuf);
    free(f);
}

void as_fft_sticks_destroy(as_fft_sticks *s)
{
    if (!s)
        return;
    fftw_plan *pl[4] = {&s->zb, &s->zf, &s->xb, &s->xf};
    for (int i = 0; i < 4; i++)
        if (*pl[i])
            fftw_destroy_plan(*pl[i]);
    for (int r = 0; r < s->nruns; r++) {
        if (s->yb && s->yb[r])
            fftw_destroy_plan(s->yb[r]);
        if (s->yf && s->yf[r])
            fftw_destroy_plan(s->yf[r]);
    }
    free(s->yb);
    free(s->yf);
    free(s->run);
    free(s->col);
    free(s->stick_of_col);
    fftw_free(s->gbuf);
    free(s);
}

as_fft_sticks *as_fft_sticks_create(as_fft *grid, const unsigned char *mask, as_error *err)
{
    const int n0 = grid->n[0], n1 = grid->n[1], n2 = grid->n[2], nz = grid->nz;
    as_fft_sticks *s = calloc(1, sizeof *s);
    if (!s) {
        as_error_nomem(err, "FFT sticks", sizeof *s);
        return NULL;
    }
    s->grid = grid;
    s->stick_of_col = malloc((size_t)n0 * n1 * sizeof *s->stick_of_col);
    s->col = malloc((size_t)n0 * n1 * sizeof *s->col);
    s->run = malloc((size_t)n0 * sizeof *s->run);
    if (!s->stick_of_col || !s->col || !s->run)
        goto nomem;
    for (int x = 0; x < n0; x++)
        for (int y = 0; y < n1; y++) {
            size_t c = (size_t)x * n1 + y;
            s->stick_of_col[c] = -1;
            if (mask[c]) {
                s->stick_of_col[c] = s->nst;
                s->col[s->nst][0] = x;
                s->col[s->nst][1] = y;
                s->nst++;
            }
        }
    /* runs of x rows that hold at least one stick */
    for (int x = 0; x < n0; x++) {
        int has = 0;
        for (int y = 0; y < n1 && !has; y++)
            has = mask[(size_t)x * n1 + y] != 0;
        if (!has)
            continue;
        if (s->nruns > 0 && s->run[s->nruns - 1][0] + s->run[s->nruns - 1][1] == x)
            s->run[s->nruns - 1][1]++;
        else {
            s->run[s->nruns][0] = x;
            s->run[s->nruns][1] = 1;
            s->nruns++;
        }
    }
    s->ng = (size_t)(s->nst > 0 ? s->nst : 1) * n2;
    s->gbuf = fftw_malloc(s->ng * sizeof *s->gbuf);
    s->yb = calloc((size_t)(s->nruns > 0 ? s->nruns : 1), sizeof *s->yb);
    s->yf = calloc((size_t)(s->nruns > 0 ? s->nruns : 1), sizeof *s->yf);
    if (!s->gbuf || !s->yb || !s->yf)
        goto nomem;
    /* z: nst transforms of length n2, contiguous, in place on gbuf */
    const int nn2[1] = {n2};
    s->zb = fftw_plan_many_dft(1, nn2, s->nst, s->gbuf, NULL, 1, n2, s->gbuf, NULL, 1, n2, FFTW_BACKWARD,
                               FFTW_MEASURE);
    s->zf = fftw_plan_many_dft(1, nn2, s->nst, s->gbuf, NULL, 1, n2, s->gbuf, NULL, 1, n2, FFTW_FORWARD,
                               FFTW_MEASURE);
    /* y: length n1, stride 1, over the run's rows (stride n1) and the planes (stride n0 n1) */
    for (int r = 0; r < s->nruns; r++) {
        fftw_iodim dim = {n1, 1, 1};
        fftw_iodim many[2] = {{s->run[r][1], n1, n1}, {nz, n0 * n1, n0 * n1}};
        double complex *base = grid->rbuf + (size_t)s->run[r][0] * n1;
        s->yb[r] = fftw_plan_guru_dft(1, &dim, 2, many, base, base, FFTW_BACKWARD, FFTW_MEASURE);
        s->yf[r] = fftw_plan_guru_dft(1, &dim, 2, many, base, base, FFTW_FORWARD, FFTW_MEASURE);
    }
    /* x: length n0, stride n1, over y (stride 1) and planes */
    {
        fftw_iodim dim = {n0, n1, n1};
        fftw_iodim many[2] = {{n1, 1, 1}, {nz, n0 * n1, n0 * n1}};
        s->xb = fftw_plan_guru_dft(1, &dim, 2, many, grid->rbuf, grid->rbuf, FFTW_BACKWARD, FFTW_MEASURE);
        s->xf = fftw_plan_guru_dft(1, &dim, 2, many, grid->rbuf, grid->rbuf, FFTW_FORWARD, FFTW_MEASURE);
    }
    if ((s->nst > 0 && (!s->zb || !s->zf)) || !s->xb || !s->xf) {
        as_fft_sticks_destroy(s);
        as_error_set(err, AS_EINTERNAL, "FFTW could not plan the %dx%dx%d transforms", n0, n1, n2);
        return NULL;
    }
    return s;
nomem:
    as_fft_sticks_destroy(s);
    as_error_nomem(err, "FFT sticks", (size_t)n0 * n1 * 16);
    return NULL;
}

/* The plan was made on (rbuf + offset); guru execute on the same arrays. */
void as_fft_g2r(as_fft_sticks *s)
{
    as_fft *g = s->grid;
    const int n0 = g->n[0], n1 = g->n[1], n2 = g->n[2];
    if (s->nst > 0)
        fftw_execute(s->zb);
    memset(g->rbuf, 0, g->ntot * sizeof *g->rbuf);
    for (int st = 0; st < s->nst; st++) {
        const int x = s->col[st][0], y = s->col[st][1];
        const double complex *src = s->gbuf + (size_t)st * n2 + g->z0;
        for (int z = 0; z < g->nz; z++)
            g->rbuf[((size_t)z * n0 + x) * n1 + y] = src[z];
    }
    for (int r = 0; r < s->nruns; r++)
        fftw_execute(s->yb[r]);
    fftw_execute(s->xb);
}

void as_fft_r2g(as_fft_sticks *s)
{
    as_fft *g = s->grid;
    const int n0 = g->n[0], n1 = g->n[1], n2 = g->n[2];
    fftw_execute(s->xf);
    for (int r = 0; r < s->nruns; r++)
        fftw_execute(s->yf[r]);
    for (int st = 0; st < s->nst; st++) {
        const int x = s->col[st][0], y = s->col[st][1];
        double complex *dst = s->gbuf + (size_t)st * n2 + g->z0;
        for (int z = 0; z < g->nz; z++)
            dst[z] = g->rbuf[((size_t)z * n0 + x) * n1 + y];
    }
    if (s->nst > 0)
        fftw_execute(s->zf);
}
