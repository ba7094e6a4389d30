#include "crystal/composition.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const halide_symbol[AS_NHALIDES] = {"Cl", "Br", "I"};
static const int halide_zs[AS_NHALIDES] = {17, 35, 53};

int as_halide_z(int h) { return (h >= 0 && h < AS_NHALIDES) ? halide_zs[h] : 0; }

int as_halide_index(int z)
{
    for (int h = 0; h < AS_NHALIDES; h++)
        if (halide_zs[h] == z)
            return h;
    return -1;
}

int as_composition_nspecies(const as_composition *c)
{
    int n = 0;
    for (int h = 0; h < AS_NHALIDES; h++)
        n += c->x[h] > 0.0;
    return n;
}

int as_composition_major(const as_composition *c)
{
    int best = 0;
    for (int h = 1; h < AS_NHALIDES; h++)
        if (c->x[h] >= c->x[best])
            best = h;
    return best;
}

static void format_amount(char *out, size_t n, double v)
{
    snprintf(out, n, "%.6g", v);
}

int as_composition_parse(const char *formula, as_composition *c, as_error *err)
{
    memset(c, 0, sizeof *c);
    const char *help = "write CsPbX3 with X = Cl, Br, I or a mix whose amounts add up to 3, "
                       "e.g. CsPbBr3 or CsPbCl0.25Br2.75";
    if (!formula || strncmp(formula, "CsPb", 4) != 0)
        return as_error_set(err, AS_EINPUT, "unknown host '%s': %s", formula ? formula : "", help);
    const char *p = formula + 4;
    int seen[AS_NHALIDES] = {0};
    if (!*p)
        return as_error_set(err, AS_EINPUT, "host '%s' has no halide: %s", formula, help);
    while (*p) {
        int h = -1;
        for (int k = 0; k < AS_NHALIDES; k++) {
            size_t l = strlen(halide_symbol[k]);
            if (!strncmp(p, halide_symbol[k], l) && !islower((unsigned char)p[l])) {
                h = k;
                p += l;
                break;
            }
        }
        if (h < 0)
            return as_error_set(err, AS_EINPUT, "host '%s': '%s' is not Cl, Br or I; %s", formula, p, help);
        if (seen[h])
            return as_error_set(err, AS_EINPUT, "host '%s' names %s twice", formula, halide_symbol[h]);
        seen[h] = 1;
        char *end;
        double v = 1.0;
        if (isdigit((unsigned char)*p) || *p == '.') {
            v = strtod(p, &end);
            p = end;
        }
        if (!(v > 0.0) || v > 3.0)
            return as_error_set(err, AS_EINPUT, "host '%s': the amount of %s must be in (0, 3]", formula,
                                halide_symbol[h]);
        c->x[h] = v;
    }
    double sum = c->x[0] + c->x[1] + c->x[2];
    if (fabs(sum - 3.0) > 1e-6)
        return as_error_set(err, AS_EINPUT, "host '%s': the halide amounts add up to %g, not 3; %s", formula, sum,
                            help);
    /* Normalised formula: halides in the order Cl, Br, I. */
    int pos = snprintf(c->formula, sizeof c->formula, "CsPb");
    for (int h = 0; h < AS_NHALIDES; h++) {
        if (c->x[h] <= 0.0)
            continue;
        char amount[32];
        format_amount(amount, sizeof amount, c->x[h]);
        pos += snprintf(c->formula + pos, sizeof c->formula - (size_t)pos, "%s%s", halide_symbol[h],
                        (c->x[h] == 1.0 && as_composition_nspecies(c) > 1) ? "" : amount);
    }
    return AS_OK;
}
