# Helpers for end-to-end tests (sourced).
set -u
die() { echo "FAILED: $*" >&2; exit 1; }
# expect_status CODE cmd...  : run, check exit status, keep stderr in $ERR_OUT
expect_status() {
  local want=$1; shift
  ERR_OUT=$("$@" 2>&1 >/dev/null); local got=$?
  [ "$got" = "$want" ] || die "'$*' exited $got, expected $want; stderr: $ERR_OUT"
}
# expect_stderr_has TEXT
expect_stderr_has() { grep -qF -- "$1" <<<"$ERR_OUT" || die "stderr lacks '$1': $ERR_OUT"; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
