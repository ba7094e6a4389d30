# anionscan structure on the shipped decks and on a CIF-file deck: exit status, the
# header (space group, composition, pattern), the four files, and ASE reading them
# back with the cell and positions of the reference CIF (when ASE is installed).
source "$(dirname "$0")/lib.sh"
set -o pipefail
run() { # deck outdir -> stdout in $OUT
  OUT=$("$ANIONSCAN" structure "$1" -o "$2" 2>"$TMP/stderr") || die "structure $1 failed: $(cat "$TMP/stderr")"
  for f in structure.cif POSCAR structure.xsf structure.extxyz; do
    [ -s "$2/$f" ] || die "$1: $2/$f missing"
  done
}
has() { grep -qF -- "$1" <<<"$OUT" || die "output lacks '$1': $OUT"; }

run "$TOP/input/cspbbr3_pnma.in" "$TMP/br"
has "Pnma (No. 62)"; has "Pb 4b (-1), Cs 4c (.m.), Br 4c (.m.), Br 8d (1)"; has "Pb4Cs4Br12 (20 atoms)"
has "8.25500 11.75900 8.20700"
run "$TOP/input/cspbbr3_cubic.in" "$TMP/cub"
has "Pm-3m (No. 221)"; has "5.87400 5.87400 5.87400"
run "$TOP/input/cspbi3_pnma.in" "$TMP/i"
has "Pnma (No. 62)"; has "Pb4Cs4I12"; has "shortest bond    3.1479 angstrom"
run "$TOP/input/cspbcl0.25br2.75_pnma.in" "$TMP/mix"
has "CsPbCl0.25Br2.75 realised (exact): 1 Cl + 11 Br on 12 halide sites"
has "pattern          1 of 2 symmetry-distinct arrangements (8 equivalent)"
has "Pb4Cs4Br11Cl (20 atoms)"

# Pattern 2 of the mixed deck is the apical site; pattern 3 does not exist.
sed 's/^pattern *= *1/pattern   = 2/' "$TOP/input/cspbcl0.25br2.75_pnma.in" > "$TMP/mix2.in"
run "$TMP/mix2.in" "$TMP/mix2"
has "pattern          2 of 2 symmetry-distinct arrangements (4 equivalent)"; has "(Br 4c)"
has "space group      Pm (No. 6)"
line=$(grep -n '^host' "$TMP/mix2.in" | cut -d: -f1)
sed 's/^pattern *= *1/pattern   = 3/' "$TOP/input/cspbcl0.25br2.75_pnma.in" > "$TMP/mix3.in"
expect_status 2 "$ANIONSCAN" structure "$TMP/mix3.in" -o "$TMP/mix3"
expect_stderr_has "mix3.in:$line: 'pattern = 3' is out of range"
expect_stderr_has "choose pattern 1..2"

# Supercell 2 1 2 of the mixed host: exact with 4 Cl on 48 sites.
printf '[structure]\nhost = CsPbCl0.25Br2.75\nsupercell = 2 1 2\npattern = 6328\n' > "$TMP/sc.in"
run "$TMP/sc.in" "$TMP/sc"
has "4 Cl + 44 Br on 48 halide sites"; has "pattern          6328 of 6328"; has "(80 atoms)"

# A deck that reads a CIF with only the asymmetric unit and symmetry operations.
cat > "$TMP/asym.cif" <<'CIF'
data_CsPbBr3
_cell_length_a 8.255
_cell_length_b 11.759
_cell_length_c 8.207
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_space_group_symop_operation_xyz
'x, y, z' '-x+1/2, -y, z+1/2' '-x, y+1/2, -z' 'x+1/2, -y+1/2, -z+1/2'
'-x, -y, -z' 'x+1/2, y, -z+1/2' 'x, -y+1/2, z' '-x+1/2, y+1/2, z+1/2'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Pb1 Pb 0 0 0.5
Cs1 Cs 0.971(2) 0.25 0.990(1)
Br1 Br 0.505 0.25 0.046
Br2 Br 0.205 0.025 0.793
CIF
printf '[structure]\nfile = asym.cif\n' > "$TMP/file.in"
run "$TMP/file.in" "$TMP/file"
has "Pnma (No. 62)"; has "(20 atoms)"; has "source           file"

# A deck whose file has a bad line: the error names the deck line and the file line.
printf 'data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nCs1 0 0 0\nBr1 0.5 0.5 zz\n' > "$TMP/bad.cif"
printf '[structure]\n# comment\nfile = bad.cif\n' > "$TMP/bad.in"
expect_status 2 "$ANIONSCAN" structure "$TMP/bad.in" -o "$TMP/bad"
expect_stderr_has "bad.in:3:"
expect_stderr_has "bad.cif:11: atom 'Br1': coordinate 'zz' is not a number"

# ASE reads every file with the reference CIF's cell and positions (same atom order).
if /usr/bin/python3 -c 'import ase.io' 2>/dev/null; then
  for d in br file; do
    /usr/bin/python3 - "$TOP/tests/reference/structures/CsPbBr3_Pnma_ICSD97851.cif" "$TMP/$d" <<'PY' || die "ASE comparison failed for $d"
import sys
import numpy as np
from ase.io import read
ref = read(sys.argv[1])
for name, fmt in [("structure.cif", "cif"), ("POSCAR", "vasp"), ("structure.xsf", "xsf"), ("structure.extxyz", "extxyz")]:
    a = read(sys.argv[2] + "/" + name, format=fmt)
    assert len(a) == len(ref), name
    assert np.allclose(a.cell.array, ref.cell.array, atol=1e-8), (name, a.cell.array)
    # same atoms: match each reference atom to one of ours (periodic, same element)
    used = set()
    for r in ref:
        d = a.get_scaled_positions() - ref.cell.scaled_positions(r.position[None])[0]
        d -= np.round(d)
        dist = np.linalg.norm(d @ a.cell.array, axis=1)
        hit = [i for i in np.argsort(dist) if dist[i] < 1e-6 and a[i].symbol == r.symbol and i not in used]
        assert hit, (name, r.symbol, r.position)
        used.add(hit[0])
print("ase ok")
PY
  done
else
  echo "SKIP ASE part: /usr/bin/python3 cannot import ase"
fi
echo ok
