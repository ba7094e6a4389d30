# analysis/import_results.py: Quantum ESPRESSO and VASP results into our result.json schema.
#   QE: real pw.x 6.7 runs made here (tests/import/qe/*.in, GTH potentials of tests/reference/qe/pseudo/PBE, a few
#   seconds each): Si2 scf (fixed occupations), Si2 relax (BFGS, 3 SCF cycles), Si2 charged +1 / nspin=2 /
#   gaussian smearing, cubic CsPbBr3 at Gamma (three species).  Each is imported from the text output and from
#   the XML data file.  The energy and the gap are checked against pw.x's own printed lines ('!    total energy',
#   'highest occupied, lowest unoccupied level', 'the Fermi energy is'), picked out here with grep/awk, not with
#   the importer; the relaxation's final.cif against ASE's reading of the output's last positions and against
#   the 'Begin final coordinates' block; the number of ionic steps against the '!' lines.
#   VASP: no VASP binary and no vasprun.xml/OUTCAR ship on this machine (no library test data offline), so the
#   VASP paths are tested on HAND-WRITTEN minimal files (tests/import/vasp_si_relax*, see tests/import/README.md):
#   the energy equals the free energy pymatgen and ASE read, the gap the one computed here from the file's
#   eigenvalues and occupations; vasprun.xml and OUTCAR + CONTCAR (+ EIGENVAL) give the same result.
#   Bad input (missing SOURCE, not a run, truncated text/XML, an unconverged pw.x SCF, an unconverged VASP SCF):
#   exit status 2, a message naming the path, OUTDIR not created.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
IMP="$TOP/analysis/import_results.py"
"$PY" -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in ('ase', 'pymatgen', 'monty')))" ||
    die "/usr/bin/python3 lacks ASE or pymatgen: apt-get install -y python3-ase python3-pymatgen"
command -v pw.x > /dev/null || die "no pw.x: apt-get install -y quantum-espresso (a test dependency, see DEPS_TEST in the Makefile)"
PSEUDO="$TOP/tests/reference/qe/pseudo/PBE"
FIX="$TOP/tests/import"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

# ---- the pw.x runs, two at a time (2 cores)
run_pw() { # NAME [sed expression]: tests/import/qe/BASE.in (BASE = NAME up to a '.') -> $TMP/NAME.out, XML in
            # $TMP/out_NAME/NAME.xml
    local n=$1 extra=${2:-}
    sed -e "s#@PSEUDO@#$PSEUDO#" -e "s#@OUT@#$TMP/out_$n#" -e "s#prefix='[^']*'#prefix='$n'#" ${extra:+-e "$extra"} \
        "$FIX/qe/${n%%.*}.in" > "$TMP/$n.in"
    (cd "$TMP" && pw.x -in "$n.in" > "$n.out" 2> "$n.err")
}
run_pw si_scf & p1=$!
run_pw si_relax & p2=$!
wait $p1 || die "pw.x si_scf failed: $(tail -5 "$TMP/si_scf.out")"
run_pw si_q1_spin & p1=$!
wait $p2 || die "pw.x si_relax failed: $(tail -5 "$TMP/si_relax.out")"
run_pw cspbbr3_gamma & p2=$!
wait $p1 || die "pw.x si_q1_spin failed: $(tail -5 "$TMP/si_q1_spin.out")"
# a relaxation stopped by nstep=2 before converging (pw.x exits 3; a result, ranked as not converged) and an SCF
# stopped after 3 iterations (pw.x exits 2 and writes no XML: not a result)
run_pw si_relax.nstep2 "s/forc_conv_thr=1e-3/forc_conv_thr=1e-5, nstep=2/" & p1=$!
run_pw si_scf.unconv "s/conv_thr=1e-9, mixing_beta=0.5/conv_thr=1e-9, mixing_beta=0.5, electron_maxstep=3/" &&
    die "pw.x with electron_maxstep=3 converged?"
