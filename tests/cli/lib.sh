# lib.sh -- shared by the command-line tests: a temp dir, assertions that
# count failures, and Open MPI's permission to run as root.
set -u
PARSCALE=${1:?usage: $0 PATH_TO_PARSCALE}
WORK=$(mktemp -d /tmp/parscale-cli-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILS=0
PASSES=0
SKIPS=0
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
MPIRUN="mpirun --oversubscribe --bind-to none"

pass() { PASSES=$((PASSES + 1)); }
fail() { FAILS=$((FAILS + 1)); printf 'FAIL: %s\n' "$*"; }
# A part of a test this build cannot run (a backend it leaves out), said
# by name; the rest of the test still runs and asserts.
skip() { SKIPS=$((SKIPS + 1)); printf 'SKIP: %s\n' "$*"; }

# has_backend NAME: the binary under test was built with backend NAME.
has_backend() { "$PARSCALE" list | grep -q "^  $1 "; }

# The column number (1-based) of a CSV header field.
col() { head -n 1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }

finish() {
  if [ "$SKIPS" -eq 0 ]; then
    printf '%d passed, %d failed\n' "$PASSES" "$FAILS"
  else
    printf '%d passed, %d failed, %d skipped\n' "$PASSES" "$FAILS" "$SKIPS"
  fi
  [ "$FAILS" -eq 0 ]
}
