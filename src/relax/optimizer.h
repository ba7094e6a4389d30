/* Minimisers on a flat vector of generalised coordinates q with generalised forces
 * f = -dH/dq: BFGS (the inverse of an updated Hessian, stepping along its eigenvectors with
 * |eigenvalues|, as ASE's BFGS) and FIRE (Bitzek et al., PRL 97, 170201 (2006), ASE's
 * parameters).  They only propose a displacement; the caller symmetrises it, limits its length
 * (trust radius) and keeps atoms apart (relax/relax.h), and the next call learns from the step
 * actually taken (BFGS uses q - q_prev and f - f_prev).  The whole state can be saved and
 * restored bit for bit (checkpoints). */
#ifndef AS_RELAX_OPTIMIZER_H
#define AS_RELAX_OPTIMIZER_H

#include "core/error.h"
#include "relax/serial.h"

typedef struct as_optimizer {
    int method;      /* AS_RELAX_BFGS or AS_RELAX_FIRE (io/settings.h) */
    int n;           /* coordinates */
    int nsplit;      /* coordinates [0, nsplit) and [nsplit, n) are two blocks (atoms, cell) for the scaling */
    double h0;       /* BFGS: initial Hessian h0 * I (Ha per q-unit^2) */
    /* BFGS */
    double *hess;    /* n x n, row-major */
    double *q0, *f0; /* the previous point and its forces */
    int have_prev;
    int nupdates, nskipped; /* Hessian updates done (a given Hessian counts as one), and skipped for
                             * non-positive curvature */
    /* FIRE (q-units: dt^2 f is a displacement) */
    double *v;
    double dt, dt_max, alpha;
    int npos;        /* consecutive steps with P = f.v > 0 */
} as_optimizer;

/* h0: BFGS initial Hessian; dt0: FIRE initial time step (dt_max = 10 dt0). */
as_optimizer *as_optimizer_create(int method, int n, int nsplit, double h0, double dt0, as_error *err);
void as_optimizer_destroy(as_optimizer *o);

/* The displacement dq proposed at q with forces f.  BFGS first updates its Hessian with the
 * change since the previous call (skipped when the curvature (q - q0).(f0 - f) is not positive,
 * which keeps the Hessian positive definite).  Before the first update the initial Hessian is
 * rescaled, block by block, to (y.y)/(s.y) (s the first step, y the change of the gradient: the
 * inverse of Nocedal and Wright's H0 = (s.y)/(y.y) I, Numerical Optimization eq. 6.20), kept within
 * [h0/50, 10 h0]: the guess h0 only sets the length of the first step. */
int as_optimizer_propose(as_optimizer *o, const double *q, const double *f, double *dq, as_error *err);

/* BFGS: update the Hessian with a point q, f reached from the last proposal's point without moving
 * on from it (a rejected step still measures the curvature along it). */
int as_optimizer_learn(as_optimizer *o, const double *q, const double *f, as_error *err);

/* BFGS: start from the Hessian h (n x n, row-major, symmetric positive definite; e.g. that of a
 * relaxation of the same coordinates on a cheaper energy surface) instead of h0 * I.  It is not
 * rescaled at the first update.  Call before the first proposal; AS_EINPUT for FIRE, or when h is
 * not symmetric positive definite (then nothing changes). */
int as_optimizer_set_hessian(as_optimizer *o, const double *h, as_error *err);

/* BFGS: the current Hessian (n x n, row-major), or NULL for FIRE or before any update. */
const double *as_optimizer_hessian(const as_optimizer *o);

/* Forget the curvature (BFGS: Hessian back to h0 * I) or the velocity (FIRE). */
void as_optimizer_reset(as_optimizer *o);

void as_optimizer_save(const as_optimizer *o, as_ser *b);
/* Restores what save wrote, for an optimizer created with the same method and n. */
int as_optimizer_load(as_optimizer *o, as_ser *b, as_error *err);

#endif