grep -q "convergence NOT achieved" "$TMP/si_scf.unconv.out" || die "the unconverged pw.x run did not say so"
wait $p2 || die "pw.x cspbbr3_gamma failed: $(tail -5 "$TMP/cspbbr3_gamma.out")"
wait $p1
grep -q "The maximum number of steps has been reached" "$TMP/si_relax.nstep2.out" ||
    die "pw.x nstep=2 relax: $(tail -5 "$TMP/si_relax.nstep2.out")"
RUNS="si_scf si_relax si_relax.nstep2 si_q1_spin cspbbr3_gamma"

# ---- import each run from its text output and from its XML data file
imp() { # CODE SOURCE OUTDIR
    "$PY" "$IMP" --code "$1" "$2" -o "$3" > "$3.log" 2>&1 || die "import of $2 exited $?: $(cat "$3.log")"
}
pids=""
for n in $RUNS; do
    [ -f "$TMP/out_$n/$n.xml" ] || die "pw.x wrote no $TMP/out_$n/$n.xml"
    imp qe "$TMP/$n.out" "$TMP/imp_${n}_text" & pids="$pids $!"
    imp qe "$TMP/out_$n/$n.xml" "$TMP/imp_${n}_xml"
done
for p in $pids; do wait $p || exit 1; done

# pw.x's printed numbers, read here with grep/awk (not with the importer)
printed() { # NAME -> "E_ry HOMO LUMO FERMI NBANG NSCF_ITERS"; '-' where pw.x printed nothing
    local f="$TMP/$1.out"
    local e=$(grep '^!' "$f" | tail -1 | awk '{print $5}')
    local ho=$(grep 'highest occupied, lowest unoccupied level' "$f" | tail -1 | awk '{print $7, $8}')
    local ef=$(grep 'the Fermi energy is' "$f" | tail -1 | awk '{print $5}')
    local nb=$(grep -c '^!' "$f")
    local it=$(awk '/convergence has been achieved in/ {s += $6} END {print s + 0}' "$f")
    echo "$e ${ho:-- -} ${ef:--} $nb $it"
}
for n in $RUNS; do
    echo "$n: pw.x printed: $(printed $n)"
    "$PY" - "$TMP" "$n" $(printed $n) <<'PY' || die "$n: imported values differ from pw.x's printout"
import json, sys
tmp, n, e_ry, homo, lumo, ef, nbang, nits = sys.argv[1:]
HA_EV = 27.211386245988
REQUIRED = {"energy_ha": float, "energy_ev": float, "gap_ev": float, "vbm_ev": float, "cbm_ev": float,
            "defect_levels": list, "converged": bool, "natoms": int, "nelectrons": float, "ecut_ha": float,
            "xc": str, "charge": float, "nspin": int, "smearing": dict, "potentials": list, "kpoints": list,
            "forces_ev_per_ang": list, "relax": dict, "source": dict}
