/* Real spherical harmonics up to l = 3, normalised on the unit sphere
 * (\int Y_lm^2 dOmega = 1), in the standard Cartesian forms. */
#ifndef AS_PW_YLM_H
#define AS_PW_YLM_H

/* Y_lm(r^) for m = 0..2l (an index, not the magnetic quantum number) at direction r
 * (any length > 0; r = 0 gives the l = 0 value and zeros).  out has 2l+1 values. */
void as_ylm(int l, const double r[3], double *out);

/* Gradient of Y_lm(r/|r|) with respect to r (3 x (2l+1), row = x,y,z), for stress. */
void as_ylm_grad(int l, const double r[3], double (*grad)[7]);

#endif
