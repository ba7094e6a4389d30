#include "crystal/elements.h"

#include <ctype.h>
#include <string.h>

static const char *const symbols[AS_MAX_Z + 1] = {
    "X",  "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",
    "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga",
    "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag",
    "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu",
    "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",  "Re", "Os", "Ir", "Pt", "Au",
    "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U",  "Np", "Pu"};

static const double masses[AS_MAX_Z + 1] = {
    0.0,     1.008,   4.0026,  6.94,    9.0122,  10.81,   12.011,  14.007,  15.999,  18.998,
    20.180,  22.990,  24.305,  26.982,  28.085,  30.974,  32.06,   35.45,   39.948,  39.098,
    40.078,  44.956,  47.867,  50.942,  51.996,  54.938,  55.845,  58.933,  58.693,  63.546,
    65.38,   69.723,  72.630,  74.922,  78.971,  79.904,  83.798,  85.468,  87.62,   88.906,
    91.224,  92.906,  95.95,   98.0,    101.07,  102.91,  106.42,  107.87,  112.41,  114.82,
    118.71,  121.76,  127.60,  126.90,  131.29,  132.91,  137.33,  138.91,  140.12,  140.91,
    144.24,  145.0,   150.36,  151.96,  157.25,  158.93,  162.50,  164.93,  167.26,  168.93,
    173.05,  174.97,  178.49,  180.95,  183.84,  186.21,  190.23,  192.22,  195.08,  196.97,
    200.59,  204.38,  207.2,   208.98,  209.0,   210.0,   222.0,   223.0,   226.0,   227.0,
    232.04,  231.04,  238.03,  237.0,   244.0};

int as_element_z(const char *symbol)
{
    if (!symbol || !isalpha((unsigned char)symbol[0]))
        return 0;
    char s[3] = {0};
    s[0] = (char)toupper((unsigned char)symbol[0]);
    if (islower((unsigned char)symbol[1]))
        s[1] = symbol[1];
    /* Two-letter symbol first ("Cs" before "C"), then one letter ("I1" -> "I"). */
    for (int z = 1; z <= AS_MAX_Z; z++)
        if (!strcmp(symbols[z], s))
            return z;
    if (s[1]) {
        s[1] = '\0';
        if (!isalpha((unsigned char)symbol[1]))
            for (int z = 1; z <= AS_MAX_Z; z++)
                if (!strcmp(symbols[z], s))
                    return z;
    }
    return 0;
}

const char *as_element_symbol(int z)
{
    if (z < 0 || z > AS_MAX_Z)
        return NULL;
    return symbols[z];
}

double as_element_mass(int z)
{
    if (z < 1 || z > AS_MAX_Z)
        return 0.0;
    return masses[z];
}

double as_element_radius_ang(int z)
{
    switch (z) {
    case 55: return 1.88; /* Cs+  CN XII, Shannon 1976 */
    case 82: return 1.19; /* Pb2+ CN VI */
    case 9: return 1.33;  /* F-   CN VI */
    case 17: return 1.81; /* Cl-  CN VI */
    case 35: return 1.96; /* Br-  CN VI */
    case 53: return 2.20; /* I-   CN VI */
    case 37: return 1.72; /* Rb+  CN XII */
    case 19: return 1.64; /* K+   CN XII */
    case 50: return 1.18; /* Sn2+ (estimate, CN VI) */
    case 14: return 1.11; /* Si covalent */
    case 8: return 1.40;  /* O2-  CN VI */
    default: break;
    }
    return 0.0;
}

int as_element_is_halide(int z) { return z == 9 || z == 17 || z == 35 || z == 53; }
