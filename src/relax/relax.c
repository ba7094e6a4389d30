#include "relax/relax.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/structure.h"

static int has_cell(const as_relax *r)
{
    return r->set.cell != 0;
}

/* F from the coordinates (identity without the cell). */
static void deformation(const as_relax *r, const double *q, double F[3][3])
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            F[i][j] = has_cell(r) ? q[3 * r->natoms + 3 * i + j] / r->cell_factor : (i == j);
}

/* The cell at coordinates q. */
static void lattice_at(const as_relax *r, const double *q, double L[3][3])
{
    const as_structure *s0 = r->start;
    if (has_cell(r)) {
        double F[3][3];
        deformation(r, q, F);
        /* rows: a_i' = F a_i, i.e. L = L0 F^T */
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++)
                L[i][k] = F[k][0] * s0->lattice[i][0] + F[k][1] * s0->lattice[i][1] + F[k][2] * s0->lattice[i][2];
    } else {
        memcpy(L, s0->lattice, sizeof s0->lattice); /* bit for bit: the calculator keeps its basis */
    }
}

/* Fill s (natoms atoms, z set) with the structure at coordinates q. */
static void structure_at(const as_relax *r, const double *q, as_structure *s)
{
    double inv0[3][3];
    as_lattice_inverse(r->start->lattice, inv0);
    lattice_at(r, q, s->lattice);
    for (int a = 0; a < r->natoms; a++)
        as_cart_to_frac(inv0, q + 3 * a, s->frac[a]);
}

as_relax *as_relax_create(const as_structure *start, const as_relax_settings *set, as_error *err)
{
    as_relax *r = calloc(1, sizeof *r);
    if (!r) {
        as_error_nomem(err, "relaxation", sizeof *r);
        return NULL;
    }
    r->set = *set;
    r->natoms = start->natoms;
    r->ncoord = 3 * start->natoms + (set->cell ? 9 : 0);
    if (!(r->start = as_structure_copy(start, err)))
        goto fail;
    const double omega = fabs(as_lattice_volume(start->lattice));
    r->cell_factor = sqrt(omega * (AS_RELAX_STIFFNESS_GPA / AS_HA_BOHR3_GPA) / AS_RELAX_H0);
    if (!(r->q = calloc((size_t)r->ncoord, sizeof *r->q))) {
        as_error_nomem(err, "relaxation", (size_t)r->ncoord * 8);
        goto fail;
    }
    for (int a = 0; a < r->natoms; a++)
        as_frac_to_cart(start->lattice, start->frac[a], r->q + 3 * a);
    if (set->cell)
        for (int i = 0; i < 3; i++)
            r->q[3 * r->natoms + 4 * i] = r->cell_factor;
    /* FIRE's first step dt^2 f: ASE's dt = 0.1 angstrom sqrt(angstrom / eV) in bohr sqrt(bohr / Ha). */
    const double dt0 = 0.1 * AS_ANG_BOHR / sqrt(AS_EV_HA);
    if (!(r->opt = as_optimizer_create(set->method, r->ncoord, 3 * r->natoms, AS_RELAX_H0, dt0, err)))
        goto fail;
    if (set->keep_symmetry && !(r->sym = as_symmetry_create(start, 0.0, err)))
        goto fail;
    return r;
fail:
    as_relax_destroy(r);
    return NULL;
}

void as_relax_destroy(as_relax *r)
{
    if (!r)
        return;
    as_structure_destroy(r->start);
    free(r->q);
    as_optimizer_destroy(r->opt);
    as_symmetry_destroy(r->sym);
    free(r);
}

as_structure *as_relax_structure(const as_relax *r, as_error *err)
{
    as_structure *s = as_structure_copy(r->start, err);
    if (s)
        structure_at(r, r->q, s);
    return s;
}

