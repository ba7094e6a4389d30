#include "pw/ewald.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/structure.h"

int as_ewald(const double lat[3][3], int natoms, const double (*frac)[3], const double *zion, double eta,
             double *energy, double (*forces)[3], double stress[3][3], as_error *err)
{
    const double omega = fabs(as_lattice_volume(lat));
    double rec[3][3];
    if (as_lattice_reciprocal(lat, rec) != 0)
        return as_error_set(err, AS_EINPUT, "Ewald sum: singular cell");
    if (eta <= 0.0)
        eta = sqrt(AS_PI) * pow((double)natoms / (omega * omega), 1.0 / 6.0);
    /* erfc(x) < 1e-17 for x > 6; exp(-G^2/(4 eta^2)) < 1e-17 for G > 2*6.3*eta. */
    const double rcut = 6.2 / eta, gcut = 2.0 * 6.4 * eta;

    double (*tau)[3] = malloc((size_t)natoms * sizeof *tau);
    if (!tau)
        return as_error_nomem(err, "Ewald positions", (size_t)natoms * sizeof *tau);
    for (int a = 0; a < natoms; a++)
        as_frac_to_cart(lat, frac[a], tau[a]);
    double e_real = 0.0, e_rec = 0.0, ztot = 0.0, z2 = 0.0;
    double sig[3][3] = {{0}};
    if (forces)
        memset(forces, 0, (size_t)natoms * sizeof *forces);
    for (int a = 0; a < natoms; a++) {
        ztot += zion[a];
        z2 += zion[a] * zion[a];
    }

    /* Real space: images within rcut of every pair. */
    int nmax[3];
    for (int i = 0; i < 3; i++) {
        double b = sqrt(rec[i][0] * rec[i][0] + rec[i][1] * rec[i][1] + rec[i][2] * rec[i][2]);
        nmax[i] = (int)ceil(rcut * b / AS_TWOPI) + 1;
    }
    for (int a = 0; a < natoms; a++)
        for (int b = 0; b < natoms; b++)
            for (int i = -nmax[0]; i <= nmax[0]; i++)
                for (int j = -nmax[1]; j <= nmax[1]; j++)
                    for (int k = -nmax[2]; k <= nmax[2]; k++) {
                        double d[3];
                        for (int x = 0; x < 3; x++)
                            d[x] = tau[a][x] - tau[b][x] - (i * lat[0][x] + j * lat[1][x] + k * lat[2][x]);
                        double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                        if (r < 1e-10 || r > rcut)
                            continue;
                        double zz = zion[a] * zion[b];
                        double f = erfc(eta * r) / r;
                        double fp = -f / r - 2.0 * eta / sqrt(AS_PI) * exp(-eta * eta * r * r) / r;
                        e_real += 0.5 * zz * f;
                        if (forces)
                            for (int x = 0; x < 3; x++)
                                forces[a][x] -= zz * fp * d[x] / r;
                        for (int x = 0; x < 3; x++)
                            for (int y = 0; y < 3; y++)
                                sig[x][y] += 0.5 * zz * fp * d[x] * d[y] / r;
                    }

    /* Reciprocal space: G != 0 within gcut. */
    int mmax[3];
    for (int i = 0; i < 3; i++) {
        double a = sqrt(lat[i][0] * lat[i][0] + lat[i][1] * lat[i][1] + lat[i][2] * lat[i][2]);
        mmax[i] = (int)ceil(gcut * a / AS_TWOPI) + 1;
    }
    for (int i = -mmax[0]; i <= mmax[0]; i++)
        for (int j = -mmax[1]; j <= mmax[1]; j++)
            for (int k = -mmax[2]; k <= mmax[2]; k++) {
                if (!i && !j && !k)
                    continue;
                double g[3];
                for (int x = 0; x < 3; x++)
                    g[x] = i * rec[0][x] + j * rec[1][x] + k * rec[2][x];
                double g2 = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
                if (g2 > gcut * gcut)
                    continue;
                double h = exp(-g2 / (4.0 * eta * eta)) / g2;
                double complex s = 0.0;
                for (int a = 0; a < natoms; a++) {
                    double ph = AS_TWOPI * (i * frac[a][0] + j * frac[a][1] + k * frac[a][2]);
                    s += zion[a] * cexp(I * ph);
                }
                double s2 = creal(s * conj(s));
                double term = AS_TWOPI / omega * h * s2;
                e_rec += term;
                for (int x = 0; x < 3; x++)
                    for (int y = 0; y < 3; y++)
                        sig[x][y] += term * 2.0 * g[x] * g[y] * (1.0 / (4.0 * eta * eta) + 1.0 / g2);
                if (forces)
                    for (int a = 0; a < natoms; a++) {
                        double ph = AS_TWOPI * (i * frac[a][0] + j * frac[a][1] + k * frac[a][2]);
                        double im = cimag(cexp(I * ph) * conj(s));
                        for (int x = 0; x < 3; x++)
                            forces[a][x] += 2.0 * AS_TWOPI / omega * zion[a] * h * g[x] * im;
                    }
            }
    double e_self = -eta / sqrt(AS_PI) * z2;
    double e_bg = -AS_PI * ztot * ztot / (2.0 * omega * eta * eta);
    for (int x = 0; x < 3; x++)
        sig[x][x] -= e_rec + e_bg;
    free(tau);
    if (energy)
        *energy = e_real + e_rec + e_self + e_bg;
    if (stress)
        for (int x = 0; x < 3; x++)
            for (int y = 0; y < 3; y++)
                stress[x][y] = -sig[x][y] / omega;
    return AS_OK;
}
