# anionscan scf: input errors (exit 2 with a message that says what to do), an unconverged SCF (exit 3, a
# message, and the density still written so the run can be continued), and --restart from a converged density
# (converges in <= 3 iterations to the same energy, 1e-8 Ha).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scf_lib.sh"

SI_CELL='[structure]
cell = angstrom
    0 2.71551025 2.71551025
    2.71551025 0 2.71551025
    2.71551025 2.71551025 0
atoms = crystal
    Si 0.125 0.125 0.125
    Si -0.125 -0.125 -0.125'

# --- an LDA functional with a GGA (PBE) potential: refused before any work ----------------------------------------
mkdir -p "$TMP/pbeonly"
cp "$TOP/potentials/PBE/Si-q4.gth" "$TMP/pbeonly/"   # no LDA/ subdirectory: the PBE file is all there is
printf '%s\n[dft]\nxc = LDA\necut = 10 Ha\nkpoints = 2 2 2\npotentials = pbeonly\n' "$SI_CELL" > "$TMP/lda_pbe.in"
expect_status 2 "$ANIONSCAN" scf "$TMP/lda_pbe.in" -o "$TMP/lda_pbe"
expect_stderr_has "xc = LDA"
expect_stderr_has "GTH-PBE-q4"
expect_stderr_has "use xc = PBE or potentials made for LDA"
[ ! -e "$TMP/lda_pbe/result.json" ] || die "a refused deck must not write result.json"
echo "  ok    LDA deck with a PBE potential: exit 2, '$ERR_OUT'"

# the converse: PBE with an LDA (GTH-PADE) potential named explicitly
mkdir -p "$TMP/ldaonly"
cp "$TOP/potentials/LDA/Si-q4.gth" "$TMP/ldaonly/"
printf '%s\n[dft]\nxc = PBE\necut = 10 Ha\npotentials = ldaonly\n' "$SI_CELL" > "$TMP/pbe_lda.in"
expect_status 2 "$ANIONSCAN" scf "$TMP/pbe_lda.in" -o "$TMP/pbe_lda"
expect_stderr_has "xc = PBE"
echo "  ok    PBE deck with an LDA potential: exit 2, '$ERR_OUT'"

# --- an odd electron count with fixed occupations (Si2 with charge +1: 7 electrons) --------------------------------
printf '%s\n[dft]\necut = 10 Ha\nkpoints = 2 2 2\ncharge = 1\n' "$SI_CELL" > "$TMP/odd.in"
expect_status 2 "$ANIONSCAN" scf "$TMP/odd.in" -o "$TMP/odd"
expect_stderr_has "7 valence electrons"
expect_stderr_has "spin = collinear"
expect_stderr_has "smearing"
echo "  ok    odd electron count: exit 2, '$ERR_OUT'"

# --- nbands too few for a gap ----------------------------------------------------------------------------------------
printf '%s\n[dft]\necut = 10 Ha\nkpoints = 2 2 2\nnbands = 4\n' "$SI_CELL" > "$TMP/nb.in"
expect_status 2 "$ANIONSCAN" scf "$TMP/nb.in" -o "$TMP/nb"
expect_stderr_has "nbands = 4"
echo "  ok    nbands = occupied: exit 2, '$ERR_OUT'"

# --- max_scf reached: exit 3, a message, density.dat written, no result.json ----------------------------------------
printf '%s\n[dft]\necut = 10 Ha\nkpoints = 2 2 2\nscf_tol = 1e-10\nmax_scf = 2\n' "$SI_CELL" > "$TMP/m2.in"
expect_status 3 "$ANIONSCAN" scf "$TMP/m2.in" -o "$TMP/m2"
expect_stderr_has "not converged after 2 iterations"
expect_stderr_has "max_scf"
[ -s "$TMP/m2/density.dat" ] || die "max_scf reached: density.dat must still be written"
[ ! -e "$TMP/m2/result.json" ] || die "max_scf reached: no result.json (never a silent unconverged result)"
echo "  ok    max_scf = 2: exit 3, density.dat written, '$ERR_OUT'"

# ... and that density continues the calculation: --restart from it converges to the reference energy
"$ANIONSCAN" scf "$TMP/m2.in" -o "$TMP/m2" --restart > "$TMP/m2b.log" 2>&1 && die "max_scf = 2 again should stop"
# (two more iterations are not enough from a 2-iteration density either; raise max_scf)
sed 's/^max_scf = 2/max_scf = 40/' "$TMP/m2.in" > "$TMP/m40.in"
"$ANIONSCAN" scf "$TMP/m40.in" -o "$TMP/m2" --restart > "$TMP/m40.log" 2>&1 || die "restart from the max_scf density failed"
grep -q "restart" "$TMP/m40.log" || die "the restarted run does not say it read the density"

# --- --restart from a converged density: <= 3 iterations, the same energy to 1e-8 Ha -------------------------------
scf_run "$SCF_DECKS/si_10_k222.in"
E0=$(json "$RESULT" 'd["energy_ha"]')
E40=$(json "$TMP/m2/result.json" 'd["energy_ha"]')
close "$E40" "$E0" 1e-8 "energy after continuing the max_scf = 2 run"
mkdir -p "$TMP/rs"
cp "$RUNDIR/density.dat" "$TMP/rs/"
"$ANIONSCAN" scf "$SCF_DECKS/si_10_k222.in" -o "$TMP/rs" --restart > "$TMP/rs.log" 2>&1 || die "restart failed: $(tail -3 "$TMP/rs.log")"
grep -q "restart .*density from" "$TMP/rs.log" || die "restart did not read the density"
N=$(json "$TMP/rs/result.json" 'd["scf_iterations"]')
[ "$N" -le 3 ] || die "restart from a converged density took $N iterations (> 3)"
echo "  ok    restart from a converged density: $N iterations"
close "$(json "$TMP/rs/result.json" 'd["energy_ha"]')" "$E0" 1e-8 "restart energy"

# --- a damaged density file is refused with a message, not used ---------------------------------------------------
mkdir -p "$TMP/bad"
head -c 200 "$RUNDIR/density.dat" > "$TMP/bad/density.dat"
expect_status_nonzero() { "$@" > /dev/null 2> "$TMP/err" && die "'$*' succeeded"; ERR_OUT=$(cat "$TMP/err"); }
expect_status_nonzero "$ANIONSCAN" scf "$SCF_DECKS/si_10_k222.in" -o "$TMP/bad" --restart
expect_stderr_has "density.dat"
echo "  ok    truncated density.dat refused: '$ERR_OUT'"
echo "t_scf_errors: passed"
