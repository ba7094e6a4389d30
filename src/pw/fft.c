#include "pw/fft.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>


/* FFTW chooses plans by timing them (FFTW_MEASURE): fast, but two runs may pick different plans and
 * differ in the last digits, which a long relaxation on a flat energy surface can grow to 1e-6 Ha.
 * ANIONSCAN_FFTW_PLANNER=estimate picks plans without timing: bit-for-bit reproducible runs and
 * restarts (the restart and invariance tests use it), at some cost in speed. */
static unsigned planner_flags(void)
{
    static int flags = -1;
    if (flags < 0) {
        const char *e = getenv("ANIONSCAN_FFTW_PLANNER");
        flags = e && !strcmp(e, "estimate") ? FFTW_ESTIMATE : e && !strcmp(e, "patient") ? FFTW_PATIENT : FFTW_MEASURE;
    }
    return (unsigned)flags;
}

int as_fft_plans_measured(void)
{
    return planner_flags() != FFTW_ESTIMATE;
}

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

as_fft *as_fft_create(const int n[3], MPI_Comm comm, as_error *err)
{
    as_fft *f = calloc(1, sizeof *f);
    if (!f) {
        as_error_nomem(err, "FFT grid", sizeof *f);
        return NULL;
    }
    memcpy(f->n, n, sizeof f->n);
    f->nglobal = (size_t)n[0] * n[1] * n[2];
    f->comm = comm;
    MPI_Comm_size(comm, &f->nproc);
    MPI_Comm_rank(comm, &f->rank);
    f->zstart = malloc((size_t)f->nproc * sizeof *f->zstart);
    f->zcount = malloc((size_t)f->nproc * sizeof *f->zcount);
    if (!f->zstart || !f->zcount) {
        as_fft_destroy(f);
        as_error_nomem(err, "FFT planes", 64);
        return NULL;
    }
    /* blocks of planes, the first n2 % nproc ranks one plane more */
    for (int r = 0, z = 0; r < f->nproc; r++) {
        f->zcount[r] = n[2] / f->nproc + (r < n[2] % f->nproc);
        f->zstart[r] = z;
        z += f->zcount[r];
    }
    f->z0 = f->zstart[f->rank];
    f->nz = f->zcount[f->rank];
    f->ntot = (size_t)n[0] * n[1] * f->nz;
    f->rbuf = fftw_malloc((f->ntot > 0 ? f->ntot : 1) * sizeof *f->rbuf);
    if (!f->rbuf) {
        as_error_nomem(err, "FFT real-space buffer", f->ntot * sizeof(double complex));
        as_fft_destroy(f);
        return NULL;
    }
    return f;
}

void as_fft_destroy(as_fft *f)
{
    if (!f)
        return;
    fftw_free(f->rbuf);
    free(f->zstart);
    free(f->zcount);
    free(f);
}

double as_fft_sum(const as_fft *f, double local)
{
    double g = local;
    if (f->nproc > 1)
        MPI_Allreduce(&local, &g, 1, MPI_DOUBLE, MPI_SUM, f->comm);
    return g;
}

void as_fft_sum_array(const as_fft *f, double *v, int n)
{
    if (f->nproc > 1 && n > 0)
        MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, f->comm);
}

void as_fft_sticks_destroy(as_fft_sticks *s)
{
    if (!s)
        return;
    fftw_plan *pl[6] = {&s->zb, &s->zf, &s->xb, &s->xf, &s->pxb, &s->pxf};
    for (int i = 0; i < 6; i++)
        if (*pl[i])
            fftw_destroy_plan(*pl[i]);
    fftw_plan *many[4] = {s->yb, s->yf, s->pyb, s->pyf};
    for (int i = 0; i < 4; i++)
        for (int r = 0; many[i] && r < s->nruns; r++)
            if (many[i][r])
                fftw_destroy_plan(many[i][r]);
    free(s->yb), free(s->yf), free(s->pyb), free(s->pyf), free(s->pidx);
    fftw_free(s->pbuf);
    free(s->run), free(s->col), free(s->stick_of_col), free(s->owner_of_col);
    free(s->nst_of), free(s->off_of), free(s->all_col);
    free(s->scount), free(s->sdispl), free(s->rcount), free(s->rdispl);
    fftw_free(s->gbuf);
    fftw_free(s->sbuf);
    fftw_free(s->tbuf);
    free(s);
}

