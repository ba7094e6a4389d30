#include "core/units.h"

#include <strings.h>

double as_units_length_to_bohr(const char *unit)
{
    if (!unit)
        return 0.0;
    if (!strcasecmp(unit, "angstrom") || !strcasecmp(unit, "ang") || !strcasecmp(unit, "A"))
        return AS_ANG_BOHR;
    if (!strcasecmp(unit, "bohr") || !strcasecmp(unit, "au"))
        return 1.0;
    if (!strcasecmp(unit, "nm"))
        return 10.0 * AS_ANG_BOHR;
    return 0.0;
}

double as_units_energy_to_ha(const char *unit)
{
    if (!unit)
        return 0.0;
    if (!strcasecmp(unit, "Ha") || !strcasecmp(unit, "hartree"))
        return 1.0;
    if (!strcasecmp(unit, "Ry") || !strcasecmp(unit, "rydberg"))
        return AS_RY_HA;
    if (!strcasecmp(unit, "eV"))
        return AS_EV_HA;
    if (!strcasecmp(unit, "meV"))
        return 1e-3 * AS_EV_HA;
    if (!strcasecmp(unit, "K") || !strcasecmp(unit, "kelvin"))
        return AS_KB_HA_K;
    return 0.0;
}
