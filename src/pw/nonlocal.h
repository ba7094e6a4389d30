/* The separable nonlocal pseudopotential V_nl = sum_a sum_lm sum_ij |beta_ailm> h^l_ij <beta_ajlm|.
 * The projector list is fixed by the structure; the projector matrix B (npw x nproj,
 * column-major) is built per k-point.  Applying V_nl to a block of bands is two GEMMs
 * (as pw.x does): P = B^H psi, psi' += B (D P).  Projectors carry the phase (-i)^l, so that
 * beta(-G) = conj(beta(G)) at k = 0 and the projections of real wavefunctions are real. */
#ifndef AS_PW_NONLOCAL_H
#define AS_PW_NONLOCAL_H

#include <complex.h>

#include "core/error.h"
#include "crystal/structure.h"
#include "pw/gvec.h"
#include "pw/pseudo.h"

typedef struct as_nonlocal {
    int nproj;
    int *atom, *l, *m, *i;   /* per projector */
    int *first;              /* first projector of j's (atom, l, m) block; the block has nprj[l] members */
    int *nblk;               /* size of that block */
    double (*h)[AS_PSEUDO_NPRJ]; /* row j: h^l_{i_j, i'} for the block's members i' */
} as_nonlocal;

/* pseudo_of_atom[a] points at atom a's potential. */
as_nonlocal *as_nonlocal_create(const as_structure *s, const as_pseudo *const *pseudo_of_atom, as_error *err);
void as_nonlocal_destroy(as_nonlocal *nl);

/* B for one k-point.  Small cells keep it whole (b); above AS_PROJ_WHOLE_MAX columns it is kept
 * compact, as each species' shapes (radial x Y_lm x (-i)^l, without the atom's phase) and each
 * atom's phase e^{-i(k+G).tau}, and blocks of whole atoms are assembled on demand into a scratch
 * of AS_PROJ_BLOCK columns: for an 80-atom CsPbBr3 cell that holds 128 + 80 columns instead of 1216,
 * about 500 MB less per rank, for the price of one complex product per coefficient and
 * projector per use, small next to the GEMMs that use them.  The values are bit-identical. */
#define AS_PROJ_WHOLE_MAX 512
#define AS_PROJ_BLOCK 192
typedef struct as_projectors {
    int npw, nproj;
    double complex *b;       /* npw x nproj, column-major; NULL when compact */
    int natoms;
    int *atom_first;         /* natoms + 1: first projector of each atom (nl order), then nproj */
    int *shape_of_atom;      /* first shape column of the atom's species */
    double complex *shape;   /* npw x (shape columns) */
    double complex *phase;   /* npw x natoms */
    double complex *scratch; /* npw x block */
    int block;               /* columns of the scratch */
    int ncols_stored;        /* npw-long columns held: nproj when whole, else shapes + phases + scratch */
    double *diag;            /* npw: <G|V_nl|G>, the preconditioner's nonlocal part */
    int max_block;           /* columns of the largest block as_projectors_block returns */
} as_projectors;

as_projectors *as_projectors_create(const as_nonlocal *nl, const as_basis *basis, const as_structure *s,
                                    const as_pseudo *const *pseudo_of_atom, as_error *err);
void as_projectors_destroy(as_projectors *p);

/* Columns of npw coefficients the projectors of nat atoms with these potentials keep per k-point: nproj
 * whole, else the species' shapes, the atoms' phases and the scratch block (pw/memory.h counts them before
 * they exist); the scratch is widened to hold the largest atom. */
int as_projectors_stored_columns(const as_pseudo *const *pseudo_of_atom, int nat);

/* Tests: the whole/compact threshold and the block size (columns) of the compact form; 0 restores the
 * defaults.  Projectors created afterwards use them. */
void as_projectors_tune(int whole_max, int block);
/* The number of columns of the block that starts at projector j0: whole atoms, all of them when
 * B is whole, else as many as fit in AS_PROJ_BLOCK (at least one atom). */
int as_projectors_block(const as_projectors *pr, int j0);
/* Columns [j0, j0 + n) of B (a block from as_projectors_block): a pointer into B, or into the scratch,
 * valid until the next call. */
const double complex *as_projectors_get(const as_projectors *pr, int j0, int n);
/* P (nproj x nb, leading dimension nproj) = B^H psi; rw: AS_PROJ_BLOCK... (nproj x nb doubles suffice). */
void as_projectors_project(const as_projectors *pr, const as_basis *b, int nb, const double complex *psi,
                           double complex *p, double *rw);

/* Work space (complex values) the operations below need for nb bands. */
#define AS_NONLOCAL_WORK(nproj, nb) ((size_t)3 * (size_t)((nproj) > 0 ? (nproj) : 1) * (size_t)(nb))

/* hpsi += V_nl psi for nb bands (npw x nb column-major); work: AS_NONLOCAL_WORK values. */
void as_nonlocal_apply(const as_nonlocal *nl, const as_projectors *pr, const as_basis *b, int nb,
                       const double complex *psi, double complex *hpsi, double complex *work);

/* sum_n occ[n] <psi_n|V_nl|psi_n> for nb bands; work as above. */
double as_nonlocal_energy(const as_nonlocal *nl, const as_projectors *pr, const as_basis *b, int nb,
                          const double complex *psi, const double *occ, double complex *work);

#endif
