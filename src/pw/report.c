/* What a ground-state calculation prints (header, energies, forces, stress, in the manner of
 * pw.x) and writes (result.json); shared by scf and relax so both write one schema. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/clock.h"

#include "pw/report.h"
#include "pw/memory.h"
#include "core/file.h"
#include "core/log.h"
#include "core/units.h"
#include "crystal/elements.h"

void as_report_header(const char *command, const char *deck, const as_model *m, const as_disc *d, const as_scf_state *st,
                         const as_dft_settings *dft)
{
    char formula[256];
    as_structure_formula(m->s, formula, sizeof formula);
    as_log("anionscan %s: %s\n", command, deck);
    as_log("  structure        %s, %d atoms, volume %.4f angstrom^3\n", formula, m->s->natoms,
           m->omega * pow(AS_BOHR_ANG, 3));
    for (int i = 0; i < 3; i++)
        as_log("  a%d (angstrom)    %12.6f %12.6f %12.6f\n", i + 1, m->s->lattice[i][0] * AS_BOHR_ANG,
               m->s->lattice[i][1] * AS_BOHR_ANG, m->s->lattice[i][2] * AS_BOHR_ANG);
    if (m->sym)
        as_symmetry_print(m->sym, m->s);
    as_log("  functional       %s (libxc), %s\n", m->xc->name, m->nspin == 2 ? "spin-polarised" : "spin-unpolarised");
    for (int sp = 0; sp < m->nspecies; sp++)
        as_log("  potential        %-2s %s  Z_ion %g  %s\n", m->species[sp].symbol, m->species[sp].name,
               m->species[sp].zion, m->species[sp].path);
    as_log("  electrons        %g (charge %g), %d bands\n", m->nelec, m->charge, st->nbands);
    if (m->nspin == 2)
        as_log("  spin             collinear, %s magnetisation %g Bohr magnetons (%g up, %g down electrons)\n",
               m->fixed_spin ? "fixed" : "starting", m->magnetization, m->nelec_spin[0], m->nelec_spin[1]);
    static const char *const smear_names[] = {"none (fixed occupations)", "gaussian", "fermi-dirac",
                                              "marzari-vanderbilt", "methfessel-paxton"};
    as_log("  occupations      %s", smear_names[m->smearing]);
    if (m->smearing != AS_SMEAR_NONE)
        as_log(", width %.6f Ha (%.4f eV, %.5f Ry)", m->smear_width, m->smear_width * AS_HA_EV, 2 * m->smear_width);
    as_log("\n");
    int npmin = 1 << 30, npmax = 0;
    double npavg = 0;
    for (int k = 0; k < d->kp->nk; k++) {
        int n = d->npw_k[k];
        npmin = n < npmin ? n : npmin;
        npmax = n > npmax ? n : npmax;
        npavg += n * d->kp->w[k];
    }
    as_log("  cutoff           %.4f Ha (%.4f Ry) wavefunctions, %.4f Ha density\n", d->ecut, 2 * d->ecut, 4 * d->ecut);
    as_log("  plane waves      %d..%d per k-point; density sphere %d G-vectors\n", npmin, npmax, d->gv->ng);
    as_log("  FFT grid         %d x %d x %d\n", d->fft->n[0], d->fft->n[1], d->fft->n[2]);
    if (dft->gamma_only)
        as_log("  k-points         Gamma only\n");
    else
        as_log("  k-points         %d x %d x %d mesh, shift %d %d %d: %d points, %d irreducible\n", dft->kmesh[0],
               dft->kmesh[1], dft->kmesh[2], dft->kshift[0], dft->kshift[1], dft->kshift[2], d->kp->nfull, d->kp->nk);
    /* Memory (pw/memory.h): this rank's share; the largest over the ranks is printed */
    as_memory_sizes z = {.nbands = st->nbands, .nspin = m->nspin, .nvec_factor = 2,
                         .grid_points = (double)d->fft->ntot, .density_g = d->gv->ng,
                         .stick_g = (1.0 + d->npair) * (double)d->wst->ng};
    for (int k = 0; k < d->kp->nk; k++) {
        if (!d->owns[k])
            continue;
        z.npw_sum += d->basis[k]->npw;
        z.npw_max = d->basis[k]->npw > z.npw_max ? d->basis[k]->npw : z.npw_max;
        z.proj_cols = d->proj[k]->ncols_stored;
        z.nproj = d->proj[k]->nproj;
    }
    as_memory mem;
    const double total = as_memory_estimate(&z, &mem);
    double part[6] = {total, mem.wf, mem.dav, mem.proj, mem.grid, mem.rep};
    MPI_Allreduce(MPI_IN_PLACE, part, 6, MPI_DOUBLE, MPI_MAX, d->lay->group);
    const as_layout *l = d->lay;
    as_log("  parallel         %d rank%s: %d k-point pool%s x %d rank%s sharing plane waves (FFT %d z-planes and %d "
           "sticks on rank 0)\n",
           l->group_size, l->group_size > 1 ? "s" : "", l->npools, l->npools > 1 ? "s" : "", l->pw_size,
           l->pw_size > 1 ? "s" : "", d->fft->nz, d->wst->nst);
    const double mb = 1.0 / (1024.0 * 1024.0);
    as_log("  memory per rank  %.0f MB (wavefunctions %.0f, Davidson %.0f, projectors %.0f, grids %.0f, subspace "
           "matrices %.0f)\n",
           part[0] * mb, part[1] * mb, part[2] * mb, part[3] * mb, part[4] * mb, part[5] * mb);
}