for kind in ("text", "xml"):
    d = json.load(open(f"{tmp}/imp_{n}_{kind}/result.json"))
    for k, t in REQUIRED.items():
        assert k in d, f"{kind}: no {k}"
        assert isinstance(d[k], (int, float) if t is float else t) and not (t is not bool and isinstance(d[k], bool)), \
            f"{kind}: {k} is {type(d[k]).__name__}"
    r = d["relax"]
    for k in ("converged", "steps", "total_scf_iterations", "lattice_angstrom", "positions_frac", "symbols",
              "wall_s", "method"):
        assert k in r, f"{kind}: relax lacks {k}"
    assert len(d["forces_ev_per_ang"]) == d["natoms"] == len(r["positions_frac"]) == len(r["symbols"])
    assert d["source"]["code"] == "Quantum ESPRESSO" and d["source"]["version"] == "6.7", d["source"]
    assert d["source"]["file"].startswith("/"), d["source"]
    assert abs(sum(k["weight"] for k in d["kpoints"]) - 1) < 1e-9
    assert d["xc"] == "PBE" and d["converged"] is True
    # energy: the last '!' line (Ry, 8 decimals); the XML has full precision
    tol = 1e-9 if kind == "text" else 3e-9
    assert abs(d["energy_ha"] - float(e_ry) / 2) < tol, (kind, d["energy_ha"], float(e_ry) / 2)
    assert abs(d["energy_ev"] - d["energy_ha"] * HA_EV) < 1e-9
    if homo != "-":  # fixed occupations: QE's HOMO/LUMO line (4 decimals)
        tol = 1e-9 if kind == "text" else 6e-5
        assert abs(d["vbm_ev"] - float(homo)) < tol and abs(d["cbm_ev"] - float(lumo)) < tol, (kind, d["vbm_ev"], d["cbm_ev"], homo, lumo)
        assert abs(d["gap_ev"] - (float(lumo) - float(homo))) < 2 * tol, (kind, d["gap_ev"])
        assert d["smearing"] == {"kind": "none", "width_ha": 0.0} and d["defect_levels"] == []
    else:
        assert abs(d["fermi_ev"] - float(ef)) < (1e-9 if kind == "text" else 6e-5), (kind, d["fermi_ev"], ef)
    assert r["steps"] == int(nbang), (kind, r["steps"], nbang)
    assert r["total_scf_iterations"] == int(nits), (kind, r["total_scf_iterations"], nits)
    print(f"  {kind:4s}: E {d['energy_ha']:.9f} Ha, gap {d['gap_ev']:.5f} eV, {r['steps']} step(s), "
          f"{r['total_scf_iterations']} SCF iterations, charge {d['charge']:g}, nspin {d['nspin']}, "
          f"{len(d['defect_levels'])} partly occupied states")
PY
done

# the text and XML imports of one run agree (structures to QE's printed precision, ~1e-6)
"$PY" - "$TMP" $RUNS <<'PY' || die "text and XML imports disagree"
import json, sys
import numpy as np
tmp = sys.argv[1]
for n in sys.argv[2:]:
    a, b = (json.load(open(f"{tmp}/imp_{n}_{k}/result.json")) for k in ("text", "xml"))
    for k in ("natoms", "nelectrons", "charge", "nspin", "smearing", "potentials", "xc", "ecut_ha", "nkpoints",
              "nbands", "converged"):
        assert a[k] == b[k], (n, k, a[k], b[k])
    assert abs(a["gap_ev"] - b["gap_ev"]) < 2e-4 and abs(a["vbm_ev"] - b["vbm_ev"]) < 1e-4, n
    assert len(a["defect_levels"]) == len(b["defect_levels"]), n
    for x, y in zip(a["defect_levels"], b["defect_levels"]):
        assert abs(x["occupation"] - y["occupation"]) < 2e-3 and abs(x["energy_ev"] - y["energy_ev"]) < 1e-4, (x, y)
    ka = np.array([k["k"] for k in a["kpoints"]]); kb = np.array([k["k"] for k in b["kpoints"]])
    assert np.abs(ka - kb).max() < 1e-7, n
    ra, rb = a["relax"], b["relax"]
    assert ra["symbols"] == rb["symbols"] and ra["steps"] == rb["steps"] and ra["converged"] == rb["converged"]
    assert np.abs(np.array(ra["lattice_angstrom"]) - rb["lattice_angstrom"]).max() < 1e-5, n
    dx = np.array(ra["positions_frac"]) - rb["positions_frac"]
    assert np.abs(dx - np.round(dx)).max() < 1e-6, n
    assert np.abs(np.array(a["forces_ev_per_ang"]) - b["forces_ev_per_ang"]).max() < 1e-5, n
print("text and XML imports agree")
PY

