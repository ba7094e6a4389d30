# anionscan scan --dry-run: the configuration generator (src/scan/config.h) against an independent
# enumeration in Python (tests/tools/check_configs.py: spglib's operations of DIR/host.cif, the
# sites of DIR/sites.json, Frenkel candidates by the two-shell rule or frenkel_radius, their orbits
# under each site's stabiliser, pair multiplicities by brute force over the whole group; plan.json
# and every configs/NAME/initial.cif compared with them).  Each deck is run three times: twice as
# written (the starts must be byte-identical) and once with another seed (they must differ).
# Decks: tests/scan/cubic_tiny.in; Pnma CsPbBr3, Frenkel, all sites; mixed CsPbCl0.25Br2.75 (both
# patterns) with Cl and Br, mode both, two charges and three distortions; an explicit frenkel_radius
# with a subset of sites; a cubic 2x1x1 supercell (pure translations in the group) with another
# rattle and seed.  A dry run computes no DFT; the whole test takes some 30 s.
source "$(dirname "$0")/lib.sh"
set -o pipefail
PY=/usr/bin/python3
CHECK="$TOP/tests/tools/check_configs.py"
"$PY" -c "import spglib, ase, numpy" 2>/dev/null ||
  die "needs Python 3 with spglib, ASE and numpy (Debian: python3-spglib python3-ase python3-numpy)"
T0=$(date +%s)

dry() { # deck outdir
  "$ANIONSCAN" scan "$1" -o "$2" --dry-run >"$TMP/dry.log" 2>&1 || die "scan --dry-run $1 failed: $(cat "$TMP/dry.log")"
  grep -qF "dry run:" "$TMP/dry.log" || die "scan --dry-run $1: no 'dry run:' line: $(cat "$TMP/dry.log")"
  for f in plan.json host.cif sites.json; do [ -s "$2/$f" ] || die "$1: $2/$f missing"; done
  [ -d "$2/configs" ] || die "$1: $2/configs missing"
}

FAIL=""
check_deck() { # label deck [check_configs.py options...]
  local label=$1 deck=$2; shift 2
  dry "$deck" "$TMP/$label.a"
  dry "$deck" "$TMP/$label.b"
  if grep -qE '^[[:space:]]*seed[[:space:]]*=' "$deck"; then
    sed -E 's/^[[:space:]]*seed[[:space:]]*=.*/seed = 12345/' "$deck" >"$TMP/$label.seed.in"
  else
    sed '/^\[scan\]/a seed = 12345' "$deck" >"$TMP/$label.seed.in"
  fi
  grep -q '^seed = 12345' "$TMP/$label.seed.in" || die "$label: could not set another seed in $deck"
  dry "$TMP/$label.seed.in" "$TMP/$label.s"
  "$PY" "$CHECK" "$TMP/$label.a" --label "$label" --same "$TMP/$label.b" --other-seed "$TMP/$label.s" "$@" ||
    FAIL="$FAIL $label"
}

# (1) the tiny cubic deck of the scan tests: Frenkel pairs of Br, default radius (two shells).
check_deck cubic_tiny "$TOP/tests/scan/cubic_tiny.in" --species Br --mode frenkel --spacegroup 221

# (2) Pnma CsPbBr3, 20 atoms, Frenkel pairs of Br on every site.
cat >"$TMP/pnma.in" <<'EOF'
[structure]
host  = CsPbBr3
phase = Pnma

[dft]
ecut    = 10 Ha
kpoints = 2 2 2

[scan]
species = Br
mode    = frenkel
EOF
check_deck pnma "$TMP/pnma.in" --species Br --mode frenkel --spacegroup 62

# (3) Mixed CsPbCl0.25Br2.75: one Cl on the 12 halide sites of the Pnma cell.  Pattern 1 (Cl on
# 8d) leaves P1, pattern 2 (Cl on 4c) keeps the mirror (Pm).  Both species, both modes, two
# charges; three bond distortions on pattern 1.
cat >"$TMP/mixed.in" <<'EOF'
[structure]
host      = CsPbCl0.25Br2.75
phase     = Pnma
supercell = 1 1 1
pattern   = 1

[dft]
ecut    = 10 Ha
kpoints = 2 2 2

[scan]
species     = Cl Br
mode        = both
charges     = -1 0
distortions = -0.3 0 0.3
EOF
OUT=$("$ANIONSCAN" structure "$TMP/mixed.in" -o "$TMP/mixed_structure" 2>&1) || die "structure mixed.in failed: $OUT"
grep -qF "Pb4Cs4Br11Cl (20 atoms)" <<<"$OUT" || die "mixed host: not Pb4Cs4Br11Cl: $OUT"
grep -qF "CsPbCl0.25Br2.75 realised (exact)" <<<"$OUT" || die "mixed host: composition not exact: $OUT"
check_deck mixed_p1 "$TMP/mixed.in" --species Cl Br --mode both --charges -1 0 --distortions -0.3 0 0.3 \
  --spacegroup 1
sed -e 's/^pattern .*/pattern   = 2/' -e '/^distortions/d' "$TMP/mixed.in" >"$TMP/mixed2.in"
OUT=$("$ANIONSCAN" structure "$TMP/mixed2.in" -o "$TMP/mixed2_structure" 2>&1) || die "structure mixed2.in failed: $OUT"
grep -qF "pattern          2 of 2" <<<"$OUT" || die "mixed host: pattern 2 not taken: $OUT"
check_deck mixed_p2 "$TMP/mixed2.in" --species Cl Br --mode both --charges -1 0 --spacegroup 6

# (4) An explicit frenkel_radius: 4.5 angstrom takes 6 Br for i1 and i2 (two shells: 4) and 5 for i5
# (two shells: 9)
# and a subset of the sites.
cat >"$TMP/radius.in" <<'EOF'
[structure]
host  = CsPbBr3
phase = Pnma

[dft]
ecut    = 10 Ha
kpoints = 2 2 2

[scan]
species        = Br
mode           = frenkel
sites          = i1 i2 i5
frenkel_radius = 4.5 angstrom
EOF
check_deck radius "$TMP/radius.in" --species Br --mode frenkel --sites i1 i2 i5 --radius 4.5 --spacegroup 62

# (5) A 2x1x1 supercell of cubic CsPbBr3: the group holds pure translations, so site and pair
# multiplicities count images in the supercell.  Default species (the host's Br), both modes, a
# bond distortion, another rattle and seed.
cat >"$TMP/super.in" <<'EOF'
[structure]
host      = CsPbBr3
phase     = cubic
supercell = 2 1 1

[dft]
ecut    = 10 Ha
kpoints = 2 2 2

[scan]
mode        = both
distortions = 0 0.2
rattle      = 0.1 angstrom
seed        = 7
EOF
check_deck super "$TMP/super.in" --mode both --charges -1 --distortions 0 0.2 --rattle 0.1 --seed 7 --spacegroup 221

echo "time $(( $(date +%s) - T0 )) s"
[ -z "$FAIL" ] || die "configurations disagree with the independent enumeration for:$FAIL (details above)"
echo ok
