# lib.sh -- shared by the command-line tests: a temp dir, assertions that
# count failures, and Open MPI's permission to run as root.
set -u
PARSCALE=${1:?usage: $0 PATH_TO_PARSCALE}
WORK=$(mktemp -d /tmp/parscale-cli-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILS=0
PASSES=0
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
MPIRUN="mpirun --oversubscribe --bind-to none"

pass() { PASSES=$((PASSES + 1)); }
fail() { FAILS=$((FAILS + 1)); printf 'FAIL: %s\n' "$*"; }

# The column number (1-based) of a CSV header field.
col() { head -n 1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }

finish() {
  printf '%d passed, %d failed\n' "$PASSES" "$FAILS"
  [ "$FAILS" -eq 0 ]
}
