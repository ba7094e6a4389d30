/* Classification after relaxation (scan/classify.h) on hand-made final structures in Pnma CsPbBr3,
 * where the answer is known by construction:
 *   - an extra Br left on its site is 'ok' and ends in that site;
 *   - the same configuration moved as a whole by each operation of the host (atoms shuffled, energy
 *     within same_energy) is 'same as' the first; with the energy 10 meV off it is not;
 *   - an extra Br that ended on another site's orbit is 'moved to' that site;
 *   - a Frenkel pair whose final structure is the host (rattled by 0.02 angstrom, drifted as a whole)
 *     is 'recombined'; the same pair left apart is not;
 *   - one whose final structure is the host with a and c swapped (a twin: Pnma CsPbBr3 has a ~ c, its
 *     space group has no such operation, so the structure is not the host) is 'recombined' into a twin;
 *   - the vacancy refilled (AS_SCAN_REFILL_TOL_ANG, 1 angstrom): the placed atom 0.8 angstrom from its
 *     vacancy and a neighbour 0.5 angstrom off is recombined for the watch and 'recombined' into another
 *     arrangement by the classification; the placed atom 1.3 angstrom from its vacancy is neither;
 *   - a failed configuration stays failed;
 *   - an extra Br configuration with x and z swapped (a twin: not a host-symmetry image) is never 'same as'
 *     the first, whatever the energies, and gets twin_of = the first (not when the first is of another
 *     family); a host-symmetry image 10 meV off is distinct and no twin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/composition.h"
#include "crystal/match.h"
#include "crystal/perovskite.h"
#include "crystal/sites.h"
#include "crystal/symmetry.h"
#include "scan/classify.h"

#include "pnma_fixture.h"

/* host + Br at x (an interstitial configuration) */
static as_structure *with_br(const as_structure *host, const double x[3])
{
    as_error err;
    as_structure *s = as_structure_copy(host, &err);
    if (!s || as_structure_add_atom(s, 35, x, &err))
        fail_msg("%s", err.msg);
    return s;
}

static as_scan_config interstitial(const fixture *f, int site, as_structure *start)
{
    as_scan_config c;
    memset(&c, 0, sizeof c);
    c.mode = AS_SCAN_INTERSTITIAL;
    c.species_z = 35;
    c.charge = -1;
    c.site = site;
    c.vacancy = -1;
    c.interstitial = start->natoms - 1;
    c.multiplicity = f->sites->site[site].multiplicity;
    memcpy(c.site_frac, f->sites->site[site].frac, sizeof c.site_frac);
    c.start = start;
    snprintf(c.family, sizeof c.family, "interstitial Br q-1");
    return c;
}

static void record(as_scan_record *r, const char *name, double e)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->family, sizeof r->family, "interstitial Br q-1");
    r->have_energy = 1;
    r->energy = e;
    r->multiplicity = 1;
}

static void test_same_and_ok(void **state)
{
    (void)state;
    fixture f = make();
    as_error err;
    const double *p = f.sites->site[0].frac;
    for (int op = 1; op < f.sym->nops; op++) {
        as_structure *s0 = with_br(f.host, p);
        as_scan_config cfg[2] = {interstitial(&f, 0, s0), interstitial(&f, 0, s0)};
        as_scan_record rec[2];
        record(&rec[0], "A", -100.0);
        record(&rec[1], "B", -100.0 + 1e-5);
        as_structure *fin[2] = {as_structure_copy(s0, &err), image(f.sym, s0, op)};
        /* B's start: its own final as the start keeps the drift removal neutral */
        cfg[1].start = fin[1] ? as_structure_copy(fin[1], &err) : NULL;
        cfg[1].interstitial = 0; /* reversed order: the Br is first */
        assert_int_equal(as_scan_classify(rec, fin, cfg, 2, f.host, f.sym, f.sites, AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR,
                                          0.005 / AS_HA_EV, &err), AS_OK);
        assert_int_equal(rec[0].cls, AS_CLASS_OK);
        assert_string_equal(rec[0].final_site, f.sites->site[0].name);
        assert_int_equal(rec[1].cls, AS_CLASS_SAME);
        assert_string_equal(rec[1].detail, "same as A");
        /* 10 meV apart: distinct */
        record(&rec[0], "A", -100.0);
        record(&rec[1], "B", -100.0 + 0.010 / AS_HA_EV);
        as_structure_destroy(fin[0]);
        as_structure_destroy(fin[1]);
        fin[0] = as_structure_copy(s0, &err);
        fin[1] = image(f.sym, s0, op);
        assert_int_equal(as_scan_classify(rec, fin, cfg, 2, f.host, f.sym, f.sites, AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR,
                                          0.005 / AS_HA_EV, &err), AS_OK);
        assert_int_equal(rec[1].cls, AS_CLASS_OK);
        assert_string_equal(rec[1].twin_of, "");
        as_structure_destroy(fin[0]);
        as_structure_destroy(fin[1]);
        as_structure_destroy(cfg[1].start);
        as_structure_destroy(s0);
    }
    unmake(&f);
}

