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

typedef struct as_projectors {
    int npw, nproj;
    double complex *b; /* npw x nproj, column-major */
} as_projectors;

as_projectors *as_projectors_create(const as_nonlocal *nl, const as_basis *basis, const as_structure *s,
                                    const as_pseudo *const *pseudo_of_atom, as_error *err);
void as_projectors_destroy(as_projectors *p);

/* Work space (complex values) the operations below need for nb bands. */
#define AS_NONLOCAL_WORK(nproj, nb) ((size_t)3 * (size_t)((nproj) > 0 ? (nproj) : 1) * (size_t)(nb))

/* hpsi += V_nl psi for nb bands (npw x nb column-major); work: AS_NONLOCAL_WORK values. */
void as_nonlocal_apply(const as_nonlocal *nl, const as_projectors *pr, const as_basis *b, int nb,
                       const double complex *psi, double complex *hpsi, double complex *work);

/* sum_n occ[n] <psi_n|V_nl|psi_n> for nb bands; work as above. */
double as_nonlocal_energy(const as_nonlocal *nl, const as_projectors *pr, const as_basis *b, int nb,
                          const double complex *psi, const double *occ, double complex *work);

#endif
