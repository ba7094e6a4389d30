# anionscan relax on Si with one atom displaced (shared/reference/qe/structures/Si_displaced_small.txt, PBE 10 Ha
# 2x2x2, tests/relax/si_displaced_10_k222.in), a few seconds per run:
#   - the atoms return to the diamond positions +-(1/8, 1/8, 1/8) up to a common translation, within 1e-3 bohr;
#   - against QE's relaxation of the same case (tests/reference/qe/results/si_displaced_small_10_k222_relax.json):
#     final energy within 1e-5 Ha/atom, final positions within 1e-3 bohr, no more ionic steps than QE;
#   - ASE reads trajectory.extxyz: one frame per step, the last frame's energy, forces, cell and positions equal
#     result.json's and final.cif's (written by other code paths), forces in eV/angstrom;
#   - max_steps reached: exit status 3, a message, results of the last step written;
#   - --restart after the max_steps stop ends where the uninterrupted run ends (positions 1e-6 bohr, energy 1e-8 Ha);
#   - --restart of a converged run: its results stand with its own fmax; with a 4x tighter fmax it goes on from
#     its last structure (evaluated again) and ends below that fmax, lower in energy, with more steps;
#   - a truncated or corrupted relax.chk is refused (exit 4, a file fault; a sound one written with other settings: exit 2) with a clear message.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
DECK="$TOP/tests/relax/si_displaced_10_k222.in"
QE="$TOP/tests/reference/qe/results/si_displaced_small_10_k222_relax.json"

"$ANIONSCAN" relax "$DECK" -o "$TMP/full" > "$TMP/full.log" 2>&1 || die "relax exited $?: $(tail -5 "$TMP/full.log")"
grep -q "relaxation converged" "$TMP/full.log" || die "no 'relaxation converged' line"

"$PY" - "$TMP/full" "$QE" <<'EOF' || die "Si relaxation checks"
import json, sys
import numpy as np
import ase.io
d, q = json.load(open(sys.argv[1] + "/result.json")), json.load(open(sys.argv[2]))
BOHR = 0.529177210903
r = d["relax"]
assert r["converged"], "not converged"
cell = np.array(r["lattice_angstrom"]) / BOHR
x = np.array(r["positions_frac"])
# 1. diamond: x1 - x2 = (1/4, 1/4, 1/4) modulo lattice vectors
dv = x[0] - x[1] - 0.25
dv -= np.round(dv)
err = np.linalg.norm(dv @ cell)
print(f"deviation from the ideal diamond positions: {err:.2e} bohr")
assert err < 1e-3
# 2. QE: energy per atom, positions (both keep the inversion centre, so no common translation to remove)
de = abs(d["energy_ha"] - q["energy_ha"]) / d["natoms"]
xq = np.array([a[1:] for a in q["final_positions"]["atoms"]], float)
dx = x - xq
dx -= np.round(dx)
perr = max(np.linalg.norm(v @ cell) for v in dx)
print(f"vs QE: energy {d['energy_ha']:.9f} vs {q['energy_ha']:.9f} Ha ({de:.1e} Ha/atom), positions {perr:.2e} bohr, "
      f"ionic steps {r['steps']} vs QE {q['ionic_steps']}")
assert de < 1e-5 and perr < 1e-3
assert r["steps"] <= q["ionic_steps"], "more ionic steps than QE"
# 3. the trajectory through ASE
frames = ase.io.read(sys.argv[1] + "/trajectory.extxyz", index=":")
assert len(frames) == r["steps"], f"{len(frames)} frames for {r['steps']} steps"
last = frames[-1]
assert abs(last.get_potential_energy() - d["energy_ev"]) < 1e-6
assert np.abs(last.get_forces() - np.array(d["forces_ev_per_ang"])).max() < 1e-7
cif = ase.io.read(sys.argv[1] + "/final.cif")
assert np.abs(last.cell.cellpar() - cif.cell.cellpar()).max() < 1e-5  # the CIF is in the standard orientation
dpos = last.get_scaled_positions() - cif.get_scaled_positions()
assert np.abs(dpos - np.round(dpos)).max() < 1e-5
assert all(f.pbc.all() for f in frames)
energies = [f.get_potential_energy() for f in frames]
print("frames:", len(frames), "energies (eV):", " ".join(f"{e:.6f}" for e in energies),
      "max |F| (eV/A):", " ".join(f"{np.linalg.norm(f.get_forces(), axis=1).max():.4f}" for f in frames))
assert energies[-1] < energies[0]
EOF

# FIRE reaches the same minimum
sed 's/^fmax = .*/&\nmethod = fire/' "$DECK" > "$TMP/si_fire.in"
"$ANIONSCAN" relax "$TMP/si_fire.in" -o "$TMP/fire" > "$TMP/fire.log" 2>&1 || die "FIRE relax exited $?"
"$PY" - "$TMP/full/result.json" "$TMP/fire/result.json" <<'EOF' || die "FIRE differs from BFGS"
import json, sys
import numpy as np
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
cell = np.array(a["relax"]["lattice_angstrom"]) / 0.529177210903
rel = lambda d: (np.array(d["relax"]["positions_frac"][0]) - np.array(d["relax"]["positions_frac"][1])) @ cell
err = np.linalg.norm(rel(a) - rel(b))
print(f"FIRE: {b['relax']['steps']} steps; bond vector differs from BFGS's by {err:.1e} bohr")
assert b["relax"]["method"] == "fire" and b["relax"]["converged"] and err < 1e-3
EOF

