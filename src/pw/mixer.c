#include "pw/mixer.h"
#include "core/clock.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

as_mixer *as_mixer_create(int ng, int ncomp, const double *g2, double omega, double beta, double q0, int nhist,
                          MPI_Comm comm, as_error *err)
{
    if (nhist > 64)
        nhist = 64;
    as_mixer *m = calloc(1, sizeof *m);
    const size_t n = (size_t)ng * (size_t)ncomp;
    if (m) {
        m->comm = comm;
        m->n = (int)n;
        m->nhist = nhist;
        m->metric = malloc(n * sizeof *m->metric);
        m->precond = malloc(n * sizeof *m->precond);
        m->xprev = malloc(n * sizeof *m->xprev);
        m->fprev = malloc(n * sizeof *m->fprev);
        m->dx = malloc((size_t)nhist * n * sizeof *m->dx);
        m->df = malloc((size_t)nhist * n * sizeof *m->df);
    }
    if (!m || !m->metric || !m->precond || !m->xprev || !m->fprev || !m->dx || !m->df) {
        as_mixer_destroy(m);
        as_error_nomem(err, "mixer history", (size_t)nhist * n * 32);
        return NULL;
    }
    for (int c = 0; c < ncomp; c++)
        for (int ig = 0; ig < ng; ig++) {
            size_t i = (size_t)c * ng + ig;
            double q2 = g2[ig];
            if (c == 0) {
                m->metric[i] = q2 > 1e-12 ? 0.5 * omega * AS_FOURPI / q2 : 0.0;
                m->precond[i] = q2 > 1e-12 ? beta * q2 / (q2 + q0 * q0) : 0.0;
            } else {
                /* Magnetisation: no Coulomb cost; weight as a density component at |G| = 1. */
                m->metric[i] = 0.5 * omega * AS_FOURPI;
                m->precond[i] = beta;
            }
        }
    return m;
}

void as_mixer_destroy(as_mixer *m)
{
    if (!m)
        return;
    free(m->metric);
    free(m->precond);
    free(m->xprev);
    free(m->fprev);
    free(m->dx);
    free(m->df);
    free(m);
}

/* A local part of an inner product summed over the ranks sharing the G-vectors. */
static double sum_ranks(const as_mixer *m, double s)
{
    int np = 1;
    MPI_Comm_size(m->comm, &np);
    if (np > 1)
        MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_SUM, m->comm);
    return s;
}

/* <a|b> in the metric, a and b in single precision (history) */
static double dotf(const as_mixer *m, const float complex *a, const float complex *b)
{
    double s = 0.0;
    for (int i = 0; i < m->n; i++)
        s += m->metric[i] * creal(conj((double complex)a[i]) * (double complex)b[i]);
    return sum_ranks(m, s);
}

static double dotfd(const as_mixer *m, const float complex *a, const double complex *b)
{
    double s = 0.0;
    for (int i = 0; i < m->n; i++)
        s += m->metric[i] * creal(conj((double complex)a[i]) * b[i]);
    return sum_ranks(m, s);
}

static double dot(const as_mixer *m, const double complex *a, const double complex *b)
{
    double s = 0.0;
    for (int i = 0; i < m->n; i++)
        s += m->metric[i] * creal(conj(a[i]) * b[i]);
    return sum_ranks(m, s);
}

double as_mixer_norm(const as_mixer *m, const double complex *f) { return dot(m, f, f); }

static int as_mixer_mix_body(as_mixer *m, double complex *x, const double complex *xout, as_error *err)
{
    const int n = m->n;
    double complex *f = malloc((size_t)n * sizeof *f);
    if (!f)
        return as_error_nomem(err, "mixer residual", (size_t)n * 16);
    for (int i = 0; i < n; i++)
        f[i] = xout[i] - x[i];
    if (m->steps > 0) {
        /* Append dx = x - xprev, df = f - fprev; drop the oldest when full. */
        if (m->nstored == m->nhist) {
            memmove(m->dx, m->dx + n, (size_t)(m->nhist - 1) * n * sizeof *m->dx);
            memmove(m->df, m->df + n, (size_t)(m->nhist - 1) * n * sizeof *m->df);
            m->nstored--;
        }
        float complex *dx = m->dx + (size_t)m->nstored * n, *df = m->df + (size_t)m->nstored * n;
        for (int i = 0; i < n; i++) {
            dx[i] = (float complex)(x[i] - m->xprev[i]);
            df[i] = (float complex)(f[i] - m->fprev[i]);
        }
        m->nstored++;
    }
    memcpy(m->xprev, x, (size_t)n * sizeof *x);
    memcpy(m->fprev, f, (size_t)n * sizeof *f);
    m->steps++;
    /* gamma = argmin |f - sum_i gamma_i df_i| in the metric: (DF^T M DF) gamma = DF^T M f. */
    const int k = m->nstored;
    double gamma[64] = {0};
    if (k > 0) {
        double a[64 * 64], b[64];
        for (int i = 0; i < k; i++) {
            b[i] = dotfd(m, m->df + (size_t)i * n, f);
            for (int j = 0; j <= i; j++)
                a[i * k + j] = a[j * k + i] = dotf(m, m->df + (size_t)i * n, m->df + (size_t)j * n);
        }
        /* Symmetric indefinite solve; a tiny ridge keeps a degenerate history solvable. */
        for (int i = 0; i < k; i++)
            a[i * k + i] *= 1.0 + 1e-12;
        lapack_int ipiv[64];
        if (LAPACKE_dsysv(LAPACK_ROW_MAJOR, 'U', k, 1, a, k, ipiv, b, 1) == 0)
            memcpy(gamma, b, (size_t)k * sizeof *gamma);
        else
            memset(gamma, 0, sizeof gamma);
    }
    /* x_new = x + P f - sum_i gamma_i (dx_i + P df_i) */
    for (int i = 0; i < n; i++) {
        double complex xo = x[i], fo = f[i];
        for (int h = 0; h < k; h++) {
            xo -= gamma[h] * m->dx[(size_t)h * n + i];
            fo -= gamma[h] * m->df[(size_t)h * n + i];
        }
        x[i] = xo + m->precond[i] * fo;
    }
    free(f);
    return AS_OK;
}

int as_mixer_mix(as_mixer *m, double complex *x, const double complex *xout, as_error *err)
{
    as_clock_start(AS_CLK_MIX);
    const int rc = as_mixer_mix_body(m, x, xout, err);
    as_clock_stop(AS_CLK_MIX);
    return rc;
}
