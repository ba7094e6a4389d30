# anionscan relax: the checkpoint holds every rank's share of the wavefunctions with their Miller
# indices, so a relaxation stopped by max_steps continues with --restart on any rank count and layout.
#  - written on 2 ranks (2 k-point pools), continued on 2: ends where the uninterrupted 2-rank run ends
#    (positions 1e-6 bohr, energy 1e-8 Ha, same steps and SCF iterations: bit for bit but for rounding)
#    and where the 1-rank run ends (1e-5 bohr, 1e-7 Ha: another summation order);
#  - the same checkpoint continued on 1 rank (shares merged), on 3 ranks in 1 pool, and on 1 rank with
#    real_wavefunctions = false (real half-sphere wavefunctions expanded to the complex layout): 1e-5 bohr,
#    1e-7 Ha;
#  - written on 2 ranks sharing plane waves (real layout with paired sticks at every point) and continued
#    on 1 rank: 1e-5 bohr, 1e-7 Ha;
#  - written on 2 ranks with real_wavefunctions = false (complex layout everywhere) and continued on 1 rank
#    in the real layout (the wavefunctions are made time-reversal symmetric): 1e-5 bohr, 1e-7 Ha.
source "$(dirname "$0")/../e2e/lib.sh"
DECK="$TOP/tests/relax/si_displaced_10_k222.in"
sed 's/^fmax = .*/&\nmax_steps = 2/' "$DECK" > "$TMP/si_2.in"
$MPIRUN -np 2 "$ANIONSCAN" relax "$DECK" -o "$TMP/full" > "$TMP/full.log" 2>&1 || die "np 2 relax failed: $(tail -3 "$TMP/full.log")"
"$ANIONSCAN" relax "$DECK" -o "$TMP/serial" > "$TMP/serial.log" 2>&1 || die "np 1 relax failed"
$MPIRUN -np 2 "$ANIONSCAN" relax "$TMP/si_2.in" -o "$TMP/part" > "$TMP/part.log" 2>&1; st=$?
[ "$st" = 3 ] || die "max_steps stop exited $st, expected 3"
$MPIRUN -np 2 "$ANIONSCAN" relax "$TMP/si_2.in" -o "$TMP/pw" --pools 1 > "$TMP/pw.log" 2>&1; st=$?
[ "$st" = 3 ] || die "max_steps stop (2 ranks, 1 pool) exited $st, expected 3"
sed 's/^ecut = .*/&\nreal_wavefunctions = false/' "$TMP/si_2.in" > "$TMP/si_2c.in"
$MPIRUN -np 2 "$ANIONSCAN" relax "$TMP/si_2c.in" -o "$TMP/cx" > "$TMP/cx.log" 2>&1; st=$?
[ "$st" = 3 ] || die "max_steps stop (complex layout) exited $st, expected 3"
cp -r "$TMP/part" "$TMP/part1" && cp -r "$TMP/part" "$TMP/part3" && cp -r "$TMP/part" "$TMP/partc"
sed 's/^ecut = .*/&\nreal_wavefunctions = false/' "$DECK" > "$TMP/full_c.in"
"$ANIONSCAN" relax "$TMP/full_c.in" -o "$TMP/partc" --restart > "$TMP/restartc.log" 2>&1 ||
    die "np 1 complex-layout restart of a real-layout checkpoint failed: $(tail -3 "$TMP/restartc.log")"
$MPIRUN -np 2 "$ANIONSCAN" relax "$DECK" -o "$TMP/part" --restart > "$TMP/restart.log" 2>&1 || die "np 2 restart failed"
"$ANIONSCAN" relax "$DECK" -o "$TMP/part1" --restart > "$TMP/restart1.log" 2>&1 ||
    die "np 1 restart of a 2-rank checkpoint failed: $(tail -3 "$TMP/restart1.log")"
