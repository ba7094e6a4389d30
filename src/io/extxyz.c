#include "io/extxyz.h"

#include <ctype.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"

static int bad_name(const char *s)
{
    if (!s || !*s)
        return 1;
    for (; *s; s++)
        if (isspace((unsigned char)*s) || *s == '=' || *s == '"' || *s == ':')
            return 1;
    return 0;
}

int as_extxyz_append(as_strbuf *b, const as_structure *s, const as_extxyz_column *cols, int ncols,
                     const as_extxyz_info *info, int ninfo, as_error *err)
{
    for (int c = 0; c < ncols; c++)
        if (bad_name(cols[c].name) || cols[c].ncomp < 1 || !cols[c].data)
            return as_error_set(err, AS_EINTERNAL, "extxyz: bad column %d ('%s')", c + 1,
                                cols[c].name ? cols[c].name : "");
    for (int i = 0; i < ninfo; i++)
        if (bad_name(info[i].key) || (info[i].str && strchr(info[i].str, '"')))
            return as_error_set(err, AS_EINTERNAL, "extxyz: bad info key '%s'", info[i].key ? info[i].key : "");
    as_strbuf_printf(b, "%d\nLattice=\"", s->natoms);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            as_strbuf_printf(b, "%s%.12f", i + j ? " " : "", s->lattice[i][j] * AS_BOHR_ANG);
    as_strbuf_printf(b, "\" Properties=species:S:1:pos:R:3");
    for (int c = 0; c < ncols; c++)
        as_strbuf_printf(b, ":%s:R:%d", cols[c].name, cols[c].ncomp);
    for (int i = 0; i < ninfo; i++) {
        if (info[i].str)
            as_strbuf_printf(b, strpbrk(info[i].str, " \t") || !*info[i].str ? " %s=\"%s\"" : " %s=%s",
                             info[i].key, info[i].str);
        else
            as_strbuf_printf(b, " %s=%.15g", info[i].key, info[i].num);
    }
    as_strbuf_printf(b, " pbc=\"T T T\"\n");
    for (int a = 0; a < s->natoms; a++) {
        double c[3];
        as_frac_to_cart(s->lattice, s->frac[a], c);
        const char *sym = s->z[a] > 0 ? as_element_symbol(s->z[a]) : NULL;
        as_strbuf_printf(b, "%-2s %20.12f %20.12f %20.12f", sym ? sym : "X", c[0] * AS_BOHR_ANG,
                         c[1] * AS_BOHR_ANG, c[2] * AS_BOHR_ANG);
        for (int k = 0; k < ncols; k++)
            for (int m = 0; m < cols[k].ncomp; m++)
                as_strbuf_printf(b, " %20.12f", cols[k].data[(size_t)a * cols[k].ncomp + m]);
        as_strbuf_printf(b, "\n");
    }
    return AS_OK;
}

int as_extxyz_write(const char *path, const as_structure *s, const as_extxyz_column *cols, int ncols,
                    const as_extxyz_info *info, int ninfo, as_error *err)
{
    as_strbuf b;
    as_strbuf_init(&b);
    int rc = as_extxyz_append(&b, s, cols, ncols, info, ninfo, err);
    if (rc == AS_OK)
        rc = as_strbuf_write_atomic(&b, path, err);
    as_strbuf_free(&b);
    return rc;
}
