#include "relax/calc_state.h"

#include <limits.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "pw/gmap.h"
#include "pw/kpoints.h"
#include "pw/scf.h"
#include "pw/wfblas.h"

#define CALC_MAGIC 0x32534341     /* "ACS2": wavefunctions with their Miller indices (any layout) */
#define CALC_MAGIC_OLD 0x43534341 /* "ACSC": the first format (same layout only) */

void as_dft_fingerprint(const as_dft_settings *dft, char *out, int n)
{
    int w = snprintf(out, (size_t)n,
                     "xc=%s ecut=%.17g kpoints=%s%d,%d,%d shift=%d,%d,%d nbands=%d charge=%.17g spin=%d "
                     "magnetization=%.17g smearing=%d,%.17g symmetry=%d potentials=%s",
                     dft->xc, dft->ecut, dft->gamma_only ? "gamma," : "", dft->kmesh[0], dft->kmesh[1],
                     dft->kmesh[2], dft->kshift[0], dft->kshift[1], dft->kshift[2], dft->nbands, dft->charge,
                     (int)dft->spin, dft->magnetization, (int)dft->smearing, dft->smearing_width, dft->use_symmetry,
                     dft->potentials);
    for (int i = 0; i < dft->noverrides && w > 0 && w < n; i++)
        w += snprintf(out + w, (size_t)(n - w), " %d:%s", dft->overrides[i].z, dft->overrides[i].variant);
}

static void put_structure(as_ser *b, const as_structure *s)
{
    as_ser_put_i32(b, s->natoms);
    for (int a = 0; a < s->natoms; a++)
        as_ser_put_i32(b, s->z[a]);
    as_ser_put_f64s(b, &s->lattice[0][0], 9);
    as_ser_put_f64s(b, &s->frac[0][0], 3 * (size_t)s->natoms);
}

/* A checksum holds for any bytes: the numbers of a record are checked too (NaN wavefunctions reached
 * Davidson and exited 1 as an internal error).  n doubles at p, unaligned. */
static int all_finite(const void *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        double x;
        memcpy(&x, (const unsigned char *)p + 8 * i, 8);
        if (!isfinite(x) || fabs(x) > 1e100)
            return 0;
    }
    return 1;
}

static as_structure *get_structure(as_ser *b, as_error *err)
{
    const int n = as_ser_get_i32(b);
    if (b->failed || n < 1 || n > 1000000) {
        as_error_set(err, AS_EINPUT, "bad structure record");
        return NULL;
    }
    as_structure *s = as_structure_create(n, err);
    if (!s)
        return NULL;
    for (int a = 0; a < n; a++)
        s->z[a] = as_ser_get_i32(b);
    as_ser_get_f64s(b, &s->lattice[0][0], 9);
    as_ser_get_f64s(b, &s->frac[0][0], 3 * (size_t)n);
    if (b->failed) {
        as_structure_destroy(s);
        as_error_set(err, AS_EINPUT, "truncated structure record");
        return NULL;
    }
    if (!all_finite(s->lattice, 9) || !all_finite(s->frac, 3 * (size_t)n)) {
        as_structure_destroy(s);
        as_error_set(err, AS_EINPUT, "its structure record holds a non-finite number (damaged)");
        return NULL;
    }
    return s;
}

/* This rank's share: its G-vectors and density, the wavefunctions of its k-points (its plane
 * waves, with their Miller indices and layout, so another layout can find them), eigenvalues,
 * occupations and the Fermi level. */
