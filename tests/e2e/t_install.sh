# make install PREFIX=...: the binary, potentials, decks, job scripts, docs and a module file land under
# PREFIX; the installed binary, run from elsewhere, takes its potentials from PREFIX (not from this
# source tree) and gives the source tree binary's energy; make uninstall removes it all.
source "$(dirname "$0")/lib.sh"
P="$TMP/prefix"
make -s -C "$TOP" install PREFIX="$P" > "$TMP/install.log" 2>&1 || die "make install: $(tail -5 "$TMP/install.log")"
for f in bin/anionscan share/anionscan/potentials/PBE/Si-q4.gth share/anionscan/input/scan_demo.in \
         share/anionscan/jobs/scan.slurm share/doc/anionscan/README.md share/doc/anionscan/cluster.md \
         share/modulefiles/anionscan/$("$ANIONSCAN" version | awk '{print $2}'); do
  [ -s "$P/$f" ] || die "make install did not write $f"
done
grep -q "prepend-path PATH $P/bin" "$P"/share/modulefiles/anionscan/* || die "module file: $(cat "$P"/share/modulefiles/anionscan/*)"
cp "$TOP/tests/scf/si_10_gamma.in" "$TMP/si.in"
(cd "$TMP" && env -u ANIONSCAN_POTENTIALS "$P/bin/anionscan" scf si.in -o inst > inst.log 2>&1) || die "installed binary: exit $?"
grep -q "potential .*$P/share/anionscan/potentials/PBE/Si-q4.gth" "$TMP/inst.log" \
  || die "the installed binary does not use the installed potentials: $(grep potential "$TMP/inst.log")"
(cd "$TMP" && env -u ANIONSCAN_POTENTIALS "$ANIONSCAN" scf si.in -o tree > tree.log 2>&1) || die "tree binary: exit $?"
/usr/bin/python3 -c "
import json
a, b = json.load(open('$TMP/inst/result.json')), json.load(open('$TMP/tree/result.json'))
assert abs(a['energy_ha'] - b['energy_ha']) < 1e-10, (a['energy_ha'], b['energy_ha'])" || die "installed and tree binaries differ"
make -s -C "$TOP" uninstall PREFIX="$P" > /dev/null 2>&1 || die "make uninstall"
left=$(find "$P" -type f | head -3)
[ -z "$left" ] || die "make uninstall left: $left"
echo ok
