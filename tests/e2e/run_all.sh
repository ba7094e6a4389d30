#!/usr/bin/env bash
# Runs every tests/e2e/t_*.sh; each exits non-zero on failure.  Prints PASS/FAIL per test.
cd "$(dirname "$0")/../.." || exit 1
export ANIONSCAN="$PWD/bin/anionscan" TOP="$PWD"
fail=0
for t in tests/e2e/t_*.sh; do
  log="build/$(basename "$t" .sh).log"
  if bash "$t" > "$log" 2>&1; then echo "PASS  $t"; else echo "FAIL  $t"; tail -40 "$log"; fail=1; fi
done
exit $fail