int as_relax_gradient(const as_relax *r, const double (*forces)[3], const double stress[3][3], double *g,
                      as_error *err)
{
    double F[3][3];
    deformation(r, r->q, F);
    for (int a = 0; a < r->natoms; a++)
        for (int j = 0; j < 3; j++) /* (F^T f)_j = sum_i F_ij f_i */
            g[3 * a + j] = F[0][j] * forces[a][0] + F[1][j] * forces[a][1] + F[2][j] * forces[a][2];
    if (!has_cell(r))
        return AS_OK;
    if (!stress)
        return as_error_set(err, AS_EINTERNAL, "a cell relaxation needs the stress");
    double Finv[3][3], L[3][3];
    if (as_lattice_inverse(F, Finv))
        return as_error_set(err, AS_EINTERNAL, "the cell has collapsed (singular deformation)");
    lattice_at(r, r->q, L);
    const double omega = fabs(as_lattice_volume(L));
    /* G = Omega (sigma - p I) F^{-T} / c;  (F^{-T})_kj = Finv_jk */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0.0;
            for (int k = 0; k < 3; k++)
                s += (stress[i][k] - (i == k ? r->set.pressure : 0.0)) * Finv[j][k];
            g[3 * r->natoms + 3 * i + j] = omega * s / r->cell_factor;
        }
    return AS_OK;
}