static void test_moved(void **state)
{
    (void)state;
    fixture f = make();
    as_error err;
    as_structure *s0 = with_br(f.host, f.sites->site[0].frac);
    as_scan_config cfg = interstitial(&f, 0, s0);
    as_scan_record rec;
    record(&rec, "A", -100.0);
    as_structure *fin = with_br(f.host, f.sites->site[1].orbit[0]);
    assert_int_equal(as_scan_classify(&rec, &fin, &cfg, 1, f.host, f.sym, f.sites, AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR,
                                      0.005 / AS_HA_EV, &err), AS_OK);
    assert_int_equal(rec.cls, AS_CLASS_MOVED);
    char want[64];
    snprintf(want, sizeof want, "moved to %s", f.sites->site[1].name);
    assert_string_equal(rec.detail, want);
    assert_string_equal(rec.final_site, f.sites->site[1].name);
    const double d = as_periodic_distance(f.host->lattice, f.sites->site[0].frac, f.sites->site[1].orbit[0]);
    assert_true(fabs(rec.displacement - d) < 1e-9);
    as_structure_destroy(fin);
    as_structure_destroy(s0);
    unmake(&f);
}

/* The multiplicity of an ok or moved record counts the copies of its final structure under the host's operations:
 * on site i (ok, or moved there from site 0) it is the orbit size of site i that the sites algorithm found by
 * applying the operations to the point; rattled by 0.05 angstrom it stays; moved 0.6 angstrom off every
 * symmetry element of its site it is the space group's order.  A record planned with another multiplicity gets
 * this one. */
static void test_multiplicity(void **state)
{
    (void)state;
    fixture f = make();
    as_error err;
    int seen_lower = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            assert_true(a == b || fabs(f.host->lattice[a][b]) < 1e-9); /* orthorhombic, axes along x, y, z */
    for (int i = 0; i < f.sites->nsites; i++) {
        for (int from = 0; from < 2; from++) { /* ok on site i; moved to it from another site */
            const int start = from ? (i + 1) % f.sites->nsites : i;
            as_structure *s0 = with_br(f.host, f.sites->site[start].frac);
            as_scan_config cfg = interstitial(&f, start, s0);
            as_scan_record rec;
            record(&rec, "A", -100.0);
            rec.multiplicity = 1000;
            as_structure *fin = with_br(f.host, f.sites->site[i].orbit[0]);
            assert_int_equal(as_scan_classify(&rec, &fin, &cfg, 1, f.host, f.sym, f.sites,
                                              AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR, 0.005 / AS_HA_EV, &err), AS_OK);
            assert_true(rec.cls == (start == i ? AS_CLASS_OK : AS_CLASS_MOVED));
            assert_int_equal(rec.multiplicity, f.sites->site[i].multiplicity);
            /* rattled: every atom up to 0.05 angstrom off along each axis, in a direction of its own (the Pnma
             * cell is orthorhombic: axis k along cartesian k) */
            for (int a = 0; a < fin->natoms; a++)
                for (int k = 0; k < 3; k++)
                    fin->frac[a][k] += 0.05 * AS_ANG_BOHR * sin(1.7 * a + 2.3 * k + 0.4) / f.host->lattice[k][k];
            record(&rec, "A", -100.0);
            assert_int_equal(as_scan_classify(&rec, &fin, &cfg, 1, f.host, f.sym, f.sites,
                                              AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR, 0.005 / AS_HA_EV, &err), AS_OK);
            assert_int_equal(rec.multiplicity, f.sites->site[i].multiplicity);
            as_structure_destroy(fin);
            /* 0.6 angstrom off the site along (1, 2, 3)/|(1, 2, 3)| in cartesian terms: on no mirror, axis or
             * centre of Pnma */
            double x[3];
            memcpy(x, f.sites->site[i].orbit[0], sizeof x);
            const double dir[3] = {1.0 / sqrt(14.0), 2.0 / sqrt(14.0), 3.0 / sqrt(14.0)};
            for (int k = 0; k < 3; k++)
                x[k] += 0.6 * AS_ANG_BOHR * dir[k] / f.host->lattice[k][k];
            fin = with_br(f.host, x);
            record(&rec, "A", -100.0);
            assert_int_equal(as_scan_classify(&rec, &fin, &cfg, 1, f.host, f.sym, f.sites,
                                              AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR, 0.005 / AS_HA_EV, &err), AS_OK);
            assert_int_equal(rec.multiplicity, f.sym->nops);
            seen_lower += f.sites->site[i].multiplicity < f.sym->nops;
            as_structure_destroy(fin);
            as_structure_destroy(s0);
        }
    }
    assert_true(seen_lower > 0); /* some site lies on a symmetry element: the displaced copies are more */
    unmake(&f);
}

