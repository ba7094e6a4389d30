/* The ranking (src/scan/rank.c): hand-computed relative energies, gap shifts in the paper's sign and Boltzmann
 * populations; families kept apart; which rows are ranked; the reference's errors; the three files, read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/log.h"
#include "core/units.h"
#include "scan/rank.h"

#define EV AS_EV_HA
#define MEV (1e-3 * AS_EV_HA)

/* A record with the fields the ranking reads; energies and gaps given in eV. */
static as_scan_record make(const char *name, const char *family, as_scan_class cls, const char *detail, int mult,
                           int have_energy, double e_ev, double gap_ev)
{
    as_scan_record r;
    memset(&r, 0, sizeof r);
    snprintf(r.name, sizeof r.name, "%s", name);
    snprintf(r.family, sizeof r.family, "%s", family);
    snprintf(r.mode, sizeof r.mode, "%s", strncmp(family, "frenkel", 7) == 0 ? "frenkel" : "interstitial");
    r.species_z = strstr(family, "Cl") ? 17 : 35;
    r.charge = strstr(family, "q-1") ? -1 : 0;
    snprintf(r.site, sizeof r.site, "i%c", name[strlen(name) - 1]);
    r.multiplicity = mult;
    r.cls = cls;
    snprintf(r.detail, sizeof r.detail, "%s", detail ? detail : "");
    r.have_energy = have_energy;
    r.energy = have_energy ? e_ev * EV : 0.0;
    r.gap = have_energy ? gap_ev * EV : 0.0;
    r.final_frac[0] = 0.25;
    r.final_frac[1] = 0.5;
    r.final_frac[2] = 0.125;
    snprintf(r.final_site, sizeof r.final_site, "%s", r.site);
    r.displacement = 0.5 * AS_ANG_BOHR;
    r.ionic_steps = 12;
    r.scf_iterations = 345;
    r.wall = 67.5;
    return r;
}

static as_rank_params params(void)
{
    as_rank_params p;
    as_rank_params_default(&p);
    p.host_energy = -1000.0 * EV;
    p.host_gap = 2.0 * EV;
    p.formula_units = 4;
    return p;
}

static as_ranking *rank_ok(const as_scan_record *rec, int n, const as_rank_params *p)
{
    as_error err;
    as_error_clear(&err);
    as_ranking *r = as_rank_compute(rec, n, p, &err);
    if (!r)
        fail_msg("%s", err.msg);
    assert_int_equal(r->nrows, n);
    return r;
}

/* The row of the record with this name. */
static const as_rank_row *row_of(const as_ranking *r, const as_scan_record *rec, const char *name)
{
    for (int k = 0; k < r->nrows; k++)
        if (strcmp(rec[r->row[k].record].name, name) == 0)
            return &r->row[k];
    fail_msg("no row %s", name);
    return NULL;
}

static void assert_close(double a, double b, double tol)
{
    if (!(fabs(a - b) <= tol))
        fail_msg("%.12g != %.12g (tolerance %g)", a, b, tol);
}