/* Largest atomic displacement (bohr, in the undeformed frame) and largest strain change of dq. */
static void step_size(const as_relax *r, const double *dq, double *datom, double *dcell_q, double *dstrain)
{
    *datom = *dcell_q = *dstrain = 0.0;
    for (int a = 0; a < r->natoms; a++)
        *datom = fmax(*datom, sqrt(dq[3 * a] * dq[3 * a] + dq[3 * a + 1] * dq[3 * a + 1] + dq[3 * a + 2] * dq[3 * a + 2]));
    if (has_cell(r))
        for (int i = 0; i < 3; i++) {
            const double *d = dq + 3 * r->natoms + 3 * i;
            *dcell_q = fmax(*dcell_q, sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
            for (int j = 0; j < 3; j++)
                *dstrain = fmax(*dstrain, fabs(d[j]) / r->cell_factor);
        }
}

/* Symmetrise a step: per-atom displacements (undeformed frame) and the strain step as a tensor. */
static int symmetrize_step(const as_relax *r, double *dq, as_error *err)
{
    if (!r->sym)
        return AS_OK;
    as_structure *ref = as_structure_copy(r->start, err);
    double(*v)[3] = malloc((size_t)r->natoms * sizeof *v);
    if (!ref || !v) {
        as_structure_destroy(ref);
        free(v);
        return err->code ? err->code : as_error_nomem(err, "step", (size_t)r->natoms * 24);
    }
    double inv0[3][3];
    as_lattice_inverse(r->start->lattice, inv0);
    for (int a = 0; a < r->natoms; a++) {
        as_cart_to_frac(inv0, r->q + 3 * a, ref->frac[a]);
        memcpy(v[a], dq + 3 * a, sizeof v[a]);
    }
    double t[3][3];
    if (has_cell(r))
        memcpy(t, dq + 3 * r->natoms, sizeof t);
    int rc = as_symmetry_symmetrize(r->sym, ref, v, has_cell(r) ? t : NULL, err);
    if (rc == AS_OK) {
        for (int a = 0; a < r->natoms; a++)
            memcpy(dq + 3 * a, v[a], sizeof v[a]);
        if (has_cell(r))
            memcpy(dq + 3 * r->natoms, t, sizeof t);
    } else {
        as_error_prefix(err, "symmetrising the relaxation step (the structure left its starting symmetry; try "
                        "keep_symmetry = false): ");
    }
    free(v);
    as_structure_destroy(ref);
    return rc;
}

/* Shorten dq so that no two atoms come closer than the limit; AS_ENOCONV when impossible. */
static int keep_apart(as_relax *r, double *dq, as_error *err)
{
    const double limit = AS_RELAX_MIN_DIST_ANG * AS_ANG_BOHR;
    const int n = r->ncoord;
    double *qt = malloc((size_t)n * sizeof *qt);
    as_structure *s = as_structure_copy(r->start, err);
    if (!qt || !s) {
        free(qt);
        as_structure_destroy(s);
        return err->code ? err->code : as_error_nomem(err, "step", (size_t)n * 8);
    }
    int i = -1, j = -1;
    double lo = 0.0, hi = 1.0, dmin;
#define TRY(t)                                                                                                \
    do {                                                                                                      \
        for (int k = 0; k < n; k++)                                                                           \
            qt[k] = r->q[k] + (t) * dq[k];                                                                    \
        structure_at(r, qt, s);                                                                               \
        dmin = as_structure_min_distance(s, &i, &j);                                                          \
    } while (0)
    TRY(1.0);
    int rc = AS_OK;
    r->shortened = 0;
    if (dmin < limit) {
        const int fi = i, fj = j;
        const double dfull = dmin;
        for (int it = 0; it < 60; it++) {
            const double t = 0.5 * (lo + hi);
            TRY(t);
            if (dmin >= limit)
                lo = t;
            else
                hi = t;
        }
        TRY(0.0);
        const double dnow = as_periodic_distance(s->lattice, s->frac[fi], s->frac[fj]);
        double datom, dcq, dstrain;
        step_size(r, dq, &datom, &dcq, &dstrain);
        if (lo * fmax(datom, dcq) < 1e-3) {
            rc = as_error_set(err, AS_ENOCONV,
                              "relax step %d: the forces drive atom %d (%s) and atom %d (%s) together: the next step "
                              "would put them %.3f angstrom apart (now %.3f), closer than %.1f angstrom, and no "
                              "shorter step avoids it; check the structure (is an atom on top of another?), the "
                              "charge and the potentials",
                              r->step, fi + 1, as_element_symbol(r->start->z[fi]), fj + 1,
                              as_element_symbol(r->start->z[fj]), dfull * AS_BOHR_ANG, dnow * AS_BOHR_ANG,
                              AS_RELAX_MIN_DIST_ANG);
        } else {
            as_warn("relax step %d: the step would put atom %d (%s) and atom %d (%s) %.3f angstrom apart (< %.1f "
                    "angstrom); shortened to %.0f %%",
                    r->step, fi + 1, as_element_symbol(r->start->z[fi]), fj + 1, as_element_symbol(r->start->z[fj]),
                    dfull * AS_BOHR_ANG, AS_RELAX_MIN_DIST_ANG, 100.0 * lo);
            for (int k = 0; k < n; k++)
                dq[k] *= lo;
            r->shortened = 1;
        }
    }
#undef TRY
    free(qt);
    as_structure_destroy(s);
    return rc;
}

/* The minimiser in (0, 1) of the cubic with values e0, e1 and slopes d0 < 0, d1 at t = 0, 1, kept within
 * [0.1, 0.7]; the quadratic through e0, d0, e1, or 0.5, when the cubic has none. */
static double line_minimum(double e0, double e1, double d0, double d1)
{
    const double de = e1 - e0, b = 3.0 * de - 2.0 * d0 - d1, c = d0 + d1 - 2.0 * de;
    double t = -1.0;
    const double disc = b * b - 3.0 * c * d0;
    if (fabs(c) > 1e-12 * (fabs(b) + fabs(d0)) && disc >= 0.0) {
        for (int sg = -1; sg <= 1; sg += 2) {
            const double x = (-b + sg * sqrt(disc)) / (3.0 * c);
            if (x > 0.0 && x < 1.0 && 2.0 * b + 6.0 * c * x > 0.0)
                t = x;
        }
    }
    if (t < 0.0)
        t = (de - d0 > 0.0 && d0 < 0.0) ? -d0 / (2.0 * (de - d0)) : 0.5;
    return fmin(fmax(t, 0.1), 0.7);
}

int as_relax_tell(as_relax *r, double energy, const double (*forces)[3], const double stress[3][3], as_error *err)
{
    const int na = r->natoms, n = r->ncoord;
    double(*f)[3] = malloc((size_t)na * sizeof *f);
    double *g = malloc((size_t)n * sizeof *g), *dq = malloc((size_t)n * sizeof *dq);
    as_structure *s = as_relax_structure(r, err);
    int rc = AS_OK;
    if (!f || !g || !dq || !s) {
        rc = s ? as_error_nomem(err, "relaxation step", (size_t)n * 16) : err->code;
        goto done;
    }
    memcpy(f, forces, (size_t)na * sizeof *f);
    double sig[3][3] = {{0}};
    if (has_cell(r)) {
        if (!stress) {
            rc = as_error_set(err, AS_EINTERNAL, "a cell relaxation needs the stress");
            goto done;
        }
        memcpy(sig, stress, sizeof sig);
    }
    if (r->sym && (rc = as_symmetry_symmetrize(r->sym, s, f, has_cell(r) ? sig : NULL, err))) {
        as_error_prefix(err, "symmetrising the forces (the structure left its starting symmetry; try keep_symmetry "
                        "= false): ");
        goto done;
    }
    r->step++;
    r->energy = energy;
    r->enthalpy = energy + (has_cell(r) ? r->set.pressure * fabs(as_lattice_volume(s->lattice)) : 0.0);
    r->max_force = 0.0;
    for (int a = 0; a < na; a++)
        r->max_force = fmax(r->max_force, sqrt(f[a][0] * f[a][0] + f[a][1] * f[a][1] + f[a][2] * f[a][2]));
    r->max_stress = 0.0;
    r->pressure = 0.0;
    if (has_cell(r)) {
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                r->max_stress = fmax(r->max_stress, fabs(sig[i][j] - (i == j ? r->set.pressure : 0.0)));
        r->pressure = (sig[0][0] + sig[1][1] + sig[2][2]) / 3.0;
    }
    r->converged = as_relax_meets_criteria(r);
    r->step_length = 0.0;
    r->shortened = 0;
    if (r->converged)
        goto done;
    if ((rc = as_relax_gradient(r, (const double(*)[3])f, sig, g, err)))
        goto done;
    r->rejected = 0;
    if (r->set.method == AS_RELAX_BFGS && !has_cell(r) && r->opt->have_prev &&
        energy > r->e_acc + AS_RELAX_ENERGY_TOL) {
        /* uphill: the step is rejected and retried shorter, at the minimum of the cubic through the
         * energies and slopes at both ends; the Hessian learns the curvature the rejected point measured */
        const double *q0 = r->opt->q0, *f0 = r->opt->f0;
        double d0 = 0.0, d1 = 0.0;
        for (int k = 0; k < n; k++) {
            dq[k] = r->q[k] - q0[k];
            d0 -= f0[k] * dq[k];
            d1 -= g[k] * dq[k];
        }
        const double t = line_minimum(r->e_acc, energy, d0, d1);
        if ((rc = as_optimizer_learn(r->opt, r->q, g, err)))
            goto done;
        if (++r->nreject >= 3)
            as_optimizer_reset(r->opt); /* the model keeps failing: start it afresh from the retry */
        double datom, dcq, dstrain;
        step_size(r, dq, &datom, &dcq, &dstrain);
        r->step_length = t * datom;
        r->rejected = 1;
        for (int k = 0; k < n; k++)
            r->q[k] = (r->q[k] - dq[k]) + t * dq[k];
        goto done;
    }
    r->e_acc = energy;
    r->nreject = 0;
    if ((rc = as_optimizer_propose(r->opt, r->q, g, dq, err)) || (rc = symmetrize_step(r, dq, err)))
        goto done;
    double datom, dcq, dstrain;
    step_size(r, dq, &datom, &dcq, &dstrain);
    double scale = 1.0;
    const double longest = fmax(datom, dcq);
    if (longest > r->set.max_step)
        scale = r->set.max_step / longest;
    if (dstrain * scale > AS_RELAX_MAX_STRAIN_STEP)
        scale = AS_RELAX_MAX_STRAIN_STEP / dstrain;
    for (int k = 0; k < n; k++)
        dq[k] *= scale;
    if ((rc = keep_apart(r, dq, err)))
        goto done;
    step_size(r, dq, &datom, &dcq, &dstrain);
    r->step_length = datom;
    for (int k = 0; k < n; k++)
        r->q[k] += dq[k];
done:
    free(f);
    free(g);
    free(dq);
    as_structure_destroy(s);
    return rc;
}

int as_relax_meets_criteria(const as_relax *r)
{
    return r->step > 0 && r->max_force < r->set.fmax && (!has_cell(r) || r->max_stress < r->set.stress_tol);
}

#define RELAX_MAGIC 0x58414c52 /* "RLAX" */

void as_relax_save(const as_relax *r, as_ser *b)
{
    as_ser_put_i32(b, RELAX_MAGIC);
    as_ser_put_i32(b, r->natoms);
    as_ser_put_i32(b, r->ncoord);
    as_ser_put_i32(b, r->set.cell);
    as_ser_put_i32(b, r->set.method);
    as_ser_put_i32(b, r->set.keep_symmetry);
    for (int a = 0; a < r->natoms; a++)
        as_ser_put_i32(b, r->start->z[a]);
    as_ser_put_f64s(b, &r->start->lattice[0][0], 9);
    as_ser_put_f64s(b, &r->start->frac[0][0], 3 * (size_t)r->natoms);
    as_ser_put_f64(b, r->cell_factor);
    as_ser_put_f64s(b, r->q, (size_t)r->ncoord);
    as_ser_put_i32(b, r->step);
    as_ser_put_i32(b, r->converged);
    as_ser_put_f64(b, r->energy);
    as_ser_put_f64(b, r->enthalpy);
    as_ser_put_f64(b, r->max_force);
    as_ser_put_f64(b, r->max_stress);
    as_ser_put_f64(b, r->pressure);
    as_ser_put_f64(b, r->step_length);
    as_ser_put_i32(b, r->shortened);
    as_ser_put_f64(b, r->e_acc);
    as_ser_put_i32(b, r->nreject);
    as_ser_put_i32(b, r->rejected);
    as_ser_put(b, &r->total_scf, sizeof r->total_scf);
    as_ser_put_f64(b, r->wall);
    as_optimizer_save(r->opt, b);
}

as_relax *as_relax_load(as_ser *b, const as_structure *start, const as_relax_settings *set, as_error *err)
{
    if (as_ser_get_i32(b) != RELAX_MAGIC) {
        as_error_set(err, AS_EINPUT, "no relaxation state where one was expected");
        return NULL;
    }
    const int natoms = as_ser_get_i32(b), ncoord = as_ser_get_i32(b), cell = as_ser_get_i32(b),
              method = as_ser_get_i32(b), keep = as_ser_get_i32(b);
    if (b->failed || natoms != start->natoms) {
        as_error_set(err, AS_EINPUT, "it holds %d atoms, the deck's structure %d", natoms, start->natoms);
        return NULL;
    }
    if (cell != (set->cell != 0) || method != set->method || keep != (set->keep_symmetry != 0)) {
        as_error_set(err, AS_EINPUT, "it was written with cell = %s, method = %s, keep_symmetry = %s; the deck now "
                     "says %s, %s, %s (start afresh without --restart, or restore those settings)",
                     cell ? "true" : "false", method == AS_RELAX_FIRE ? "fire" : "bfgs", keep ? "true" : "false",
                     set->cell ? "true" : "false", set->method == AS_RELAX_FIRE ? "fire" : "bfgs",
                     set->keep_symmetry ? "true" : "false");
        return NULL;
    }
    as_structure *s0 = as_structure_copy(start, err);
    if (!s0)
        return NULL;
    int same = 1;
    for (int a = 0; a < natoms; a++)
        same &= as_ser_get_i32(b) == start->z[a];
    as_ser_get_f64s(b, &s0->lattice[0][0], 9);
    as_ser_get_f64s(b, &s0->frac[0][0], 3 * (size_t)natoms);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            same &= fabs(s0->lattice[i][j] - start->lattice[i][j]) < 1e-8;
    for (int a = 0; a < natoms; a++)
        same &= as_periodic_distance(start->lattice, s0->frac[a], start->frac[a]) < 1e-8;
    if (b->failed || !same) {
        as_structure_destroy(s0);
        as_error_set(err, AS_EINPUT, "it starts from another structure than the deck's (elements, cell or "
                     "positions differ)");
        return NULL;
    }
    as_relax_settings s = *set;
    as_relax *r = as_relax_create(s0, &s, err);
    as_structure_destroy(s0);
    if (!r)
        return NULL;
    if (ncoord != r->ncoord) {
        as_error_set(err, AS_EINPUT, "it has %d coordinates, this relaxation %d", ncoord, r->ncoord);
        as_relax_destroy(r);
        return NULL;
    }
    r->cell_factor = as_ser_get_f64(b);
    as_ser_get_f64s(b, r->q, (size_t)ncoord);
    r->step = as_ser_get_i32(b);
    r->converged = as_ser_get_i32(b);
    r->energy = as_ser_get_f64(b);
    r->enthalpy = as_ser_get_f64(b);
    r->max_force = as_ser_get_f64(b);
    r->max_stress = as_ser_get_f64(b);
    r->pressure = as_ser_get_f64(b);
    r->step_length = as_ser_get_f64(b);
    r->shortened = as_ser_get_i32(b);
    r->e_acc = as_ser_get_f64(b);
    r->nreject = as_ser_get_i32(b);
    r->rejected = as_ser_get_i32(b);
    as_ser_get(b, &r->total_scf, sizeof r->total_scf);
    r->wall = as_ser_get_f64(b);
    if (b->failed || as_optimizer_load(r->opt, b, err)) {
        if (!err->code)
            as_error_set(err, AS_EINPUT, "the relaxation state is truncated");
        as_relax_destroy(r);
        return NULL;
    }
    return r;
}