static void put_local(const as_calculator *c, as_ser *b)
{
    const as_scf_state *st = c->st;
    const as_disc *d = c->d;
    const int ng = d->gv->ng;
    as_ser_put_i32(b, ng);
    as_ser_put_i32(b, st->nspin);
    as_ser_put_i32(b, st->nk);
    as_ser_put_i32(b, st->nbands);
    as_ser_put(b, d->gv->mill, (size_t)ng * sizeof *d->gv->mill);
    as_ser_put(b, st->rho_g, (size_t)ng * st->nspin * sizeof *st->rho_g);
    for (int ks = 0; ks < st->nk * st->nspin; ks++) {
        const int k = ks / st->nspin;
        const as_basis *bs = d->owns[k] ? d->basis[k] : NULL;
        const int npw = bs ? bs->npw : -1;
        as_ser_put_i32(b, npw);
        if (!bs)
            continue;
        as_ser_put_i32(b, bs->real);
        as_ser_put(b, bs->mill, (size_t)npw * sizeof *bs->mill);
        as_ser_put(b, st->psi[ks], (size_t)npw * st->nbands * sizeof *st->psi[ks]);
    }
    const size_t ne = (size_t)st->nk * st->nspin * st->nbands;
    as_ser_put_f64s(b, st->eig, ne);
    as_ser_put_f64s(b, st->occ, ne);
    as_ser_put_f64(b, st->efermi);
    as_ser_put_f64(b, st->ts);
    as_ser_put_f64(b, st->mag_total);
    as_ser_put_f64(b, st->mag_abs);
}

int as_calc_state_save(const as_calculator *c, const as_structure *base, as_ser *b, as_error *err)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(c->comm, &rank);
    MPI_Comm_size(c->comm, &size);
    as_ser mine;
    as_ser_init(&mine);
    put_local(c, &mine);
    long long n = mine.failed ? -1 : (long long)mine.len, *sizes = NULL;
    int rc = AS_OK;
    if (rank == 0 && !(sizes = malloc((size_t)size * sizeof *sizes)))
        rc = as_error_nomem(err, "checkpoint", (size_t)size * 8);
    MPI_Bcast(&rc, 1, MPI_INT, 0, c->comm);
    if (rc) {
        as_ser_free(&mine);
        return rc;
    }
    MPI_Gather(&n, 1, MPI_LONG_LONG, sizes, 1, MPI_LONG_LONG, 0, c->comm);
    if (rank == 0) {
        char fp[2048];
        as_dft_fingerprint(&c->dft, fp, sizeof fp);
        as_ser_put_i32(b, CALC_MAGIC);
        as_ser_put_i32(b, (int32_t)strlen(fp));
        as_ser_put(b, fp, strlen(fp));
        put_structure(b, base);
        put_structure(b, c->m->s);
        as_ser_put_i32(b, size);
        as_ser_put_i32(b, c->lay ? c->lay->npools : 1);
        for (int r = 0; r < size; r++) {
            if (sizes[r] < 0 || sizes[r] > INT_MAX)
                rc = as_error_set(err, AS_ENOMEM, "the SCF state of rank %d does not fit a checkpoint record", r);
            as_ser_put(b, &sizes[r], sizeof sizes[r]);
        }
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, c->comm);
    if (rc) {
        free(sizes);
        as_ser_free(&mine);
        return rc;
    }
    /* rank 0 appends every rank's share, one after the other */
    if (rank == 0) {
        as_ser_put(b, mine.data, mine.len);
        for (int r = 1; r < size; r++) {
            unsigned char *buf = malloc(sizes[r] > 0 ? (size_t)sizes[r] : 1);
            if (!buf) {
                b->failed = 1;
                buf = NULL;
            }
            MPI_Status stat;
            if (buf) {
                MPI_Recv(buf, (int)sizes[r], MPI_BYTE, r, 77, c->comm, &stat);
                as_ser_put(b, buf, (size_t)sizes[r]);
            } else {
                unsigned char one;
                MPI_Recv(&one, 0, MPI_BYTE, r, 77, c->comm, &stat); /* keep the sender from blocking */
            }
            free(buf);
        }
    } else {
        MPI_Send(mine.data, (int)mine.len, MPI_BYTE, 0, 77, c->comm);
    }
    free(sizes);
    as_ser_free(&mine);
    if (rank == 0 && b->failed)
        rc = as_error_nomem(err, "checkpoint", b->len);
    MPI_Bcast(&rc, 1, MPI_INT, 0, c->comm);
    return rc;
}

/* The writers' shares of an SCF state, as pointers into the record (read with memcpy: the
 * record is not aligned). */
typedef struct share {
    int ng;
    const unsigned char *mill, *rho; /* ng int32[3]; nspin x ng complex */
    int *npw, *real;                 /* per (k, spin): -1 when the writer did not hold it */
    const unsigned char **kmill, **psi;
    const unsigned char *tail;       /* eigenvalues, occupations, Fermi level, TS, magnetisations */
} share;

