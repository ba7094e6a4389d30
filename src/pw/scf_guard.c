/* The SCF divergence guard (pw/scf_guard.h). */
#include "pw/scf_guard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static int guard_init(as_scf_guard *g, int max_scf, as_error *err)
{
    memset(g, 0, sizeof *g);
    g->cap = max_scf > 0 ? max_scf : 1;
    g->e = malloc((size_t)g->cap * sizeof *g->e);
    g->de = malloc((size_t)g->cap * sizeof *g->de);
    g->dr2 = malloc((size_t)g->cap * sizeof *g->dr2);
    g->best = INFINITY;
    if (!g->e || !g->de || !g->dr2) {
        free(g->e), free(g->de), free(g->dr2);
        memset(g, 0, sizeof *g);
        return as_error_nomem(err, "SCF history", (size_t)g->cap * 24);
    }
    return AS_OK;
}

static void guard_free(as_scf_guard *g)
{
    free(g->e), free(g->de), free(g->dr2);
    memset(g, 0, sizeof *g);
}

/* Fixed occupations: whether the highest occupied level lies above, or within AS_SCF_GUARD_GAP of, the lowest
 * empty one somewhere on the mesh (the occupied state can change character from one iteration to the next). */
static int levels_cross(const as_model *m, const as_scf_state *st)
{
    if (!m || !st || m->smearing != AS_SMEAR_NONE || !st->eig || !st->occ)
        return 0;
    double homo = -INFINITY, lumo = INFINITY;
    const size_t n = (size_t)st->nk * st->nspin * st->nbands;
    for (size_t i = 0; i < n; i++) {
        if (st->occ[i] > 1e-8)
            homo = fmax(homo, st->eig[i]);
        else
            lumo = fmin(lumo, st->eig[i]);
    }
    return isfinite(homo) && isfinite(lumo) && homo > lumo - AS_SCF_GUARD_GAP;
}

int as_scf_guard_step(as_scf_guard *g, const as_model *m, const as_scf_state *st, int iter, double e, double de,
                      double dr2)
{
    if (!g || iter < 1)
        return 0;
    if (iter <= g->cap) {
        g->e[iter - 1] = e;
        g->de[iter - 1] = de;
        g->dr2[iter - 1] = dr2;
        g->n = iter;
    }
    if (iter > 2 && levels_cross(m, st)) /* past the atomic start */
        g->crossed++;
    if (!isfinite(dr2) || !isfinite(e)) {
        snprintf(g->why, sizeof g->why, "the %s is not a number at iteration %d", isfinite(dr2) ? "energy" : "residual",
                 iter);
        g->diverged_at = iter;
        return 1;
    }
    if (dr2 < g->best) {
        g->best = dr2;
        g->best_iter = iter;
        return 0;
    }
    if (dr2 > AS_SCF_GUARD_BLOWUP * g->best) {
        snprintf(g->why, sizeof g->why, "the residual grew from %.2e (iteration %d) to %.2e (iteration %d)", g->best,
                 g->best_iter, dr2, iter);
        g->diverged_at = iter;
        return 1;
    }
    if (iter - g->best_iter >= AS_SCF_GUARD_WINDOW && dr2 > AS_SCF_GUARD_STALL * g->best) {
        snprintf(g->why, sizeof g->why, "the residual, %.2e at iteration %d, has not come back near its best, %.2e at "
                 "iteration %d", dr2, iter, g->best, g->best_iter);
        g->diverged_at = iter;
        return 1;
    }
    return 0;
}

void as_scf_adopt_smearing(as_model *m, const as_scf_result *res)
{
    if (!res->auto_smeared)
        return;
    m->smearing = AS_SMEAR_MARZARI_VANDERBILT;
    m->smear_width = AS_SCF_AUTO_SMEARING_HA;
}

void as_scf_guard_safer(const as_scf_opts *o, as_scf_opts *safer)
{
    *safer = *o;
    safer->beta = fmin(0.3 * o->beta, 0.2);
    safer->nhist = o->nhist * 2 > 12 ? o->nhist * 2 : 12;
    if (safer->nhist > 64)
        safer->nhist = 64;
}

/* " iteration: dE / residual" for the first iteration, the best one and the last ones, into out. */
static void history(const as_scf_guard *g, char *out, size_t n)
{
    size_t w = 0;
    out[0] = '\0';
    if (g->n == 0)
        return;
    const int last0 = g->n > 8 ? g->n - 8 + 1 : 1;
    for (int it = 1, prev = 0; it <= g->n && w + 1 < n; it++) {
        if (!(it == 1 || it == g->best_iter || it >= last0))
            continue;
        if (prev && it != prev + 1)
            w += (size_t)snprintf(out + w, n - w, " ...");
        if (w + 1 < n)
            w += (size_t)snprintf(out + w, n - w, " %d: %.3e/%.2e%s", it, it > 1 ? g->de[it - 1] : 0.0,
                                  g->dr2[it - 1], it == g->best_iter ? " (best)" : "");
        prev = it;
    }
}

