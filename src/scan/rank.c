/* The ranking of a scan (docs/ranking.md): families kept apart, the zero of each family, ΔE per configuration and
 * per formula unit, Δgap in the paper's sign, Boltzmann populations over the distinct minima; the console table
 * and the three files.  Hartree inside, eV / meV on output only. */
#include "scan/rank.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/log.h"
#include "core/units.h"
#include "crystal/elements.h"

/* Written into every output (console table, ranking.json, report.md). */
#define SIGN_DE "dE = E(configuration) - E(zero of its family: the lowest ranked energy, or the reference); " \
                "positive = less stable than the zero"
#define SIGN_DGAP "dgap = gap(host, anions on lattice sites) - gap(configuration): the change of the gap on " \
                  "annealing (interstitial -> lattice); negative = annealing reduces the gap (the paper: " \
                  "Br_i^1 -14 meV, Br_i^2 -8 meV)"
#define RARE 0.01 /* a population below 1 % is "too rare to matter" (report.md) */

void as_rank_params_default(as_rank_params *p)
{
    p->temperature = 300.0;
    p->reference = NULL;
    p->host_energy = NAN;
    p->host_gap = NAN;
    p->formula_units = 1;
    p->settings = NULL;
    p->sources = NULL;
}

const char *as_rank_status_name(as_scan_class cls)
{
    switch (cls) {
    case AS_CLASS_OK: return "ok";
    case AS_CLASS_RECOMBINED: return "recombined";
    case AS_CLASS_MOVED: return "moved";
    case AS_CLASS_SAME: return "same";
    case AS_CLASS_FAILED: return "failed";
    }
    return "unknown";
}

/* Distinct minima: an interstitial that stayed, or one that ended in another site's basin. */
static int is_ranked(as_scan_class cls)
{
    return cls == AS_CLASS_OK || cls == AS_CLASS_MOVED;
}

static int has_energy(const as_scan_record *x)
{
    return x->have_energy && isfinite(x->energy);
}

/* ------------------------------------------------------------------------------------------- computing ---- */

static int check_record(const as_scan_record *x, as_error *err)
{
    if (!is_ranked(x->cls))
        return AS_OK;
    if (!has_energy(x) || !isfinite(x->gap))
        return as_error_set(err, AS_EINPUT,
                            "ranking: configuration '%s' is classified %s but has no finite energy and gap "
                            "(only failed configurations may lack them)",
                            x->name, as_rank_status_name(x->cls));
    if (x->multiplicity < 1)
        return as_error_set(err, AS_EINPUT,
                            "ranking: configuration '%s' has multiplicity %d; the Boltzmann weights need >= 1",
                            x->name, x->multiplicity);
    return AS_OK;
}

/* params.reference must name a distinct minimum (in every family where the name occurs). */
static int check_reference(const as_scan_record *rec, int n, const char *ref, as_error *err)
{
    int found = 0;
    for (int i = 0; i < n; i++) {
        const as_scan_record *x = &rec[i];
        if (strcmp(x->name, ref) != 0)
            continue;
        found++;
        if (is_ranked(x->cls))
            continue;
        const char *why = x->cls == AS_CLASS_SAME         ? "its final structure is that of another configuration"
                          : x->cls == AS_CLASS_RECOMBINED ? "it recombined into the host"
                                                          : "it failed and has no energy";
        return as_error_set(err, AS_EINPUT,
                            "ranking: reference configuration '%s' (family '%s') is %s%s%s: %s; only a ranked "
                            "configuration (ok or moved) can be the zero of its family",
                            ref, x->family, as_rank_status_name(x->cls), x->detail[0] ? ", " : "", x->detail, why);
    }
    if (!found)
        return as_error_set(err, AS_EINPUT,
                            "ranking: reference configuration '%s' is not among the %d configurations of the scan", ref,
                            n);
    return AS_OK;
}

/* Energy order, ties by name then by record index, so the ranking does not depend on the records' order. */
static int before(const as_scan_record *rec, int a, int b)
{
    if (rec[a].energy != rec[b].energy)
        return rec[a].energy < rec[b].energy;
    int c = strcmp(rec[a].name, rec[b].name);
    return c ? c < 0 : a < b;
}

static void sort_by_energy(int *idx, int m, const as_scan_record *rec)
{
    for (int i = 1; i < m; i++) {
        int v = idx[i], j = i;
        for (; j > 0 && before(rec, v, idx[j - 1]); j--)
            idx[j] = idx[j - 1];
        idx[j] = v;
    }
}