typedef struct shares {
    int n;
    share *s;
} shares;

static void shares_free(shares *sh)
{
    for (int r = 0; sh->s && r < sh->n; r++) {
        free(sh->s[r].npw);
        free(sh->s[r].kmill);
    }
    free(sh->s);
    sh->s = NULL;
}

static int shares_parse(as_ser *b, int n, const as_scf_state *st, shares *sh, as_error *err)
{
    const int nks = st->nk * st->nspin;
    const size_t ne = (size_t)nks * st->nbands;
    if (!(sh->s = calloc((size_t)n, sizeof *sh->s)))
        return as_error_nomem(err, "checkpoint shares", (size_t)n * sizeof *sh->s);
    sh->n = n;
    for (int r = 0; r < n; r++) {
        share *x = &sh->s[r];
        x->npw = malloc((size_t)nks * 2 * sizeof *x->npw);
        x->kmill = malloc((size_t)nks * 2 * sizeof *x->kmill);
        if (!x->npw || !x->kmill)
            return as_error_nomem(err, "checkpoint shares", (size_t)nks * 24);
        x->real = x->npw + nks;
        x->psi = x->kmill + nks;
        x->ng = as_ser_get_i32(b);
        const int nspin = as_ser_get_i32(b), nk = as_ser_get_i32(b), nbands = as_ser_get_i32(b);
        if (b->failed || x->ng < 0 || nspin != st->nspin || nk != st->nk || nbands != st->nbands)
            return as_error_set(err, AS_EINPUT, "its SCF state does not fit this calculation (%d spins, %d k-points, "
                                "%d bands; now %d, %d, %d)", nspin, nk, nbands, st->nspin, st->nk, st->nbands);
        x->mill = as_ser_peek(b, (size_t)x->ng * 12);
        x->rho = as_ser_peek(b, (size_t)x->ng * st->nspin * 16);
        for (int ks = 0; ks < nks && !b->failed; ks++) {
            x->npw[ks] = as_ser_get_i32(b);
            x->real[ks] = 0;
            x->kmill[ks] = x->psi[ks] = NULL;
            if (x->npw[ks] < 0)
                continue;
            x->real[ks] = as_ser_get_i32(b);
            x->kmill[ks] = as_ser_peek(b, (size_t)x->npw[ks] * 12);
            x->psi[ks] = as_ser_peek(b, (size_t)x->npw[ks] * st->nbands * 16);
        }
        x->tail = as_ser_peek(b, ne * 16 + 32);
        if (b->failed)
            return as_error_set(err, AS_EIO, "truncated SCF state");
        int finite = all_finite(x->rho, (size_t)x->ng * st->nspin * 2) && all_finite(x->tail, ne * 2); /* the Fermi level may be unset */
        for (int ks = 0; ks < nks && finite; ks++)
            finite = x->npw[ks] < 0 || all_finite(x->psi[ks], (size_t)x->npw[ks] * st->nbands * 2);
        if (!finite)
            return as_error_set(err, AS_EIO, "its SCF state holds a non-finite or absurd number (damaged)");
    }
    return AS_OK;
}

static void mill_at(const unsigned char *p, int i, int m[3])
{
    int32_t v[3];
    memcpy(v, p + (size_t)i * 12, 12);
    m[0] = v[0], m[1] = v[1], m[2] = v[2];
}

static double complex coef_at(const unsigned char *p, size_t i)
{
    double complex v;
    memcpy(&v, p + i * 16, 16);
    return v;
}

/* The order in which the shares are put into a map: this rank's own share last, so that it wins
 * (a restart in the same layout then continues bit for bit; the pools' copies of the density
 * agree only to rounding). */
static int share_order(const shares *sh, int own, int i)
{
    if (own < 0 || own >= sh->n)
        return sh->n - 1 - i;
    if (i == sh->n - 1)
        return own;
    const int r = sh->n - 1 - i;
    return r <= own ? r - 1 : r;
}

/* Wavefunctions of k-point index ks on this rank's basis from the writers' coefficients
 * (found by Miller index in map).  A writer in the real half-sphere layout gives the missing half
 * as c(-G-G0) = conj c(G).  A writer in the complex layout read into the real layout (fewer ranks
 * per k-point than it had): each band becomes its time-reversal-symmetric part with the phase that
 * keeps the most of it, and the bands are orthonormalised again (random if that fails): a starting
 * point for the SCF, which converges to the same state. */
