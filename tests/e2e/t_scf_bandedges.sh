# Band edges at the special points.  Cubic CsPbBr3 (PBE, 12 Ha) on a 3x3x3 mesh: the mesh has Gamma but not X, M
# or R, and the PBE gap is at R, so the mesh gap is far too large and the band edges must come from the
# non-self-consistent eigenvalues at the special points (band_edges = special, the default).
# Independent reference: Quantum ESPRESSO 6.7, scf on the same 3x3x3 mesh, then calculation='bands' at G, X, M, R
# with that density (tests/reference/qe/results/cspbbr3_cubic_12_k333_nscf_XMR.json, made by
# tests/reference/qe/tools/qe_nscf.py; our Cs potential chosen to match QE's by qe_case).  Asserted: gap_ev < gap_mesh_ev,
# VBM and CBM at R, the VBM/CBM at each of G, X, M, R within 1 meV of QE's, the gap and the mesh gap within 1 meV,
# the scf energy within 1e-5 Ha/atom.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scf_lib.sh"

qe_case cspbbr3_cubic_12_k333_special cspbbr3_cubic_12_k333_nscf_XMR --special \
  --label "cubic CsPbBr3 12 Ha 3x3x3, band edges incl. special points"
compare "$RESULT" "$QE_RES/cspbbr3_cubic_12_k333_nscf_XMR.json" --only gap --label "cubic CsPbBr3 12 Ha 3x3x3, mesh gap"
"$PY" - "$RESULT" <<'PYEOF' || die "special-point band edges"
import json, sys
d = json.load(open(sys.argv[1]))
g, gm = d["gap_ev"], d["gap_mesh_ev"]
print(f"  gap incl. special points {g:.4f} eV, mesh gap {gm:.4f} eV, VBM at {d['vbm_label']} {d['vbm_k']}, "
      f"CBM at {d['cbm_label']} {d['cbm_k']}")
ok = g < gm - 1.0 and d["vbm_k"] == [0.5, 0.5, 0.5] and d["cbm_k"] == [0.5, 0.5, 0.5]
ok = ok and d["vbm_label"] == "R" and d["cbm_label"] == "R"
labels = sorted({p["label"] for p in d["special_points"]})
print("  special points computed off the mesh:", ", ".join(labels))
ok = ok and labels == ["M", "R", "X"]
sys.exit(0 if ok else 1)
PYEOF
echo "t_scf_bandedges: passed"
