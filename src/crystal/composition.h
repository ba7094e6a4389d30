/* CsPbX3 host compositions: "CsPbBr3", "CsPbI3", "CsPbCl0.25Br2.75", "CsPbBr1.5I1.5".
 * X is Cl, Br, I or a mix whose amounts add up to 3 per formula unit. */
#ifndef AS_CRYSTAL_COMPOSITION_H
#define AS_CRYSTAL_COMPOSITION_H

#include "core/error.h"

enum { AS_HALIDE_CL = 0, AS_HALIDE_BR = 1, AS_HALIDE_I = 2, AS_NHALIDES = 3 };

typedef struct as_composition {
    double x[AS_NHALIDES]; /* halide amounts per formula unit (Cl, Br, I); sum 3 */
    char formula[64];      /* normalised, e.g. "CsPbCl0.25Br2.75" */
} as_composition;

/* Parse a host formula.  The message says what is wrong and what is accepted. */
int as_composition_parse(const char *formula, as_composition *c, as_error *err);

/* Atomic number of halide index h (17, 35, 53). */
int as_halide_z(int h);
/* Halide index for an atomic number, -1 if not Cl/Br/I. */
int as_halide_index(int z);
/* Number of distinct halides present (1 = pure). */
int as_composition_nspecies(const as_composition *c);
/* The majority halide (ties: heavier). */
int as_composition_major(const as_composition *c);

#endif
