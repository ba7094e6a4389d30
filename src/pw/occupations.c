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

/* electrons below mu, in channel only (or all channels when only < 0) */
static double count(as_smearing_kind kind, double sigma, int nk, int nspin, int nb, const double *wk,
                    const double *eig, double mu, int only)
{
    const double g = nspin == 1 ? 2.0 : 1.0;
    double n = 0.0;
    for (int k = 0; k < nk; k++)
        for (int s = 0; s < nspin; s++)
            for (int b = 0; b < nb; b++)
                if (only < 0 || s == only)
                    n += wk[k] * g * as_smear_occ(kind, (mu - eig[(size_t)(k * nspin + s) * nb + b]) / sigma);
    return n;
}

/* Electrons the count may miss and the level still be taken (pw.x's efermig uses the same 1e-10): a
 * thousandth of what an SCF residual of 1e-8 Ha would notice, and far above the rounding of the count
 * (1e-13 for a few hundred electrons, which a tolerance of 1e-12 did not clear). */
#define FERMI_EPS 1e-10

/* Bisection for mu with count(mu) = nel inside [lo, hi]: on a rising branch (count(lo) < nel <= count(hi)) or,
 * with rising = 0, a falling one (count(lo) >= nel > count(hi)). */
static double bisect(as_smearing_kind kind, double sigma, int nk, int nspin, int nb, const double *wk,
                     const double *eig, double nel, int only, double lo, double hi, int rising)
{
    double mu = 0.5 * (lo + hi);
    for (int it = 0; it < 300; it++) {
        mu = 0.5 * (lo + hi);
        const double n = count(kind, sigma, nk, nspin, nb, wk, eig, mu, only);
        if (fabs(n - nel) < 1e-12 || hi - lo < 1e-15)
            break;
        if ((n < nel) == rising)
            lo = mu;
        else
            hi = mu;
    }
    return mu;
}

/* The Fermi level holding nel electrons in channel `only` (all when < 0).  Gaussian and Fermi-Dirac: the count
 * is monotonic in mu, one root, bisection.  Marzari-Vanderbilt and Methfessel-Paxton: a level's occupation
 * overshoots 1 above it (by 8 % for MV), so the count can reach nel at several mu, e.g. with the Fermi level
 * between a full and a nearly empty defect level: once with the extra charge in the overshoot of the full
 * levels, once with it in the defect level.  A plain bisection over all the bands then picks one of them
 * according to where its bracket starts, which moves with every far empty band: the occupation of the defect
 * level (and the density) can jump between SCF iterations or ionic steps.  As pw.x does since 7.0 (efermig; dos
 * Santos and Marzari, PRB 107, 195122 (2023)), the Gaussian Fermi level comes first and the level is the
 * root nearest to it (to within sigma/8): the sign changes of count - nel are sought on a grid of sigma/8
 * outward from the Gaussian level, and the nearest bracket is bisected.  Where the root is unique (a metal,
 * every case pw.x 6.7 was compared with in tests/scf) this is the same level as before. */