/* Two families, interleaved in the input: each has its own zero, ranks and populations summing to 1. */
static void families_kept_apart(void **state)
{
    (void)state;
    as_scan_record rec[] = {
        make("Br_i1", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.0, 2.0),
        make("Cl_i1", "interstitial Cl q-1", AS_CLASS_OK, NULL, 1, 1, -1003.0, 2.1),
        make("Br_i2", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.5, 2.0),
        make("Cl_i2", "interstitial Cl q-1", AS_CLASS_OK, NULL, 1, 1, -1002.8, 2.1),
    };
    as_rank_params p = params();
    as_ranking *r = rank_ok(rec, 4, &p);
    assert_int_equal(r->nfamilies, 2);
    assert_string_equal(r->family[0].name, "frenkel Br q0"); /* order of first appearance */
    assert_string_equal(r->family[1].name, "interstitial Cl q-1");
    assert_int_equal(r->family[0].count, 2);
    assert_int_equal(r->family[1].first, 2);
    assert_string_equal(rec[r->family[0].zero].name, "Br_i2");
    assert_string_equal(rec[r->family[1].zero].name, "Cl_i1");
    /* rows grouped by family, ranked by energy */
    assert_string_equal(rec[r->row[0].record].name, "Br_i2");
    assert_string_equal(rec[r->row[1].record].name, "Br_i1");
    assert_string_equal(rec[r->row[2].record].name, "Cl_i1");
    assert_string_equal(rec[r->row[3].record].name, "Cl_i2");
    assert_int_equal(row_of(r, rec, "Br_i1")->rank, 2);
    assert_int_equal(row_of(r, rec, "Cl_i2")->rank, 2);
    assert_int_equal(row_of(r, rec, "Cl_i2")->family, 1);
    assert_close(row_of(r, rec, "Br_i1")->de * AS_HA_EV, 0.5, 1e-12);
    assert_close(row_of(r, rec, "Cl_i2")->de * AS_HA_EV, 0.2, 1e-12); /* not -1003 + 999.5 */
    for (int f = 0; f < 2; f++) {
        double s = 0;
        for (int k = r->family[f].first; k < r->family[f].first + r->family[f].count; k++)
            s += r->row[k].population;
        assert_close(s, 1.0, 1e-14);
    }
    /* E - E_host only for the host's composition (frenkel): -999.5 - (-1000) = 0.5 eV */
    assert_close(row_of(r, rec, "Br_i2")->de_host * AS_HA_EV, 0.5, 1e-12);
    assert_true(isnan(row_of(r, rec, "Cl_i1")->de_host));
    as_ranking_destroy(r);

    /* The records' order does not change the ranking. */
    as_scan_record rev[4] = {rec[3], rec[2], rec[1], rec[0]};
    r = rank_ok(rev, 4, &p);
    assert_string_equal(r->family[0].name, "interstitial Cl q-1");
    assert_string_equal(rev[r->row[0].record].name, "Cl_i1");
    assert_string_equal(rev[r->row[2].record].name, "Br_i2");
    as_ranking_destroy(r);
}

/* The zero is the lowest ranked energy, or the reference (the paper's Figure 3e uses site 2); ΔE per formula
 * unit divides by the host's formula units; the populations do not depend on the zero. */
static void zero_lowest_or_reference(void **state)
{
    (void)state;
    as_scan_record rec[] = {
        make("Br_i1", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.98, 2.014),
        make("Br_i2", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.96, 2.008),
        make("Br_i3", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.84, 1.915),
    };
    as_rank_params p = params(); /* 4 formula units */
    as_ranking *r = rank_ok(rec, 3, &p);
    assert_string_equal(rec[r->family[0].zero].name, "Br_i1");
    assert_false(r->family[0].zero_is_reference);
    assert_close(row_of(r, rec, "Br_i1")->de, 0.0, 0.0);
    assert_close(row_of(r, rec, "Br_i3")->de * AS_HA_EV, 0.14, 1e-12);
    assert_close(row_of(r, rec, "Br_i3")->de_per_fu * AS_HA_EV * 1e3, 35.0, 1e-9); /* 140 meV / 4 f.u. */
    double pop3 = row_of(r, rec, "Br_i3")->population;
    as_ranking_destroy(r);

    p.reference = "Br_i2";
    r = rank_ok(rec, 3, &p);
    assert_string_equal(rec[r->family[0].zero].name, "Br_i2");
    assert_true(r->family[0].zero_is_reference);
    assert_close(row_of(r, rec, "Br_i1")->de * AS_HA_EV, -0.02, 1e-12);
    assert_close(row_of(r, rec, "Br_i1")->de_per_fu * AS_HA_EV * 1e3, -5.0, 1e-9);
    assert_close(row_of(r, rec, "Br_i3")->de_per_fu * AS_HA_EV * 1e3, 30.0, 1e-9); /* the paper's ~30 meV/f.u. */
    assert_int_equal(row_of(r, rec, "Br_i1")->rank, 1);                             /* ranks still by energy */
    assert_close(row_of(r, rec, "Br_i3")->population, pop3, 1e-15);
    as_ranking_destroy(r);
}

/* Δgap = gap(host) - gap(configuration): host 2.0 eV, configuration 2.014 eV -> -14 meV (annealing reduces the
 * gap, the paper's Br_i^1); 1.915 eV -> +85 meV (Br_i^3's enlargement). */
static void dgap_sign(void **state)
{
    (void)state;
    as_scan_record rec[] = {
        make("Br_i1", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.98, 2.014),
        make("Br_i3", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.84, 1.915),
    };
    as_rank_params p = params();
    as_ranking *r = rank_ok(rec, 2, &p);
    assert_close(row_of(r, rec, "Br_i1")->dgap * AS_HA_EV * 1e3, -14.0, 1e-9);
    assert_close(row_of(r, rec, "Br_i3")->dgap * AS_HA_EV * 1e3, 85.0, 1e-9);
    as_ranking_destroy(r);
    p.host_gap = NAN; /* unknown host gap: no Δgap rather than a wrong one */
    r = rank_ok(rec, 2, &p);
    assert_true(isnan(row_of(r, rec, "Br_i1")->dgap));
    as_ranking_destroy(r);
}