typedef struct {
    int c[2];  /* column indices (x*n1+y) of the pair; c[1] = -1 if self-paired */
    long load;
} stick_pair;

static int cmp_pairs(const void *a, const void *b)
{
    const stick_pair *p = a, *q = b;
    if (p->load != q->load)
        return p->load > q->load ? -1 : 1;
    return p->c[0] - q->c[0];
}

/* Deal the sticks out in pairs (column c with its partner -c - shift: +-G for shift 0), heaviest
 * first, each to the least loaded rank (deterministic: ties go to the lower rank). */
static int distribute(as_fft_sticks *s, const int *count, as_error *err)
{
    const as_fft *g = s->grid;
    const int n0 = g->n[0], n1 = g->n[1], ncol = n0 * n1, P = g->nproc;
    stick_pair *pairs = malloc((size_t)ncol * sizeof *pairs);
    long *load = calloc((size_t)P, sizeof *load);
    if (!pairs || !load) {
        free(pairs), free(load);
        return as_error_nomem(err, "stick distribution", (size_t)ncol * 16);
    }
    int np = 0;
    for (int x = 0; x < n0; x++)
        for (int y = 0; y < n1; y++) {
            const int c = x * n1 + y;
            s->owner_of_col[c] = -1;
            if (!count[c])
                continue;
            const int xm = ((-x - s->pair_shift[0]) % n0 + n0) % n0, ym = ((-y - s->pair_shift[1]) % n1 + n1) % n1;
            const int cm = xm * n1 + ym;
            if (cm < c && count[cm])
                continue; /* the partner opened the pair */
            pairs[np].c[0] = c;
            pairs[np].c[1] = (cm == c || !count[cm]) ? -1 : cm;
            pairs[np].load = count[c] + (pairs[np].c[1] >= 0 ? count[cm] : 0) + 1;
            np++;
        }
    qsort(pairs, (size_t)np, sizeof *pairs, cmp_pairs);
    for (int i = 0; i < np; i++) {
        int best = 0;
        for (int r = 1; r < P; r++)
            if (load[r] < load[best])
                best = r;
        load[best] += pairs[i].load;
        for (int k = 0; k < 2; k++)
            if (pairs[i].c[k] >= 0)
                s->owner_of_col[pairs[i].c[k]] = best;
    }
    free(pairs), free(load);
    /* every rank's sticks in column order */
    s->nst_global = 0;
    for (int r = 0; r < P; r++)
        s->nst_of[r] = 0;
    for (int c = 0; c < ncol; c++)
        if (s->owner_of_col[c] >= 0) {
            s->nst_of[s->owner_of_col[c]]++;
            s->nst_global++;
        }
    for (int r = 0, o = 0; r < P; r++) {
        s->off_of[r] = o;
        o += s->nst_of[r];
    }
    int *fill = calloc((size_t)P, sizeof *fill);
    if (!fill)
        return as_error_nomem(err, "stick distribution", (size_t)P * 4);
    s->nst = 0;
    for (int c = 0; c < ncol; c++) {
        s->stick_of_col[c] = -1;
        const int r = s->owner_of_col[c];
        if (r < 0)
            continue;
        int j = s->off_of[r] + fill[r]++;
        s->all_col[j][0] = c / n1;
        s->all_col[j][1] = c % n1;
        if (r == g->rank) {
            s->stick_of_col[c] = s->nst;
            s->col[s->nst][0] = c / n1;
            s->col[s->nst][1] = c % n1;
            s->nst++;
        }
    }
    free(fill);
    return AS_OK;
}

as_fft_sticks *as_fft_sticks_create(as_fft *grid, const int *count, int uses, as_error *err)
{
    const int none[2] = {0, 0};
    return as_fft_sticks_create_paired(grid, count, none, uses, err);
}