static int restore_k(const shares *sh, const as_gmap *map, int wreal, const as_basis *b, int k, int ks, int nbands,
                     double complex *psi, as_error *err)
{
    const int npw = b->npw;
    int *src = malloc(((size_t)npw * 4 + 1) * sizeof *src); /* record, index, conj flag; partner record/index */
    if (!src)
        return as_error_nomem(err, "wavefunction map", (size_t)npw * 16);
    int g0[3], missing = -1;
    as_kpoint_g0(b->kfrac, g0);
    const int project = b->real && !wreal;
    for (int g = 0; g < npw && missing < 0; g++) {
        const int *m = b->mill[g];
        int p[3];
        as_partner_mill(m, g0, p);
        int *e = src + 4 * (size_t)g;
        if (as_gmap_get(map, m, &e[0], &e[1]))
            e[2] = 0;
        else if (wreal && as_gmap_get(map, p, &e[0], &e[1]))
            e[2] = 1;
        else
            missing = g;
        if (project && missing < 0 && !as_gmap_get(map, p, &e[2], &e[3]))
            missing = g;
    }
    int bad = missing >= 0;
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, b->comm);
    if (bad) {
        free(src);
        if (missing >= 0)
            return as_error_set(err, AS_EINPUT, "its wavefunctions do not cover the basis of k-point %d (G = %d %d %d)",
                                k + 1, b->mill[missing][0], b->mill[missing][1], b->mill[missing][2]);
        return as_error_set(err, AS_EINPUT, "its wavefunctions do not cover the basis of k-point %d", k + 1);
    }
#define COEF(r, i, n) coef_at(sh->s[r].psi[ks], (size_t)(n) * (size_t)sh->s[r].npw[ks] + (size_t)(i))
    if (!project) {
        for (int n = 0; n < nbands; n++)
            for (int g = 0; g < npw; g++) {
                const int *e = src + 4 * (size_t)g;
                const double complex v = COEF(e[0], e[1], n);
                psi[(size_t)n * npw + g] = e[2] ? conj(v) : v;
            }
        free(src);
        return AS_OK;
    }
    double complex *z = calloc((size_t)nbands, sizeof *z);
    if (!z) {
        free(src);
        return as_error_nomem(err, "wavefunction phases", (size_t)nbands * 16);
    }
    for (int n = 0; n < nbands; n++)
        for (int g = 0; g < npw; g++) {
            const int *e = src + 4 * (size_t)g;
            z[n] += as_wf_weight(b, g) * COEF(e[0], e[1], n) * COEF(e[2], e[3], n);
        }
    MPI_Allreduce(MPI_IN_PLACE, z, nbands, MPI_C_DOUBLE_COMPLEX, MPI_SUM, b->comm);
    for (int n = 0; n < nbands; n++) {
        const double complex ph = cabs(z[n]) > 0.0 ? cexp(-0.5 * I * carg(z[n])) : 1.0;
        for (int g = 0; g < npw; g++) {
            const int *e = src + 4 * (size_t)g;
            psi[(size_t)n * npw + g] = 0.5 * (ph * COEF(e[0], e[1], n) + conj(ph * COEF(e[2], e[3], n)));
        }
    }
#undef COEF
    free(z);
    free(src);
    if (as_wf_orthonormalize(b, nbands, psi, err) == AS_OK)
        return AS_OK;
    as_random_wavefunctions(b, k, nbands, psi);
    return as_wf_orthonormalize(b, nbands, psi, err);
}

/* Density, wavefunctions (of this rank's k-points and plane waves) and eigenvalues from the
 * writers' shares, whatever layout wrote them. */