/* Energies 0, 25.852 meV (= kT at 300 K: 300 x 8.617333262e-5 eV = 25.851999786 meV) and 1 eV with
 * multiplicities 1, 2, 4: weights 1, 2/e, 4 exp(-38.68); p = 1/(1 + 2/e) = 0.5761169, (2/e)/(1 + 2/e) = 0.4238831,
 * 3.66e-17. */
static void populations_by_hand(void **state)
{
    (void)state;
    as_scan_record rec[] = {
        make("Br_i3", "frenkel Br q0", AS_CLASS_OK, NULL, 4, 1, -999.0, 2.0),
        make("Br_i1", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -1000.0, 2.0),
        make("Br_i2", "frenkel Br q0", AS_CLASS_MOVED, "i1", 2, 1, -1000.0 + 0.025852, 2.0),
    };
    as_rank_params p = params();
    as_ranking *r = rank_ok(rec, 3, &p);
    assert_close(row_of(r, rec, "Br_i1")->population, 0.5761169, 1e-6);
    assert_close(row_of(r, rec, "Br_i2")->population, 0.4238831, 1e-6);
    assert_close(row_of(r, rec, "Br_i3")->population, 3.66e-17, 0.01e-17);
    assert_int_equal(row_of(r, rec, "Br_i2")->rank, 2); /* moved is a distinct minimum: ranked */
    assert_int_equal(row_of(r, rec, "Br_i3")->rank, 3);
    as_ranking_destroy(r);
    /* at 600 K the second weight is 2/sqrt(e): p1 = 1/(1 + 2 exp(-1/2)) = 0.4518628 */
    p.temperature = 600.0;
    r = rank_ok(rec, 3, &p);
    assert_close(row_of(r, rec, "Br_i1")->population, 0.4518628, 1e-6);
    as_ranking_destroy(r);
}

/* A Frenkel configuration more than 10 meV below the host says the host is not at a minimum: the family's lowest
 * E - E(host) counts every configuration with an energy (here a recombined one), and interstitial families (another
 * composition) never compare with the host. */
static void host_not_minimum(void **state)
{
    (void)state;
    as_scan_record rec[] = {
        make("Br_i1", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.9, 2.01),
        make("Br_i2", "frenkel Br q0", AS_CLASS_RECOMBINED, NULL, 1, 1, -1000.0 - 0.0105, 2.0),
        make("Cl_i1", "frenkel Cl q0", AS_CLASS_OK, NULL, 1, 1, -1000.0 - 0.0095, 2.0),
        make("Br_i3", "interstitial Br q-1", AS_CLASS_OK, NULL, 1, 1, -1003.0, 2.0),
    };
    as_rank_params p = params();
    as_ranking *r = rank_ok(rec, 4, &p);
    assert_int_equal(r->nfamilies, 3);
    assert_close(r->family[0].de_host_min * AS_HA_EV * 1e3, -10.5, 1e-9);
    assert_true(as_rank_host_not_minimum(&r->family[0]));
    assert_close(r->family[1].de_host_min * AS_HA_EV * 1e3, -9.5, 1e-9);
    assert_false(as_rank_host_not_minimum(&r->family[1]));
    assert_true(isnan(r->family[2].de_host_min));
    assert_false(as_rank_host_not_minimum(&r->family[2]));
    as_ranking_destroy(r);
}

/* SAME, RECOMBINED and FAILED are listed, not ranked, population 0; FAILED comes last in its family and has no
 * energy; RECOMBINED keeps its energy (~ the host's). */
