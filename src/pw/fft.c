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
        as_error_nomem(err, "FFT", sizeof *f);
        return NULL;
    }
    memcpy(f->n, n, sizeof f->n);
    f->ntot = (size_t)n[0] * (size_t)n[1] * (size_t)n[2];
    f->box = fftw_malloc(f->ntot * sizeof *f->box);
    if (!f->box) {
        as_error_nomem(err, "FFT box", f->ntot * sizeof(double complex));
        free(f);
        return NULL;
    }
    /* FFTW_MEASURE overwrites the array; plan before use.  Plans are made once. */
    f->fwd = fftw_plan_dft_3d(n[0], n[1], n[2], f->box, f->box, FFTW_FORWARD, FFTW_MEASURE);
    f->bwd = fftw_plan_dft_3d(n[0], n[1], n[2], f->box, f->box, FFTW_BACKWARD, FFTW_MEASURE);
    if (!f->fwd || !f->bwd) {
        as_fft_destroy(f);
        as_error_set(err, AS_EINTERNAL, "FFTW could not plan a %dx%dx%d transform", n[0], n[1], n[2]);
        return NULL;
    }
    return f;
}

void as_fft_destroy(as_fft *f)
{
    if (!f)
        return;
    if (f->fwd)
        fftw_destroy_plan(f->fwd);
    if (f->bwd)
        fftw_destroy_plan(f->bwd);
    fftw_free(f->box);
    free(f);
}

void as_fft_g2r(as_fft *f) { fftw_execute(f->bwd); }

void as_fft_r2g_unscaled(as_fft *f) { fftw_execute(f->fwd); }

void as_fft_r2g(as_fft *f)
{
    fftw_execute(f->fwd);
    const double s = 1.0 / (double)f->ntot;
    for (size_t i = 0; i < f->ntot; i++)
        f->box[i] *= s;
}
