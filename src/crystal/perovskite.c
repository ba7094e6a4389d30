#include "crystal/perovskite.h"

#include <math.h>
#include <stdlib.h>

#include "core/units.h"
#include "crystal/expand.h"

/* One Pnma template: cell (angstrom) and the asymmetric unit Pb 4b, Cs 4c, X1 4c, X2 8d. */
typedef struct {
    double abc[3];
    double pos[4][3];
} pnma_template;

/* ICSD 97851, room-temperature CsPbBr3, converted from Pbnm to Pnma ((x,y,z)Pnma = (y,z,x)Pbnm). */
static const pnma_template cspbbr3 = {
    {8.255, 11.759, 8.207},
    {{0.0, 0.0, 0.5}, {0.971, 0.25, 0.99}, {0.505, 0.25, 0.046}, {0.205, 0.025, 0.793}}};

/* gamma-CsPbI3 at 293 K, Sutton et al., ACS Energy Lett. 3, 1787 (2018). */
static const pnma_template cspbi3 = {
    {8.8561, 12.4722, 8.5766},
    {{0.0, 0.0, 0.5}, {0.45995, 0.25, 0.50509}, {0.00113, 0.25, 0.56202}, {0.30538, 0.96423, 0.69731}}};

/* Experimental cubic constants: CsPbCl3 5.605, CsPbBr3 5.874 (425 K, ICSD 201285), CsPbI3 6.289 (634 K). */
static const double cubic_a[AS_NHALIDES] = {5.605, 5.874, 6.289};

double as_perovskite_cubic_a_pure(int halide)
{
    return (halide >= 0 && halide < AS_NHALIDES) ? cubic_a[halide] : 0.0;
}

double as_perovskite_vegard_a(const as_composition *c)
{
    double a = 0.0;
    for (int h = 0; h < AS_NHALIDES; h++)
        a += c->x[h] / 3.0 * cubic_a[h];
    return a;
}

static int is_pure(const as_composition *c, int h)
{
    return as_composition_nspecies(c) == 1 && c->x[h] > 0.0;
}

/* Vegard's rule on the bromide geometry.  Any composition other than pure CsPbI3
 * takes the ICSD 97851 fractional coordinates and the bromide cell scaled
 * isotropically by a_vegard(c) / a_cubic(CsPbBr3), i.e. the volume per formula unit
 * follows the composition-weighted cubic lattice constants.
 * Limits: (i) the octahedral tilts (fractional coordinates) stay those of the bromide
 * although they change with the halide (smaller Cl, larger I); (ii) the reference
 * cubic constants are measured at different temperatures (Br 425 K, I 634 K), so the
 * ratios carry some thermal expansion; (iii) no bowing term.  The result is a
 * starting point to be relaxed, accurate to about 1 % in volume for Cl/Br mixes.
 * Pure CsPbCl3 has no Pnma cell in common use (see the README): this is it. */
static const pnma_template *pnma_for(const as_composition *c, double *scale)
{
    if (is_pure(c, AS_HALIDE_I)) {
        *scale = 1.0;
        return &cspbi3;
    }
    *scale = as_perovskite_vegard_a(c) / cubic_a[AS_HALIDE_BR];
    return &cspbbr3;
}

void as_perovskite_default_abc(const as_composition *c, as_perovskite_phase phase, double abc_ang[3])
{
    if (phase == AS_PEROVSKITE_CUBIC) {
        abc_ang[0] = abc_ang[1] = abc_ang[2] = as_perovskite_vegard_a(c);
        return;
    }
    double scale;
    const pnma_template *t = pnma_for(c, &scale);
    for (int k = 0; k < 3; k++)
        abc_ang[k] = t->abc[k] * scale;
}

const char *as_perovskite_source(const as_composition *c, as_perovskite_phase phase)
{
    if (phase == AS_PEROVSKITE_CUBIC) {
        if (is_pure(c, AS_HALIDE_BR))
            return "cubic CsPbBr3, a = 5.874 A (ICSD 201285, 425 K)";
        if (is_pure(c, AS_HALIDE_I))
            return "cubic CsPbI3, a = 6.289 A (634 K)";
        if (is_pure(c, AS_HALIDE_CL))
            return "cubic CsPbCl3, a = 5.605 A";
        return "cubic, a by Vegard's rule (Cl 5.605, Br 5.874, I 6.289 A)";
    }
    if (is_pure(c, AS_HALIDE_BR))
        return "Pnma CsPbBr3, ICSD 97851 (room temperature)";
    if (is_pure(c, AS_HALIDE_I))
        return "Pnma gamma-CsPbI3, Sutton et al. 2018 (293 K)";
    return "Pnma CsPbBr3 geometry (ICSD 97851) scaled by Vegard's rule (cubic a: Cl 5.605, Br 5.874, I 6.289 A)";
}

as_structure *as_perovskite_build(const as_composition *c, as_perovskite_phase phase, const double *abc_bohr,
                                  as_error *err)
{
    int x = as_halide_z(as_composition_major(c));
    double abc[3];
    as_perovskite_default_abc(c, phase, abc);
    for (int k = 0; k < 3; k++)
        abc[k] = abc_bohr ? abc_bohr[k] : abc[k] * AS_ANG_BOHR;
    double lat[3][3] = {{abc[0], 0, 0}, {0, abc[1], 0}, {0, 0, abc[2]}};

    int hall, nsites;
    int z[4];
    double pos[4][3];
    if (phase == AS_PEROVSKITE_CUBIC) {
        hall = AS_HALL_PM3M;
        nsites = 3;
        static const double cub[3][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}, {0, 0.5, 0.5}}; /* Cs 1a, Pb 1b, X 3c */
        z[0] = 55, z[1] = 82, z[2] = x;
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++)
                pos[i][k] = cub[i][k];
    } else {
        hall = AS_HALL_PNMA;
        nsites = 4;
        double scale;
        const pnma_template *t = pnma_for(c, &scale);
        z[0] = 82, z[1] = 55, z[2] = x, z[3] = x;
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 3; k++)
                pos[i][k] = t->pos[i][k];
    }
    int(*rot)[3][3] = NULL;
    double(*trans)[3] = NULL;
    int nops = as_spacegroup_operations(hall, &rot, &trans, err);
    if (nops == 0)
        return NULL;
    as_structure *s = as_structure_expand(lat, nsites, z, (const double(*)[3])pos, NULL, nops,
                                          (const int(*)[3][3])rot, (const double(*)[3])trans, AS_EXPAND_TOL_BOHR,
                                          NULL, err);
    free(rot);
    free(trans);
    if (!s)
        return NULL;
    int want = phase == AS_PEROVSKITE_CUBIC ? 5 : 20;
    if (s->natoms != want) {
        as_error_set(err, AS_EINTERNAL, "building %s gave %d atoms instead of %d", c->formula, s->natoms, want);
        as_structure_destroy(s);
        return NULL;
    }
    return s;
}