/* A Frenkel pair's start: the host's first Br (*v) moved to site 0. */
static as_structure *frenkel_start(const fixture *f, int *v)
{
    as_error err;
    *v = -1;
    for (int a = 0; a < f->host->natoms && *v < 0; a++)
        if (f->host->z[a] == 35)
            *v = a;
    as_structure *s0 = as_structure_copy(f->host, &err);
    if (!s0 || *v < 0)
        fail_msg("no Frenkel start");
    memcpy(s0->frac[*v], f->sites->site[0].frac, sizeof s0->frac[*v]);
    return s0;
}

/* the Frenkel configuration of frenkel_start: the Br v moved to site 0 */
static void frenkel_config(as_scan_config *c, as_structure *s0, int v)
{
    memset(c, 0, sizeof *c);
    c->mode = AS_SCAN_FRENKEL;
    c->species_z = 35;
    c->site = 0;
    c->vacancy = v;
    c->interstitial = v;
    c->multiplicity = 1;
    c->start = s0;
    snprintf(c->family, sizeof c->family, "frenkel Br q0");
}

static void test_recombined_and_failed(void **state)
{
    (void)state;
    fixture f = make();
    as_error err;
    /* a Frenkel pair: the first Br moved to site 0 */
    int v;
    as_structure *s0 = frenkel_start(&f, &v);
    as_scan_config cfg[3];
    for (int i = 0; i < 3; i++)
        frenkel_config(&cfg[i], s0, v);
    as_scan_record rec[3];
    for (int i = 0; i < 3; i++) {
        record(&rec[i], i == 0 ? "back" : i == 1 ? "apart" : "broken", -100.0 + 0.1 * i);
        snprintf(rec[i].family, sizeof rec[i].family, "frenkel Br q0");
    }
    rec[2].cls = AS_CLASS_FAILED;
    snprintf(rec[2].detail, sizeof rec[2].detail, "relax: not converged");
    /* back: the host, every atom rattled by <= 0.02 angstrom, the whole cell drifted by (0.1, 0.05, 0) */
    as_structure *fin[3] = {as_structure_copy(f.host, &err), as_structure_copy(s0, &err), NULL};
    double inv[3][3];
    as_lattice_inverse(f.host->lattice, inv);
    for (int a = 0; a < fin[0]->natoms; a++) {
        double c[3] = {0.02 * AS_ANG_BOHR * cos(a), 0.02 * AS_ANG_BOHR * sin(a) * 0.6, 0.0}, df[3];
        as_cart_to_frac(inv, c, df);
        for (int k = 0; k < 3; k++)
            fin[0]->frac[a][k] += df[k] + (k == 0 ? 0.1 : k == 1 ? 0.05 : 0.0);
    }
    assert_int_equal(as_scan_classify(rec, fin, cfg, 3, f.host, f.sym, f.sites, AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR,
                                      0.005 / AS_HA_EV, &err), AS_OK);
    assert_int_equal(rec[0].cls, AS_CLASS_RECOMBINED);
    /* the placed atom moved from the site back to its lattice position */
    const double d = as_periodic_distance(f.host->lattice, f.sites->site[0].frac, f.host->frac[v]);
    assert_true(fabs(rec[0].displacement - d) < 0.05 * AS_ANG_BOHR);
    assert_int_equal(rec[1].cls, AS_CLASS_OK);
    assert_int_equal(rec[2].cls, AS_CLASS_FAILED);
    assert_string_equal(rec[2].detail, "relax: not converged");
    as_structure_destroy(fin[0]);
    as_structure_destroy(fin[1]);
    as_structure_destroy(s0);
    unmake(&f);
}