static int shares_restore(const shares *sh, const as_disc *d, as_scf_state *st, int own, MPI_Comm comm,
                          as_error *err)
{
    as_gmap *map = as_gmap_create(d->fft, err);
    if (!map)
        return err->code;
    int rc = AS_OK, m[3];
    const as_gvecs *gv = d->gv;
    for (int i = 0; i < sh->n && rc == AS_OK; i++) {
        const int r = share_order(sh, own, i);
        for (int g = 0; g < sh->s[r].ng && rc == AS_OK; g++) {
            mill_at(sh->s[r].mill, g, m);
            if (as_gmap_put(map, m, r, g))
                rc = as_error_set(err, AS_EINPUT, "its density has G = %d %d %d, outside this FFT grid", m[0], m[1],
                                  m[2]);
        }
    }
    for (int g = 0; g < gv->ng && rc == AS_OK; g++) {
        int r, i;
        if (!as_gmap_get(map, gv->mill[g], &r, &i)) {
            rc = as_error_set(err, AS_EINPUT, "its density does not cover this G-vector list (G = %d %d %d)",
                              gv->mill[g][0], gv->mill[g][1], gv->mill[g][2]);
            break;
        }
        for (int s = 0; s < st->nspin; s++)
            st->rho_g[(size_t)s * gv->ng + g] = coef_at(sh->s[r].rho, (size_t)s * sh->s[r].ng + (size_t)i);
    }
    int any = rc; /* every rank agrees before the wavefunctions' collectives */
    MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, comm);
    if (any && rc == AS_OK)
        rc = as_error_set(err, any, "another MPI rank could not restore its share of the density");
    for (int ks = 0; ks < st->nk * st->nspin && rc == AS_OK; ks++) {
        const int k = ks / st->nspin;
        if (!d->owns[k])
            continue;
        as_gmap_clear(map);
        int wreal = -1;
        for (int i = 0; i < sh->n && rc == AS_OK; i++) {
            const int r = share_order(sh, own, i);
            if (sh->s[r].npw[ks] < 0)
                continue;
            if (wreal >= 0 && wreal != sh->s[r].real[ks])
                rc = as_error_set(err, AS_EINPUT, "inconsistent wavefunction layouts at k-point %d", k + 1);
            wreal = sh->s[r].real[ks];
            for (int g = 0; g < sh->s[r].npw[ks] && rc == AS_OK; g++) {
                mill_at(sh->s[r].kmill[ks], g, m);
                if (as_gmap_put(map, m, r, g))
                    rc = as_error_set(err, AS_EINPUT, "its wavefunctions have G = %d %d %d, outside this FFT grid",
                                      m[0], m[1], m[2]);
            }
        }
        if (rc == AS_OK && wreal < 0)
            rc = as_error_set(err, AS_EINPUT, "no rank's share holds the wavefunctions of k-point %d", k + 1);
        if (rc == AS_OK)
            rc = restore_k(sh, map, wreal, d->basis[k], k, ks, st->nbands, st->psi[ks], err);
    }
    as_gmap_destroy(map);
    if (rc)
        return rc;
    const size_t ne = (size_t)st->nk * st->nspin * st->nbands;
    const unsigned char *t = sh->s[own >= 0 && own < sh->n ? own : 0].tail;
    memcpy(st->eig, t, ne * 8);
    memcpy(st->occ, t + ne * 8, ne * 8);
    st->psi_fresh = 0; /* the checkpoint's bands, not a fresh start: a restart continues the same path */
    double v[4];
    memcpy(v, t + ne * 16, 32);
    st->efermi = v[0], st->ts = v[1], st->mag_total = v[2], st->mag_abs = v[3];
    return AS_OK;
}

