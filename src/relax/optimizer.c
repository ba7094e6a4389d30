#include "relax/optimizer.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/settings.h"

/* FIRE parameters (ASE's defaults). */
#define FIRE_NMIN 5
#define FIRE_FINC 1.1
#define FIRE_FDEC 0.5
#define FIRE_ASTART 0.1
#define FIRE_FA 0.99

as_optimizer *as_optimizer_create(int method, int n, int nsplit, double h0, double dt0, as_error *err)
{
    as_optimizer *o = calloc(1, sizeof *o);
    if (!o) {
        as_error_nomem(err, "optimizer", sizeof *o);
        return NULL;
    }
    o->method = method;
    o->n = n;
    o->nsplit = nsplit > 0 && nsplit < n ? nsplit : n;
    o->h0 = h0;
    o->dt = dt0;
    o->dt_max = 10.0 * dt0;
    o->alpha = FIRE_ASTART;
    o->hess = calloc((size_t)n * n, sizeof *o->hess);
    o->q0 = calloc((size_t)n, sizeof *o->q0);
    o->f0 = calloc((size_t)n, sizeof *o->f0);
    o->v = calloc((size_t)n, sizeof *o->v);
    if (!o->hess || !o->q0 || !o->f0 || !o->v) {
        as_optimizer_destroy(o);
        as_error_nomem(err, "optimizer", (size_t)n * n * 8);
        return NULL;
    }
    as_optimizer_reset(o);
    return o;
}

void as_optimizer_destroy(as_optimizer *o)
{
    if (!o)
        return;
    free(o->hess);
    free(o->q0);
    free(o->f0);
    free(o->v);
    free(o);
}

void as_optimizer_reset(as_optimizer *o)
{
    const int n = o->n;
    memset(o->hess, 0, (size_t)n * n * sizeof *o->hess);
    for (int i = 0; i < n; i++)
        o->hess[(size_t)i * n + i] = o->h0;
    o->have_prev = 0;
    memset(o->v, 0, (size_t)n * sizeof *o->v);
    o->alpha = FIRE_ASTART;
    o->npos = 0;
}

int as_optimizer_set_hessian(as_optimizer *o, const double *h, as_error *err)
{
    if (o->method != AS_RELAX_BFGS)
        return as_error_set(err, AS_EINPUT, "a starting Hessian needs BFGS");
    const int n = o->n;
    double *a = malloc((size_t)n * n * sizeof *a);
    if (!a)
        return as_error_nomem(err, "BFGS", (size_t)n * n * 8);
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            const double x = h[(size_t)i * n + j], y = h[(size_t)j * n + i];
            if (!isfinite(x) || fabs(x - y) > 1e-10 * (fabs(x) + fabs(y)) + 1e-300) {
                free(a);
                return as_error_set(err, AS_EINPUT, "the starting Hessian is not symmetric (%d, %d)", i, j);
            }
        }
    memcpy(a, h, (size_t)n * n * sizeof *a);
    const lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', n, a, n);
    free(a);
    if (info != 0)
        return as_error_set(err, AS_EINPUT, "the starting Hessian is not positive definite");
    memcpy(o->hess, h, (size_t)n * n * sizeof *o->hess);
    o->nupdates = 1;
    return AS_OK;
}

const double *as_optimizer_hessian(const as_optimizer *o)
{
    return o->method == AS_RELAX_BFGS && o->nupdates > 0 ? o->hess : NULL;
}

static double dot(const double *a, const double *b, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* H += y y^T / (y.s) - (H s)(H s)^T / (s.H s), with s = q - q0, y = f0 - f (gradient change). */
static void bfgs_update(as_optimizer *o, const double *q, const double *f, double *work)
{
    const int n = o->n;
    double *s = work, *y = work + n, *hs = work + 2 * n;
    for (int i = 0; i < n; i++) {
        s[i] = q[i] - o->q0[i];
        y[i] = o->f0[i] - f[i];
    }
    const double ss = dot(s, s, n), yy = dot(y, y, n), sy = dot(s, y, n);
    if (ss == 0.0)
        return; /* no step was taken */
    if (!(sy > 1e-8 * sqrt(ss * yy))) {
        o->nskipped++;
        return; /* negative or vanishing curvature: keep the Hessian positive definite */
    }
    if (o->nupdates == 0) {
        /* first update: the initial Hessian takes the curvature seen along the step, per block */
        const int lo[2] = {0, o->nsplit}, hi[2] = {o->nsplit, n};
        for (int b = 0; b < 2; b++) {
            const int m = hi[b] - lo[b];
            const double yb = m > 0 ? dot(y + lo[b], y + lo[b], m) : 0.0, syb = m > 0 ? dot(s + lo[b], y + lo[b], m) : 0.0;
            if (!(yb > 0.0 && syb > 0.0))
                continue;
            const double h = fmin(fmax(yb / syb, o->h0 / 50.0), 10.0 * o->h0);
            for (int i = lo[b]; i < hi[b]; i++)
                o->hess[(size_t)i * n + i] = h;
        }
    }
    for (int i = 0; i < n; i++)
        hs[i] = dot(o->hess + (size_t)i * n, s, n);
    const double shs = dot(s, hs, n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            o->hess[(size_t)i * n + j] += y[i] * y[j] / sy - hs[i] * hs[j] / shs;
    o->nupdates++;
}

static int bfgs_propose(as_optimizer *o, const double *q, const double *f, double *dq, as_error *err)
{
    const int n = o->n;
    double *work = malloc(((size_t)n * n + 4 * (size_t)n) * sizeof *work);
    if (!work)
        return as_error_nomem(err, "BFGS", (size_t)n * n * 8);
    if (o->have_prev)
        bfgs_update(o, q, f, work);
    memcpy(o->q0, q, (size_t)n * sizeof *q);
    memcpy(o->f0, f, (size_t)n * sizeof *f);
    o->have_prev = 1;
    /* dq = V diag(1/|w|) V^T f */
    double *a = work, *w = work + (size_t)n * n, *c = w + n;
    memcpy(a, o->hess, (size_t)n * n * sizeof *a);
    lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', n, a, n, w);
    if (info != 0) {
        free(work);
        return as_error_set(err, AS_EINTERNAL, "BFGS: the Hessian eigenproblem failed (dsyev info %d)", (int)info);
    }
    for (int k = 0; k < n; k++) {
        double s = 0.0;
        for (int i = 0; i < n; i++)
            s += a[(size_t)i * n + k] * f[i];
        c[k] = s / fmax(fabs(w[k]), 1e-12 * o->h0);
    }
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = 0; k < n; k++)
            s += a[(size_t)i * n + k] * c[k];
        dq[i] = s;
    }
    free(work);
    return AS_OK;
}