static void not_ranked_rows(void **state)
{
    (void)state;
    as_scan_record rec[] = {
        make("Br_i5", "frenkel Br q0", AS_CLASS_FAILED, "SCF did not converge, residual 1e-3", 1, 0, 0.0, 0.0),
        make("Br_i1", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.9, 2.01),
        make("Br_i4", "frenkel Br q0", AS_CLASS_RECOMBINED, NULL, 1, 1, -999.9995, 2.0),
        make("Br_i3", "frenkel Br q0", AS_CLASS_SAME, "Br_i1", 1, 1, -999.9, 2.01),
        make("Br_i2", "frenkel Br q0", AS_CLASS_MOVED, "i1", 1, 1, -999.8, 2.02),
    };
    as_rank_params p = params();
    as_ranking *r = rank_ok(rec, 5, &p);
    assert_int_equal(r->family[0].nranked, 2);
    assert_int_equal(row_of(r, rec, "Br_i1")->rank, 1);
    assert_int_equal(row_of(r, rec, "Br_i2")->rank, 2);
    const char *unranked[] = {"Br_i3", "Br_i4", "Br_i5"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(row_of(r, rec, unranked[i])->rank, 0);
        assert_true(row_of(r, rec, unranked[i])->population == 0.0);
    }
    /* the recombined one is the lowest energy but not the zero; it is ~ the host */
    assert_string_equal(rec[r->family[0].zero].name, "Br_i1");
    assert_close(row_of(r, rec, "Br_i4")->de * AS_HA_EV, -0.0995, 1e-12);
    assert_close(row_of(r, rec, "Br_i4")->de_host * AS_HA_EV * 1e3, 0.5, 1e-9);
    assert_close(row_of(r, rec, "Br_i4")->dgap, 0.0, 1e-15);
    assert_close(row_of(r, rec, "Br_i3")->de, 0.0, 1e-15);
    /* the failed one is listed last, without numbers */
    assert_string_equal(rec[r->row[4].record].name, "Br_i5");
    assert_true(isnan(row_of(r, rec, "Br_i5")->de) && isnan(row_of(r, rec, "Br_i5")->dgap));
    assert_close(row_of(r, rec, "Br_i1")->population + row_of(r, rec, "Br_i2")->population, 1.0, 1e-14);
    as_ranking_destroy(r);

    /* A family of failures only: listed, no zero. */
    as_scan_record bad[] = {make("Cl_i1", "frenkel Cl q0", AS_CLASS_FAILED, "relaxation: 200 steps", 1, 0, 0, 0)};
    r = rank_ok(bad, 1, &p);
    assert_int_equal(r->family[0].zero, -1);
    assert_int_equal(r->row[0].rank, 0);
    as_ranking_destroy(r);
}

static void expect_einput(const as_scan_record *rec, int n, const as_rank_params *p, const char *needle)
{
    as_error err;
    as_error_clear(&err);
    as_ranking *r = as_rank_compute(rec, n, p, &err);
    assert_null(r);
    assert_int_equal(err.code, AS_EINPUT);
    if (!strstr(err.msg, needle))
        fail_msg("expected '%s' in '%s'", needle, err.msg);
}

/* A reference naming no configuration or a not-ranked one, and out-of-range parameters, are input errors. */
static void input_errors(void **state)
{
    (void)state;
    as_scan_record rec[] = {
        make("Br_i1", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.9, 2.01),
        make("Br_i2", "frenkel Br q0", AS_CLASS_SAME, "Br_i1", 1, 1, -999.9, 2.01),
        make("Br_i3", "frenkel Br q0", AS_CLASS_FAILED, "SCF", 1, 0, 0, 0),
        make("Br_i4", "frenkel Br q0", AS_CLASS_RECOMBINED, NULL, 1, 1, -1000.0, 2.0),
    };
    as_rank_params p = params();
    p.reference = "Br_i9";
    expect_einput(rec, 4, &p, "'Br_i9' is not among the 4 configurations");
    p.reference = "Br_i2";
    expect_einput(rec, 4, &p, "is same, Br_i1");
    p.reference = "Br_i3";
    expect_einput(rec, 4, &p, "failed");
    p.reference = "Br_i4";
    expect_einput(rec, 4, &p, "recombined");
    p = params();
    p.temperature = 0.0;
    expect_einput(rec, 4, &p, "temperature");
    p = params();
    p.formula_units = 0;
    expect_einput(rec, 4, &p, "formula units");
    p = params();
    rec[0].have_energy = 0; /* an OK configuration must have an energy */
    expect_einput(rec, 4, &p, "'Br_i1' is classified ok but has no finite energy");
    rec[0].have_energy = 1;
    rec[0].multiplicity = 0;
    expect_einput(rec, 4, &p, "multiplicity 0");
}

/* ------------------------------------------------------------------------------------------ the files ---- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/as_test_rank_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    const char *files[] = {"ranking.csv", "ranking.json", "report.md"};
    char path[256];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    return rmdir(tmpdir); /* fails if anything else (a stray temporary) was left */
}

