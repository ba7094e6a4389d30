#define _POSIX_C_SOURCE 200809L
#include "pw/pseudo.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/units.h"
#include "crystal/elements.h"

/* Next non-blank, non-comment line; returns NULL at the end. */
static char *next_line(char **cursor, int *lineno)
{
    while (*cursor && **cursor) {
        char *line = *cursor;
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
            *cursor = nl + 1;
        } else {
            *cursor = line + strlen(line);
        }
        (*lineno)++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (*s)
            return s;
    }
    return NULL;
}

/* Read up to max numbers from a line; returns the count. */
static int numbers(const char *s, double *v, int max)
{
    int n = 0;
    char *end;
    while (n < max) {
        double x = strtod(s, &end);
        if (end == s || !isfinite(x) || fabs(x) > 1e6) /* nan, inf or absurd: no GTH parameter (and no int) */
            break;
        v[n++] = x;
        s = end;
    }
    return n;
}

int as_pseudo_parse(const char *text, const char *path, as_pseudo *p, as_error *err)
{
    memset(p, 0, sizeof *p);
    snprintf(p->path, sizeof p->path, "%s", path);
    char *copy = strdup(text);
    if (!copy)
        return as_error_nomem(err, "pseudopotential", strlen(text));
    char *cur = copy;
    int ln = 0, rc = AS_OK;
    double v[16];
    char *s = next_line(&cur, &ln);
    if (!s) {
        rc = as_error_set(err, AS_EINPUT, "%s: empty pseudopotential file", path);
        goto done;
    }
    char sym[8] = "", name[64] = "";
    if (sscanf(s, "%7s %63s", sym, name) != 2 || !(p->z = as_element_z(sym))) {
        rc = as_error_set(err, AS_EINPUT, "%s:%d: expected a header 'El GTH-<functional>-q<N>', got '%s'", path, ln, s);
        goto done;
    }
    snprintf(p->symbol, sizeof p->symbol, "%s", sym);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->family, sizeof p->family, "%s", (strstr(name, "PADE") || strstr(name, "LDA")) ? "LDA" : "GGA");
    /* electrons per angular momentum */
    if (!(s = next_line(&cur, &ln))) {
        rc = as_error_set(err, AS_EINPUT, "%s: truncated after the header", path);
        goto done;
    }
    int ne = numbers(s, v, 8);
    if (ne < 1) {
        rc = as_error_set(err, AS_EINPUT, "%s:%d: expected electron counts per l", path, ln);
        goto done;
    }
    for (int i = 0; i < ne; i++) {
        if (!(v[i] >= 0.0 && v[i] <= 40.0 && v[i] == floor(v[i]))) { /* several shells: 3 s electrons for Cs */
            rc = as_error_set(err, AS_EINPUT, "%s:%d: electron count %g for l = %d is not a whole number in 0..40",
                              path, ln, v[i], i);
            goto done;
        }
        p->zion += v[i];
        if (i <= AS_PSEUDO_LMAX)
            p->nelec_l[i] = v[i];
    }
    /* rloc nloc C1..Cn */
    if (!(s = next_line(&cur, &ln)) || numbers(s, v, 6) < 2) {
        rc = as_error_set(err, AS_EINPUT, "%s:%d: expected 'rloc nloc C1 ... Cn'", path, ln);
        goto done;
    }
    int nv = numbers(s, v, 6);
    p->rloc = v[0];
    p->nloc = (int)v[1];
    if (p->rloc <= 0.0 || p->nloc < 0 || p->nloc > 4 || nv != 2 + p->nloc) {
        rc = as_error_set(err, AS_EINPUT, "%s:%d: bad local part (rloc %g, %d coefficients given for nloc %d)", path,
                          ln, p->rloc, nv - 2, p->nloc);
        goto done;
    }
    for (int i = 0; i < p->nloc; i++)
        p->c[i] = v[2 + i];
    /* nonlocal channels */
    if (!(s = next_line(&cur, &ln)) || numbers(s, v, 2) != 1) {
        rc = as_error_set(err, AS_EINPUT, "%s:%d: expected the number of nonlocal channels", path, ln);
        goto done;
    }
    p->nl = (int)v[0];
    if (p->nl < 0 || p->nl > AS_PSEUDO_LMAX + 1) {
        rc = as_error_set(err, AS_EINPUT, "%s:%d: %d nonlocal channels (at most %d, l <= 3)", path, ln, p->nl,
                          AS_PSEUDO_LMAX + 1);
        goto done;
    }
    for (int l = 0; l < p->nl; l++) {
        if (!(s = next_line(&cur, &ln)) || (nv = numbers(s, v, 8)) < 2) {
            rc = as_error_set(err, AS_EINPUT, "%s:%d: expected 'r_l nprj h11 ...' for l = %d", path, ln, l);
            goto done;
        }
        p->rl[l] = v[0];
        int n = (int)v[1];
        if (n < 0 || n > AS_PSEUDO_NPRJ || (n > 0 && v[0] <= 0.0) || nv != 2 + n) {
            rc = as_error_set(err, AS_EINPUT, "%s:%d: bad channel l = %d (%d projectors, %d values)", path, ln, l, n,
                              nv - 2);
            goto done;
        }
        p->nprj[l] = n;
        /* Upper triangle, row by row: row i has n - i values. */
        for (int j = 0; j < n; j++)
            p->h[l][0][j] = p->h[l][j][0] = v[2 + j];
        for (int i = 1; i < n; i++) {
            if (!(s = next_line(&cur, &ln)) || numbers(s, v, 8) != n - i) {
                rc = as_error_set(err, AS_EINPUT, "%s:%d: expected %d h values for l = %d, row %d", path, ln, n - i,
                                  l, i + 1);
                goto done;
            }
            for (int j = i; j < n; j++)
                p->h[l][i][j] = p->h[l][j][i] = v[j - i];
        }
        /* CP2K files with spin-orbit terms add k_ij rows for l > 0; they would be parsed as
         * the next channel's header and rejected above, so such files are refused loudly. */
    }
    if (next_line(&cur, &ln)) {
        rc = as_error_set(err, AS_EINPUT,
                          "%s:%d: unexpected text after the last channel (one potential per file; spin-orbit "
                          "k coefficients are not supported)",
                          path, ln);
        goto done;
    }