static int fermi_level(as_smearing_kind kind, double sigma, int nk, int nspin, int nb, const double *wk,
                       const double *eig, double nel, int only, double *mu_out, as_error *err)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < nk; k++)
        for (int s = 0; s < nspin; s++)
            if (only < 0 || s == only)
                for (int b = 0; b < nb; b++) {
                    const double e = eig[(size_t)(k * nspin + s) * nb + b];
                    lo = fmin(lo, e);
                    hi = fmax(hi, e);
                }
    lo -= 10.0 * sigma + 1.0;
    hi += 10.0 * sigma + 1.0;
    if (count(kind, sigma, nk, nspin, nb, wk, eig, hi, only) < nel - 1e-10)
        return as_error_set(err, AS_EINTERNAL, "not enough bands for %g electrons with smearing; raise nbands", nel);
    if (kind == AS_SMEAR_GAUSSIAN || kind == AS_SMEAR_FERMI_DIRAC) {
        *mu_out = bisect(kind, sigma, nk, nspin, nb, wk, eig, nel, only, lo, hi, 1);
        return AS_OK;
    }
    double mu_g = bisect(AS_SMEAR_GAUSSIAN, sigma, nk, nspin, nb, wk, eig, nel, only, lo, hi, 1);
    /* An insulator: the Gaussian count is flat across the gap and the bisection stops wherever it first comes
     * within 1e-12 of nel, perhaps 5 sigma above the valence band top.  There the cold count exceeds nel by the
     * full levels' overshoot tail, e^{-(x - 1/sqrt 2)^2}/sqrt(2 pi) per level at x = (mu - e)/sigma (1e-12 to
     * 1e-10 electrons), and its only roots lie near the band edges, where the top levels give up a fraction of
     * an electron to the others' overshoot.  So the level goes to the middle of the gap, where that tail is
     * smallest, and a count within FERMI_EPS of nel is taken as it is. */
    double e_below = -INFINITY, e_above = INFINITY; /* the levels either side of mu_g */
    for (int k = 0; k < nk; k++)
        for (int s = 0; s < nspin; s++)
            if (only < 0 || s == only)
                for (int b = 0; b < nb; b++) {
                    const double e = eig[(size_t)(k * nspin + s) * nb + b];
                    if (e <= mu_g)
                        e_below = fmax(e_below, e);
                    else
                        e_above = fmin(e_above, e);
                }
    if (isfinite(e_below) && isfinite(e_above)) {
        const double mid = 0.5 * (e_below + e_above);
        if (fabs(count(AS_SMEAR_GAUSSIAN, sigma, nk, nspin, nb, wk, eig, mid, only) - nel) < FERMI_EPS)
            mu_g = mid;
    }
    const double h = sigma / 8.0, r0 = count(kind, sigma, nk, nspin, nb, wk, eig, mu_g, only) - nel;
    if (fabs(r0) < FERMI_EPS) {
        *mu_out = mu_g;
        return AS_OK;
    }
    double below = r0, above = r0; /* count - nel at the inner ends of the two intervals tried next */
    for (int j = 0; mu_g - j * h > lo || mu_g + j * h < hi; j++) {
        /* the two intervals j sigma/8 away, the one above first: the root taken is the nearest to within sigma/8 */
        const double a0 = mu_g + j * h, a1 = a0 + h;
        if (a0 < hi) {
            const double r1 = count(kind, sigma, nk, nspin, nb, wk, eig, a1, only) - nel;
            if ((above < 0.0) != (r1 < 0.0)) {
                *mu_out = bisect(kind, sigma, nk, nspin, nb, wk, eig, nel, only, a0, a1, above < 0.0);
                return AS_OK;
            }
            above = r1;
        }
        const double b1 = mu_g - j * h, b0 = b1 - h;
        if (b1 > lo) {
            const double r1 = count(kind, sigma, nk, nspin, nb, wk, eig, b0, only) - nel;
            if ((below < 0.0) != (r1 < 0.0)) {
                *mu_out = bisect(kind, sigma, nk, nspin, nb, wk, eig, nel, only, b0, b1, r1 < 0.0);
                return AS_OK;
            }
            below = r1;
        }
    }
    *mu_out = bisect(kind, sigma, nk, nspin, nb, wk, eig, nel, only, lo, hi, 1); /* not reached: count is continuous */
    return AS_OK;
}

int as_occupations(as_smearing_kind kind, double sigma, int nk, int nspin, int nb, const double *wk,
                   const double *eig, double nelec, const double nelec_spin[2], int fixed_spin, double *occ,
                   double efermi[2], double *ts, as_error *err)
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
        efermi[0] = efermi[1] = top;
        return AS_OK;
    }
    if (nspin == 2 && fixed_spin) {
        for (int s = 0; s < 2; s++)
            if (fermi_level(kind, sigma, nk, nspin, nb, wk, eig, nelec_spin[s], s, &efermi[s], err))
                return err->code;
    } else {
        if (fermi_level(kind, sigma, nk, nspin, nb, wk, eig, nelec, -1, &efermi[0], err))
            return err->code;
        efermi[1] = efermi[0];
    }
    for (int k = 0; k < nk; k++)
        for (int s = 0; s < nspin; s++)
            for (int b = 0; b < nb; b++) {
                const size_t i = (size_t)(k * nspin + s) * nb + b;
                const double x = (efermi[s] - eig[i]) / sigma;
                occ[i] = g * as_smear_occ(kind, x);
                *ts += wk[k] * g * sigma * as_smear_entropy(kind, x);
            }
    return AS_OK;
}
