/* Restart fingerprint and cost estimate (scan/plan.h). */
#include "scan/plan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/checksum.h"
#include "core/units.h"
#include "crystal/elements.h"

void as_scan_fingerprint(const as_settings *set, const as_structure *host0, char *out, int n)
{
    const as_dft_settings *d = &set->dft;
    /* the host's starting structure, to the last bit */
    uint64_t h = as_checksum(host0->lattice, sizeof host0->lattice) ^
                 (as_checksum(host0->z, (size_t)host0->natoms * sizeof *host0->z) * 3) ^
                 (as_checksum(host0->frac, (size_t)host0->natoms * sizeof *host0->frac) * 7);
    int w = snprintf(out, (size_t)n,
                     "xc=%s; ecut=%.12g Ha; kpoints=%s%d %d %d; kshift=%d %d %d; nbands=%d; charge=%.12g; "
                     "spin=%d; smearing=%d %.12g; symmetry=%d; band_edges=%d; scf_tol=%.6g; "
                     "potentials=%s; host=%d atoms %016llx; relax_host=%d; fmax=%.6g; relax_method=%d; "
                     "max_step=%.6g; rattle=%.6g; seed=%ld; prerelax=%d %.6g %.6g; prerelax_correct=%d",
                     d->xc, d->ecut, d->gamma_only ? "gamma " : "", d->kmesh[0], d->kmesh[1], d->kmesh[2],
                     d->kshift[0], d->kshift[1], d->kshift[2], d->nbands, d->charge, (int)d->spin, (int)d->smearing,
                     d->smearing_width, d->use_symmetry, d->band_edges, d->scf_tol, d->potentials,
                     host0->natoms, (unsigned long long)h, (int)set->scan.relax_host, set->relax.fmax,
                     set->relax.method, set->relax.max_step, set->scan.rattle, set->scan.seed,
                     set->scan.prerelax, set->scan.prerelax_ecut, set->scan.prerelax_fmax,
                     set->scan.prerelax && set->scan.prerelax_correct);
    for (int i = 0; i < d->noverrides && w > 0 && w < n; i++)
        w += snprintf(out + w, (size_t)(n - w), "; potential_%s=%s", as_element_symbol(d->overrides[i].z),
                      d->overrides[i].variant);
}

/* The value of key in a fingerprint ("" if absent). */
static void value_of(const char *fp, const char *key, char *out, size_t n)
{
    out[0] = '\0';
    const size_t kl = strlen(key);
    for (const char *p = fp; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        const size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            snprintf(out, n, "%.*s", (int)(len - kl - 1), p + kl + 1);
            return;
        }
        p = end;
    }
}

int as_scan_fingerprint_compare(const char *old, const char *now, const char *journal, as_error *err)
{
    /* every key of either side */
    const char *sides[2] = {now, old};
    for (int s = 0; s < 2; s++)
        for (const char *p = sides[s]; p && *p;) {
            while (*p == ' ' || *p == ';')
                p++;
            const char *eq = strchr(p, '='), *end = strchr(p, ';');
            if (!eq || (end && eq > end))
                break;
            char key[64], a[512], b[512];
            snprintf(key, sizeof key, "%.*s", (int)(eq - p), p);
            value_of(old, key, a, sizeof a);
            value_of(now, key, b, sizeof b);
            if (strcmp(a, b))
                return as_error_set(err, AS_EINPUT,
                                    "the deck's '%s' changed since this scan started (was '%s', now '%s'): the "
                                    "finished configurations would not be comparable with new ones. Restore it, or "
                                    "start a new scan in another directory (-o DIR); %s keeps the old scan's history",
                                    key, a[0] ? a : "(not set)", b[0] ? b : "(not set)", journal);
            p = end;
        }
    return AS_OK;
}

void as_scan_cost_estimate(const as_scan_configs *cs, const as_dft_settings *dft, int prerelax, int nranks,
                           int ngroups, as_scan_cost *c)
{
    memset(c, 0, sizeof *c);
    if (!cs || cs->n == 0)
        return;
    const as_structure *s = cs->c[0].start;
    const double omega = fabs(as_lattice_volume(s->lattice));
    const double npw = omega * pow(2.0 * dft->ecut, 1.5) / (6.0 * AS_PI * AS_PI);
    const double nk = dft->gamma_only ? 0.5 : 0.5 * dft->kmesh[0] * dft->kmesh[1] * dft->kmesh[2];
    /* bands: ~4.5 valence electrons per atom in CsPbX3 with semicore-free potentials; 20 % extra */
    const double nb = 1.2 * 4.5 * s->natoms / 2.0 + 4;
    /* FFT grid points: the box holding the density sphere (radius 2 G_max) has (4 G_max)^3 / (4 pi/3 G_max^3)
     * ~ 15.3 times as many points as the wavefunction sphere has plane waves */
    const double ngrid = 16.0 * npw;
    /* per SCF iteration: FFTs (nb * ngrid log ngrid) and subspace work (nb^2 npw) per k-point, scaled from the
     * 20-atom Pnma cell (5376 bohr^3) at 25 Ha at Gamma: 13 iterations of 1.9 s on one rank (make bench) */
    const double work = nk * (nb * ngrid * log2(ngrid) * 6.0 + nb * nb * npw * 8.0);
    const double ref_npw = 5376.0 * pow(50.0, 1.5) / (6.0 * AS_PI * AS_PI), ref_nb = 1.2 * 4.5 * 20 / 2.0 + 4;
    const double ref_grid = 16.0 * ref_npw;
    const double ref_work = 0.5 * (ref_nb * ref_grid * log2(ref_grid) * 6.0 + ref_nb * ref_nb * ref_npw * 8.0);
    c->seconds_per_scf = 13.0 * 1.9 * work / ref_work;
    double equiv = 0.0;
    for (int i = 0; i < cs->n; i++) {
        const double spin = cs->c[i].mode == AS_SCAN_INTERSTITIAL && cs->c[i].charge == 0 ? 2.0 : 1.0;
        equiv += spin * (prerelax ? AS_SCAN_EST_SCF_PRERELAX : AS_SCAN_EST_SCF);
    }
    c->scf_equivalents = equiv;
    const int g = ngroups > 0 ? ngroups : 1, per = nranks / g > 0 ? nranks / g : 1;
    /* parallel efficiency of one group: ~0.9 per doubling (docs/parallel.md) */
    const double speedup = per * pow(0.9, log2((double)per));
    const double rounds = ceil((double)cs->n / g);
    c->wall_s = rounds * (equiv / cs->n) * c->seconds_per_scf / speedup;
    /* memory: the wavefunctions of every k-point (complex, 16 bytes; a real Gamma point half), the
     * Davidson work space of one k-point (3 x its wavefunctions), the grids (~16 arrays) */
    const double wfk = npw * nb * 16.0;
    const double mem = wfk * (2.0 * nk) + 3.0 * wfk + ngrid * 8.0 * 16.0;
    c->mem_per_rank_mb = mem / per / (1024.0 * 1024.0) + 60.0;
}