# the charged, spin-polarised, smeared run; the three-species run; the relaxation
"$PY" - "$TMP" "$PSEUDO" <<'PY' || die "run settings or the relaxation's structure"
import json, re, sys
import numpy as np
import ase.io
tmp, pseudo = sys.argv[1:]
for k in ("text", "xml"):
    d = json.load(open(f"{tmp}/imp_si_q1_spin_{k}/result.json"))
    assert d["charge"] == 1 and d["nspin"] == 2 and d["nelectrons"] == 7, (k, d["charge"], d["nspin"])
    assert d["smearing"]["kind"] == "gaussian" and abs(d["smearing"]["width_ha"] - 0.01) < 1e-12, d["smearing"]
    assert "eigenvalues_up_ev" in d["kpoints"][0] and "eigenvalues_down_ev" in d["kpoints"][0]
    assert d["defect_levels"], "a hole in a 2-atom cell must leave partly occupied states"
    c = json.load(open(f"{tmp}/imp_cspbbr3_gamma_{k}/result.json"))
    # label: the GTH name from the file's first line, as our solver labels potentials (src/scan/compat.c compares it)
    assert [(p["element"], p["label"], p["file"]) for p in c["potentials"]] == [("Br", "GTH-PBE-q7", "Br-q7.gth"),
        ("Cs", "GTH-PBE-q9", "Cs-q9.gth"), ("Pb", "GTH-PBE-q4", "Pb-q4.gth")], c["potentials"]
    assert c["charge"] == 0 and c["nelectrons"] == 34 and c["relax"]["symbols"] == ["Cs", "Pb", "Br", "Br", "Br"]
    assert abs(c["ecut_ha"] - 8) < 1e-12
    s = json.load(open(f"{tmp}/imp_si_scf_{k}/result.json"))
    assert abs(s["ecut_ha"] - 10) < 1e-12 and s["charge"] == 0 and s["nspin"] == 1
    assert s["potentials"] == [{"element": "Si", "label": "GTH-PBE-q4", "file": "Si-q4.gth"}], s["potentials"]
    if k == "xml":  # the mesh is in the XML only (K_POINTS gamma: 1x1x1)
        assert s["kmesh"] == [2, 2, 2] and s["kshift"] == [0, 0, 0] and c["kmesh"] == [1, 1, 1], (s["kmesh"], c["kmesh"])
    r = json.load(open(f"{tmp}/imp_si_relax_{k}/result.json"))["relax"]
    assert r["converged"] is True and r["method"] == "bfgs", r
    r = json.load(open(f"{tmp}/imp_si_relax.nstep2_{k}/result.json"))["relax"]
    assert r["converged"] is False and r["steps"] == 2, r
# the relaxation's final structure: final.cif (both imports) against ASE's reading of pw.x's output and against
# the 'Begin final coordinates' block
out = open(f"{tmp}/si_relax.out").read()
blk = re.search(r"Begin final coordinates.*?ATOMIC_POSITIONS \(crystal\)\n(.*?)End final coordinates", out, re.S)
printed = np.array([[float(x) for x in l.split()[1:4]] for l in blk.group(1).strip().splitlines()])
ref = ase.io.read(f"{tmp}/si_relax.out", format="espresso-out")
for k in ("text", "xml"):
    cif = ase.io.read(f"{tmp}/imp_si_relax_{k}/final.cif")
    assert cif.get_chemical_symbols() == ref.get_chemical_symbols()
    assert np.abs(cif.cell.cellpar() - ref.cell.cellpar()).max() < 1e-4, (cif.cell.cellpar(), ref.cell.cellpar())
    for x in (ref.get_scaled_positions(), printed):
        dx = cif.get_scaled_positions() - x
        assert np.abs(dx - np.round(dx)).max() < 2e-5, (k, cif.get_scaled_positions(), x)
    d = json.load(open(f"{tmp}/imp_si_relax_{k}/result.json"))
    dx = np.array(d["relax"]["positions_frac"]) - printed
    assert np.abs(dx - np.round(dx)).max() < 1e-6, (k, d["relax"]["positions_frac"])
print("settings of the charged/spin/smeared and CsPbBr3 runs, relaxed structure: ok")
PY

