#include "parallel/scalapack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ScaLAPACK and BLACS have no C header in Debian: the Fortran and C-BLACS entry points. */
extern int Csys2blacs_handle(MPI_Comm comm);
extern void Cfree_blacs_system_handle(int handle);
extern void Cblacs_gridinit(int *ctxt, const char *order, int nprow, int npcol);
extern void Cblacs_gridinfo(int ctxt, int *nprow, int *npcol, int *myrow, int *mycol);
extern void Cblacs_gridexit(int ctxt);
extern int numroc_(const int *n, const int *nb, const int *iproc, const int *isrc, const int *nprocs);
extern void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb, const int *irsrc,
                      const int *icsrc, const int *ictxt, const int *lld, int *info);
extern void pzhegvx_(const int *ibtype, const char *jobz, const char *range, const char *uplo, const int *n,
                     double complex *a, const int *ia, const int *ja, const int *desca, double complex *b,
                     const int *ib, const int *jb, const int *descb, const double *vl, const double *vu,
                     const int *il, const int *iu, const double *abstol, int *m, int *nz, double *w,
                     const double *orfac, double complex *z, const int *iz, const int *jz, const int *descz,
                     double complex *work, const int *lwork, double *rwork, const int *lrwork, int *iwork,
                     const int *liwork, int *ifail, int *iclustr, double *gap, int *info);
extern void pdsygvx_(const int *ibtype, const char *jobz, const char *range, const char *uplo, const int *n, double *a,
                     const int *ia, const int *ja, const int *desca, double *b, const int *ib, const int *jb,
                     const int *descb, const double *vl, const double *vu, const int *il, const int *iu,
                     const double *abstol, int *m, int *nz, double *w, const double *orfac, double *z, const int *iz,
                     const int *jz, const int *descz, double *work, const int *lwork, int *iwork, const int *liwork,
                     int *ifail, int *iclustr, double *gap, int *info);

as_blacs *as_blacs_create(MPI_Comm comm, as_error *err)
{
    int size = 1;
    MPI_Comm_size(comm, &size);
    if (size < 2)
        return NULL;
    as_blacs *b = calloc(1, sizeof *b);
    if (!b) {
        as_error_nomem(err, "BLACS grid", sizeof *b);
        return NULL;
    }
    b->comm = comm;
    b->size = size;
    b->nprow = (int)floor(sqrt((double)size));
    while (size % b->nprow)
        b->nprow--;
    b->npcol = size / b->nprow;
    b->nb = 32;
    const char *env = getenv("ANIONSCAN_SCALAPACK_MIN");
    b->min_n = env ? atoi(env) : 600;
    b->sys = Csys2blacs_handle(comm);
    b->ctxt = b->sys;
    Cblacs_gridinit(&b->ctxt, "Row", b->nprow, b->npcol);
    Cblacs_gridinfo(b->ctxt, &b->nprow, &b->npcol, &b->myrow, &b->mycol);
    return b;
}

void as_blacs_destroy(as_blacs *b)
{
    if (!b)
        return;
    Cblacs_gridexit(b->ctxt);
    Cfree_blacs_system_handle(b->sys);
    free(b);
}

/* global index of local index li along a dimension distributed over np processes */
static int global_index(int li, int nb, int iproc, int np) { return ((li / nb) * np + iproc) * nb + li % nb; }