/* Order one family's rows: ranked (by energy), then SAME / RECOMBINED with an energy (by energy), then the rest
 * (FAILED, and anything without an energy) in record order.  Writes record indices to idx; returns nranked. */
static int order_family(const as_scan_record *rec, int n, const int *fam, int f, int *idx, int *count)
{
    int m = 0, nranked, nother;
    for (int i = 0; i < n; i++)
        if (fam[i] == f && is_ranked(rec[i].cls))
            idx[m++] = i;
    nranked = m;
    sort_by_energy(idx, nranked, rec);
    for (int i = 0; i < n; i++)
        if (fam[i] == f && !is_ranked(rec[i].cls) && has_energy(&rec[i]))
            idx[m++] = i;
    nother = m - nranked;
    sort_by_energy(idx + nranked, nother, rec);
    for (int i = 0; i < n; i++)
        if (fam[i] == f && !is_ranked(rec[i].cls) && !has_energy(&rec[i]))
            idx[m++] = i;
    *count = m;
    return nranked;
}

/* The zero, the relative energies, Δgap and the populations of one family whose rows are already ordered. */
static void fill_family(as_ranking *r, int f, const as_scan_record *rec, const as_rank_params *p)
{
    as_rank_family *fa = &r->family[f];
    as_rank_row *row = r->row + fa->first;
    fa->zero = -1;
    fa->zero_is_reference = 0;
    fa->e_zero = fa->e_min = fa->de_host_min = NAN;
    if (fa->nranked > 0) {
        fa->zero = row[0].record;
        fa->e_min = rec[row[0].record].energy;
        for (int k = 0; k < fa->nranked && p->reference; k++)
            if (strcmp(rec[row[k].record].name, p->reference) == 0) {
                fa->zero = row[k].record;
                fa->zero_is_reference = 1;
                break;
            }
        fa->e_zero = rec[fa->zero].energy;
    }
    /* p_i = g_i exp(-(E_i - E_min)/kT) / sum_j g_j exp(-(E_j - E_min)/kT): measured from the lowest energy, not the
     * reference, so no weight overflows; the populations do not depend on the choice of zero. */
    const double kt = AS_KB_HA_K * p->temperature;
    double z = 0.0;
    for (int k = 0; k < fa->nranked; k++) {
        const as_scan_record *x = &rec[row[k].record];
        row[k].population = x->multiplicity * exp(-(x->energy - fa->e_min) / kt);
        z += row[k].population;
    }
    for (int k = 0; k < fa->count; k++) {
        as_rank_row *w = &row[k];
        const as_scan_record *x = &rec[w->record];
        int e = has_energy(x);
        w->family = f;
        w->rank = k < fa->nranked ? k + 1 : 0;
        w->population = k < fa->nranked ? w->population / z : 0.0;
        w->de = e && fa->zero >= 0 ? x->energy - fa->e_zero : NAN;
        w->de_per_fu = w->de / p->formula_units;
        /* Only a cell of the host's composition (a Frenkel pair, neutral) can be compared with the host. */
        w->de_host = e && isfinite(p->host_energy) && strcmp(x->mode, "frenkel") == 0 && x->charge == 0
                         ? x->energy - p->host_energy
                         : NAN;
        w->dgap = e && isfinite(x->gap) ? p->host_gap - x->gap : NAN; /* NAN when the host gap is unknown */
        if (isfinite(w->de_host) && !(w->de_host >= fa->de_host_min))
            fa->de_host_min = w->de_host;
    }
}

int as_rank_host_not_minimum(const as_rank_family *fa)
{
    return isfinite(fa->de_host_min) && fa->de_host_min < -AS_RANK_HOST_BELOW;
}

/* The warning of a family whose configurations go below the host, for the table and report.md. */
static void host_warning(const as_rank_family *fa, char *buf, size_t n)
{
    snprintf(buf, n,
             "WARNING: a configuration of this family is %.1f meV below the host, and a Frenkel pair cannot be more "
             "stable than the perfect crystal: the host is not at a minimum at these settings (a saddle point held by "
             "its symmetry; relax it once with keep_symmetry = false and a rattle, or raise ecut), so E - E(host) is no "
             "formation energy here; the energies relative to the family's zero still compare the configurations.",
             -fa->de_host_min * AS_HA_EV * 1e3);
}