int as_calc_state_load(as_calculator *c, as_ser *b, as_structure **base_out, as_error *err)
{
    as_structure *base = NULL, *cur = NULL;
    as_model *m = NULL;
    as_disc *d = NULL;
    as_scf_state *st = NULL;
    int rc = AS_OK;
    const int32_t magic = as_ser_get_i32(b);
    if (magic == CALC_MAGIC_OLD)
        return as_error_set(err, AS_EINPUT, "it was written by an older anionscan in a format this one does not "
                            "read; start afresh without --restart");
    if (magic != CALC_MAGIC || b->failed)
        return as_error_set(err, AS_EINPUT, "no SCF state where one was expected");
    const int fplen = as_ser_get_i32(b);
    const char *fp = as_ser_peek(b, fplen > 0 && fplen < 4096 ? (size_t)fplen : (size_t)-1);
    char want[2048];
    as_dft_fingerprint(&c->dft, want, sizeof want);
    if (!fp)
        return as_error_set(err, AS_EINPUT, "truncated SCF state");
    if ((size_t)fplen != strlen(want) || memcmp(fp, want, (size_t)fplen) != 0)
        return as_error_set(err, AS_EINPUT, "it was written with other [dft] settings:\n  then: %.*s\n  now:  %s\n"
                            "restore them, or start afresh without --restart", fplen, fp, want);
    if (!(base = get_structure(b, err)) || !(cur = get_structure(b, err))) {
        rc = err->code;
        goto fail;
    }
    if ((rc = as_calculator_build(c, base, &m, &d, &st, err)))
        goto fail;
    int moved = memcmp(base->frac, cur->frac, 3 * sizeof(double) * (size_t)cur->natoms) != 0;
    if (memcmp(base->lattice, cur->lattice, sizeof base->lattice) != 0 || base->natoms != cur->natoms) {
        rc = as_error_set(err, AS_EINPUT, "inconsistent SCF state (the cell changed without a rebuild)");
        goto fail;
    }
    if (moved) {
        int sym_ok = 1;
        if ((rc = as_model_update_positions(m, cur, &sym_ok, err)) || (rc = as_disc_update_positions(d, m, err)))
            goto fail;
    }
    /* every rank reads the whole file and finds its G-vectors in the writers' shares */
    int rank = 0, size = 1;
    MPI_Comm_rank(c->comm, &rank);
    MPI_Comm_size(c->comm, &size);
    const int wsize = as_ser_get_i32(b), wpools = as_ser_get_i32(b);
    if (b->failed || wsize < 1 || wsize > 1 << 24 || wpools < 1) {
        rc = as_error_set(err, AS_EINPUT, "truncated SCF state");
        goto fail;
    }
    long long total = 0;
    int bad = 0;
    for (int r = 0; r < wsize; r++) {
        long long v = 0;
        as_ser_get(b, &v, sizeof v);
        /* a share, or the sum so far, beyond the file's length is damage: the sum stays below 2 x length, no overflow */
        bad |= v < 0 || (unsigned long long)v > b->len || (unsigned long long)total > b->len;
        total += bad ? 0 : v;
    }
    if (b->failed || bad || (size_t)total > b->len - b->pos) {
        rc = as_error_set(err, AS_EINPUT, "truncated SCF state");
        goto fail;
    }
    const size_t blobs = b->pos;
    shares sh = {0};
    if ((rc = shares_parse(b, wsize, st, &sh, err)) ||
        (rc = shares_restore(&sh, d, st, rank < wsize ? rank : 0, c->comm, err))) {
        shares_free(&sh);
        goto fail;
    }
    shares_free(&sh);
    if (size != wsize || (c->lay ? c->lay->npools : 1) != wpools)
        as_log("  restart          SCF state written by %d MPI ranks in %d k-point pools, read by %d in %d\n", wsize,
               wpools, size, c->lay ? c->lay->npools : 1);
    b->pos = blobs + (size_t)total; /* past every rank's share */
    int any = 0;
    MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, c->comm);
    if (any) {
        rc = as_error_set(err, any, "another MPI rank could not restore its share of the SCF state");
        goto fail_quiet;
    }
    as_scf_state_destroy(c->st);
    as_disc_destroy(c->d);
    as_model_destroy(c->m);
    c->m = m;
    c->d = d;
    c->st = st;
    as_structure_destroy(cur);
    *base_out = base;
    return AS_OK;
fail:
    if (d) { /* after build every rank is here or at the agreement above: tell the others */
        int any = 0;
        MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, c->comm);
    }
fail_quiet:
    as_scf_state_destroy(st);
    as_disc_destroy(d);
    as_model_destroy(m);
    as_structure_destroy(base);
    as_structure_destroy(cur);
    return rc;
}

int as_calc_state_track(const as_calculator *c, const void *prev_model, const as_structure *s, as_structure **base,
                        as_error *err)
{
    if ((const void *)c->m == prev_model && *base)
        return AS_OK;
    as_structure *copy = as_structure_copy(s, err);
    if (!copy)
        return err->code;
    as_structure_destroy(*base);
    *base = copy;
    return AS_OK;
}
