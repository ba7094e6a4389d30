/* FFTs between plane-wave coefficients and the real-space grid, organised as pw.x and Qbox
 * do it so that the work follows the sphere and can be distributed:
 *   G space   "sticks": the z-columns (m0, m1) that hold G-vectors of a sphere; a stick set's
 *             buffer gbuf holds nsticks x n2 values, stick after stick, z fastest;
 *   real space z-planes: point (x, y, z) at index ((z - z0) * n0 + x) * n1 + y of rbuf.
 * g2r: 1D transforms along z on the sticks only, sticks -> planes, 1D along y on the rows
 * that hold sticks, 1D along x on everything; r2g is the reverse.  For wavefunctions the
 * sticks are ~20 % of the columns and the rows ~half, so a transform costs ~60 % of a full
 * 3D FFT.  FFTW plans are made once per stick set and reused.
 * Sizes: as Quantum ESPRESSO (smallest size with factors 2, 3, 5 holding the density sphere).
 * Signs: g2r computes f(r) = sum_G f(G) e^{+iGr}; r2g computes sum_r f(r) e^{-iGr} WITHOUT
 * the 1/N (callers scale what they gather).
 * Distribution over the plane-wave group (comm): sticks are dealt out in +-G column pairs
 * (so -G, and Gamma's partner coefficients, are on the same rank), balanced by their G count;
 * real space is split into blocks of z-planes; sticks <-> planes is one MPI_Alltoallv. */
#ifndef AS_PW_FFT_H
#define AS_PW_FFT_H

#include <complex.h>
#include <mpi.h>
#include <stddef.h>
#include <fftw3.h>

#include "core/error.h"

/* The real-space grid. */
typedef struct as_fft {
    int n[3];
    size_t nglobal;       /* n0 n1 n2 */
    MPI_Comm comm;        /* the plane-wave group (not owned) */
    int nproc, rank;
    int *zstart, *zcount; /* planes of every rank */
    int z0, nz;           /* this rank's planes */
    size_t ntot;          /* local real-space points: n0 n1 nz */
    double complex *rbuf; /* real-space work array (ntot), owned */
} as_fft;

/* Whether plans are chosen by timing them (FFTW_MEASURE, the default) rather than bit-reproducibly
 * (ANIONSCAN_FFTW_PLANNER=estimate). */
int as_fft_plans_measured(void);

/* Smallest size >= nmin whose prime factors are 2, 3 and 5. */
int as_fft_good_size(int nmin);

as_fft *as_fft_create(const int n[3], MPI_Comm comm, as_error *err);

/* Sum of a per-rank partial over the plane-wave group. */
double as_fft_sum(const as_fft *f, double local);
void as_fft_sum_array(const as_fft *f, double *v, int n);
void as_fft_destroy(as_fft *f);

/* Index in a global C-order box of a Miller index (for maps between G-vector lists). */
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

typedef struct as_fft_sticks {
    as_fft *grid;
    int pair_shift[2];     /* column (x, y) is kept on the rank of (-x - shift0, -y - shift1) */
    int nst;               /* this rank's sticks */
    int (*col)[2];         /* grid (x, y) of each local stick */
    int *stick_of_col;     /* n0 x n1: local stick index of a column, -1 if none here */
    int *owner_of_col;     /* n0 x n1: rank holding the column's stick, -1 if not a stick */
    int nst_global;
    int *nst_of, *off_of;  /* sticks per rank, and their offset in all_col */
    int (*all_col)[2];     /* every stick, grouped by rank in each rank's local order */
    size_t ng;             /* nst * n2 */
    double complex *gbuf;  /* G-space work array, owned */
    double complex *sbuf, *tbuf; /* transpose buffers (distributed case) */
    int *scount, *sdispl, *rcount, *rdispl;
    int nruns;             /* runs of consecutive x rows holding sticks */
    int (*run)[2];         /* first x, count */
    fftw_plan zb, zf, xb, xf;
    fftw_plan *yb, *yf;    /* one per run */
    /* one plane at a time (as_fft_g2r_planes): a plane buffer that stays in cache, its plans, and
     * each stick's index in a plane (all_col order) */
    double complex *pbuf;  /* n0 x n1 */
    int *pidx;             /* nst_global */
    fftw_plan pxb, pxf;
    fftw_plan *pyb, *pyf;  /* one per run */
} as_fft_sticks;

/* Which transforms a stick set will do: FFTW plans (timed, with FFTW_MEASURE) are made only for those. */
enum {
    AS_FFT_WHOLE = 1, /* as_fft_g2r / as_fft_r2g (densities and potentials) */
    AS_FFT_PLANES = 2 /* as_fft_g2r_planes (wavefunctions) */
};

/* A stick set from per-column G counts (n0 x n1, C order: x slowest; 0 = not a stick), the
 * same on every rank; the counts balance the distribution.  uses: AS_FFT_WHOLE | AS_FFT_PLANES. */
as_fft_sticks *as_fft_sticks_create(as_fft *grid, const int *count, int uses, as_error *err);
/* The same with the partner of column (x, y) at (-x - shift0, -y - shift1): the real layout at
 * k = G0/2 pairs G with -G - G0, so its sticks pair with shift = (G0_x, G0_y). */
as_fft_sticks *as_fft_sticks_create_paired(as_fft *grid, const int *count, const int shift[2], int uses,
                                           as_error *err);
void as_fft_sticks_destroy(as_fft_sticks *s);

/* Position of Miller index m in gbuf, or (size_t)-1 if its column is not a stick of this rank. */
static inline size_t as_fft_sticks_pos(const as_fft_sticks *s, const int m[3])
{
    const int *n = s->grid->n;
    int i0 = m[0] % n[0], i1 = m[1] % n[1], i2 = m[2] % n[2];
    if (i0 < 0)
        i0 += n[0];
    if (i1 < 0)
        i1 += n[1];
    if (i2 < 0)
        i2 += n[2];
    int st = s->stick_of_col[(size_t)i0 * n[1] + i1];
    return st < 0 ? (size_t)-1 : (size_t)st * n[2] + (size_t)i2;
}

/* What a caller does with one real-space plane in as_fft_g2r_planes: plane iz (0 <= iz < nz, the
 * grid's local planes) holds n0 x n1 values, point (x, y) at x * n1 + y, the same values as the
 * rows of grid->rbuf after as_fft_g2r. */
typedef void (*as_fft_plane_fn)(void *ctx, int iz, double complex *plane);

/* as_fft_g2r, then fn on every plane, then (back != 0) as_fft_r2g of what fn left: gbuf ends as
 * g2r; fn; r2g would leave it (without back, gbuf is overwritten).  The planes go one at a time
 * through a buffer that stays in cache (transforms along y and x, fn, and back), where the
 * whole-grid passes stream the grid through memory several times; grid->rbuf is not used. */
void as_fft_g2r_planes(as_fft_sticks *s, as_fft_plane_fn fn, void *ctx, int back);

/* gbuf -> grid->rbuf (gbuf is overwritten). */
void as_fft_g2r(as_fft_sticks *s);
/* grid->rbuf -> gbuf, unscaled (rbuf is overwritten). */
void as_fft_r2g(as_fft_sticks *s);

#endif