# anionscan report ranks imported runs (XML imports carry the k mesh, which src/scan/compat.c compares)
if "$ANIONSCAN" help 2>&1 | grep -q "^  report"; then
    mkdir -p "$TMP/rank" && cp -r "$TMP/imp_si_scf_xml" "$TMP/rank/qe_scf" && cp -r "$TMP/imp_si_relax_xml" "$TMP/rank/qe_relax"
    "$ANIONSCAN" report "$TMP/rank/qe_scf" "$TMP/rank/qe_relax" -o "$TMP/rank/out" --no-figures > "$TMP/rank.log" 2>&1 ||
        die "anionscan report on two imported QE runs: $(cat "$TMP/rank.log")"
    "$PY" - "$TMP" <<'PY' || die "anionscan report's ranking of the imported runs"
import json, sys
tmp = sys.argv[1]
r = json.load(open(f"{tmp}/rank/out/ranking.json"))
c = {x["name"]: x for f in r["families"] for x in f["configurations"]}
for n in ("qe_scf", "qe_relax"):
    d = json.load(open(f"{tmp}/rank/{n}/result.json"))
    assert abs(c[n]["energy_ha"] - d["energy_ha"]) < 1e-12 and abs(c[n]["gap_ev"] - d["gap_ev"]) < 1e-12, (n, c[n])
    assert c[n]["ionic_steps"] == d["relax"]["steps"] and c[n]["status"] == "ok", c[n]
assert c["qe_relax"]["rank"] == 1 and r["settings"]["kmesh"] == [2, 2, 2], (c, r["settings"])
print("anionscan report ranks the two imported runs: relaxed first")
PY
else
    echo "note: $ANIONSCAN has no report command yet: ranking of imported runs not checked"
fi

# ---- VASP (hand-written fixtures: see the header)
# a charged cell: NELECT 7 for two Si (ZVAL 4)
mkdir -p "$TMP/vq" && sed 's/name="NELECT">      8\.00000000/name="NELECT">      7.00000000/' \
    "$FIX/vasp_si_relax/vasprun.xml" > "$TMP/vq/vasprun.xml"
imp vasp "$FIX/vasp_si_relax" "$TMP/vasp_dir" & p1=$!
imp vasp "$FIX/vasp_si_relax/vasprun.xml" "$TMP/vasp_xml" & p2=$!
imp vasp "$FIX/vasp_si_relax_outcar" "$TMP/vasp_outcar" & p3=$!
imp vasp "$TMP/vq" "$TMP/vasp_q"
wait $p1 && wait $p2 && wait $p3 || exit 1
"$PY" - "$TMP" "$FIX" <<'PY' || die "VASP import"
import json, sys, warnings
import xml.etree.ElementTree as ET
import numpy as np
warnings.simplefilter("ignore")
from pymatgen.io.vasp import Vasprun
import ase.io
tmp, fix = sys.argv[1:]
HA_EV = 27.211386245988
vr_path = f"{fix}/vasp_si_relax/vasprun.xml"
vr = Vasprun(vr_path, parse_dos=False, parse_potcar_file=False)
e_free = vr.ionic_steps[-1]["e_fr_energy"]
a = ase.io.read(vr_path)
assert abs(a.get_potential_energy(force_consistent=True) - e_free) < 1e-9
assert abs(vr.final_energy - e_free) > 1e-6, "fixture: free energy and energy(sigma->0) should differ"
# gap by hand: the last <eigenvalues> block, highest occupied (occ > 0.5) and lowest empty level
calc = ET.parse(vr_path).getroot().findall("calculation")[-1]
rows = [[float(x) for x in r.text.split()] for r in calc.iter("r")]
vbm = max(e for e, f in rows if f > 0.5); cbm = min(e for e, f in rows if f <= 0.5)
for n in ("vasp_dir", "vasp_xml", "vasp_outcar"):
    d = json.load(open(f"{tmp}/{n}/result.json"))
    assert abs(d["energy_ev"] - e_free) < 1e-9 and abs(d["energy_ha"] - e_free / HA_EV) < 1e-12, (n, d["energy_ev"])
    assert abs(d["gap_ev"] - (cbm - vbm)) < 1e-9 and abs(d["vbm_ev"] - vbm) < 1e-9, (n, d["gap_ev"], cbm - vbm)
    assert d["source"]["code"] == "VASP" and d["source"]["version"] == "6.3.0", d["source"]
    assert d["xc"] == "PBE" and d["nspin"] == 1 and d["charge"] == 0 and d["nelectrons"] == 8
    assert abs(d["ecut_ha"] - 300 / HA_EV) < 1e-12 and d["smearing"]["kind"] == "gaussian"
    assert abs(d["smearing"]["width_ha"] - 0.05 / HA_EV) < 1e-12
    assert d["potentials"] == [{"element": "Si", "label": "PAW_PBE Si 05Jan2001", "file": "PAW_PBE Si 05Jan2001"}]
    assert d["kmesh"] == [2, 2, 2] and d["kshift"] == [0, 0, 0]
    assert [k["weight"] for k in d["kpoints"]] == [0.125, 0.5, 0.375]
    r = d["relax"]
    assert r["converged"] and r["steps"] == 2 and r["total_scf_iterations"] == 8 and r["method"] == "cg", r
    assert np.abs(np.array(r["positions_frac"]) - vr.final_structure.frac_coords).max() < 1e-9
    assert np.abs(np.array(d["forces_ev_per_ang"]) - vr.ionic_steps[-1]["forces"]).max() < 1e-9
    cif = ase.io.read(f"{tmp}/{n}/final.cif")
    assert np.abs(cif.cell.cellpar() - vr.final_structure.lattice.parameters).max() < 1e-4