void as_report_energies(const as_model *m, const as_scf_state *st, const as_energies *e, const as_band_edges *be)
{
    as_log("\n!    total energy              = %20.10f Ha = %18.8f eV%s\n", e->total, e->total * AS_HA_EV,
           m->smearing != AS_SMEAR_NONE ? " (free energy E - TS)" : "");
    if (m->smearing != AS_SMEAR_NONE)
        as_log("     internal energy E=F+TS    = %20.10f Ha\n", e->total - e->smearing);
    as_log("     one-electron contribution = %20.10f Ha\n", e->one_electron);
    as_log("        kinetic                = %20.10f Ha\n", e->kinetic);
    as_log("        local pseudopotential  = %20.10f Ha\n", e->local);
    as_log("        nonlocal pseudopot.    = %20.10f Ha\n", e->nonlocal);
    as_log("     hartree contribution      = %20.10f Ha\n", e->hartree);
    as_log("     xc contribution           = %20.10f Ha\n", e->xc);
    as_log("     ewald contribution        = %20.10f Ha\n", e->ewald);
    if (m->smearing != AS_SMEAR_NONE) {
        as_log("     smearing contrib. (-TS)   = %20.10f Ha\n", e->smearing);
        if (m->nspin == 2 && m->fixed_spin)
            as_log("\n     the spin up/dw Fermi energies are %.4f %.4f eV\n", st->efermi_spin[0] * AS_HA_EV,
                   st->efermi_spin[1] * AS_HA_EV);
        else
            as_log("\n     the Fermi energy is %.4f eV\n", st->efermi * AS_HA_EV);
    }
    if (m->nspin == 2)
        as_log("\n     total magnetization       = %10.4f Bohr mag/cell\n     absolute magnetization    = %10.4f "
               "Bohr mag/cell\n",
               st->mag_total, st->mag_abs);
    as_log("\n     highest occupied, lowest unoccupied level (mesh): %10.4f %10.4f eV, gap %.4f eV\n",
           be->vbm_mesh * AS_HA_EV, be->cbm_mesh * AS_HA_EV, be->gap_mesh * AS_HA_EV);
    as_log("     band edges, %s:\n       VBM %.4f eV at %s (%.3f %.3f %.3f), CBM %.4f eV at %s "
           "(%.3f %.3f %.3f)\n     band gap %.4f eV\n", be->rule,
           be->vbm * AS_HA_EV, be->vbm_label[0] ? be->vbm_label : "k", be->vbm_k[0], be->vbm_k[1], be->vbm_k[2],
           be->cbm * AS_HA_EV, be->cbm_label[0] ? be->cbm_label : "k", be->cbm_k[0], be->cbm_k[1], be->cbm_k[2],
           be->gap * AS_HA_EV);
    int nscr = 0;
    for (int i = 0; i < be->nspecial; i++)
        nscr += be->special_screened && be->special_screened[i];
    if (nscr > 0) {
        as_log("     screened (more than %.2f eV from both edges; their bands converged roughly, within ~10 meV "
               "near the gap):", AS_EDGES_SCREEN_MARGIN * AS_HA_EV);
        for (int i = 0; i < be->nspecial; i++)
            if (be->special_screened[i])
                as_log(" %s", be->special_label[i]);
        as_log("\n");
    }
    if (be->nlevels > 0) {
        as_log("     in-gap (partly occupied) levels on the mesh:\n");
        for (int i = 0; i < be->nlevels; i++)
            as_log("       k-point %3d  spin %s  band %4d  %10.4f eV  occupation %.4f\n", be->levels[i].k + 1,
                   m->nspin == 1 ? "-" : (be->levels[i].spin ? "down" : "up"), be->levels[i].band + 1,
                   be->levels[i].energy * AS_HA_EV, be->levels[i].occupation);
    }
}

