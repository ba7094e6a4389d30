#!/usr/bin/env python3
"""Compare two anionscan result.json files from the same deck run with different parallel layouts.
usage: compare_runs.py REF.json OTHER.json [--energy TOL_HA] [--eig TOL_HA] [--force TOL_HA_BOHR] [--stress TOL_GPA]
Exits non-zero naming what differs.  The tolerances are issue 5's: 1e-8 Ha, 1e-7 Ha, 1e-6 Ha/bohr."""
import json, sys

args = sys.argv[1:]
tol = {"energy": 1e-8, "eig": 1e-7, "force": 1e-6, "stress": 1e-3}
paths = []
i = 0
while i < len(args):
    if args[i].startswith("--"):
        tol[args[i][2:]] = float(args[i + 1])
        i += 2
    else:
        paths.append(args[i])
        i += 1
a, b = (json.load(open(p)) for p in paths)
HA_EV = 27.211386245988
bad = []
de = abs(a["energy_ha"] - b["energy_ha"])
if de > tol["energy"]:
    bad.append(f"energy differs by {de:.2e} Ha (tolerance {tol['energy']:.0e})")
deig = 0.0
for ka, kb in zip(a["kpoints"], b["kpoints"]):
    for key in ("eigenvalues_ev", "eigenvalues_up_ev", "eigenvalues_down_ev"):
        if key in ka:
            deig = max(deig, max(abs(x - y) for x, y in zip(ka[key], kb[key])) / HA_EV)
if deig > tol["eig"]:
    bad.append(f"eigenvalues differ by up to {deig:.2e} Ha (tolerance {tol['eig']:.0e})")
df = max(abs(x - y) for fa, fb in zip(a["forces_ha_bohr"], b["forces_ha_bohr"]) for x, y in zip(fa, fb))
if df > tol["force"]:
    bad.append(f"forces differ by up to {df:.2e} Ha/bohr (tolerance {tol['force']:.0e})")
ds = max((abs(x - y) for sa, sb in zip(a.get("stress_gpa", []), b.get("stress_gpa", [])) for x, y in zip(sa, sb)),
         default=0.0)
if ds > tol["stress"]:
    bad.append(f"stress differs by up to {ds:.2e} GPa (tolerance {tol['stress']:.0e})")
# Davidson work per band and k-point: every SCF iteration applies H at least once to every band at every k-point,
# so h_psi_per_band (summed over the pools) is at least the iteration count; a pool that reported only its own
# k-points would fall below it with 3 or more pools.  (The count itself is not compared between layouts: at the
# tight scf_tol of these decks rounding changes the number of SCF and Davidson iterations.)
for d, p in ((a, paths[0]), (b, paths[1])):
    if not d["h_psi_per_band"] >= d["scf_iterations"]:
        bad.append(f"{p}: h_psi_per_band {d['h_psi_per_band']} is below the {d['scf_iterations']} SCF iterations")
print(f"{paths[1]}: nranks {b.get('nranks')} pools {b.get('npools')}: dE {de:.1e} Ha, deig {deig:.1e} Ha, "
      f"dF {df:.1e} Ha/bohr, dsigma {ds:.1e} GPa, H|psi>/band {b['h_psi_per_band']:.2f} vs {a['h_psi_per_band']:.2f}")
if bad:
    print("FAILED: " + "; ".join(bad))
    sys.exit(1)
