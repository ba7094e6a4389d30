#include "io/xsf.h"

#include "core/units.h"
#include "crystal/elements.h"

void as_xsf_format(as_strbuf *b, const as_structure *s)
{
    as_strbuf_printf(b, "# written by anionscan; angstrom\nCRYSTAL\nPRIMVEC\n");
    for (int i = 0; i < 3; i++)
        as_strbuf_printf(b, "  %20.12f %20.12f %20.12f\n", s->lattice[i][0] * AS_BOHR_ANG,
                         s->lattice[i][1] * AS_BOHR_ANG, s->lattice[i][2] * AS_BOHR_ANG);
    as_strbuf_printf(b, "PRIMCOORD\n  %d 1\n", s->natoms);
    for (int a = 0; a < s->natoms; a++) {
        double c[3];
        as_frac_to_cart(s->lattice, s->frac[a], c);
        const char *sym = s->z[a] > 0 ? as_element_symbol(s->z[a]) : NULL;
        as_strbuf_printf(b, "  %-2s %20.12f %20.12f %20.12f\n", sym ? sym : "X", c[0] * AS_BOHR_ANG,
                         c[1] * AS_BOHR_ANG, c[2] * AS_BOHR_ANG);
    }
}

int as_xsf_write(const char *path, const as_structure *s, as_error *err)
{
    as_strbuf b;
    as_strbuf_init(&b);
    as_xsf_format(&b, s);
    int rc = as_strbuf_write_atomic(&b, path, err);
    as_strbuf_free(&b);
    return rc;
}
