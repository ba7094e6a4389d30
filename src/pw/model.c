#include "pw/model.h"
#include "core/clock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crystal/elements.h"
#include "pw/ewald.h"

as_model *as_model_create(const as_structure *s, const as_dft_settings *dft, int use_symmetry, as_error *err)
{
    as_model *m = calloc(1, sizeof *m);
    if (!m) {
        as_error_nomem(err, "model", sizeof *m);
        return NULL;
    }
    if (!(m->s = as_structure_copy(s, err)))
        goto fail;
    const int nat = s->natoms;
    m->species = calloc((size_t)nat, sizeof *m->species);
    m->species_of_atom = calloc((size_t)nat, sizeof *m->species_of_atom);
    m->pseudo_of_atom = calloc((size_t)nat, sizeof *m->pseudo_of_atom);
    m->zion_of_atom = calloc((size_t)nat, sizeof *m->zion_of_atom);
    if (!m->species || !m->species_of_atom || !m->pseudo_of_atom || !m->zion_of_atom) {
        as_error_nomem(err, "model", (size_t)nat * 1200);
        goto fail;
    }
    m->nspin = dft->spin == AS_SPIN_COLLINEAR ? 2 : 1;
    m->smearing = dft->smearing;
    m->smear_width = dft->smearing_width;
    if (!(m->xc = as_xc_create(dft->xc, m->nspin, err)))
        goto fail;
    const char *dir = dft->potentials[0] ? dft->potentials : as_default_potentials_dir();
    for (int a = 0; a < nat; a++) {
        int sp = -1;
        for (int k = 0; k < m->nspecies; k++)
            if (m->species[k].z == s->z[a])
                sp = k;
        if (sp < 0) {
            const char *variant = "";
            for (int o = 0; o < dft->noverrides; o++)
                if (dft->overrides[o].z == s->z[a])
                    variant = dft->overrides[o].variant;
            sp = m->nspecies;
            if (as_pseudo_find(dir, s->z[a], variant, m->xc->gga, &m->species[sp], err))
                goto fail;
            m->nspecies++;
            const as_pseudo *p = &m->species[sp];
            int want_gga = m->xc->gga, is_gga = !strcmp(p->family, "GGA");
            if (want_gga != is_gga) {
                as_error_set(err, AS_EINPUT,
                             "xc = %s is %s but the potential %s (%s) was made for %s; use xc = %s or potentials "
                             "made for %s",
                             dft->xc, want_gga ? "a GGA" : "an LDA", p->name, p->path, is_gga ? "a GGA" : "LDA",
                             is_gga ? "PBE" : "LDA", dft->xc);
                goto fail;
            }
        }
        m->species_of_atom[a] = sp;
    }
    double zsum = 0.0;
    for (int a = 0; a < nat; a++) {
        m->pseudo_of_atom[a] = &m->species[m->species_of_atom[a]];
        m->zion_of_atom[a] = m->pseudo_of_atom[a]->zion;
        zsum += m->zion_of_atom[a];
    }
    m->charge = dft->charge;
    m->nelec = zsum - dft->charge;
    if (m->nelec <= 0.0) {
        as_error_set(err, AS_EINPUT, "charge = %g leaves %g electrons in the cell", dft->charge, m->nelec);
        goto fail;
    }
    if (m->nspin == 2) {
        /* Automatic magnetisation: 1 for an odd electron count (an unpaired electron), else 0. */
        double nint = round(m->nelec);
        double mag = dft->magnetization;
        if (isnan(mag))
            mag = (fabs(m->nelec - nint) < 1e-8 && ((long)nint) % 2 != 0) ? 1.0 : 0.0;
        m->magnetization = mag;
        m->nelec_spin[0] = 0.5 * (m->nelec + mag);
        m->nelec_spin[1] = 0.5 * (m->nelec - mag);
        m->fixed_spin = m->smearing == AS_SMEAR_NONE || dft->spin_fixed;
        if (m->nelec_spin[1] < -1e-12) {
            as_error_set(err, AS_EINPUT, "magnetisation %g is more than the %g electrons allow", mag, m->nelec);
            goto fail;
        }
        if (m->smearing == AS_SMEAR_NONE &&
            (fabs(m->nelec_spin[0] - round(m->nelec_spin[0])) > 1e-8 || m->nelec_spin[1] < -1e-12)) {
            as_error_set(err, AS_EINPUT,
                         "with fixed occupations the magnetisation fixes %g up and %g down electrons, which are not "
                         "whole numbers; give 'spin = collinear M' with M = N_up - N_dn (%g electrons), or use smearing",
                         m->nelec_spin[0], m->nelec_spin[1], m->nelec);
            goto fail;
        }
    }
    m->omega = fabs(as_lattice_volume(s->lattice));
    as_clock_start(AS_CLK_SYMMETRY);
    if (use_symmetry)
        m->sym = as_symmetry_create(s, 0.0, err);
    as_clock_stop(AS_CLK_SYMMETRY);
    if (use_symmetry && !m->sym)
        goto fail;
    if (as_ewald(s->lattice, nat, (const double(*)[3])s->frac, m->zion_of_atom, 0.0, &m->e_ewald, NULL, NULL, err))
        goto fail;
    return m;
fail:
    as_model_destroy(m);
    return NULL;
}

int as_model_update_positions(as_model *m, const as_structure *s, int *sym_ok, as_error *err)
{
    if (s->natoms != m->s->natoms || memcmp(s->lattice, m->s->lattice, sizeof s->lattice) != 0)
        return as_error_set(err, AS_EINPUT, "the cell changed; make a new model");
    for (int a = 0; a < s->natoms; a++)
        if (s->z[a] != m->s->z[a])
            return as_error_set(err, AS_EINPUT, "atom %d changed species; make a new model", a + 1);
    memcpy(m->s->frac, s->frac, (size_t)s->natoms * sizeof *s->frac);
    *sym_ok = 1;
    if (m->sym) {
        int *map = malloc((size_t)s->natoms * sizeof *map);
        if (!map)
            return as_error_nomem(err, "atom map", (size_t)s->natoms * 4);
        for (int o = 0; o < m->sym->nops && *sym_ok; o++)
            *sym_ok = as_symmetry_atom_map(m->sym, m->s, o, map) == 0;
        free(map);
    }
    return as_ewald(s->lattice, s->natoms, (const double(*)[3])s->frac, m->zion_of_atom, 0.0, &m->e_ewald, NULL, NULL,
                    err);
}

void as_model_destroy(as_model *m)
{
    if (!m)
        return;
    as_structure_destroy(m->s);
    free(m->species);
    free(m->species_of_atom);
    free(m->pseudo_of_atom);
    free(m->zion_of_atom);
    as_xc_destroy(m->xc);
    as_symmetry_destroy(m->sym);
    free(m);
}
