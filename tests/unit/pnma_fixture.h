/* Shared set-up for the scan's tests on hand-made structures in Pnma CsPbBr3 (test_classify.c,
 * test_merge.c): the host, its space group and its interstitial sites, and a structure moved as a whole
 * by one of the host's operations.  Header-only: each test binary includes it once, after cmocka.h. */
#ifndef AS_TEST_PNMA_FIXTURE_H
#define AS_TEST_PNMA_FIXTURE_H

#include "crystal/composition.h"
#include "crystal/perovskite.h"
#include "crystal/sites.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"

typedef struct fixture {
    as_structure *host;
    as_symmetry *sym;
    as_sites *sites;
} fixture;

static inline fixture make(void)
{
    fixture f;
    as_error err;
    as_composition c;
    if (as_composition_parse("CsPbBr3", &c, &err))
        fail_msg("%s", err.msg);
    if (!(f.host = as_perovskite_build(&c, AS_PEROVSKITE_PNMA, NULL, &err)) ||
        !(f.sym = as_symmetry_create(f.host, 0.0, &err)))
        fail_msg("%s", err.msg);
    as_sites_params p;
    as_sites_params_default(&p);
    if (!(f.sites = as_sites_find(f.host, f.sym, &p, &err)))
        fail_msg("%s", err.msg);
    assert_true(f.sites->nsites >= 2);
    return f;
}

static inline void unmake(fixture *f)
{
    as_sites_destroy(f->sites);
    as_symmetry_destroy(f->sym);
    as_structure_destroy(f->host);
}

/* s moved as a whole by operation op, atoms in reverse order */
static inline as_structure *image(const as_symmetry *sym, const as_structure *s, int op)
{
    as_error err;
    as_structure *t = as_structure_copy(s, &err);
    if (!t)
        fail_msg("%s", err.msg);
    for (int a = 0; a < s->natoms; a++) {
        const int b = s->natoms - 1 - a;
        t->z[b] = s->z[a];
        as_symmetry_apply(sym, op, s->frac[a], t->frac[b]);
    }
    as_structure_wrap(t);
    return t;
}

#endif
