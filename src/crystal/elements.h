/* The periodic table: symbols, standard atomic masses, and the ionic radii the
 * interstitial search uses for its default minimum distance. */
#ifndef AS_CRYSTAL_ELEMENTS_H
#define AS_CRYSTAL_ELEMENTS_H

#define AS_MAX_Z 94

/* Atomic number for a symbol ("Br", case-sensitive first letter upper), 0 if unknown.
 * Accepts labels like "Br1" or "Br_eq": the leading letters are the symbol. */
int as_element_z(const char *symbol);

/* Symbol for Z (1..AS_MAX_Z), "X" for the dummy Z = 0, NULL if out of range. */
const char *as_element_symbol(int z);

/* Standard atomic weight in u (IUPAC 2013 abridged), 0 if unknown. */
double as_element_mass(int z);

/* Ionic radius in angstrom for the element's usual ion in halide perovskites
 * (Shannon 1976: Cs+ XII 1.88, Pb2+ VI 1.19, Cl- 1.81, Br- 1.96, I- 2.20, ...),
 * falling back to a covalent radius for other elements; 0 if unknown. */
double as_element_radius_ang(int z);

/* Whether Z is a halogen the scanner handles as an anion (Cl, Br, I; also F). */
int as_element_is_halide(int z);

#endif