static void print_tensor(const char *name, const double t[3][3])
{
    const double k = 10.0 * AS_HA_BOHR3_GPA; /* kbar, as pw.x prints the terms */
    for (int i = 0; i < 3; i++)
        as_log("     %-16s %12.2f %12.2f %12.2f\n", i ? "" : name, t[i][0] * k, t[i][1] * k, t[i][2] * k);
}

void as_report_forces_stress(const as_model *m, const double (*f)[3], const double s[3][3],
                                const as_stress_terms *t)
{
    as_log("\n     Forces acting on atoms (cartesian axes, Ha/bohr):\n\n");
    double tot = 0.0;
    for (int a = 0; a < m->s->natoms; a++) {
        as_log("     atom %4d %-2s force = %14.8f %14.8f %14.8f\n", a + 1, as_element_symbol(m->s->z[a]), f[a][0],
               f[a][1], f[a][2]);
        tot += f[a][0] * f[a][0] + f[a][1] * f[a][1] + f[a][2] * f[a][2];
    }
    as_log("\n     Total force = %12.6f Ha/bohr\n", sqrt(tot));
    if (!s) /* 'stress = false' */
        return;
    const double g = AS_HA_BOHR3_GPA;
    as_log("\n     total   stress  (GPa)                  P = %10.3f\n", (s[0][0] + s[1][1] + s[2][2]) / 3.0 * g);
    for (int i = 0; i < 3; i++)
        as_log("     %12.5f %12.5f %12.5f\n", s[i][0] * g, s[i][1] * g, s[i][2] * g);
    as_log("\n     stress terms (kbar)\n");
    print_tensor("kinetic", t->kinetic);
    print_tensor("local", t->local);
    print_tensor("nonlocal", t->nonlocal);
    print_tensor("hartree", t->hartree);
    print_tensor("exc-cor", t->xc);
    print_tensor("ewald", t->ewald);
}

static cJSON *vec3(const double v[3])
{
    return cJSON_CreateDoubleArray(v, 3);
}

