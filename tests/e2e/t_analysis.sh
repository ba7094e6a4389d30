# analysis/eos.py against ASE's EquationOfState (an independent implementation) on QE's energies of
# cubic CsPbBr3 at seven lattice constants; analysis/summarize.py reads result.json files.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c "import ase" 2> /dev/null || { echo "skip: /usr/bin/python3 has no ASE"; exit 0; }
R="$TOP/tests/reference/qe/results"
args=""
for a in 5.7000 5.7667 5.8333 5.9000 5.9667 6.0333 6.1000; do
    f="$R/cspbbr3_cubic${a}_12_k222.json"
    [ -f "$f" ] || { echo "skip: $f missing"; exit 0; }
    args="$args $(/usr/bin/python3 -c "print($a**3)")=$f"
done
out=$(/usr/bin/python3 "$TOP/analysis/eos.py" $args) || die "eos.py failed: $out"
echo "$out"
ours=$(sed -n 's/.*V0 = \([0-9.]*\) A^3.*B0 = \([0-9.]*\) GPa.*/\1 \2/p' <<< "$out")
/usr/bin/python3 - "$ours" $args <<'PY' || die "eos.py disagrees with ASE"
import json, sys
from ase.eos import EquationOfState
from ase.units import GPa
v0, b0 = map(float, sys.argv[1].split())
vs, es = [], []
for a in sys.argv[2:]:
    v, p = a.split("=", 1)
    vs.append(float(v)); es.append(json.load(open(p))["energy_ha"] * 27.211386245988)
ev0, ee0, eb0 = EquationOfState(vs, es, eos="birchmurnaghan").fit()
print(f"ASE: V0 {ev0:.4f} A^3, B0 {eb0 / GPa:.2f} GPa; ours: V0 {v0:.4f}, B0 {b0:.2f}")
sys.exit(0 if abs(ev0 - v0) < 1e-3 * v0 and abs(eb0 / GPa - b0) < 0.02 * b0 else 1)
PY
# summarize.py on two scf results
d=$(ls -d "$TOP"/build/scf_cache/*/ 2> /dev/null | head -2)
if [ -n "$d" ]; then
    /usr/bin/python3 "$TOP/analysis/summarize.py" $d > "$TMP/sum.txt" || die "summarize.py failed"
    grep -q "E/atom" "$TMP/sum.txt" || die "no table: $(cat "$TMP/sum.txt")"
fi
echo ok
