#include "pw/occupations.h"

#include <math.h>
#include <stdlib.h>

#include "core/units.h"

double as_smear_occ(as_smearing_kind kind, double x)
{
    switch (kind) {
    case AS_SMEAR_GAUSSIAN: return 0.5 * erfc(-x);
    case AS_SMEAR_FERMI_DIRAC:
        if (x < -200.0)
            return 0.0;
        if (x > 200.0)
            return 1.0;
        return 1.0 / (1.0 + exp(-x));
    case AS_SMEAR_MARZARI_VANDERBILT: {
        const double xp = x - 1.0 / sqrt(2.0), arg = fmin(200.0, xp * xp);
        return 0.5 * erf(xp) + exp(-arg) / sqrt(2.0 * AS_PI) + 0.5;
    }
    case AS_SMEAR_METHFESSEL_PAXTON: {
        const double arg = fmin(200.0, x * x);
        return 0.5 * erfc(-x) + x * exp(-arg) / (2.0 * sqrt(AS_PI));
    }
    case AS_SMEAR_NONE: return x > 0.0 ? 1.0 : (x < 0.0 ? 0.0 : 0.5);
    }
    return 0.0;
}

double as_smear_entropy(as_smearing_kind kind, double x)
{
    switch (kind) {
    case AS_SMEAR_GAUSSIAN: return -exp(-fmin(200.0, x * x)) / (2.0 * sqrt(AS_PI));
    case AS_SMEAR_FERMI_DIRAC: {
        if (fabs(x) > 36.0)
            return 0.0;
        const double f = 1.0 / (1.0 + exp(-x)), g = 1.0 - f;
        return f * log(f) + g * log(g);
    }
    case AS_SMEAR_MARZARI_VANDERBILT: {
        const double xp = x - 1.0 / sqrt(2.0), arg = fmin(200.0, xp * xp);
        return xp * exp(-arg) / sqrt(2.0 * AS_PI);
    }
    case AS_SMEAR_METHFESSEL_PAXTON: {
        const double arg = fmin(200.0, x * x);
        return (2.0 * x * x - 1.0) * exp(-arg) / (4.0 * sqrt(AS_PI));
    }
    case AS_SMEAR_NONE: return 0.0;
    }
    return 0.0;
}

static double count(as_smearing_kind kind, double sigma, int nk, int nspin, int nb, const double *wk,
                    const double *eig, double mu)
{
    const double g = nspin == 1 ? 2.0 : 1.0;
    double n = 0.0;
    for (int k = 0; k < nk; k++)
        for (int s = 0; s < nspin; s++)
            for (int b = 0; b < nb; b++)
                n += wk[k] * g * as_smear_occ(kind, (mu - eig[(size_t)(k * nspin + s) * nb + b]) / sigma);
    return n;
}

int as_occupations(as_smearing_kind kind, double sigma, int nk, int nspin, int nb, const double *wk,
                   const double *eig, double nelec, const double nelec_spin[2], double *occ, double *efermi,
                   double *ts, as_error *err)
{
    const double g = nspin == 1 ? 2.0 : 1.0;
    *ts = 0.0;
    if (kind == AS_SMEAR_NONE) {
        double top = -INFINITY;
        for (int s = 0; s < nspin; s++) {
            const double ns = nspin == 1 ? nelec : nelec_spin[s];
            const int nfull = (int)round(ns / g);
            if (fabs(ns / g - nfull) > 1e-8)
                return as_error_set(err, AS_EINPUT, "fixed occupations need a whole number of electrons per band "
                                    "(%g in spin channel %d); use smearing", ns, s + 1);
            if (nfull > nb)
                return as_error_set(err, AS_EINTERNAL, "%d occupied bands but only %d computed", nfull, nb);
            for (int k = 0; k < nk; k++) {
                double *o = occ + (size_t)(k * nspin + s) * nb;
                const double *e = eig + (size_t)(k * nspin + s) * nb;
                for (int b = 0; b < nb; b++)
                    o[b] = b < nfull ? g : 0.0;
                if (nfull > 0 && e[nfull - 1] > top)
                    top = e[nfull - 1];
            }
        }
        *efermi = top;
        return AS_OK;
    }
    /* Bisection for the Fermi level (the count is monotonic for gaussian and Fermi-Dirac and
     * close to it for the others, as in pw.x's efermig). */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < (size_t)nk * nspin * nb; i++) {
        lo = fmin(lo, eig[i]);
        hi = fmax(hi, eig[i]);
    }
    lo -= 10.0 * sigma + 1.0;
    hi += 10.0 * sigma + 1.0;
    if (count(kind, sigma, nk, nspin, nb, wk, eig, hi) < nelec - 1e-10)
        return as_error_set(err, AS_EINTERNAL, "not enough bands for %g electrons with smearing; raise nbands", nelec);
    double mu = 0.5 * (lo + hi);
    for (int it = 0; it < 300; it++) {
        mu = 0.5 * (lo + hi);
        double n = count(kind, sigma, nk, nspin, nb, wk, eig, mu);
        if (fabs(n - nelec) < 1e-12)
            break;
        if (n < nelec)
            lo = mu;
        else
            hi = mu;
    }
    *efermi = mu;
    for (int k = 0; k < nk; k++)
        for (int s = 0; s < nspin; s++)
            for (int b = 0; b < nb; b++) {
                const size_t i = (size_t)(k * nspin + s) * nb + b;
                const double x = (mu - eig[i]) / sigma;
                occ[i] = g * as_smear_occ(kind, x);
                *ts += wk[k] * g * sigma * as_smear_entropy(kind, x);
            }
    return AS_OK;
}
