# Disk and file faults (issue 13): every one is exit status 4 (AS_EIO) with a message naming the file and what to
# do, never exit 1 (internal error) or a crash (status >= 128), and nothing half written.
#   1. relax.chk and density.dat, real ones from tiny runs, cut at sampled offsets (the header's field boundaries,
#      the body, the end) and with bytes flipped at sampled offsets: --restart refuses them
#      with exit 4 and "restore it ... or delete it".
#      scan.journal, real, from a scan stopped by its time budget: a changed byte on any line but the last is
#      damage (exit 4, "scan.journal:LINE", the journal left untouched); a cut anywhere, or damage to the last
#      line, is what a kill in the middle of an append leaves: the scan continues from the records before it
#      (here: and stops again on its 1 s budget, exit 5), with the torn line cut off (docs/scan.md).
#   2. a full disk (a small tmpfs, root only: SKIP otherwise): scf, relax and scan exit 4 naming the file and the
#      cause, no temporary file is left, and result.json is either the old one or none, never half written; a scan
#      records the configuration as stopped (the restart continues it), not failed, and ranks nothing.
#   3. an output directory that cannot be made or written: exit 4 naming the path.
# The every-byte versions of 1 are the unit tests (tests/unit/test_relax.c, test_journal.c).
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
SCF_DECK="$TOP/tests/scf/si_10_gamma.in"
sed -e 's/^fmax = .*/&\nmax_steps = 1/' -e 's/^kpoints = 2 2 2/kpoints = gamma/' \
  "$TOP/tests/relax/si_displaced_10_k222.in" > "$TMP/relax1.in"

# run_status CMD...: the exit status, stderr in $ERR_OUT; an internal error or a crash fails the test at once
run_status() {
  ERR_OUT=$("$@" 2>&1 >/dev/null); local st=$?
  [ $st -ne 1 ] && [ $st -lt 128 ] || die "'$*' exited $st (internal error or crash): $ERR_OUT"
  return $st
}
# cuts FILE, flips FILE: offsets to cut at (the header's field boundaries, the body, the end) and to change
cuts() { local n; n=$(stat -c %s "$1"); echo 0 7 8 16 23 24 $((n / 2)) $((n - 8)) $((n - 1)); }
flips() { local n; n=$(stat -c %s "$1"); echo 0 9 17 $((n / 2)) $((n - 8)) $((n - 1)); }
flip() { $PY -c "import sys; p=sys.argv[1]; o=int(sys.argv[2]); b=bytearray(open(p,'rb').read()); b[o]^=int(sys.argv[3]); open(p,'wb').write(b)" "$@"; }

# ---------------------------------------------------------------- 1. damaged checkpoints ----
# check_damaged NAME GOOD TARGET CMD...: cuts and flips of GOOD copied to TARGET, CMD must exit 4
check_damaged() {
  local name=$1 good=$2 target=$3; shift 3
  local n cuts=0 flips=0 o
  n=$(stat -c %s "$good")
  for o in $(cuts "$good"); do
    head -c "$o" "$good" > "$target"
    run_status "$@"; local st=$?
    [ $st = 4 ] || die "$name cut at $o of $n bytes: exit $st, expected 4: $ERR_OUT"
    grep -qF "$target" <<<"$ERR_OUT" && grep -q "restore it" <<<"$ERR_OUT" && grep -q "delete it" <<<"$ERR_OUT" \
      || die "$name cut at $o: the message does not name the file and what to do: $ERR_OUT"
    cuts=$((cuts + 1))
  done
  for o in $(flips "$good"); do
    [ "$o" -lt "$n" ] || continue
    cp "$good" "$target"
    flip "$target" "$o" $((1 << (o % 8)))
    run_status "$@"; local st=$?
    [ $st = 4 ] || die "$name with byte $o changed: exit $st, expected 4: $ERR_OUT"
    grep -qF "$target" <<<"$ERR_OUT" || die "$name byte $o: the message does not name the file: $ERR_OUT"
    flips=$((flips + 1))
  done
  echo "$name: $cuts cuts and $flips changed bytes of $n refused with exit 4"
}

expect_status 3 "$ANIONSCAN" relax "$TMP/relax1.in" -o "$TMP/relax"
cp "$TMP/relax/relax.chk" "$TMP/relax.chk.good"
check_damaged relax.chk "$TMP/relax.chk.good" "$TMP/relax/relax.chk" "$ANIONSCAN" relax "$TMP/relax1.in" -o "$TMP/relax" --restart
ls "$TMP/relax" | grep -q '\.tmp\.' && die "a temporary file was left in $TMP/relax"

