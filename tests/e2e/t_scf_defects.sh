# The defect physics against Quantum ESPRESSO 6.7 on cubic CsPbBr3 (12 Ha, 2x2x2): a charged cell (QE tot_charge,
# +1 and -1, neutralising background), Gaussian, Fermi-Dirac, Marzari-Vanderbilt and Methfessel-Paxton smearing
# (free energies and Fermi levels), and collinear spin with smearing (odd electron count).  Tolerances: the defaults
# of tests/tools/compare_result.py (1e-5 Ha/atom, edges 1 meV); the Fermi level and magnetisation checked below.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scf_lib.sh"
for c in qp1_gauss qm1_gauss qp1_fd qp1_mv qp1_mp qp1_spin qm1_spin; do
    ref="$QE_RES/cspbbr3_cubic_12_k222_$c.json"
    [ -s "$ref" ] || { echo "  NOTE  no QE reference for $c"; continue; }
    qe_case "cspbbr3_cubic_12_k222_$c" "cspbbr3_cubic_12_k222_$c" --label "cubic CsPbBr3 $c" --only energy,terms,eig
    ef=$(json "$RESULT" 'd["fermi_ev"]')
    efqe=$(json "$ref" 'd["fermi_ev"]')
    "$PY" -c "import sys; sys.exit(0 if abs($ef - ($efqe)) < 1e-3 else 1)" || die "$c: Fermi level $ef eV, QE $efqe eV"
    echo "  ok    $c: Fermi level $ef eV (QE $efqe)"
    case $c in *spin)
        m=$(json "$RESULT" 'd["magnetization_total"]')
        mqe=$(json "$ref" 'd.get("xml", {}).get("magnetization_total", d.get("magnetization_total", 0))')
        "$PY" -c "import sys; sys.exit(0 if abs($m - ($mqe)) < 1e-3 else 1)" || die "$c: magnetisation $m, QE $mqe"
        echo "  ok    $c: total magnetisation $m (QE $mqe)";;
    esac
done
# Fixed total magnetisation with smearing (two Fermi levels; QE tot_magnetization, ABINIT spinmagntarget): the
# charged cell with one hole kept at 1 Bohr magneton, against ABINIT (energy in QE's G = 0 convention for charged
# cells, tests/reference/abinit/README.md)
if abinit_ref cspbbr3_cubic_12_k222_qp1_spin_m1; then
    scf_run "$SCF_DECKS/cspbbr3_cubic_12_k222_qp1_spin_m1.in"
    e=$(json "$RESULT" 'd["energy_ha"]'); m=$(json "$RESULT" 'd["magnetization_total"]')
    eref=$(json "$REF" 'd["energy_ha_qe_g0_convention"]')
    "$PY" -c "import sys; sys.exit(0 if abs(($e) - ($eref)) / 5 < 1e-5 else 1)" ||
        die "fixed moment: energy $e Ha, ABINIT $eref Ha"
    "$PY" -c "import sys; sys.exit(0 if abs($m - 1.0) < 1e-6 else 1)" || die "fixed moment: magnetisation $m, not 1"
    echo "  ok    fixed moment 1: E $e Ha (ABINIT $eref), M $m"
fi
echo ok