done:
    free(copy);
    return rc;
}

int as_pseudo_read(const char *path, as_pseudo *p, as_error *err)
{
    char *text = NULL;
    if (as_file_read_text(path, &text, NULL, err))
        return err->code;
    int rc = as_pseudo_parse(text, path, p, err);
    free(text);
    return rc;
}

static const char *default_variant(int z)
{
    switch (z) {
    case 55: return "q9";
    case 82: return "q4";
    case 9:
    case 17:
    case 35:
    case 53: return "q7";
    case 14: return "q4";
    default: return NULL;
    }
}

int as_pseudo_find(const char *dir, int z, const char *variant, int gga, as_pseudo *p, as_error *err)
{
    const char *sym = as_element_symbol(z);
    const char *fam = gga ? "PBE" : "LDA";
    char v[64];
    if (variant && *variant) {
        /* "GTH-PBE-q14" or "q14" */
        const char *q = strrchr(variant, '-');
        snprintf(v, sizeof v, "%s", q ? q + 1 : variant);
    } else if (default_variant(z)) {
        snprintf(v, sizeof v, "%s", default_variant(z));
    } else {
        v[0] = '\0';
    }
    char path[2048];
    if (v[0]) {
        snprintf(path, sizeof path, "%s/%s/%s-%s.gth", dir, fam, sym, v);
        if (!as_file_exists(path))
            snprintf(path, sizeof path, "%s/%s-%s.gth", dir, sym, v);
    } else {
        /* unknown default: the smallest valence present */
        path[0] = '\0';
        for (int q = 1; q <= 40 && !path[0]; q++) {
            snprintf(path, sizeof path, "%s/%s/%s-q%d.gth", dir, fam, sym, q);
            if (!as_file_exists(path))
                path[0] = '\0';
        }
    }
    if (!path[0] || !as_file_exists(path))
        return as_error_set(err, AS_EINPUT,
                            "no %s potential for %s%s%s in %s (looked for %s/%s/%s-%s.gth); name a variant that "
                            "exists with 'potentials' in [dft], or point 'potentials' at a directory that has one",
                            fam, sym, v[0] ? " variant " : "", v, dir, dir, fam, sym, v[0] ? v : "qN");
    if (as_pseudo_read(path, p, err))
        return err->code;
    if (p->z != z)
        return as_error_set(err, AS_EINPUT, "%s holds a potential for %s, not %s", path, p->symbol, sym);
    return AS_OK;
}

/* ------------------------------------------------------------ local part */

double as_pseudo_vloc_g(const as_pseudo *p, double g, int short_range)
{
    const double r = p->rloc, x2 = g * g * r * r, e = exp(-0.5 * x2);
    const double c1 = p->c[0], c2 = p->c[1], c3 = p->c[2], c4 = p->c[3];
    double poly = c1 + c2 * (3.0 - x2) + c3 * (15.0 - 10.0 * x2 + x2 * x2) +
                  c4 * (105.0 - 105.0 * x2 + 21.0 * x2 * x2 - x2 * x2 * x2);
    double v = sqrt(8.0 * AS_PI * AS_PI * AS_PI) * r * r * r * e * poly;
    if (short_range) {
        /* -4 pi Z e^{-x^2/2}/G^2 + 4 pi Z / G^2 = 4 pi Z (1 - e^{-x^2/2}) / G^2, finite at G = 0. */
        double coul;
        if (x2 < 1e-6)
            coul = AS_FOURPI * p->zion * r * r * (0.5 - x2 / 8.0 + x2 * x2 / 48.0);
        else
            coul = AS_FOURPI * p->zion * (1.0 - e) / (g * g);
        return v + coul;
    }
    return v - AS_FOURPI * p->zion * e / (g * g);
}