grep -q "written by 2 MPI ranks in 2 k-point pools, read by 1 in 1" "$TMP/restart1.log" || die "no layout change reported"
$MPIRUN -np 3 "$ANIONSCAN" relax "$DECK" -o "$TMP/part3" --restart --pools 1 > "$TMP/restart3.log" 2>&1 ||
    die "np 3 restart of a 2-rank checkpoint failed: $(tail -3 "$TMP/restart3.log")"
"$ANIONSCAN" relax "$DECK" -o "$TMP/pw" --restart > "$TMP/restart_pw.log" 2>&1 ||
    die "np 1 restart of a 2-rank plane-wave checkpoint failed: $(tail -3 "$TMP/restart_pw.log")"
"$ANIONSCAN" relax "$DECK" -o "$TMP/cx" --restart > "$TMP/restart_cx.log" 2>&1 ||
    die "np 1 restart of a complex-layout checkpoint failed: $(tail -3 "$TMP/restart_cx.log")"
/usr/bin/python3 - "$TMP" <<'PY' || die "restart differs"
import json, sys
import numpy as np
t = sys.argv[1]
a, b, c, d1, d3, dpw, dcx, dc = (json.load(open(f"{t}/{n}/result.json"))
                                 for n in ("full", "part", "serial", "part1", "part3", "pw", "cx", "partc"))
cell = np.array(a["relax"]["lattice_angstrom"]) / 0.529177210903
pos = lambda d: np.array(d["relax"]["positions_frac"])
dist = lambda x, y: np.abs((pos(x) - pos(y)) @ cell).max()
de = lambda x, y: abs(x["energy_ha"] - y["energy_ha"])
print(f"2 ranks restarted vs uninterrupted: {dist(a, b):.1e} bohr, {de(a, b):.1e} Ha; vs 1 rank: {dist(a, c):.1e} bohr, "
      f"{de(a, c):.1e} Ha")
assert dist(a, b) < 1e-6 and de(a, b) < 1e-8
assert a["relax"]["steps"] == b["relax"]["steps"]
assert a["relax"]["total_scf_iterations"] == b["relax"]["total_scf_iterations"]
assert dist(a, c) < 1e-5 and de(a, c) < 1e-7
for name, x in (("2 ranks -> 1 rank", d1), ("2 pools -> 3 ranks, 1 pool", d3), ("1 pool x 2 ranks -> 1 rank", dpw),
                ("complex layout, 2 pools -> real layout, 1 rank", dcx),
                ("real layout, 2 pools -> complex layout, 1 rank", dc)):
    print(f"{name}: {dist(a, x):.1e} bohr, {de(a, x):.1e} Ha, {x['relax']['steps']} steps "
          f"(uninterrupted {a['relax']['steps']}), {x['relax']['total_scf_iterations']} SCF iterations "
          f"({a['relax']['total_scf_iterations']})")
    assert dist(a, x) < 1e-5 and de(a, x) < 1e-7, name
# the gap at every step (trajectory.extxyz) does not depend on the ranks, pools or a restart: 2 ranks in 2
# pools, 1 rank, 2 ranks restarted (the restored trajectory's frames and the new ones), 1 pool x 2 ranks restarted
import ase.io
gaps = {n: [f.info["gap"] for f in ase.io.read(f"{t}/{n}/trajectory.extxyz", index=":")] for n in ("full", "serial", "part")}
assert len(gaps["full"]) == a["relax"]["steps"] and all(len(v) == len(gaps["full"]) for v in gaps.values()), gaps
dg = max(abs(x - y) for n in ("serial", "part") for x, y in zip(gaps["full"], gaps[n]))
print(f"gap per step: {len(gaps['full'])} steps, 1 rank and the restarted run within {dg:.1e} eV of 2 ranks")
assert dg < 1e-6, dg
assert abs(gaps["full"][-1] - a["gap_mesh_ev"]) < 1e-6, (gaps["full"][-1], a["gap_mesh_ev"])
PY
echo ok