print(f"VASP: E = {e_free} eV (free energy), gap {cbm - vbm:.4f} eV from vasprun.xml, OUTCAR+CONTCAR identical")
PY
"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['charge']==1 and d['nelectrons']==7 else 1)" \
    "$TMP/vasp_q/result.json" || die "NELECT 7: charge is not +1"

# ---- bad input: exit 2, a message naming the path, OUTDIR not created
bad_case() { # CODE SOURCE [TEXT expected in the message]
    local o="$TMP/nothere/out"
    expect_status 2 "$PY" "$IMP" --code "$1" "$2" -o "$o"
    expect_stderr_has "$2"
    [ -z "${3:-}" ] || expect_stderr_has "$3"
    [ ! -e "$TMP/nothere" ] || die "$2: $TMP/nothere was created"
    echo "  refused $2: $ERR_OUT"
}
head -c 20000 "$TMP/si_relax.out" > "$TMP/trunc.out"
head -c 6000 "$TMP/out_si_scf/si_scf.xml" > "$TMP/trunc.xml"
sed 's#<convergence_achieved>true</convergence_achieved>#<convergence_achieved>false</convergence_achieved>#' \
    "$TMP/out_si_scf/si_scf.xml" > "$TMP/unconv.xml"
mkdir -p "$TMP/emptydir" "$TMP/vu" "$TMP/vt"
sed 's/name="NELM">    60/name="NELM">     3/' "$FIX/vasp_si_relax/vasprun.xml" > "$TMP/vu/vasprun.xml"
head -c 9000 "$FIX/vasp_si_relax/vasprun.xml" > "$TMP/vt/vasprun.xml"
bad_case qe "$TMP/missing.out" "does not exist"
bad_case qe "$TMP/emptydir"
bad_case qe "$FIX/qe/si_scf.in" "neither a pw.x output"
bad_case qe "$TMP/trunc.out" "JOB DONE"
bad_case qe "$TMP/trunc.xml" "XML"
bad_case qe "$TMP/si_scf.unconv.out" "convergence NOT achieved"
bad_case qe "$TMP/unconv.xml" "did not converge"
bad_case vasp "$TMP/emptydir" "not a VASP run"
bad_case vasp "$TMP/si_scf.out"
bad_case vasp "$TMP/vu/vasprun.xml" "did not converge"
bad_case vasp "$TMP/vt/vasprun.xml"
bad_case vasp "$TMP/missing"

# re-import into an existing OUTDIR replaces its files
imp qe "$TMP/out_si_scf/si_scf.xml" "$TMP/imp_si_relax_xml"
grep -q '"steps": 1' "$TMP/imp_si_relax_xml/result.json" || die "re-import did not replace result.json"
echo ok
