# A graceful stop (parallel/stop.h, docs/cluster.md): a time budget or SIGUSR1 stops scf and relax at
# a safe point with exit status 5, a message saying how to go on, the checkpoint written and no
# result.json; the same command with --restart ends where an uninterrupted run ends.
#   - relax (Si, tests/relax/si_displaced_10_k222.in) with --max-time, and with [run] max_time in the
#     deck: restarted, the same energy (1e-8 Ha), steps and SCF iterations as the uninterrupted run;
#   - scf (the 20-atom Pnma cell, about 10 s) stopped by SIGUSR1 in its SCF: restarted from the
#     density it wrote, the uninterrupted run's energy (1e-7 Ha: both converged to scf_tol);
#   - bad budgets: a deck's max_time that is not a time, or not positive, names the deck line (exit 2);
#     --max-time that is not a time, exit 2.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export ANIONSCAN_FFTW_PLANNER=estimate
# the 4x4x4 mesh: about 2.5 s in all (0.9 s for the first step), so a budget of 1.2 s stops it after one step
DECK="$TMP/si_relax_k444.in"
sed 's/^kpoints = 2 2 2/kpoints = 4 4 4/' "$TOP/tests/relax/si_displaced_10_k222.in" > "$DECK"
grep -q "^kpoints = 4 4 4" "$DECK" || die "could not make the 4x4x4 deck"
"$ANIONSCAN" relax "$DECK" -o "$TMP/full" > "$TMP/full.log" 2>&1 || die "relax exited $?"

check_relax() { # DIR: stopped, then restarted: the uninterrupted run's results
  [ ! -e "$1/result.json" ] || die "$1: a stopped relaxation wrote result.json"
  "$ANIONSCAN" relax "$DECK" -o "$1" --restart > "$1.restart.log" 2>&1 || die "$1: restart exited $?"
  "$PY" - "$TMP/full/result.json" "$1/result.json" <<'PYEOF' || die "$1: the restarted relaxation differs"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
de = abs(a["energy_ha"] - b["energy_ha"])
print(f"stopped and restarted vs uninterrupted: energy {de:.1e} Ha, steps {b['relax']['steps']} vs {a['relax']['steps']}")
assert de < 1e-8 and a["relax"]["steps"] == b["relax"]["steps"]
assert a["relax"]["total_scf_iterations"] == b["relax"]["total_scf_iterations"]
PYEOF
}

# --max-time: the whole relaxation takes about 2.5 s, so 1.2 s stops it
expect_stdout() { # CODE cmd...: the exit status, and a clean stop's message is on stdout (kept in $ERR_OUT)
  local want=$1; shift
  ERR_OUT=$("$@" 2> /dev/null); local got=$?
  [ "$got" = "$want" ] || die "'$*' exited $got, expected $want; stdout: $(tail -3 <<<"$ERR_OUT")"
}
expect_stdout 5 "$ANIONSCAN" relax "$DECK" -o "$TMP/budget" --max-time 1.2s
expect_stderr_has "anionscan: relax: stopped"
expect_stderr_has "time budget"
expect_stderr_has "--restart"
check_relax "$TMP/budget"

# [run] max_time in the deck, SLURM's format
sed 's/^\[dft\]/[run]\nmax_time = 00:00:00\n\n&/' "$DECK" > "$TMP/bad0.in"
expect_status 2 "$ANIONSCAN" check "$TMP/bad0.in"
line=$(grep -n '^max_time' "$TMP/bad0.in" | cut -d: -f1)
expect_stderr_has "bad0.in:$line:"
expect_stderr_has "max_time must be positive"
sed 's/^\[dft\]/[run]\nmax_time = 3 fortnights\n\n&/' "$DECK" > "$TMP/bad1.in"
expect_status 2 "$ANIONSCAN" check "$TMP/bad1.in"
expect_stderr_has "bad1.in:$line:"
expect_stderr_has "s (default), min, h or d, or HH:MM:SS"
expect_status 2 "$ANIONSCAN" relax "$DECK" -o "$TMP/x" --max-time soon
expect_stderr_has "--max-time: 'soon' is not a time"
sed 's/^\[dft\]/[run]\nmax_time = 1.2\n\n&/' "$DECK" > "$TMP/deck_budget.in"
cp "$TMP/deck_budget.in" "$TMP/deck_budget_ok.in"
expect_stdout 5 "$ANIONSCAN" relax "$TMP/deck_budget.in" -o "$TMP/deckb"
expect_stderr_has "max_time = 1.2 s"
# --max-time wins over the deck's
"$ANIONSCAN" relax "$TMP/deck_budget.in" -o "$TMP/deckb" --restart --max-time 1:00 > "$TMP/deckb.log" 2>&1 \
  || die "--max-time 1:00 did not win over the deck's 1.2 s: exit $?"
"$PY" -c "
import json, sys
a, b = json.load(open('$TMP/full/result.json')), json.load(open('$TMP/deckb/result.json'))
assert abs(a['energy_ha'] - b['energy_ha']) < 1e-8" || die "deck budget: the restarted relaxation differs"

# scf: SIGUSR1 in the middle of the SCF
SCF="$TOP/tests/scf/cspbbr3_pnma_10_gamma.in"
"$ANIONSCAN" scf "$SCF" -o "$TMP/scf_full" > "$TMP/scf_full.log" 2>&1 || die "scf exited $?"
"$ANIONSCAN" scf "$SCF" -o "$TMP/scf_stop" > "$TMP/scf_stop.log" 2> "$TMP/scf_stop.err" &
pid=$!
sleep 3
kill -USR1 $pid
st=0; wait $pid || st=$?
[ "$st" = 5 ] || die "scf after SIGUSR1: exit status $st, expected 5: $(cat "$TMP/scf_stop.err")"
grep -q "anionscan: scf .*SIGUSR1.*--restart" "$TMP/scf_stop.log" || die "scf stop message: $(tail -3 "$TMP/scf_stop.log")"
[ ! -s "$TMP/scf_stop.err" ] || die "a clean stop wrote to stderr: $(cat "$TMP/scf_stop.err")"
[ -s "$TMP/scf_stop/density.dat" ] && [ ! -e "$TMP/scf_stop/result.json" ] || die "scf stop: files"
"$ANIONSCAN" scf "$SCF" -o "$TMP/scf_stop" --restart > "$TMP/scf_restart.log" 2>&1 || die "scf restart exited $?"
"$PY" - "$TMP/scf_full/result.json" "$TMP/scf_stop/result.json" <<'PYEOF' || die "scf restart differs"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
de = abs(a["energy_ha"] - b["energy_ha"])
print(f"scf stopped and restarted: energy {de:.1e} Ha, {b['scf_iterations']} iterations after the restart "
      f"(uninterrupted {a['scf_iterations']})")
assert de < 1e-7
PYEOF
echo ok