int as_scf_guard_run(as_scf_body_fn body, const as_model *m, const as_disc *d, const as_scf_opts *o,
                     as_scf_state *st, as_scf_result *res, as_error *err)
{
    if (o->guard) /* already guarded (a caller's own guard): run as asked */
        return body(m, d, o, st, res, err);
    const size_t nrho = (size_t)d->gv->ng * m->nspin;
    /* the starting density, for the retry (all zeros: the loop starts from atomic charges) */
    double complex *start = malloc((nrho ? nrho : 1) * sizeof *start);
    if (!start)
        return as_error_nomem(err, "SCF starting density", nrho * sizeof *start);
    memcpy(start, st->rho_g, nrho * sizeof *start);
    as_scf_guard g;
    int rc = guard_init(&g, o->max_scf, err);
    if (rc) {
        free(start);
        return rc;
    }
    as_scf_opts o1 = *o;
    o1.guard = &g;
    rc = body(m, d, &o1, st, res, err);
    char hist[640];
    if (rc == AS_ENOCONV && g.diverged_at) {
        as_scf_opts o2;
        as_scf_guard_safer(o, &o2);
        history(&g, hist, sizeof hist);
        const int first = res->iterations, crossed = g.crossed >= 3, at = g.diverged_at;
        char why[160];
        snprintf(why, sizeof why, "%s", g.why);
        const long nhpsi = res->nhpsi;
        /* fixed occupations that oscillate: the retry is smeared too, where the bands leave room for it (the
         * magnetisation stays as the deck fixed it) */
        as_model msm;
        const as_model *mr = m;
        if (crossed && m->smearing == AS_SMEAR_NONE) {
            msm = *m;
            msm.smearing = AS_SMEAR_MARZARI_VANDERBILT;
            msm.smear_width = AS_SCF_AUTO_SMEARING_HA;
            int nocc, nb;
            as_error e2;
            if (as_scf_band_count(&msm, st->nbands, &nocc, &nb, &e2) == AS_OK)
                mr = &msm;
        }
        char smear_note[160] = "";
        if (mr != m)
            snprintf(smear_note, sizeof smear_note, " and Marzari-Vanderbilt smearing of %g Ha", AS_SCF_AUTO_SMEARING_HA);
        as_log("\n  SCF guard        the SCF diverges (%s; dE/residual in Ha:%s); retrying once with safer mixing: "
               "mixing_beta %.3g, mixing_history %d%s, from the starting density%s\n", why, hist, o2.beta, o2.nhist,
               smear_note, crossed ? "; the occupied and empty levels cross" : "");
        memcpy(st->rho_g, start, nrho * sizeof *start);
        st->psi_fresh = 1; /* atomic orbitals again: the diverged wavefunctions are no start */
        guard_free(&g);
        if ((rc = guard_init(&g, o2.max_scf, err)))
            goto done;
        o2.guard = &g;
        as_error_clear(err);
        rc = body(mr, d, &o2, st, res, err);
        res->retried = 1;
        res->auto_smeared = mr != m;
        res->diverged_at = at;
        res->first_iterations = first;
        res->retry_beta = o2.beta;
        res->retry_nhist = o2.nhist;
        res->nhpsi += nhpsi;
        if (rc == AS_OK) {
            as_log("  SCF guard        the SCF converged with the safer mixing (mixing_beta %.3g, mixing_history %d)%s in "
                   "%d iterations, after %d diverging ones%s\n", o2.beta, o2.nhist, smear_note, res->iterations, first,
                   res->auto_smeared ? "; the energies and the gap below are the smeared ones (auto_smearing in "
                                       "result.json)" : "");
        } else if (rc == AS_ENOCONV) {
            char hist2[640];
            history(&g, hist2, sizeof hist2);
            as_error_set(err, AS_ENOCONV,
                         "SCF not converged: it diverged (%s; dE/residual in Ha:%s) and, retried with mixing_beta "
                         "%.3g and mixing_history %d%s, %s after %d iterations (dE/residual:%s); tolerance %.1e Ha. "
                         "%s; or check the structure",
                         why, hist, o2.beta, o2.nhist, smear_note, g.diverged_at ? "diverged again" : "did not converge",
                         res->iterations, hist2, o->tol,
                         res->auto_smeared ? "Set a wider smearing in [dft], raise max_scf"
                         : crossed || g.crossed >= 3 ? "The occupied and empty levels cross (a metal, or a defect level at "
                                                       "the Fermi level): set smearing in [dft]"
                                                     : "Lower mixing_beta, raise mixing_history or max_scf");
        }
    } else if (rc == AS_ENOCONV) {
        /* ran out of iterations while still converging, or stalled: the message gets the history */
        history(&g, hist, sizeof hist);
        char msg[AS_ERROR_MSG_LEN];
        snprintf(msg, sizeof msg, "%s", err->msg);
        as_error_set(err, AS_ENOCONV, "%.1200s; iteration history (dE/residual in Ha):%s%s", msg, hist,
                     g.crossed >= 3 ? "; the occupied and empty levels cross: set smearing in [dft]" : "");
    }
done:
    guard_free(&g);
    free(start);
    return rc;
}