as_ranking *as_rank_compute(const as_scan_record *rec, int n, const as_rank_params *p, as_error *err)
{
    if (n < 0 || (n > 0 && !rec) || !p) {
        as_error_set(err, AS_EINTERNAL, "ranking: no records or no parameters");
        return NULL;
    }
    if (!isfinite(p->temperature) || p->temperature <= 0.0) {
        as_error_set(err, AS_EINPUT, "ranking: temperature %g K: must be > 0", p->temperature);
        return NULL;
    }
    if (p->formula_units < 1) {
        as_error_set(err, AS_EINPUT, "ranking: %d formula units in the host cell: must be >= 1", p->formula_units);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (check_record(&rec[i], err))
            return NULL;
    if (p->reference && check_reference(rec, n, p->reference, err))
        return NULL;

    as_ranking *r = calloc(1, sizeof *r);
    int *fam = malloc((size_t)(n ? n : 1) * sizeof *fam);
    int *idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
    if (r) {
        r->row = calloc((size_t)(n ? n : 1), sizeof *r->row);
        r->family = calloc((size_t)(n ? n : 1), sizeof *r->family);
    }
    if (!r || !fam || !idx || !r->row || !r->family) {
        free(fam);
        free(idx);
        as_ranking_destroy(r);
        as_error_nomem(err, "ranking", (size_t)n * (sizeof(as_rank_row) + sizeof(as_rank_family)));
        return NULL;
    }
    /* Families in order of first appearance. */
    for (int i = 0; i < n; i++) {
        int f = 0;
        while (f < r->nfamilies && strcmp(r->family[f].name, rec[i].family) != 0)
            f++;
        if (f == r->nfamilies)
            snprintf(r->family[r->nfamilies++].name, AS_SCAN_NAME_LEN, "%s", rec[i].family);
        fam[i] = f;
    }
    for (int f = 0; f < r->nfamilies; f++) {
        as_rank_family *fa = &r->family[f];
        fa->first = r->nrows;
        fa->nranked = order_family(rec, n, fam, f, idx, &fa->count);
        for (int k = 0; k < fa->count; k++)
            r->row[r->nrows++].record = idx[k];
        fill_family(r, f, rec, p);
    }
    free(fam);
    free(idx);
    return r;
}

void as_ranking_destroy(as_ranking *r)
{
    if (!r)
        return;
    free(r->row);
    free(r->family);
    free(r);
}

/* ------------------------------------------------------------------------------------ text for humans ---- */

static const char *symbol(int z)
{
    const char *s = as_element_symbol(z);
    return s ? s : "?";
}

/* A number, or "-" when it is not known. */
static const char *num(char *buf, size_t n, const char *fmt, double v)
{
    if (!isfinite(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, fmt, v);
    return buf;
}

/* What the table's last column says: the status's detail, the in-gap levels (absolute eV), smearing. */
static void note(const as_scan_record *x, const as_rank_row *w, char *buf, size_t n)
{
    size_t len = 0;
#define ADD(...) (len += (size_t)snprintf(buf + len, len < n ? n - len : 0, __VA_ARGS__), len = len < n ? len : n)
    buf[0] = '\0';
    /* record.h has the bare name / reason in detail; a classifier may already have written "same as X" */
    switch (x->cls) {
    case AS_CLASS_OK: break;
    case AS_CLASS_MOVED:
        if (x->final_site[0] || strncmp(x->detail, "moved to ", 9) != 0)
            ADD("moved to %s", x->final_site[0] ? x->final_site : x->detail[0] ? x->detail : "?");
        else
            ADD("%s", x->detail);
        break;
    case AS_CLASS_SAME:
        ADD("%s%s", strncmp(x->detail, "same as ", 8) ? "same as " : "", x->detail[0] ? x->detail : "?");
        break;
    case AS_CLASS_RECOMBINED:
        ADD("recombined");
        if (isfinite(w->de_host))
            ADD(" (E - E_host = %+.1f meV)", w->de_host * AS_HA_EV * 1e3);
        if (x->detail[0])
            ADD(": %s", x->detail);
        break;
    case AS_CLASS_FAILED:
        ADD("%s%s", strncmp(x->detail, "failed", 6) ? "failed: " : "", x->detail[0] ? x->detail : "no reason given");
        break;
    }
    if (x->twin_of[0] && (x->cls == AS_CLASS_OK || x->cls == AS_CLASS_MOVED))
        ADD("%stwin of %s (a lattice operation the host lacks)", buf[0] ? "; " : "", x->twin_of);
    int nl = x->nlevels < 0 ? 0 : x->nlevels > AS_SCAN_MAX_LEVELS ? AS_SCAN_MAX_LEVELS : x->nlevels;
    if (nl > 0 && has_energy(x)) {
        ADD("%sin-gap levels (eV, absolute):", buf[0] ? "; " : "");
        for (int l = 0; l < nl; l++)
            ADD(" %.3f occ %.2f%s", x->level[l].energy * AS_HA_EV, x->level[l].occupation,
                x->level[l].spin ? " (spin 2)" : "");
    }
    if (x->smeared && has_energy(x))
        ADD("%ssmeared", buf[0] ? "; " : "");
#undef ADD
    /* one line: a failure reason may carry newlines */
    for (char *c = buf; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
}

void as_rank_print(const as_ranking *r, const as_scan_record *rec, const as_rank_params *p)
{
    char a[32], b[32], c[32], d[32], e[32], g[32], nt[1024];
    as_log("\nranking at %.1f K (only configurations of one family are compared)\n", p->temperature);
    as_log("  sign: %s\n  sign: %s\n", SIGN_DE, SIGN_DGAP);
    as_log("  host: E = %s eV, gap = %s eV, %d formula units; pop = Boltzmann population within the family, "
           "multiplicities counted\n",
           num(a, sizeof a, "%.6f", p->host_energy * AS_HA_EV), num(b, sizeof b, "%.4f", p->host_gap * AS_HA_EV),
           p->formula_units);
    int wn = 13;
    for (int k = 0; k < r->nrows; k++) {
        int l = (int)strlen(rec[r->row[k].record].name);
        wn = l > wn ? l : wn;
    }
    for (int f = 0; f < r->nfamilies; f++) {
        const as_rank_family *fa = &r->family[f];
        as_log("\nfamily '%s': %d configuration%s, %d ranked; zero: %s%s\n", fa->name, fa->count,
               fa->count == 1 ? "" : "s", fa->nranked, fa->zero >= 0 ? rec[fa->zero].name : "none (nothing ranked)",
               fa->zero_is_reference ? " (reference)" : fa->zero >= 0 ? " (lowest)" : "");
        as_log("  %4s  %-*s %-6s %-10s %11s %11s %8s %9s %7s %-6s %8s  %s\n", "rank", wn, "configuration", "site",
               "status", "dE(eV)", "dE(meV/fu)", "gap(eV)", "dgap(meV)", "pop(%)", "final", "disp(A)", "note");
        for (int k = fa->first; k < fa->first + fa->count; k++) {
            const as_rank_row *w = &r->row[k];
            const as_scan_record *x = &rec[w->record];
            char rk[16];
            snprintf(rk, sizeof rk, w->rank ? "%d" : "-", w->rank);
            note(x, w, nt, sizeof nt);
            as_log("  %4s  %-*s %-6s %-10s %11s %11s %8s %9s %7s %-6s %8s%s%s\n", rk, wn, x->name, x->site,
                   as_rank_status_name(x->cls), num(a, sizeof a, "%+.4f", w->de * AS_HA_EV),
                   num(b, sizeof b, "%+.2f", w->de_per_fu * AS_HA_EV * 1e3),
                   num(c, sizeof c, "%.4f", has_energy(x) ? x->gap * AS_HA_EV : NAN),
                   num(d, sizeof d, "%+.1f", w->dgap * AS_HA_EV * 1e3),
                   w->rank ? num(e, sizeof e, "%.2f", w->population * 100.0) : "0",
                   x->final_site[0] ? x->final_site : "-",
                   num(g, sizeof g, "%.3f", has_energy(x) ? x->displacement * AS_BOHR_ANG : NAN), nt[0] ? "  " : "",
                   nt);
        }
        if (as_rank_host_not_minimum(fa)) {
            host_warning(fa, nt, sizeof nt);
            as_log("  %s\n", nt);
        }
    }
}

/* ------------------------------------------------------------------------------------------- the files ---- */

/* A CSV field (RFC 4180): quoted when it holds a comma or a quote; newlines become spaces so a record is a line. */
static void csv_text(as_strbuf *b, const char *s, int last)
{
    int quote = strpbrk(s, ",\"") != NULL;
    as_strbuf_printf(b, "%s", quote ? "\"" : "");
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            as_strbuf_printf(b, "\"\"");
        else
            as_strbuf_printf(b, "%c", *c == '\n' || *c == '\r' ? ' ' : *c);
    }
    as_strbuf_printf(b, "%s%s", quote ? "\"" : "", last ? "\n" : ",");
}

/* A CSV number, empty when unknown. */
static void csv_num(as_strbuf *b, const char *fmt, double v)
{
    if (isfinite(v))
        as_strbuf_printf(b, fmt, v);
    as_strbuf_printf(b, ",");
}

static int write_csv(const char *path, const as_ranking *r, const as_scan_record *rec, as_error *err)
{
    as_strbuf b;
    as_strbuf_init(&b);
    as_strbuf_printf(&b, "family,rank,name,mode,species,charge,site,status,detail,energy_ev,de_ev,de_mev_per_fu,"
                         "gap_ev,dgap_mev,population,final_site,displacement_ang,frac_x,frac_y,frac_z,ionic_steps,"
                         "scf_iterations,wall_s\n");
    for (int k = 0; k < r->nrows; k++) {
        const as_rank_row *w = &r->row[k];
        const as_scan_record *x = &rec[w->record];
        int e = has_energy(x);
        csv_text(&b, x->family, 0);
        if (w->rank)
            as_strbuf_printf(&b, "%d", w->rank);
        as_strbuf_printf(&b, ",");
        csv_text(&b, x->name, 0);
        csv_text(&b, x->mode, 0);
        as_strbuf_printf(&b, "%s,%d,", symbol(x->species_z), x->charge);
        csv_text(&b, x->site, 0);
        as_strbuf_printf(&b, "%s,", as_rank_status_name(x->cls));
        csv_text(&b, x->detail, 0);
        csv_num(&b, "%.8f", e ? x->energy * AS_HA_EV : NAN);
        csv_num(&b, "%.8f", w->de * AS_HA_EV);
        csv_num(&b, "%.6f", w->de_per_fu * AS_HA_EV * 1e3);
        csv_num(&b, "%.8f", e ? x->gap * AS_HA_EV : NAN);
        csv_num(&b, "%.6f", w->dgap * AS_HA_EV * 1e3);
        csv_num(&b, "%.10g", w->population);
        csv_text(&b, x->final_site, 0);
        csv_num(&b, "%.6f", x->displacement * AS_BOHR_ANG);
        for (int i = 0; i < 3; i++)
            csv_num(&b, "%.8f", x->final_frac[i]);
        as_strbuf_printf(&b, "%d,%ld,%.3f\n", x->ionic_steps, x->scf_iterations, x->wall);
    }
    int rc = as_strbuf_write_atomic(&b, path, err);
    as_strbuf_free(&b);
    return rc;
}

/* A number, or null when unknown. */
static void json_num(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *json_configuration(const as_scan_record *x, const as_rank_row *w)
{
    int e = has_energy(x);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", x->name);
    cJSON_AddStringToObject(o, "family", x->family);
    cJSON_AddStringToObject(o, "mode", x->mode);
    cJSON_AddStringToObject(o, "species", symbol(x->species_z));
    cJSON_AddNumberToObject(o, "species_z", x->species_z);
    cJSON_AddNumberToObject(o, "charge", x->charge);
    cJSON_AddStringToObject(o, "site", x->site);
    cJSON_AddNumberToObject(o, "multiplicity", x->multiplicity);
    cJSON_AddStringToObject(o, "status", as_rank_status_name(x->cls));
    cJSON_AddStringToObject(o, "detail", x->detail);
    cJSON_AddStringToObject(o, "twin_of", x->cls == AS_CLASS_OK || x->cls == AS_CLASS_MOVED ? x->twin_of : "");
    cJSON_AddBoolToObject(o, "ranked", w->rank > 0);
    cJSON_AddNumberToObject(o, "rank", w->rank);
    cJSON_AddBoolToObject(o, "have_energy", e);
    json_num(o, "energy_ha", e ? x->energy : NAN);
    json_num(o, "energy_ev", e ? x->energy * AS_HA_EV : NAN);
    json_num(o, "de_ev", w->de * AS_HA_EV);
    json_num(o, "de_mev_per_fu", w->de_per_fu * AS_HA_EV * 1e3);
    json_num(o, "de_host_ev", w->de_host * AS_HA_EV);
    json_num(o, "gap_ev", e ? x->gap * AS_HA_EV : NAN);
    json_num(o, "dgap_mev", w->dgap * AS_HA_EV * 1e3);
    cJSON_AddNumberToObject(o, "population", w->population);
    cJSON_AddBoolToObject(o, "smeared", x->smeared);
    cJSON *lv = cJSON_AddArrayToObject(o, "levels");
    int nl = x->nlevels < 0 ? 0 : x->nlevels > AS_SCAN_MAX_LEVELS ? AS_SCAN_MAX_LEVELS : x->nlevels;
    for (int l = 0; l < nl; l++) {
        cJSON *q = cJSON_CreateObject();
        cJSON_AddNumberToObject(q, "energy_ev", x->level[l].energy * AS_HA_EV);
        cJSON_AddNumberToObject(q, "occupation", x->level[l].occupation);
        cJSON_AddNumberToObject(q, "spin", x->level[l].spin);
        cJSON_AddItemToArray(lv, q);
    }
    cJSON_AddItemToObject(o, "final_frac", cJSON_CreateDoubleArray(x->final_frac, 3));
    cJSON_AddStringToObject(o, "final_site", x->final_site);
    cJSON_AddNumberToObject(o, "displacement_ang", x->displacement * AS_BOHR_ANG);
    cJSON_AddNumberToObject(o, "ionic_steps", x->ionic_steps);
    cJSON_AddNumberToObject(o, "scf_iterations", (double)x->scf_iterations);
    cJSON_AddNumberToObject(o, "wall_s", x->wall);
    return o;
}

static int write_json(const char *path, const as_ranking *r, const as_scan_record *rec, const as_rank_params *p,
                      as_error *err)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "schema", "anionscan-ranking/1");
    cJSON *u = cJSON_AddObjectToObject(j, "units");
    cJSON_AddStringToObject(u, "energy_ev", "eV, total energy of the cell (free energy when smeared)");
    cJSON_AddStringToObject(u, "energy_ha", "hartree, the same energy");
    cJSON_AddStringToObject(u, "de_ev", "eV per configuration (per cell), relative to the family's zero");
    cJSON_AddStringToObject(u, "de_mev_per_fu", "meV per formula unit CsPbX3 of the host cell");
    cJSON_AddStringToObject(u, "de_host_ev", "eV per cell, E - E(host); only for the host's composition (frenkel)");
    cJSON_AddStringToObject(u, "de_host_min_ev", "eV per cell, the family's lowest E - E(host); host_not_minimum when "
                                                 "below -0.010 (a Frenkel pair below the perfect crystal)");
    cJSON_AddStringToObject(u, "gap_ev", "eV");
    cJSON_AddStringToObject(u, "dgap_mev", "meV, gap(host) - gap(configuration)");
    cJSON_AddStringToObject(u, "levels.energy_ev", "eV, absolute (the solver's eigenvalue scale, not relative to "
                                                   "the VBM)");
    cJSON_AddStringToObject(u, "population", "fraction (0..1) within the family");
    cJSON_AddStringToObject(u, "final_frac", "fractional coordinates of the host cell");
    cJSON_AddStringToObject(u, "displacement_ang", "angstrom");
    cJSON_AddStringToObject(u, "temperature_K", "kelvin");
    cJSON_AddStringToObject(u, "wall_s", "seconds");
    cJSON_AddStringToObject(j, "sign_convention", SIGN_DGAP "; " SIGN_DE);
    cJSON_AddStringToObject(j, "populations",
                            "Boltzmann within each family over its ranked configurations: p_i = g_i "
                            "exp(-(E_i - E_min)/kT) / sum_j g_j exp(-(E_j - E_min)/kT), g = multiplicity; "
                            "0 for configurations that are not ranked");
    cJSON_AddStringToObject(j, "ranking_rule", "ok and moved configurations (distinct minima); same, recombined and "
                                         "failed ones are listed with rank 0 and population 0");
    cJSON_AddNumberToObject(j, "temperature_K", p->temperature);
    cJSON_AddNumberToObject(j, "kT_ev", AS_KB_HA_K * p->temperature * AS_HA_EV);
    if (p->reference)
        cJSON_AddStringToObject(j, "reference", p->reference);
    else
        cJSON_AddNullToObject(j, "reference");
    cJSON *h = cJSON_AddObjectToObject(j, "host");
    json_num(h, "energy_ev", p->host_energy * AS_HA_EV);
    json_num(h, "energy_ha", p->host_energy);
    json_num(h, "gap_ev", p->host_gap * AS_HA_EV);
    cJSON_AddNumberToObject(h, "formula_units", p->formula_units);
    cJSON *st = p->settings ? cJSON_Parse(p->settings) : NULL, *so = p->sources ? cJSON_Parse(p->sources) : NULL;
    if (st)
        cJSON_AddItemToObject(j, "settings", st);
    if (so)
        cJSON_AddItemToObject(j, "sources", so);
    cJSON *fs = cJSON_AddArrayToObject(j, "families");
    for (int f = 0; f < r->nfamilies; f++) {
        const as_rank_family *fa = &r->family[f];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", fa->name);
        if (fa->zero >= 0)
            cJSON_AddStringToObject(o, "zero", rec[fa->zero].name);
        else
            cJSON_AddNullToObject(o, "zero");
        cJSON_AddBoolToObject(o, "zero_is_reference", fa->zero_is_reference);
        json_num(o, "zero_energy_ev", fa->e_zero * AS_HA_EV);
        cJSON_AddNumberToObject(o, "nranked", fa->nranked);
        json_num(o, "de_host_min_ev", fa->de_host_min * AS_HA_EV);
        cJSON_AddBoolToObject(o, "host_not_minimum", as_rank_host_not_minimum(fa));
        cJSON *cs = cJSON_AddArrayToObject(o, "configurations");
        for (int k = fa->first; k < fa->first + fa->count; k++)
            cJSON_AddItemToArray(cs, json_configuration(&rec[r->row[k].record], &r->row[k]));
        cJSON_AddItemToArray(fs, o);
    }
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    if (!text)
        return as_error_nomem(err, path, 0);
    as_strbuf b;
    as_strbuf_init(&b);
    as_strbuf_printf(&b, "%s\n", text);
    free(text);
    int rc = as_strbuf_write_atomic(&b, path, err);
    as_strbuf_free(&b);
    return rc;
}

/* Markdown table cell text: no newlines, no bare '|'. */
static void md_text(as_strbuf *b, const char *s)
{
    for (const char *c = s; *c; c++) {
        if (*c == '|')
            as_strbuf_printf(b, "\\|");
        else
            as_strbuf_printf(b, "%c", *c == '\n' || *c == '\r' ? ' ' : *c);
    }
}

static int write_report(const char *path, const as_ranking *r, const as_scan_record *rec, const as_rank_params *p,
                        as_error *err)
{
    char a[32], c[32], d[32], e[32], g[32], h[32], nt[1024];
    as_strbuf b;
    as_strbuf_init(&b);
    as_strbuf_printf(&b, "# Interstitial configurations ranked at %.1f K\n\n", p->temperature);
    as_strbuf_printf(&b, "Host (all anions on lattice sites): E = %s eV, gap %s eV, %d formula units per cell.\n\n",
                     num(a, sizeof a, "%.6f", p->host_energy * AS_HA_EV),
                     num(c, sizeof c, "%.4f", p->host_gap * AS_HA_EV), p->formula_units);
    as_strbuf_printf(&b,
                     "**Sign convention.** Δgap = gap(host, anions on lattice sites) − gap(configuration): the change "
                     "of the band gap when annealing moves the anion from the interstitial site to the lattice. A "
                     "negative Δgap means annealing reduces the gap (a PL redshift), as the paper finds for Br_i^1 "
                     "(−14 meV) and Br_i^2 (−8 meV). ΔE = E(configuration) − E(zero of its family), per cell in eV "
                     "and per formula unit in meV (the paper's unit); the zero is the lowest ranked energy%s%s%s. "
                     "Positive ΔE is less stable.\n\n",
                     p->reference ? ", or the reference configuration `" : "", p->reference ? p->reference : "",
                     p->reference ? "` in its family" : "");
    as_strbuf_printf(&b,
                     "Only configurations of one family (same mode, species and charge) are compared. Ranked are "
                     "the distinct minima (status ok or moved); same, recombined and failed configurations are "
                     "listed but not ranked. Population: the Boltzmann population within the family at %.1f K, "
                     "p_i = g_i exp(−(E_i − E_min)/kT) / Σ_j g_j exp(−(E_j − E_min)/kT) with the multiplicities g. "
                     "A configuration below 1 %% is *too rare to matter*: in equilibrium at this temperature fewer "
                     "than one interstitial in a hundred of its family sits there, so its band-gap shift cannot "
                     "explain a measured shift (the paper's argument for Br_i^3, ~30 meV/f.u. above Br_i^2). "
                     "Levels are absolute eigenvalues in eV, not relative to the VBM.\n",
                     p->temperature);
    for (int f = 0; f < r->nfamilies; f++) {
        const as_rank_family *fa = &r->family[f];
        as_strbuf_printf(&b, "\n## %s\n\nZero: ", fa->name);
        if (fa->zero >= 0)
            as_strbuf_printf(&b, "`%s` (%s).\n\n", rec[fa->zero].name,
                             fa->zero_is_reference ? "the reference" : "the lowest energy");
        else
            as_strbuf_printf(&b, "none, nothing is ranked.\n\n");
        as_strbuf_printf(&b, "| rank | configuration | site | status | ΔE (eV) | ΔE (meV/f.u.) | gap (eV) "
                             "| Δgap (meV) | population (%%) | final site | displacement (Å) | note |\n");
        as_strbuf_printf(&b, "|---:|---|---|---|---:|---:|---:|---:|---:|---|---:|---|\n");
        for (int k = fa->first; k < fa->first + fa->count; k++) {
            const as_rank_row *w = &r->row[k];
            const as_scan_record *x = &rec[w->record];
            note(x, w, nt, sizeof nt);
            if (w->rank)
                as_strbuf_printf(&b, "| %d | `", w->rank);
            else
                as_strbuf_printf(&b, "| – | `");
            md_text(&b, x->name);
            as_strbuf_printf(&b, "` | %s | %s | %s | %s | %s | %s | %s | %s | %s | ", x->site,
                             as_rank_status_name(x->cls), num(a, sizeof a, "%+.4f", w->de * AS_HA_EV),
                             num(c, sizeof c, "%+.2f", w->de_per_fu * AS_HA_EV * 1e3),
                             num(d, sizeof d, "%.4f", has_energy(x) ? x->gap * AS_HA_EV : NAN),
                             num(e, sizeof e, "%+.1f", w->dgap * AS_HA_EV * 1e3),
                             w->rank ? num(g, sizeof g, "%.2f", w->population * 100.0) : "0",
                             x->final_site[0] ? x->final_site : "–",
                             num(h, sizeof h, "%.3f", has_energy(x) ? x->displacement * AS_BOHR_ANG : NAN));
            md_text(&b, nt);
            as_strbuf_printf(&b, " |\n");
        }
        const as_rank_row *low = &r->row[fa->first];
        if (fa->nranked > 0 && isfinite(low->de_host))
            as_strbuf_printf(&b,
                             "\nE − E(host) of the lowest configuration `%s`: %+.4f eV per cell (%+.2f meV/f.u.); "
                             "positive: the anion is lower in energy on its lattice site, as the annealing picture "
                             "requires.\n",
                             rec[low->record].name, low->de_host * AS_HA_EV,
                             low->de_host * AS_HA_EV * 1e3 / p->formula_units);
        if (as_rank_host_not_minimum(fa)) {
            char wbuf[1024];
            host_warning(fa, wbuf, sizeof wbuf);
            as_strbuf_printf(&b, "\n**%s**\n", wbuf);
        }
        int nrare = 0;
        for (int k = fa->first; k < fa->first + fa->nranked; k++)
            if (r->row[k].population < RARE)
                as_strbuf_printf(&b, "%s`%s` (%.2g %%)", nrare++ ? ", " : "\nToo rare to matter at this temperature: ",
                                 rec[r->row[k].record].name, r->row[k].population * 100.0);
        if (nrare)
            as_strbuf_printf(&b, ".\n");
    }
    int rc = as_strbuf_write_atomic(&b, path, err);
    as_strbuf_free(&b);
    return rc;
}

int as_rank_write(const char *dir, const as_ranking *r, const as_scan_record *rec, int n, const as_rank_params *p,
                  as_error *err)
{
    if (!r || n != r->nrows)
        return as_error_set(err, AS_EINTERNAL, "ranking: %d records but %d ranked rows", n, r ? r->nrows : 0);
    char path[4096];
    int rc = as_file_mkdirs(dir, err);
    if (!rc && !(rc = as_path_join(path, sizeof path, dir, "ranking.csv", err)))
        rc = write_csv(path, r, rec, err);
    if (!rc && !(rc = as_path_join(path, sizeof path, dir, "ranking.json", err)))
        rc = write_json(path, r, rec, p, err);
    if (!rc && !(rc = as_path_join(path, sizeof path, dir, "report.md", err)))
        rc = write_report(path, r, rec, p, err);
    return rc;
}
