#include "relax/calc_state.h"

#include <limits.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw/kpoints.h"

#define CALC_MAGIC 0x43534341 /* "ACSC" */

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
    return s;
}

/* This rank's share: its G-vectors and density, the wavefunctions of its k-points (its plane
 * waves), eigenvalues, occupations and the Fermi level. */
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
        const int npw = d->owns[k] ? d->basis[k]->npw : -1;
        as_ser_put_i32(b, npw);
        if (npw > 0)
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

int as_calc_state_load(as_calculator *c, as_ser *b, as_structure **base_out, as_error *err)
{
    as_structure *base = NULL, *cur = NULL;
    as_model *m = NULL;
    as_disc *d = NULL;
    as_scf_state *st = NULL;
    int rc = AS_OK;
    if (as_ser_get_i32(b) != CALC_MAGIC || b->failed)
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
    /* every rank reads the file; each takes its own share */
    int rank = 0, size = 1;
    MPI_Comm_rank(c->comm, &rank);
    MPI_Comm_size(c->comm, &size);
    const int wsize = as_ser_get_i32(b), wpools = as_ser_get_i32(b);
    if (b->failed || wsize != size || wpools != (c->lay ? c->lay->npools : 1)) {
        rc = as_error_set(err, AS_EINPUT, "it was written by %d MPI ranks in %d k-point pools; this run has %d in %d "
                          "(the wavefunctions are distributed): restart with the same mpirun -np and --pools",
                          wsize, wpools, size, c->lay ? c->lay->npools : 1);
        goto fail;
    }
    long long sizes_r = 0, skip = 0, total = 0;
    for (int r = 0; r < size; r++) {
        long long v = 0;
        as_ser_get(b, &v, sizeof v);
        if (r < rank)
            skip += v;
        if (r == rank)
            sizes_r = v;
        total += v < 0 ? 0 : v;
    }
    const size_t blobs = b->pos;
    if (b->failed || sizes_r < 0 || (size_t)total > b->len - b->pos || !as_ser_peek(b, (size_t)skip)) {
        rc = as_error_set(err, AS_EINPUT, "truncated SCF state");
        goto fail;
    }
    const int ng = as_ser_get_i32(b), nspin = as_ser_get_i32(b), nk = as_ser_get_i32(b), nbands = as_ser_get_i32(b);
    if (b->failed || ng != d->gv->ng || nspin != st->nspin || nk != st->nk || nbands != st->nbands) {
        rc = as_error_set(err, AS_EINPUT, "its SCF state does not fit this calculation (%d G-vectors, %d spins, %d "
                          "k-points, %d bands; now %d, %d, %d, %d)", ng, nspin, nk, nbands, d->gv->ng, st->nspin,
                          st->nk, st->nbands);
        goto fail;
    }
    const void *mill = as_ser_peek(b, (size_t)ng * sizeof *d->gv->mill);
    if (!mill || memcmp(mill, d->gv->mill, (size_t)ng * sizeof *d->gv->mill) != 0) {
        rc = as_error_set(err, AS_EINPUT, "its density is on another G-vector list");
        goto fail;
    }
    as_ser_get(b, st->rho_g, (size_t)ng * nspin * sizeof *st->rho_g);
    for (int ks = 0; ks < nk * nspin; ks++) {
        const int k = ks / nspin;
        const int npw = as_ser_get_i32(b);
        if (b->failed || npw != (d->owns[k] ? d->basis[k]->npw : -1)) {
            rc = as_error_set(err, AS_EINPUT, "its wavefunctions do not fit the basis (k-point %d)", k + 1);
            goto fail;
        }
        if (npw > 0)
            as_ser_get(b, st->psi[ks], (size_t)npw * nbands * sizeof *st->psi[ks]);
    }
    const size_t ne = (size_t)nk * nspin * nbands;
    as_ser_get_f64s(b, st->eig, ne);
    as_ser_get_f64s(b, st->occ, ne);
    st->efermi = as_ser_get_f64(b);
    st->ts = as_ser_get_f64(b);
    st->mag_total = as_ser_get_f64(b);
    st->mag_abs = as_ser_get_f64(b);
    if (b->failed || b->pos != blobs + (size_t)skip + (size_t)sizes_r) {
        rc = as_error_set(err, AS_EINPUT, "truncated or inconsistent SCF state");
        goto fail;
    }
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