int as_report_write_result(const char *path, const as_model *m, const as_disc *d, const as_scf_state *st,
                        const as_scf_result *res, const as_band_edges *be, const double (*forces)[3],
                        const double stress[3][3], int nranks, double wall, as_error *err)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "energy_ha", res->e.total);
    cJSON_AddNumberToObject(j, "energy_ev", res->e.total * AS_HA_EV);
    cJSON *terms = cJSON_AddObjectToObject(j, "energy_terms_ha");
    cJSON_AddNumberToObject(terms, "kinetic", res->e.kinetic);
    cJSON_AddNumberToObject(terms, "local", res->e.local);
    cJSON_AddNumberToObject(terms, "nonlocal", res->e.nonlocal);
    cJSON_AddNumberToObject(terms, "one_electron", res->e.one_electron);
    cJSON_AddNumberToObject(terms, "hartree", res->e.hartree);
    cJSON_AddNumberToObject(terms, "xc", res->e.xc);
    cJSON_AddNumberToObject(terms, "ewald", res->e.ewald);
    cJSON_AddNumberToObject(j, "gap_ev", be->gap * AS_HA_EV);
    if (m->smearing != AS_SMEAR_NONE) {
        cJSON_AddNumberToObject(j, "fermi_ev", st->efermi * AS_HA_EV);
        if (m->nspin == 2 && m->fixed_spin) {
            double f2[2] = {st->efermi_spin[0] * AS_HA_EV, st->efermi_spin[1] * AS_HA_EV};
            cJSON_AddItemToObject(j, "fermi_up_down_ev", cJSON_CreateDoubleArray(f2, 2));
        }
        cJSON_AddNumberToObject(j, "smearing_ts_ha", res->e.smearing);
        cJSON_AddNumberToObject(j, "internal_energy_ha", res->e.total - res->e.smearing);
    }
    if (m->nspin == 2) {
        cJSON_AddNumberToObject(j, "magnetization_total", st->mag_total);
        cJSON_AddNumberToObject(j, "magnetization_abs", st->mag_abs);
    }
    cJSON *lv = cJSON_AddArrayToObject(j, "defect_levels");
    for (int i = 0; i < be->nlevels; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "k", vec3(d->kp->k[be->levels[i].k]));
        cJSON_AddNumberToObject(o, "spin", be->levels[i].spin);
        cJSON_AddNumberToObject(o, "band", be->levels[i].band + 1);
        cJSON_AddNumberToObject(o, "energy_ev", be->levels[i].energy * AS_HA_EV);
        cJSON_AddNumberToObject(o, "occupation", be->levels[i].occupation);
        cJSON_AddItemToArray(lv, o);
    }
    cJSON_AddNumberToObject(j, "gap_mesh_ev", be->gap_mesh * AS_HA_EV);
    cJSON_AddNumberToObject(j, "vbm_ev", be->vbm * AS_HA_EV);
    cJSON_AddNumberToObject(j, "cbm_ev", be->cbm * AS_HA_EV);
    cJSON_AddItemToObject(j, "vbm_k", vec3(be->vbm_k));
    cJSON_AddItemToObject(j, "cbm_k", vec3(be->cbm_k));
    cJSON_AddStringToObject(j, "vbm_label", be->vbm_label);
    cJSON_AddStringToObject(j, "cbm_label", be->cbm_label);
    cJSON *fe = cJSON_AddArrayToObject(j, "forces_ev_per_ang"), *fh = cJSON_AddArrayToObject(j, "forces_ha_bohr");
    for (int a = 0; a < m->s->natoms; a++) {
        double v[3] = {forces[a][0] * AS_HA_BOHR_EV_ANG, forces[a][1] * AS_HA_BOHR_EV_ANG,
                       forces[a][2] * AS_HA_BOHR_EV_ANG};
        cJSON_AddItemToArray(fe, vec3(v));
        cJSON_AddItemToArray(fh, vec3(forces[a]));
    }
    if (stress) { /* absent with 'stress = false' */
        cJSON *sg = cJSON_AddArrayToObject(j, "stress_gpa");
        for (int i = 0; i < 3; i++) {
            double v[3] = {stress[i][0] * AS_HA_BOHR3_GPA, stress[i][1] * AS_HA_BOHR3_GPA,
                           stress[i][2] * AS_HA_BOHR3_GPA};
            cJSON_AddItemToArray(sg, vec3(v));
        }
        cJSON_AddNumberToObject(j, "pressure_gpa",
                                (stress[0][0] + stress[1][1] + stress[2][2]) / 3.0 * AS_HA_BOHR3_GPA);
    }
    /* the settings that decide whether two runs' energies compare (anionscan report checks them) */
    cJSON_AddNumberToObject(j, "charge", m->charge);
    cJSON_AddNumberToObject(j, "nspin", m->nspin);
    cJSON *sm = cJSON_AddObjectToObject(j, "smearing");
    static const char *const kinds[] = {"none", "gaussian", "fermi-dirac", "marzari-vanderbilt", "methfessel-paxton"};
    cJSON_AddStringToObject(sm, "kind", kinds[m->smearing]);
    cJSON_AddNumberToObject(sm, "width_ha", m->smearing == AS_SMEAR_NONE ? 0.0 : m->smear_width);
    if (d->kp->mesh[0] > 0) { /* a Monkhorst-Pack mesh (else: the explicit list in "kpoints") */
        cJSON_AddItemToObject(j, "kmesh", cJSON_CreateIntArray(d->kp->mesh, 3));
        cJSON_AddItemToObject(j, "kshift", cJSON_CreateIntArray(d->kp->shift, 3));
    }
    {
        /* the structure computed (a relaxation adds its final one in "relax") */
        const as_structure *x = m->s;
        cJSON *so = cJSON_AddObjectToObject(j, "structure"), *la = cJSON_AddArrayToObject(so, "lattice_angstrom");
        cJSON *fr = cJSON_AddArrayToObject(so, "positions_frac"), *sy = cJSON_AddArrayToObject(so, "symbols");
        for (int i = 0; i < 3; i++) {
            const double v[3] = {x->lattice[i][0] * AS_BOHR_ANG, x->lattice[i][1] * AS_BOHR_ANG,
                                 x->lattice[i][2] * AS_BOHR_ANG};
            cJSON_AddItemToArray(la, vec3(v));
        }
        for (int a = 0; a < x->natoms; a++) {
            cJSON_AddItemToArray(fr, vec3(x->frac[a]));
            const char *e = as_element_symbol(x->z[a]);
            cJSON_AddItemToArray(sy, cJSON_CreateString(e ? e : "?"));
        }
    }
    cJSON *pp = cJSON_AddArrayToObject(j, "potentials");
    for (int i = 0; i < m->nspecies; i++) {
        cJSON *o = cJSON_CreateObject();
        const char *base = strrchr(m->species[i].path, '/');
        cJSON_AddStringToObject(o, "element", m->species[i].symbol);
        cJSON_AddStringToObject(o, "label", m->species[i].name);
        cJSON_AddStringToObject(o, "file", base ? base + 1 : m->species[i].path);
        cJSON_AddItemToArray(pp, o);
    }
    cJSON_AddBoolToObject(j, "converged", res->converged);
    cJSON_AddNumberToObject(j, "scf_iterations", res->iterations);
    if (res->retried) { /* the first attempt diverged; these numbers are the retry's (pw/scf_guard.h) */
        cJSON *g = cJSON_AddObjectToObject(j, "scf_guard");
        cJSON_AddBoolToObject(g, "retried", 1);
        cJSON_AddNumberToObject(g, "diverged_at_iteration", res->diverged_at);
        cJSON_AddNumberToObject(g, "first_attempt_iterations", res->first_iterations);
        cJSON_AddNumberToObject(g, "retry_mixing_beta", res->retry_beta);
        cJSON_AddNumberToObject(g, "retry_mixing_history", res->retry_nhist);
        cJSON_AddBoolToObject(g, "retry_smeared", res->auto_smeared);
    }
    if (res->auto_smeared) /* the deck's fixed occupations oscillated: smearing switched on (pw/scf_guard.h) */
        cJSON_AddBoolToObject(j, "auto_smearing", 1);
    cJSON_AddNumberToObject(j, "scf_residual_ha", res->residual);
    /* Davidson work, like pw.x's "avg # of iterations": H|psi> products per band and k-point */
    cJSON_AddNumberToObject(j, "h_psi_per_band",
                            (double)res->nhpsi / ((double)st->nbands * d->kp->nk * st->nspin));
    cJSON_AddNumberToObject(j, "natoms", m->s->natoms);
    cJSON_AddNumberToObject(j, "nelectrons", m->nelec);
    cJSON_AddNumberToObject(j, "nbands", st->nbands);
    cJSON_AddNumberToObject(j, "nkpoints", d->kp->nk);
    cJSON_AddNumberToObject(j, "ecut_ha", d->ecut);
    cJSON_AddItemToObject(j, "fft_grid", cJSON_CreateIntArray(d->fft->n, 3));
    cJSON_AddStringToObject(j, "xc", m->xc->name);
    cJSON_AddNumberToObject(j, "wall_s", wall);
    cJSON *tm = cJSON_AddObjectToObject(j, "timings_s"); /* rank 0's clocks so far (core/clock.h) */
    for (int c = 0; c < AS_CLK_N; c++)
        if (as_clock_calls((as_clock_id)c) > 0)
            cJSON_AddNumberToObject(tm, as_clock_name((as_clock_id)c), as_clock_seconds((as_clock_id)c));
    cJSON_AddNumberToObject(j, "nranks", nranks);
    cJSON_AddNumberToObject(j, "npools", d->lay->npools);
    cJSON *ks = cJSON_AddArrayToObject(j, "kpoints");
    for (int k = 0; k < d->kp->nk; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "k", vec3(d->kp->k[k]));
        cJSON_AddNumberToObject(o, "weight", d->kp->w[k]);
        cJSON_AddNumberToObject(o, "npw", d->npw_k[k]);
        for (int s = 0; s < st->nspin; s++) {
            double *ev = malloc((size_t)st->nbands * sizeof *ev);
            for (int n = 0; n < st->nbands && ev; n++)
                ev[n] = st->eig[(size_t)(k * st->nspin + s) * st->nbands + n] * AS_HA_EV;
            cJSON_AddItemToObject(o, st->nspin == 1 ? "eigenvalues_ev" : (s ? "eigenvalues_down_ev" : "eigenvalues_up_ev"),
                                  cJSON_CreateDoubleArray(ev, st->nbands));
            free(ev);
        }
        cJSON_AddItemToArray(ks, o);
    }
    cJSON_AddStringToObject(j, "band_edges_rule", be->rule);
    cJSON *sp = cJSON_AddArrayToObject(j, "special_points");
    for (int i = 0; i < be->nspecial; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "label", be->special_label[i]);
        cJSON_AddItemToObject(o, "k", vec3(be->special_k[i]));
        cJSON_AddBoolToObject(o, "screened", be->special_screened && be->special_screened[i]);
        for (int s = 0; s < st->nspin; s++) {
            const double *e = be->special_eig + ((size_t)i * st->nspin + s) * be->nbands_special;
            double *ev = malloc((size_t)be->nbands_special * sizeof *ev);
            for (int n = 0; n < be->nbands_special && ev; n++)
                ev[n] = e[n] * AS_HA_EV;
            cJSON_AddItemToObject(o, st->nspin == 1 ? "eigenvalues_ev" : (s ? "eigenvalues_down_ev" : "eigenvalues_up_ev"),
                                  cJSON_CreateDoubleArray(ev, be->nbands_special));
            free(ev);
        }
        cJSON_AddItemToArray(sp, o);
    }
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    if (!text)
        return as_error_nomem(err, "result.json", 0);
    size_t len = strlen(text);
    int rc = as_file_write_atomic(path, text, len, err);
    free(text);
    return rc;
}