"$ANIONSCAN" scf "$SCF_DECK" -o "$TMP/scf" > /dev/null 2>&1 || die "the scf run failed"
cp "$TMP/scf/density.dat" "$TMP/density.dat.good"
check_damaged density.dat "$TMP/density.dat.good" "$TMP/scf/density.dat" "$ANIONSCAN" scf "$SCF_DECK" -o "$TMP/scf" --restart

# the journal of a scan stopped by its budget: settings, host, planned, started, stopped
# (a budget of 1 s stops the normal build inside the first configuration; a slower build, e.g. SANITIZE=1,
# may stop before it: the budget doubles until the journal has a configuration started)
S="$TMP/scan"
for budget in 1 2 4 8 16 32; do
  rm -rf "$S"
  expect_status 5 "$ANIONSCAN" scan "$TOP/tests/scan/toy.in" -o "$S" --max-time ${budget}s
  nl=$(wc -l < "$S/scan.journal")
  [ "$nl" -ge 6 ] && break
done
cp "$S/scan.journal" "$TMP/journal.good"
[ "$nl" -ge 6 ] || die "the stopped scan's journal has only $nl lines (budget $budget s)"
last_start=$(( $(stat -c %s "$TMP/journal.good") - $(tail -n 1 "$TMP/journal.good" | wc -c) ))
# damage on lines before the last: exit 4 naming PATH:LINE, the journal not appended to
# (not the newline before the last line: that merges two lines into a torn last one)
for o in 0 5 21 $((last_start / 2)) $((last_start - 20)) $((last_start - 2)); do
  cp "$TMP/journal.good" "$S/scan.journal"
  flip "$S/scan.journal" "$o" 4
  cp "$S/scan.journal" "$TMP/journal.before"
  run_status "$ANIONSCAN" scan "$TOP/tests/scan/toy.in" -o "$S" --restart --max-time 1s; st=$?
  [ $st = 4 ] || die "scan.journal with byte $o changed: exit $st, expected 4: $ERR_OUT"
  grep -qE "$S/scan.journal:[0-9]+: the scan journal is damaged" <<<"$ERR_OUT" || die "journal byte $o: $ERR_OUT"
  cmp -s "$S/scan.journal" "$TMP/journal.before" || die "a damaged journal was written to (byte $o)"
done
# cuts (and damage to the last line): a torn tail, ignored and cut off; the scan goes on (and stops on its budget)
for o in $((last_start + 1)) $(( $(stat -c %s "$TMP/journal.good") - 1 )); do
  head -c "$o" "$TMP/journal.good" > "$S/scan.journal"
  run_status "$ANIONSCAN" scan "$TOP/tests/scan/toy.in" -o "$S" --restart --max-time 1s; st=$?
  [ $st = 5 ] || die "scan.journal cut at $o: exit $st, expected 5 (continued, stopped by the budget): $ERR_OUT"
  $PY - "$S/scan.journal" "$TMP/journal.good" "$last_start" <<'EOF' || die "the journal after the cut at $o"
import sys
new, good, keep = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), int(sys.argv[3])
assert new[:keep] == good[:keep], "the records before the cut changed"
assert new.endswith(b"\n") and new.count(b"\n") > good[:keep].count(b"\n"), "the torn line was not cut off"
EOF
done
echo "scan.journal: damage before the last line refused (exit 4, file:line, untouched); a torn tail continued"

# ---------------------------------------------------------------- 2. a full disk ----
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: the full-disk checks need root (a small tmpfs)"
elif ! mkdir -p "$TMP/small" || ! mount -t tmpfs -o size=64k tmpfs "$TMP/small" 2>/dev/null; then
  echo "SKIP: cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?)"