as_fft_sticks *as_fft_sticks_create_paired(as_fft *grid, const int *count, const int shift[2], int uses,
                                           as_error *err)
{
    const int n0 = grid->n[0], n1 = grid->n[1], n2 = grid->n[2], nz = grid->nz, P = grid->nproc;
    as_fft_sticks *s = calloc(1, sizeof *s);
    if (!s) {
        as_error_nomem(err, "FFT sticks", sizeof *s);
        return NULL;
    }
    s->grid = grid;
    s->pair_shift[0] = shift[0];
    s->pair_shift[1] = shift[1];
    s->stick_of_col = malloc((size_t)n0 * n1 * sizeof *s->stick_of_col);
    s->owner_of_col = malloc((size_t)n0 * n1 * sizeof *s->owner_of_col);
    s->col = malloc((size_t)n0 * n1 * sizeof *s->col);
    s->all_col = malloc((size_t)n0 * n1 * sizeof *s->all_col);
    s->nst_of = malloc((size_t)P * sizeof *s->nst_of);
    s->off_of = malloc((size_t)P * sizeof *s->off_of);
    s->scount = malloc((size_t)P * sizeof(int));
    s->sdispl = malloc((size_t)P * sizeof(int));
    s->rcount = malloc((size_t)P * sizeof(int));
    s->rdispl = malloc((size_t)P * sizeof(int));
    s->run = malloc((size_t)n0 * sizeof *s->run);
    if (!s->stick_of_col || !s->owner_of_col || !s->col || !s->all_col || !s->nst_of || !s->off_of || !s->scount ||
        !s->sdispl || !s->rcount || !s->rdispl || !s->run)
        goto nomem;
    if (distribute(s, count, err)) {
        as_fft_sticks_destroy(s);
        return NULL;
    }
    /* runs of x rows that hold at least one stick (of any rank: planes are full) */
    for (int x = 0; x < n0; x++) {
        int has = 0;
        for (int y = 0; y < n1 && !has; y++)
            has = s->owner_of_col[x * n1 + y] >= 0;
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
    if (P > 1) {
        /* send: my sticks x your planes; receive: your sticks x my planes */
        size_t ssz = 0, rsz = 0;
        for (int r = 0; r < P; r++) {
            s->scount[r] = s->nst * grid->zcount[r];
            s->sdispl[r] = (int)ssz;
            ssz += (size_t)s->scount[r];
            s->rcount[r] = s->nst_of[r] * nz;
            s->rdispl[r] = (int)rsz;
            rsz += (size_t)s->rcount[r];
        }
        s->sbuf = fftw_malloc((ssz > 0 ? ssz : 1) * sizeof *s->sbuf);
        s->tbuf = fftw_malloc((rsz > 0 ? rsz : 1) * sizeof *s->tbuf);
        if (!s->sbuf || !s->tbuf)
            goto nomem;
    }
    s->yb = calloc((size_t)(s->nruns > 0 ? s->nruns : 1), sizeof *s->yb);
    s->yf = calloc((size_t)(s->nruns > 0 ? s->nruns : 1), sizeof *s->yf);
    if (!s->gbuf || !s->yb || !s->yf)
        goto nomem;
    /* z: nst transforms of length n2, contiguous, in place on gbuf */
    const int nn2[1] = {n2};
    if (s->nst > 0) {
        s->zb = fftw_plan_many_dft(1, nn2, s->nst, s->gbuf, NULL, 1, n2, s->gbuf, NULL, 1, n2, FFTW_BACKWARD,
                                   planner_flags());
        s->zf = fftw_plan_many_dft(1, nn2, s->nst, s->gbuf, NULL, 1, n2, s->gbuf, NULL, 1, n2, FFTW_FORWARD,
                                   planner_flags());
    }
    if (nz > 0 && (uses & AS_FFT_WHOLE)) {
        /* y: length n1, stride 1, over the run's rows (stride n1) and the planes (stride n0 n1) */
        for (int r = 0; r < s->nruns; r++) {
            fftw_iodim dim = {n1, 1, 1};
            fftw_iodim many[2] = {{s->run[r][1], n1, n1}, {nz, n0 * n1, n0 * n1}};
            double complex *base = grid->rbuf + (size_t)s->run[r][0] * n1;
            s->yb[r] = fftw_plan_guru_dft(1, &dim, 2, many, base, base, FFTW_BACKWARD, planner_flags());
            s->yf[r] = fftw_plan_guru_dft(1, &dim, 2, many, base, base, FFTW_FORWARD, planner_flags());
        }
        /* x: length n0, stride n1, over y (stride 1) and planes */
        fftw_iodim dim = {n0, n1, n1};
        fftw_iodim many[2] = {{n1, 1, 1}, {nz, n0 * n1, n0 * n1}};
        s->xb = fftw_plan_guru_dft(1, &dim, 2, many, grid->rbuf, grid->rbuf, FFTW_BACKWARD, planner_flags());
        s->xf = fftw_plan_guru_dft(1, &dim, 2, many, grid->rbuf, grid->rbuf, FFTW_FORWARD, planner_flags());
    }
    /* one plane: the same transforms on pbuf (it stays in cache) */
    s->pbuf = fftw_malloc((size_t)n0 * n1 * sizeof *s->pbuf);
    s->pidx = malloc((size_t)(s->nst_global > 0 ? s->nst_global : 1) * sizeof *s->pidx);
    s->pyb = calloc((size_t)(s->nruns > 0 ? s->nruns : 1), sizeof *s->pyb);
    s->pyf = calloc((size_t)(s->nruns > 0 ? s->nruns : 1), sizeof *s->pyf);
    if (!s->pbuf || !s->pidx || !s->pyb || !s->pyf)
        goto nomem;
    for (int j = 0; j < s->nst_global; j++)
        s->pidx[j] = s->all_col[j][0] * n1 + s->all_col[j][1];
    if (nz > 0 && (uses & AS_FFT_PLANES)) {
        for (int r = 0; r < s->nruns; r++) {
            fftw_iodim dim = {n1, 1, 1}, many = {s->run[r][1], n1, n1};
            double complex *base = s->pbuf + (size_t)s->run[r][0] * n1;
            s->pyb[r] = fftw_plan_guru_dft(1, &dim, 1, &many, base, base, FFTW_BACKWARD, planner_flags());
            s->pyf[r] = fftw_plan_guru_dft(1, &dim, 1, &many, base, base, FFTW_FORWARD, planner_flags());
        }
        fftw_iodim dim = {n0, n1, n1}, many = {n1, 1, 1};
        s->pxb = fftw_plan_guru_dft(1, &dim, 1, &many, s->pbuf, s->pbuf, FFTW_BACKWARD, planner_flags());
        s->pxf = fftw_plan_guru_dft(1, &dim, 1, &many, s->pbuf, s->pbuf, FFTW_FORWARD, planner_flags());
    }
    if ((s->nst > 0 && (!s->zb || !s->zf)) || (nz > 0 && (uses & AS_FFT_WHOLE) && (!s->xb || !s->xf)) ||
        (nz > 0 && (uses & AS_FFT_PLANES) && (!s->pxb || !s->pxf))) {
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

/* The exchange of the distributed case: every rank's sticks, cut into the receivers' z ranges
 * (send: gbuf -> tbuf, each sender's sticks with my nz planes), and back (recv: tbuf -> gbuf). */
static void sticks_send(as_fft_sticks *s)
{
    as_fft *g = s->grid;
    const int n2 = g->n[2];
    for (int r = 0; r < g->nproc; r++)
        for (int st = 0; st < s->nst; st++)
            memcpy(s->sbuf + s->sdispl[r] + (size_t)st * g->zcount[r], s->gbuf + (size_t)st * n2 + g->zstart[r],
                   (size_t)g->zcount[r] * sizeof *s->sbuf);
    MPI_Alltoallv(s->sbuf, s->scount, s->sdispl, MPI_C_DOUBLE_COMPLEX, s->tbuf, s->rcount, s->rdispl,
                  MPI_C_DOUBLE_COMPLEX, g->comm);
}

static void sticks_recv(as_fft_sticks *s)
{
    as_fft *g = s->grid;
    const int n2 = g->n[2];
    MPI_Alltoallv(s->tbuf, s->rcount, s->rdispl, MPI_C_DOUBLE_COMPLEX, s->sbuf, s->scount, s->sdispl,
                  MPI_C_DOUBLE_COMPLEX, g->comm);
    for (int r = 0; r < g->nproc; r++)
        for (int st = 0; st < s->nst; st++)
            memcpy(s->gbuf + (size_t)st * n2 + g->zstart[r], s->sbuf + s->sdispl[r] + (size_t)st * g->zcount[r],
                   (size_t)g->zcount[r] * sizeof *s->sbuf);
}

/* sticks (all z) -> planes (my z), zeroing the rest of the planes */
static void sticks_to_planes(as_fft_sticks *s)
{
    as_fft *g = s->grid;
    const int n0 = g->n[0], n1 = g->n[1], n2 = g->n[2], P = g->nproc;
    if (g->ntot > 0)
        memset(g->rbuf, 0, g->ntot * sizeof *g->rbuf);
    if (P == 1) {
        for (int st = 0; st < s->nst; st++) {
            const int x = s->col[st][0], y = s->col[st][1];
            const double complex *src = s->gbuf + (size_t)st * n2;
            for (int z = 0; z < g->nz; z++)
                g->rbuf[((size_t)z * n0 + x) * n1 + y] = src[z];
        }
        return;
    }
    sticks_send(s);
    for (int r = 0; r < P; r++)
        for (int j = 0; j < s->nst_of[r]; j++) {
            const int x = s->all_col[s->off_of[r] + j][0], y = s->all_col[s->off_of[r] + j][1];
            const double complex *src = s->tbuf + s->rdispl[r] + (size_t)j * g->nz;
            for (int z = 0; z < g->nz; z++)
                g->rbuf[((size_t)z * n0 + x) * n1 + y] = src[z];
        }
}

static void planes_to_sticks(as_fft_sticks *s)
{
    as_fft *g = s->grid;
    const int n0 = g->n[0], n1 = g->n[1], n2 = g->n[2], P = g->nproc;
    if (P == 1) {
        for (int st = 0; st < s->nst; st++) {
            const int x = s->col[st][0], y = s->col[st][1];
            double complex *dst = s->gbuf + (size_t)st * n2;
            for (int z = 0; z < g->nz; z++)
                dst[z] = g->rbuf[((size_t)z * n0 + x) * n1 + y];
        }
        return;
    }
    for (int r = 0; r < P; r++)
        for (int j = 0; j < s->nst_of[r]; j++) {
            const int x = s->all_col[s->off_of[r] + j][0], y = s->all_col[s->off_of[r] + j][1];
            double complex *dst = s->tbuf + s->rdispl[r] + (size_t)j * g->nz;
            for (int z = 0; z < g->nz; z++)
                dst[z] = g->rbuf[((size_t)z * n0 + x) * n1 + y];
        }
    sticks_recv(s);
}

void as_fft_g2r(as_fft_sticks *s)
{
    as_fft *g = s->grid;
    assert(g->nz == 0 || s->xb); /* made with AS_FFT_WHOLE */
    if (s->nst > 0)
        fftw_execute(s->zb);
    sticks_to_planes(s);
    if (g->nz > 0) {
        for (int r = 0; r < s->nruns; r++)
            fftw_execute(s->yb[r]);
        fftw_execute(s->xb);
    }
}

void as_fft_r2g(as_fft_sticks *s)
{
    as_fft *g = s->grid;
    assert(g->nz == 0 || s->xf); /* made with AS_FFT_WHOLE */
    if (g->nz > 0) {
        fftw_execute(s->xf);
        for (int r = 0; r < s->nruns; r++)
            fftw_execute(s->yf[r]);
    }
    planes_to_sticks(s);
    if (s->nst > 0)
        fftw_execute(s->zf);
}

void as_fft_g2r_planes(as_fft_sticks *s, as_fft_plane_fn fn, void *ctx, int back)
{
    as_fft *g = s->grid;
    const int n0 = g->n[0], n1 = g->n[1], P = g->nproc;
    assert(g->nz == 0 || s->pxb); /* made with AS_FFT_PLANES */
    if (s->nst > 0)
        fftw_execute(s->zb);
    if (P > 1)
        sticks_send(s);
    /* the z-columns of every stick this rank's planes hold: gbuf itself on one rank, else tbuf */
    const double complex *src = P > 1 ? s->tbuf : s->gbuf;
    const size_t stride = P > 1 ? (size_t)g->nz : (size_t)g->n[2];
    double complex *dst = P > 1 ? s->tbuf : s->gbuf;
    double complex *pb = s->pbuf;
    for (int iz = 0; iz < g->nz; iz++) {
        memset(pb, 0, (size_t)n0 * n1 * sizeof *pb);
        for (int j = 0; j < s->nst_global; j++)
            pb[s->pidx[j]] = src[(size_t)j * stride + iz];
        for (int r = 0; r < s->nruns; r++)
            fftw_execute(s->pyb[r]);
        fftw_execute(s->pxb);
        fn(ctx, iz, pb);
        if (!back)
            continue;
        fftw_execute(s->pxf);
        for (int r = 0; r < s->nruns; r++)
            fftw_execute(s->pyf[r]);
        for (int j = 0; j < s->nst_global; j++)
            dst[(size_t)j * stride + iz] = pb[s->pidx[j]];
    }
    if (!back)
        return;
    if (P > 1)
        sticks_recv(s);
    if (s->nst > 0)
        fftw_execute(s->zf);
}