/* s with x and z swapped (a <-> c: an operation of the lattice within 1 % that Pnma lacks), shifted by
 * (0.05, 0.02, 0.1) and rattled by 0.01 angstrom */
static as_structure *swapped_xz(const as_structure *s)
{
    as_error err;
    as_structure *t = as_structure_copy(s, &err);
    if (!t)
        fail_msg("%s", err.msg);
    double inv[3][3];
    as_lattice_inverse(s->lattice, inv);
    for (int a = 0; a < t->natoms; a++) {
        double c[3] = {0.01 * AS_ANG_BOHR * cos(3.0 * a), 0.01 * AS_ANG_BOHR * sin(3.0 * a), 0.0}, df[3];
        as_cart_to_frac(inv, c, df);
        t->frac[a][0] = s->frac[a][2] + 0.05 + df[0];
        t->frac[a][1] = s->frac[a][1] + 0.02 + df[1];
        t->frac[a][2] = s->frac[a][0] + 0.1 + df[2];
    }
    as_structure_wrap(t);
    return t;
}

static void test_twin(void **state)
{
    (void)state;
    fixture f = make();
    as_error err;
    int v;
    as_structure *s0 = frenkel_start(&f, &v);
    as_scan_config cfg;
    frenkel_config(&cfg, s0, v);
    as_scan_record rec;
    record(&rec, "twin", -100.0);
    snprintf(rec.family, sizeof rec.family, "frenkel Br q0");
    /* the host with x and z swapped; the atom placed at the site takes the vacancy's image */
    as_structure *fin = swapped_xz(f.host);
    /* not the host: the host's own space group finds no match within 0.3 angstrom */
    assert_int_equal(as_match_structures(fin, f.host, f.sym, 0.0, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(as_scan_classify(&rec, &fin, &cfg, 1, f.host, f.sym, f.sites, AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR,
                                      0.005 / AS_HA_EV, &err), AS_OK);
    assert_int_equal(rec.cls, AS_CLASS_RECOMBINED);
    assert_non_null(strstr(rec.detail, "twin"));
    /* the lattice's operations within 1 %: a <-> c is among them, the exact ones are Pnma's 8 */
    as_symmetry *lat = as_scan_twin_operations(f.host, &err);
    assert_non_null(lat);
    int swap = 0;
    for (int o = 0; o < lat->nops; o++)
        swap |= lat->rot[o][0][2] != 0 && lat->rot[o][2][0] != 0;
    assert_true(swap);
    assert_int_equal(lat->nops, 16);
    as_symmetry_destroy(lat);
    as_structure_destroy(fin);
    as_structure_destroy(s0);
    unmake(&f);
}

static void test_twin_of(void **state)
{
    (void)state;
    fixture f = make();
    as_error err;
    as_structure *s0 = with_br(f.host, f.sites->site[0].frac);
    as_structure *b = swapped_xz(s0); /* B: A with x and z swapped */
    assert_int_equal(as_match_structures(b, s0, f.sym, 0.0, NULL, NULL, NULL, NULL), 0);
    const double de[3] = {1e-6, 0.0015 / AS_HA_EV, 0.0015 / AS_HA_EV}; /* within same_energy, 1.5 meV apart */
    for (int k = 0; k < 3; k++) {
        as_scan_config cfg[2] = {interstitial(&f, 0, s0), interstitial(&f, 0, s0)};
        cfg[1].start = as_structure_copy(b, &err); /* its own final as the start: no drift */
        as_scan_record rec[2];
        record(&rec[0], "A", -100.0);
        record(&rec[1], "B", -100.0 + de[k]);
        if (k == 2) /* another family: never compared */
            snprintf(rec[0].family, sizeof rec[0].family, "interstitial Cl q-1");
        as_structure *fin[2] = {as_structure_copy(s0, &err), as_structure_copy(b, &err)};
        assert_int_equal(as_scan_classify(rec, fin, cfg, 2, f.host, f.sym, f.sites,
                                          AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR, 0.005 / AS_HA_EV, &err), AS_OK);
        assert_true(rec[1].cls == AS_CLASS_OK || rec[1].cls == AS_CLASS_MOVED);
        assert_string_equal(rec[1].twin_of, k == 2 ? "" : "A");
        assert_string_equal(rec[0].twin_of, "");
        as_structure_destroy(fin[0]);
        as_structure_destroy(fin[1]);
        as_structure_destroy(cfg[1].start);
    }
    as_structure_destroy(b);
    as_structure_destroy(s0);
    unmake(&f);
}

/* the host with atom a moved by d angstrom along x and atom b by e angstrom along z */
static as_structure *host_moved(const fixture *f, int a, double d, int b, double e)
{
    as_error err;
    as_structure *s = as_structure_copy(f->host, &err);
    double inv[3][3], df[3];
    as_lattice_inverse(f->host->lattice, inv);
    const double ca[3] = {d * AS_ANG_BOHR, 0.0, 0.0}, cb[3] = {0.0, 0.0, e * AS_ANG_BOHR};
    as_cart_to_frac(inv, ca, df);
    for (int k = 0; k < 3; k++)
        s->frac[a][k] += df[k];
    as_cart_to_frac(inv, cb, df);
    for (int k = 0; k < 3; k++)
        s->frac[b][k] += df[k];
    return s;
}

static void test_refilled(void **state)
{
    (void)state;
    fixture f = make();
    as_error err;
    int v;
    as_structure *s0 = frenkel_start(&f, &v);
    int nb = -1; /* another Br */
    for (int a = f.host->natoms - 1; a >= 0 && nb < 0; a--)
        if (f.host->z[a] == 35 && a != v)
            nb = a;
    as_scan_config cfg[2];
    as_scan_record rec[2];
    for (int i = 0; i < 2; i++) {
        frenkel_config(&cfg[i], s0, v);
        record(&rec[i], i == 0 ? "refilled" : "near", -100.0 + 0.1 * i);
        snprintf(rec[i].family, sizeof rec[i].family, "frenkel Br q0");
    }
    as_structure *fin[2] = {host_moved(&f, v, 0.8, nb, 0.5), host_moved(&f, v, 1.3, nb, 0.0)};
    assert_int_equal(as_scan_is_recombined(fin[0], &cfg[0], f.host, &err), 1);
    assert_int_equal(as_scan_is_recombined(fin[1], &cfg[1], f.host, &err), 0);
    /* not the host itself (0.3 angstrom) under any of its operations */
    assert_int_equal(as_match_structures(fin[0], f.host, f.sym, 0.0, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(as_scan_classify(rec, fin, cfg, 2, f.host, f.sym, f.sites, AS_SITES_CLUSTER_TOL_ANG * AS_ANG_BOHR,
                                      0.005 / AS_HA_EV, &err), AS_OK);
    assert_int_equal(rec[0].cls, AS_CLASS_RECOMBINED);
    assert_non_null(strstr(rec[0].detail, "another arrangement"));
    assert_non_null(strstr(rec[0].detail, "0.80 angstrom from the host"));
    assert_int_not_equal(rec[1].cls, AS_CLASS_RECOMBINED);
    as_structure_destroy(fin[0]);
    as_structure_destroy(fin[1]);
    as_structure_destroy(s0);
    unmake(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_and_ok),
        cmocka_unit_test(test_moved),
        cmocka_unit_test(test_multiplicity),
        cmocka_unit_test(test_recombined_and_failed),
        cmocka_unit_test(test_refilled),
        cmocka_unit_test(test_twin),
        cmocka_unit_test(test_twin_of),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