static char *read_text(const char *name)
{
    char path[256], *text = NULL;
    as_error err;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    if (as_file_read_all(path, &text, NULL, &err))
        fail_msg("%s", err.msg);
    return text;
}

static cJSON *configuration(cJSON *families, int f, const char *name)
{
    cJSON *fam = cJSON_GetArrayItem(families, f), *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(fam, "configurations"))
    {
        if (strcmp(cJSON_GetObjectItem(c, "name")->valuestring, name) == 0)
            return c;
    }
    fail_msg("no configuration %s in family %d", name, f);
    return NULL;
}

static double number(cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItem(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("%s is not a number", key);
    return v->valuedouble;
}

static void files_written_and_read_back(void **state)
{
    (void)state;
    as_scan_record rec[] = {
        make("Br_i1", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.98, 2.014),
        make("Br_i2", "frenkel Br q0", AS_CLASS_OK, NULL, 2, 1, -999.96, 2.008),
        make("Br_i3", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.84, 1.915),
        make("Br_i4", "frenkel Br q0", AS_CLASS_FAILED, "SCF did not converge, residual \"1e-3\"", 1, 0, 0, 0),
        make("Cl_i1", "interstitial Cl q-1", AS_CLASS_OK, NULL, 1, 1, -1003.0, 2.1),
        make("Cl_i2", "interstitial Cl q-1", AS_CLASS_RECOMBINED, NULL, 1, 1, -1003.5, 2.0),
    };
    rec[0].nlevels = 1;
    rec[0].level[0] = (as_scan_level){.energy = 3.5 * EV, .occupation = 0.0, .spin = 1};
    as_rank_params p = params();
    p.reference = "Br_i2";
    as_ranking *r = rank_ok(rec, 6, &p);
    as_error err;
    as_error_clear(&err);
    if (as_rank_write(tmpdir, r, rec, 6, &p, &err))
        fail_msg("%s", err.msg);

    /* ranking.json */
    char *text = read_text("ranking.json");
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "schema")->valuestring, "anionscan-ranking/1");
    assert_non_null(strstr(cJSON_GetObjectItem(j, "sign_convention")->valuestring,
                           "gap(host, anions on lattice sites) - gap(configuration)"));
    assert_true(cJSON_IsObject(cJSON_GetObjectItem(j, "units")));
    assert_close(number(j, "temperature_K"), 300.0, 0.0);
    assert_string_equal(cJSON_GetObjectItem(j, "reference")->valuestring, "Br_i2");
    cJSON *host = cJSON_GetObjectItem(j, "host");
    assert_close(number(host, "gap_ev"), 2.0, 1e-12);
    assert_close(number(host, "energy_ev"), -1000.0, 1e-9);
    assert_int_equal((int)number(host, "formula_units"), 4);
    cJSON *fams = cJSON_GetObjectItem(j, "families");
    assert_int_equal(cJSON_GetArraySize(fams), 2);
    cJSON *f0 = cJSON_GetArrayItem(fams, 0);
    assert_string_equal(cJSON_GetObjectItem(f0, "name")->valuestring, "frenkel Br q0");
    assert_string_equal(cJSON_GetObjectItem(f0, "zero")->valuestring, "Br_i2");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(f0, "configurations")), 4);
    cJSON *c1 = configuration(fams, 0, "Br_i1"), *c3 = configuration(fams, 0, "Br_i3");
    assert_close(number(c1, "dgap_mev"), -14.0, 1e-9);
    assert_close(number(c1, "de_mev_per_fu"), -5.0, 1e-9);
    assert_close(number(c3, "de_mev_per_fu"), 30.0, 1e-9);
    assert_close(number(c3, "de_ev"), 0.12, 1e-12);
    assert_close(number(c1, "energy_ev"), -999.98, 1e-9);
    assert_close(number(c1, "displacement_ang"), 0.5, 1e-12);
    assert_close(number(c1, "population"), row_of(r, rec, "Br_i1")->population, 1e-15);
    assert_int_equal((int)number(c1, "rank"), 1);
    assert_int_equal((int)number(c1, "multiplicity"), 1);
    assert_string_equal(cJSON_GetObjectItem(c1, "species")->valuestring, "Br");
    cJSON *lv = cJSON_GetArrayItem(cJSON_GetObjectItem(c1, "levels"), 0);
    assert_close(number(lv, "energy_ev"), 3.5, 1e-12);
    assert_close(cJSON_GetArrayItem(cJSON_GetObjectItem(c1, "final_frac"), 2)->valuedouble, 0.125, 0.0);
    cJSON *c4 = configuration(fams, 0, "Br_i4");
    assert_string_equal(cJSON_GetObjectItem(c4, "status")->valuestring, "failed");
    assert_string_equal(cJSON_GetObjectItem(c4, "detail")->valuestring, "SCF did not converge, residual \"1e-3\"");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(c4, "energy_ev")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(c4, "dgap_mev")));
    assert_int_equal((int)number(c4, "rank"), 0);
    assert_close(number(c4, "population"), 0.0, 0.0);
    cJSON *f1 = cJSON_GetArrayItem(fams, 1);
    assert_string_equal(cJSON_GetObjectItem(f1, "zero")->valuestring, "Cl_i1"); /* the reference is not here */
    cJSON *cl2 = configuration(fams, 1, "Cl_i2");
    assert_close(number(cl2, "de_ev"), -0.5, 1e-9);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cl2, "de_host_ev"))); /* not the host's composition */
    cJSON_Delete(j);

    /* ranking.csv: a header and one line per record; the failure's comma and quotes are quoted. */
    text = read_text("ranking.csv");
    int lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 6 + 1);
    assert_true(strncmp(text, "family,rank,name,mode,species,charge,site,status,detail,energy_ev,de_ev,"
                              "de_mev_per_fu,gap_ev,dgap_mev,population,final_site,displacement_ang,frac_x,frac_y,"
                              "frac_z,ionic_steps,scf_iterations,wall_s\n",
                        strlen("family,rank,")) == 0);
    assert_non_null(strstr(text, "\nfrenkel Br q0,1,Br_i1,frenkel,Br,0,i1,ok,,-999.98000000,-0.02000000,"
                                 "-5.000000,2.01400000,-14.000000,"));
    assert_non_null(strstr(text, ",failed,\"SCF did not converge, residual \"\"1e-3\"\"\",,,,,,0,i4,"));
    free(text);

    /* report.md: the sign convention, the rarity rule, a table per family. */
    text = read_text("report.md");
    assert_non_null(strstr(text, "**Sign convention.**"));
    assert_non_null(strstr(text, "too rare to matter"));
    assert_non_null(strstr(text, "\n## frenkel Br q0\n"));
    assert_non_null(strstr(text, "\n## interstitial Cl q-1\n"));
    assert_non_null(strstr(text, "failed: SCF did not converge"));
    free(text);

    /* The writer refuses a ranking of other records. */
    assert_int_equal(as_rank_write(tmpdir, r, rec, 5, &p, &err), AS_EINTERNAL);
    as_ranking_destroy(r);
}

