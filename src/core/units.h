/* Units and physical constants.  Atomic units (bohr, hartree) are used inside
 * the program; conversion happens only when reading input and writing output.
 * Values: CODATA 2018, the set Quantum ESPRESSO 6.7 uses (Modules/constants.f90). */
#ifndef AS_CORE_UNITS_H
#define AS_CORE_UNITS_H

#define AS_PI 3.14159265358979323846
#define AS_TWOPI 6.28318530717958647692
#define AS_FOURPI 12.56637061435917295384

#define AS_BOHR_ANG 0.529177210903           /* 1 bohr in angstrom */
#define AS_ANG_BOHR (1.0 / AS_BOHR_ANG)      /* 1 angstrom in bohr */
#define AS_HA_EV 27.211386245988             /* 1 hartree in eV */
#define AS_EV_HA (1.0 / AS_HA_EV)
#define AS_RY_HA 0.5                         /* 1 rydberg in hartree */
#define AS_HA_BOHR3_GPA 29421.015697         /* 1 Ha/bohr^3 in GPa */
#define AS_HA_BOHR_EV_ANG (AS_HA_EV / AS_BOHR_ANG) /* force: Ha/bohr -> eV/A */
#define AS_KB_HA_K 3.166811563e-6            /* Boltzmann constant, Ha/K */

/* Length units a deck may name; returns the factor to bohr, or 0 if unknown. */
double as_units_length_to_bohr(const char *unit);
/* Energy units a deck may name (Ha, Ry, eV, K); factor to hartree, 0 if unknown. */
double as_units_energy_to_ha(const char *unit);

#endif