# max_steps = 1: exit 3 with a message; then --restart with the deck's max_steps
sed 's/^fmax = .*/&\nmax_steps = 1/' "$DECK" > "$TMP/si_1.in"
expect_status 3 "$ANIONSCAN" relax "$TMP/si_1.in" -o "$TMP/part"
expect_stderr_has "not converged after 1 steps"
expect_stderr_has "--restart"
[ -s "$TMP/part/result.json" ] && [ -s "$TMP/part/final.cif" ] || die "max_steps stop wrote no results"
cp "$TMP/part/relax.chk" "$TMP/good.chk"
"$ANIONSCAN" relax "$DECK" -o "$TMP/part" --restart > "$TMP/restart.log" 2>&1 || die "restart exited $?"
grep -q "restart .*1 steps done" "$TMP/restart.log" || die "the restart did not continue from step 1"
"$PY" - "$TMP/full/result.json" "$TMP/part/result.json" "$TMP/part/trajectory.extxyz" <<'EOF' || die "restart differs"
import json, sys
import numpy as np
import ase.io
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
cell = np.array(a["relax"]["lattice_angstrom"]) / 0.529177210903
dx = np.array(a["relax"]["positions_frac"]) - np.array(b["relax"]["positions_frac"])
perr = np.abs(dx @ cell).max()
de = abs(a["energy_ha"] - b["energy_ha"])
print(f"restarted vs uninterrupted: positions {perr:.1e} bohr, energy {de:.1e} Ha, steps {b['relax']['steps']} vs "
      f"{a['relax']['steps']}, SCF iterations {b['relax']['total_scf_iterations']} vs {a['relax']['total_scf_iterations']}")
assert perr < 1e-6 and de < 1e-8
assert a["relax"]["steps"] == b["relax"]["steps"]
assert a["relax"]["total_scf_iterations"] == b["relax"]["total_scf_iterations"]
assert len(ase.io.read(sys.argv[3], index=":")) == b["relax"]["steps"]
EOF

# a converged relaxation continued with a tighter fmax goes on from its last structure (QE users tighten
# forc_conv_thr and restart); with the fmax it converged under, its results stand
cp -r "$TMP/full" "$TMP/tight"
"$ANIONSCAN" relax "$DECK" -o "$TMP/tight" --restart > "$TMP/same.log" 2>&1 || die "restart of a converged run exited $?"
grep -q "had converged at step .* the results in .* stand" "$TMP/same.log" || die "a converged run restarted with its own fmax did not stand"
fnew=$("$PY" -c "import json, sys, numpy as np; f = np.array(json.load(open(sys.argv[1]))['forces_ha_bohr']);
print('%.3e' % (np.linalg.norm(f, axis=1).max() / 4))" "$TMP/full/result.json")
sed "s/^fmax = .*/fmax = $fnew Ha\/bohr/" "$DECK" > "$TMP/si_tight.in"
"$ANIONSCAN" relax "$TMP/si_tight.in" -o "$TMP/tight" --restart > "$TMP/tight.log" 2>&1 || die "tighter restart exited $?: $(tail -3 "$TMP/tight.log")"
grep -q "above the deck's fmax .*: it goes on from its last structure" "$TMP/tight.log" || die "the tighter fmax did not continue the relaxation"
"$PY" - "$TMP/full" "$TMP/tight" "$fnew" <<'EOF' || die "the continued relaxation"
import json, sys
import numpy as np
import ase.io
a, b, fnew = json.load(open(sys.argv[1] + "/result.json")), json.load(open(sys.argv[2] + "/result.json")), float(sys.argv[3])
fa = np.linalg.norm(np.array(a["forces_ha_bohr"]), axis=1).max()
fb = np.linalg.norm(np.array(b["forces_ha_bohr"]), axis=1).max()
assert b["relax"]["converged"] and fb < fnew < fa, (fb, fnew, fa)
assert b["relax"]["steps"] > a["relax"]["steps"], (b["relax"]["steps"], a["relax"]["steps"])
assert b["energy_ha"] <= a["energy_ha"] + 1e-9, (b["energy_ha"], a["energy_ha"])
frames = ase.io.read(sys.argv[2] + "/trajectory.extxyz", index=":")
assert len(frames) == b["relax"]["steps"], (len(frames), b["relax"]["steps"])
# the first step after the restart evaluates the converged structure again: its energy equals the converged one's
n = a["relax"]["steps"]
assert abs(frames[n].info["energy"] - frames[n - 1].info["energy"]) < 1e-6, (frames[n].info["energy"], frames[n - 1].info["energy"])
print(f"tighter fmax: max|F| {fa:.2e} -> {fb:.2e} Ha/bohr (fmax {fnew:.2e}), steps {n} -> "
      f"{b['relax']['steps']}, energy {1e9 * (b['energy_ha'] - a['energy_ha']):+.2f} nHa")
EOF

# a damaged checkpoint is refused
size=$(stat -c %s "$TMP/good.chk")
head -c $((size / 2)) "$TMP/good.chk" > "$TMP/part/relax.chk"
expect_status 4 "$ANIONSCAN" relax "$DECK" -o "$TMP/part" --restart
expect_stderr_has "truncated"
cp "$TMP/good.chk" "$TMP/part/relax.chk"
$PY -c "import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[len(b) // 3] ^= 0x40; open(p, 'wb').write(b)" \
  "$TMP/part/relax.chk"
expect_status 4 "$ANIONSCAN" relax "$DECK" -o "$TMP/part" --restart
expect_stderr_has "checksum"
# a checkpoint of another deck is refused
cp "$TMP/good.chk" "$TMP/part/relax.chk"
sed 's/^ecut = 10 Ha/ecut = 11 Ha/' "$DECK" > "$TMP/si_11.in"
expect_status 2 "$ANIONSCAN" relax "$TMP/si_11.in" -o "$TMP/part" --restart
expect_stderr_has "other [dft] settings"
echo "t_relax_si: all checks passed"