static void fire_propose(as_optimizer *o, const double *f, double *dq)
{
    const int n = o->n;
    if (o->have_prev) {
        const double vf = dot(o->v, f, n);
        if (vf > 0.0) {
            const double vn = sqrt(dot(o->v, o->v, n)), fn = sqrt(dot(f, f, n));
            for (int i = 0; i < n; i++)
                o->v[i] = (1.0 - o->alpha) * o->v[i] + (fn > 0.0 ? o->alpha * f[i] / fn * vn : 0.0);
            if (o->npos > FIRE_NMIN) {
                o->dt = fmin(o->dt * FIRE_FINC, o->dt_max);
                o->alpha *= FIRE_FA;
            }
            o->npos++;
        } else {
            memset(o->v, 0, (size_t)n * sizeof *o->v);
            o->alpha = FIRE_ASTART;
            o->dt *= FIRE_FDEC;
            o->npos = 0;
        }
    }
    o->have_prev = 1;
    for (int i = 0; i < n; i++) {
        o->v[i] += o->dt * f[i];
        dq[i] = o->dt * o->v[i];
    }
}

int as_optimizer_learn(as_optimizer *o, const double *q, const double *f, as_error *err)
{
    if (o->method != AS_RELAX_BFGS || !o->have_prev)
        return AS_OK;
    const int n = o->n;
    double *work = malloc(3 * (size_t)n * sizeof *work);
    if (!work)
        return as_error_nomem(err, "BFGS", (size_t)n * 24);
    bfgs_update(o, q, f, work);
    free(work);
    return AS_OK;
}

int as_optimizer_propose(as_optimizer *o, const double *q, const double *f, double *dq, as_error *err)
{
    if (o->method == AS_RELAX_FIRE) {
        fire_propose(o, f, dq);
        return AS_OK;
    }
    return bfgs_propose(o, q, f, dq, err);
}

void as_optimizer_save(const as_optimizer *o, as_ser *b)
{
    const size_t n = (size_t)o->n;
    as_ser_put_i32(b, o->method);
    as_ser_put_i32(b, o->n);
    as_ser_put_f64(b, o->h0);
    as_ser_put_f64s(b, o->hess, n * n);
    as_ser_put_f64s(b, o->q0, n);
    as_ser_put_f64s(b, o->f0, n);
    as_ser_put_i32(b, o->have_prev);
    as_ser_put_i32(b, o->nupdates);
    as_ser_put_i32(b, o->nskipped);
    as_ser_put_f64s(b, o->v, n);
    as_ser_put_f64(b, o->dt);
    as_ser_put_f64(b, o->dt_max);
    as_ser_put_f64(b, o->alpha);
    as_ser_put_i32(b, o->npos);
}

int as_optimizer_load(as_optimizer *o, as_ser *b, as_error *err)
{
    const int method = as_ser_get_i32(b), n = as_ser_get_i32(b);
    if (b->failed || method != o->method || n != o->n)
        return as_error_set(err, AS_EINPUT, "the optimizer in the checkpoint (%s, %d coordinates) is not this "
                            "relaxation's (%s, %d coordinates)", method == AS_RELAX_FIRE ? "FIRE" : "BFGS", n,
                            o->method == AS_RELAX_FIRE ? "FIRE" : "BFGS", o->n);
    const size_t nn = (size_t)n;
    o->h0 = as_ser_get_f64(b);
    as_ser_get_f64s(b, o->hess, nn * nn);
    as_ser_get_f64s(b, o->q0, nn);
    as_ser_get_f64s(b, o->f0, nn);
    o->have_prev = as_ser_get_i32(b);
    o->nupdates = as_ser_get_i32(b);
    o->nskipped = as_ser_get_i32(b);
    as_ser_get_f64s(b, o->v, nn);
    o->dt = as_ser_get_f64(b);
    o->dt_max = as_ser_get_f64(b);
    o->alpha = as_ser_get_f64(b);
    o->npos = as_ser_get_i32(b);
    if (b->failed)
        return as_error_set(err, AS_EINPUT, "the optimizer state in the checkpoint is truncated");
    return AS_OK;
}
