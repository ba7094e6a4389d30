#include "pw/ylm.h"

#include <math.h>
#include <string.h>

#include "core/units.h"

void as_ylm(int l, const double r[3], double *out)
{
    double rr = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    if (l == 0) {
        out[0] = 0.5 / sqrt(AS_PI);
        return;
    }
    if (rr < 1e-14) {
        memset(out, 0, sizeof(double) * (size_t)(2 * l + 1));
        return;
    }
    const double x = r[0] / rr, y = r[1] / rr, z = r[2] / rr;
    switch (l) {
    case 1: {
        const double c = sqrt(3.0 / AS_FOURPI);
        out[0] = c * y;
        out[1] = c * z;
        out[2] = c * x;
        break;
    }
    case 2: {
        const double c1 = sqrt(15.0 / AS_FOURPI), c0 = sqrt(5.0 / (16.0 * AS_PI)), c2 = sqrt(15.0 / (16.0 * AS_PI));
        out[0] = c1 * x * y;
        out[1] = c1 * y * z;
        out[2] = c0 * (3.0 * z * z - 1.0);
        out[3] = c1 * x * z;
        out[4] = c2 * (x * x - y * y);
        break;
    }
    case 3: {
        const double a = sqrt(35.0 / (32.0 * AS_PI)), b = sqrt(105.0 / AS_FOURPI), c = sqrt(21.0 / (32.0 * AS_PI)),
                     d = sqrt(7.0 / (16.0 * AS_PI)), e = sqrt(105.0 / (16.0 * AS_PI));
        out[0] = a * y * (3.0 * x * x - y * y);
        out[1] = b * x * y * z;
        out[2] = c * y * (5.0 * z * z - 1.0);
        out[3] = d * z * (5.0 * z * z - 3.0);
        out[4] = c * x * (5.0 * z * z - 1.0);
        out[5] = e * z * (x * x - y * y);
        out[6] = a * x * (x * x - 3.0 * y * y);
        break;
    }
    default: memset(out, 0, sizeof(double) * (size_t)(2 * l + 1)); break;
    }
}

/* Central differences of the homogeneous-degree-0 function; accurate to ~1e-10,
 * enough for stress, and independent of the forms above so it cannot share their bugs. */
void as_ylm_grad(int l, const double r[3], double (*grad)[7])
{
    const double rr = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    const double h = 1e-5 * (rr > 0 ? rr : 1.0);
    for (int x = 0; x < 3; x++) {
        double rp[3] = {r[0], r[1], r[2]}, rm[3] = {r[0], r[1], r[2]};
        rp[x] += h;
        rm[x] -= h;
        double yp[7], ym[7];
        as_ylm(l, rp, yp);
        as_ylm(l, rm, ym);
        for (int m = 0; m < 2 * l + 1; m++)
            grad[x][m] = (yp[m] - ym[m]) / (2.0 * h);
    }
}