/* The console table carries the sign convention and every configuration. */
static void table_printed(void **state)
{
    (void)state;
    as_scan_record rec[] = {
        make("Br_i1", "frenkel Br q0", AS_CLASS_OK, NULL, 1, 1, -999.98, 2.014),
        make("Br_i2", "frenkel Br q0", AS_CLASS_SAME, "Br_i1", 1, 1, -999.98, 2.014),
        make("Br_i3", "frenkel Br q0", AS_CLASS_FAILED, "relaxation: 200 steps", 1, 0, 0, 0),
        make("Br_i4", "frenkel Br q0", AS_CLASS_SAME, "same as Br_i1", 1, 1, -999.98, 2.014), /* prefixed detail */
    };
    as_rank_params p = params();
    as_ranking *r = rank_ok(rec, 4, &p);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    as_log_set_stream(f);
    as_rank_print(r, rec, &p);
    as_log_set_stream(NULL);
    fclose(f);
    assert_non_null(strstr(buf, "dgap = gap(host, anions on lattice sites) - gap(configuration)"));
    assert_non_null(strstr(buf, "-14.0"));
    assert_non_null(strstr(buf, "same as Br_i1"));
    assert_non_null(strstr(buf, "failed: relaxation: 200 steps"));
    assert_null(strstr(buf, "same as same as"));
    free(buf);
    as_ranking_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(families_kept_apart),
        cmocka_unit_test(zero_lowest_or_reference),
        cmocka_unit_test(dgap_sign),
        cmocka_unit_test(populations_by_hand),
        cmocka_unit_test(not_ranked_rows),
        cmocka_unit_test(host_not_minimum),
        cmocka_unit_test(input_errors),
        cmocka_unit_test_setup_teardown(files_written_and_read_back, make_tmpdir, remove_tmpdir),
        cmocka_unit_test(table_printed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