int as_blacs_eig(const as_blacs *b, int real, int n, const double complex *a, const double complex *bm, int ld,
                 int nev, double *w, double complex *z)
{
    const int izero = 0, ione = 1, nb = b->nb;
    const int mloc = numroc_(&n, &nb, &b->myrow, &izero, &b->nprow);
    const int nloc = numroc_(&n, &nb, &b->mycol, &izero, &b->npcol);
    const int lld = mloc > 1 ? mloc : 1;
    int desc[9], info = 0;
    descinit_(desc, &n, &n, &nb, &nb, &izero, &izero, &b->ctxt, &lld, &info);
    if (info)
        return -1;
    const size_t esz = real ? sizeof(double) : sizeof(double complex);
    const size_t loc = (size_t)lld * (nloc > 0 ? nloc : 1);
    char *al = malloc(loc * esz), *bl = malloc(loc * esz), *zl = malloc(loc * esz);
    int *ifail = malloc((size_t)n * sizeof *ifail), *iclustr = malloc((size_t)2 * b->size * sizeof *iclustr);
    double *gap = malloc((size_t)b->size * sizeof *gap), *wall = malloc((size_t)n * sizeof *wall);
    int rc = -1;
    if (!al || !bl || !zl || !ifail || !iclustr || !gap || !wall)
        goto done;
    for (int lj = 0; lj < nloc; lj++) {
        const int gj = global_index(lj, nb, b->mycol, b->npcol);
        for (int li = 0; li < mloc; li++) {
            const int gi = global_index(li, nb, b->myrow, b->nprow);
            const size_t g = (size_t)gj * ld + gi, l = (size_t)lj * lld + li;
            if (real) {
                ((double *)al)[l] = creal(a[g]);
                ((double *)bl)[l] = creal(bm[g]);
            } else {
                ((double complex *)al)[l] = a[g];
                ((double complex *)bl)[l] = bm[g];
            }
        }
    }
    const double vl = 0.0, vu = 0.0, abstol = 0.0, orfac = 1e-3;
    /* The workspace queries write (and broadcast) more than the first element: pdsygvx's query sends WORK(1:3)
     * to the other ranks (found by AddressSanitizer reading past a single double). Room for a few of each. */
    int m = 0, nz = 0, lwork = -1, liwork = -1, lrwork = -1, iw[8] = {0};
    if (real) {
        double wq[8] = {0.0};
        pdsygvx_(&ione, "V", "I", "U", &n, (double *)al, &ione, &ione, desc, (double *)bl, &ione, &ione, desc, &vl,
                 &vu, &ione, &nev, &abstol, &m, &nz, wall, &orfac, (double *)zl, &ione, &ione, desc, wq, &lwork, iw,
                 &liwork, ifail, iclustr, gap, &info);
        lwork = (int)wq[0] + 1, liwork = iw[0] + 1;
        double *work = malloc((size_t)lwork * sizeof *work);
        int *iwork = malloc((size_t)liwork * sizeof *iwork);
        if (work && iwork)
            pdsygvx_(&ione, "V", "I", "U", &n, (double *)al, &ione, &ione, desc, (double *)bl, &ione, &ione, desc, &vl,
                     &vu, &ione, &nev, &abstol, &m, &nz, wall, &orfac, (double *)zl, &ione, &ione, desc, work, &lwork,
                     iwork, &liwork, ifail, iclustr, gap, &info);
        else
            info = -1;
        free(work), free(iwork);
    } else {
        double complex wq[8] = {0.0};
        double rq[8] = {0.0};
        pzhegvx_(&ione, "V", "I", "U", &n, (double complex *)al, &ione, &ione, desc, (double complex *)bl, &ione,
                 &ione, desc, &vl, &vu, &ione, &nev, &abstol, &m, &nz, wall, &orfac, (double complex *)zl, &ione, &ione,
                 desc, wq, &lwork, rq, &lrwork, iw, &liwork, ifail, iclustr, gap, &info);
        lwork = (int)creal(wq[0]) + 1, lrwork = (int)rq[0] + 1, liwork = iw[0] + 1;
        double complex *work = malloc((size_t)lwork * sizeof *work);
        double *rwork = malloc((size_t)lrwork * sizeof *rwork);
        int *iwork = malloc((size_t)liwork * sizeof *iwork);
        if (work && rwork && iwork)
            pzhegvx_(&ione, "V", "I", "U", &n, (double complex *)al, &ione, &ione, desc, (double complex *)bl, &ione,
                     &ione, desc, &vl, &vu, &ione, &nev, &abstol, &m, &nz, wall, &orfac, (double complex *)zl, &ione,
                     &ione, desc, work, &lwork, rwork, &lrwork, iwork, &liwork, ifail, iclustr, gap, &info);
        else
            info = -1;
        free(work), free(rwork), free(iwork);
    }
    /* every rank must agree on success before the collective below */
    int ok = info == 0 && m == nev && nz == nev, all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, b->comm);
    if (!all)
        goto done;
    /* replicate: each rank writes its block-cyclic part of the first nev columns, then sum */
    for (int j = 0; j < nev; j++)
        memset(z + (size_t)j * ld, 0, (size_t)n * sizeof *z);
    for (int lj = 0; lj < nloc; lj++) {
        const int gj = global_index(lj, nb, b->mycol, b->npcol);
        if (gj >= nev)
            continue;
        for (int li = 0; li < mloc; li++) {
            const int gi = global_index(li, nb, b->myrow, b->nprow);
            const size_t l = (size_t)lj * lld + li;
            z[(size_t)gj * ld + gi] = real ? ((double *)zl)[l] : ((double complex *)zl)[l];
        }
    }
    for (int j = 0; j < nev; j++)
        MPI_Allreduce(MPI_IN_PLACE, z + (size_t)j * ld, n, MPI_C_DOUBLE_COMPLEX, MPI_SUM, b->comm);
    memcpy(w, wall, (size_t)nev * sizeof *w);
    rc = 0;
done:
    free(al), free(bl), free(zl), free(ifail), free(iclustr), free(gap), free(wall);
    return rc;
}