double as_pseudo_vloc_dg(const as_pseudo *p, double g)
{
    const double r = p->rloc, x2 = g * g * r * r, e = exp(-0.5 * x2);
    const double c1 = p->c[0], c2 = p->c[1], c3 = p->c[2], c4 = p->c[3];
    double poly = c1 + c2 * (3.0 - x2) + c3 * (15.0 - 10.0 * x2 + x2 * x2) +
                  c4 * (105.0 - 105.0 * x2 + 21.0 * x2 * x2 - x2 * x2 * x2);
    double dpoly_dx2 = -c2 + c3 * (-10.0 + 2.0 * x2) + c4 * (-105.0 + 42.0 * x2 - 3.0 * x2 * x2);
    double dx2_dg = 2.0 * g * r * r;
    double pre = sqrt(8.0 * AS_PI * AS_PI * AS_PI) * r * r * r;
    double dv = pre * e * (-0.5 * poly + dpoly_dx2) * dx2_dg;
    /* Coulomb: -4 pi Z e(g)/g^2 */
    double dc = -AS_FOURPI * p->zion * (e * (-0.5 * dx2_dg) / (g * g) - 2.0 * e / (g * g * g));
    return dv + dc;
}

double as_pseudo_vloc_r(const as_pseudo *p, double r)
{
    const double x = r / p->rloc, x2 = x * x;
    double coul = (r < 1e-10) ? -p->zion * sqrt(2.0 / AS_PI) / p->rloc
                              : -p->zion / r * erf(r / (sqrt(2.0) * p->rloc));
    return coul + exp(-0.5 * x2) * (p->c[0] + p->c[1] * x2 + p->c[2] * x2 * x2 + p->c[3] * x2 * x2 * x2);
}

/* ------------------------------------------------------------ projectors */

/* p_i^l(r) = sqrt(2) r^{l+2i} e^{-r^2/(2 r_l^2)} / (r_l^{l+(4i+3)/2} sqrt(Gamma(l+(4i+3)/2))), i 0-based. */
static double proj_norm(const as_pseudo *p, int l, int i)
{
    double a = l + (4.0 * i + 3.0) / 2.0;
    return sqrt(2.0) / (pow(p->rl[l], a) * sqrt(tgamma(a)));
}

double as_pseudo_proj_r(const as_pseudo *p, int l, int i, double r)
{
    return proj_norm(p, l, i) * pow(r, l + 2 * i) * exp(-0.5 * r * r / (p->rl[l] * p->rl[l]));
}

/* \int_0^inf r^{l+2+2n} e^{-alpha r^2} j_l(qr) dr = (-d/dalpha)^n [sqrt(pi) q^l / (2^{l+2} alpha^{s}) e^{-q^2/(4 alpha)}]
 * with s = l + 3/2.  (-d/dalpha)^n of alpha^{-s} e^{-u} (u = q^2/(4 alpha)) is alpha^{-s-n} e^{-u} P_n(u),
 * P_0 = 1, P_{n+1} = (s + n - u) P_n + u P_n'.  Coefficients of P_n are built once per call (n <= 2). */
static void poly_coeffs(double s, int n, double c[4])
{
    double a[4] = {1, 0, 0, 0};
    for (int k = 0; k < n; k++) {
        double b[4] = {0, 0, 0, 0};
        for (int j = 0; j <= k; j++) {
            b[j] += (s + k) * a[j];      /* (s+k) P */
            b[j + 1] -= a[j];            /* -u P */
            if (j > 0)
                b[j] += j * a[j];        /* u P' : u * j a_j u^{j-1} */
        }
        memcpy(a, b, sizeof a);
    }
    memcpy(c, a, sizeof a);
}

double as_pseudo_proj_q(const as_pseudo *p, int l, int i, double q)
{
    const double rl = p->rl[l], alpha = 0.5 / (rl * rl), s = l + 1.5;
    const double u = 0.25 * q * q / alpha;
    double c[4];
    poly_coeffs(s, i, c);
    double poly = c[0] + u * (c[1] + u * (c[2] + u * c[3]));
    double val = sqrt(AS_PI) * pow(q, l) / pow(2.0, l + 2) * pow(alpha, -(s + i)) * exp(-u) * poly;
    return proj_norm(p, l, i) * val;
}

double as_pseudo_proj_dq(const as_pseudo *p, int l, int i, double q)
{
    const double rl = p->rl[l], alpha = 0.5 / (rl * rl), s = l + 1.5;
    const double u = 0.25 * q * q / alpha, du = 0.5 * q / alpha;
    double c[4];
    poly_coeffs(s, i, c);
    double poly = c[0] + u * (c[1] + u * (c[2] + u * c[3]));
    double dpoly = c[1] + u * (2.0 * c[2] + 3.0 * u * c[3]);
    double pre = proj_norm(p, l, i) * sqrt(AS_PI) / pow(2.0, l + 2) * pow(alpha, -(s + i));
    double ql = (l == 0) ? 1.0 : pow(q, l);
    double dql = (l == 0) ? 0.0 : l * pow(q, l - 1);
    return pre * exp(-u) * (dql * poly + ql * (-du * poly + dpoly * du));
}

int as_pseudo_nproj(const as_pseudo *p)
{
    int n = 0;
    for (int l = 0; l < p->nl; l++)
        n += p->nprj[l] * (2 * l + 1);
    return n;
}
