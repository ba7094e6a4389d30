/* The FFT box: sizes chosen like Quantum ESPRESSO (smallest size with prime factors
 * 2, 3, 5 holding the density sphere without aliasing), FFTW plans made once and
 * reused.  Layout: C order, index (i0*n1 + i1)*n2 + i2 for the point
 * r = sum_k i_k/n_k a_k, and the Miller index m stored at (m mod n).
 * Sign conventions: as_fft_g2r computes f(r) = sum_G f(G) e^{+iGr};
 * as_fft_r2g computes f(G) = (1/N) sum_r f(r) e^{-iGr}. */
#ifndef AS_PW_FFT_H
#define AS_PW_FFT_H

#include <complex.h>
#include <stddef.h>
#include <fftw3.h>

#include "core/error.h"

typedef struct as_fft {
    int n[3];
    size_t ntot;
    double complex *box; /* work array of ntot points, owned */
    fftw_plan fwd, bwd;  /* in place on box */
} as_fft;

/* Smallest size >= nmin whose prime factors are 2, 3 and 5. */
int as_fft_good_size(int nmin);

as_fft *as_fft_create(const int n[3], as_error *err);
void as_fft_destroy(as_fft *f);

/* In place on f->box. */
void as_fft_g2r(as_fft *f);
void as_fft_r2g(as_fft *f); /* includes the 1/N */
void as_fft_r2g_unscaled(as_fft *f); /* without the 1/N: callers scale what they gather */

/* Box index of a Miller index. */
static inline size_t as_fft_index(const as_fft *f, const int m[3])
{
    int i0 = m[0] % f->n[0], i1 = m[1] % f->n[1], i2 = m[2] % f->n[2];
    if (i0 < 0)
        i0 += f->n[0];
    if (i1 < 0)
        i1 += f->n[1];
    if (i2 < 0)
        i2 += f->n[2];
    return ((size_t)i0 * (size_t)f->n[1] + (size_t)i1) * (size_t)f->n[2] + (size_t)i2;
}

#endif