else
  trap 'umount "$TMP/small" 2>/dev/null; rm -rf "$TMP"' EXIT
  umount "$TMP/small"
  # no_half_written DIR: no temporary file; result.json, when there, is complete JSON and not the marker's
  no_half_written() {
    ls "$1" | grep -q '\.tmp\.' && die "a temporary file was left in $1: $(ls "$1")"
    [ ! -e "$1/result.json" ] || $PY -c "import json,sys; json.load(open(sys.argv[1]))" "$1/result.json" \
      || die "$1/result.json is half written"
  }
  named=""
  for size in 88k 96k 112k; do  # density.dat fails, then result.json, then none
    mount -t tmpfs -o size=$size tmpfs "$TMP/small" || die "mount failed"
    mkdir "$TMP/small/o"
    echo '{"old": true}' > "$TMP/small/o/result.json"
    run_status "$ANIONSCAN" scf "$SCF_DECK" -o "$TMP/small/o"; st=$?
    if [ $st = 4 ]; then
      grep -q "No space left on device" <<<"$ERR_OUT" || die "scf on a $size disk: no cause: $ERR_OUT"
      f=$(grep -oE "$TMP/small/o/[a-z.]+: cannot write it" <<<"$ERR_OUT" | sed 's/: cannot write it//')
      [ -n "$f" ] || die "scf on a $size disk: the message names no file: $ERR_OUT"
      named="$named $(basename "$f")"
      grep -q '"old"' "$TMP/small/o/result.json" || die "the old result.json was replaced by a failed run"
    else
      [ $st = 0 ] || die "scf on a $size disk: exit $st"
      grep -q '"energy_ha"' "$TMP/small/o/result.json" || die "scf on a $size disk: exit 0 without a new result.json"
    fi
    no_half_written "$TMP/small/o"
    umount "$TMP/small"
  done
  echo "scf on small disks: exit 4 naming:$named"
  grep -q density.dat <<<"$named" || die "no run failed on density.dat"
  grep -q result.json <<<"$named" || die "no run failed on result.json (sizes to adjust?)"
  # relax: relax.chk (about 120 kB) does not fit
  mount -t tmpfs -o size=100k tmpfs "$TMP/small" || die "mount failed"
  run_status "$ANIONSCAN" relax "$TMP/relax1.in" -o "$TMP/small/r"; st=$?
  [ $st = 4 ] || die "relax on a 100k disk: exit $st, expected 4: $ERR_OUT"
  grep -qF "$TMP/small/r/relax.chk: cannot write it" <<<"$ERR_OUT" || die "relax on a full disk: $ERR_OUT"
  grep -q "free some space" <<<"$ERR_OUT" || die "relax on a full disk: no advice: $ERR_OUT"
  [ ! -e "$TMP/small/r/relax.chk" ] || die "a relax.chk was left on the full disk"
  no_half_written "$TMP/small/r"
  umount "$TMP/small"
  echo "relax on a full disk: exit 4 naming relax.chk, nothing half written"
  # scan: the host (about 1 MB) fits, a configuration's relax.chk does not: exit 4 naming it; the configuration is
  # "stopped" in the journal (not "failed": after space is freed the restart continues it), nothing is ranked
  mount -t tmpfs -o size=1400k tmpfs "$TMP/small" || die "mount failed"
  run_status "$ANIONSCAN" scan "$TOP/tests/scan/toy.in" -o "$TMP/small/s"; st=$?
  [ $st = 4 ] || die "scan on a 1400k disk: exit $st, expected 4: $ERR_OUT"
  grep -qE "$TMP/small/s/configs/[^ ]+/relax.chk: cannot write it .*No space left on device" <<<"$ERR_OUT" \
    || die "scan on a full disk: the file is not named: $ERR_OUT"
  grep -q "the scan stopped on a file error" <<<"$ERR_OUT" || die "scan on a full disk: $ERR_OUT"
  awk -F'\t' '$3 == "stopped"' "$TMP/small/s/scan.journal" | grep -q . || die "no 'stopped' record"
  ! awk -F'\t' '$3 == "failed"' "$TMP/small/s/scan.journal" | grep -q . || die "a file fault recorded as a failure"
  [ ! -e "$TMP/small/s/ranking.json" ] || die "a scan stopped on a full disk wrote a ranking"
  ! find "$TMP/small/s" -name '*.tmp.*' | grep -q . || die "temporary files left: $(find "$TMP/small/s" -name '*.tmp.*')"
  umount "$TMP/small"
  echo "scan on a full disk: exit 4 naming the configuration's relax.chk, the configuration stopped, not failed"
  # a read-only file system
  mount -t tmpfs -o size=1m,ro tmpfs "$TMP/small" || die "mount failed"
  expect_status 4 "$ANIONSCAN" scf "$SCF_DECK" -o "$TMP/small/o"
  expect_stderr_has "$TMP/small/o"
  expect_stderr_has "Read-only file system"
  umount "$TMP/small"
fi

# ---------------------------------------------------------------- 3. no output directory ----
expect_status 4 "$ANIONSCAN" scf "$SCF_DECK" -o /proc/anionscan_out
expect_stderr_has "/proc/anionscan_out"
touch "$TMP/afile"
expect_status 4 "$ANIONSCAN" scf "$SCF_DECK" -o "$TMP/afile/out"
expect_stderr_has "$TMP/afile"
expect_status 4 "$ANIONSCAN" relax "$TMP/relax1.in" -o "$TMP/afile"
expect_stderr_has "$TMP/afile exists and is not a directory"
echo "t_file_faults: all checks passed"
