# lib.sh -- shared by the fault tests: the command-line tests' helpers
# (temp dir, pass/fail counts, Open MPI as root) plus what every fault test
# asserts about a CSV afterwards and about how a command ended.
#   . lib.sh PARSCALE SOURCE_DIR
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
SRC=${2:?usage: $0 PARSCALE SOURCE_DIR}
SCRIPTS="$SRC/scripts"
# the scripts' own Python (the analysis needs no matplotlib)
# shellcheck source=../../scripts/lib/find-python.sh
. "$SCRIPTS/lib/find-python.sh"
parscale_find_python --bare >/dev/null || exit 1
PY=$PARSCALE_PY
# sanitized builds run several times slower: their tests set this to 3
TIME_SCALE=${PARSCALE_TIME_SCALE:-1}

# csv_whole FILE WHAT: the header exactly once, on the first line; every
# row whole (the file ends with a newline, each row has the header's
# fields); and the scripts' reader (what plot and report use) loads it.
csv_whole() {
  local out
  out=$(PYTHONPATH="$SCRIPTS/lib" "$PY" - "$1" <<'PY' 2>&1
import sys
from parscale_py import analysis
path = sys.argv[1]
data = open(path, "rb").read()
if not data.endswith(b"\n"):
    sys.exit("the file does not end with a newline (a partial row)")
lines = data.split(b"\n")[:-1]
header = lines[0]
if lines.count(header) != 1:
    sys.exit("the header appears %d times" % lines.count(header))
n = header.count(b",")
bad = [i + 1 for i, l in enumerate(lines) if l.count(b",") < n]
if bad:
    sys.exit("line(s) %s have fewer fields than the header" % bad[:5])
rows = analysis.load_csv(path)
print(len(rows))
PY
  ) && pass || fail "$2: $out"
  ROWS=${out##*$'\n'}
}

# ended_within SECONDS STATUS_WANTED WHAT CMD...: runs CMD under timeout;
# the status must be STATUS_WANTED ("nonzero" for any failure but the
# timeout's 124) and, for a failure, stderr must hold exactly one line of
# the program's own (mpirun may add its banner).
ended_within() {
  local secs=$(($1 * TIME_SCALE)) want=$2 what=$3; shift 3
  local rc
  timeout -k 5 "$secs" "$@" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    fail "$what: still running after $secs s (killed)"
  elif [ "$want" = nonzero ]; then
    [ "$rc" -ne 0 ] && pass || fail "$what: exit 0, expected a failure"
  else
    [ "$rc" -eq "$want" ] && pass || { fail "$what: exit $rc, expected $want"; cat "$WORK/err"; }
  fi
  LAST_RC=$rc
  [ "$want" = 0 ] && return 0
  local lines
  lines=$(grep -c '^\(parscale\|plot\|report\|sweep\|submit\|compare\):' "$WORK/err")
  [ "$lines" -eq 1 ] && pass || { fail "$what: $lines lines of its own on stderr, expected 1:"; cat "$WORK/err"; }
}

# bad_lib KIND: builds tests/faults/bad_kernels.c with -DBAD_KIND into
# $WORK/bad_KIND.so (its one kernel is bad0) and prints the path; exits 77
# (skipped) when no C compiler is there.
bad_lib() {
  local out="$WORK/bad_$1.so"
  if [ ! -e "$out" ]; then
    command -v "${CC:-cc}" >/dev/null || { echo "SKIP: no C compiler" >&2; exit 77; }
    "${CC:-cc}" -std=c11 -shared -fPIC -I"$SRC/kernels" "-DBAD_$1" \
      "$SRC/tests/faults/bad_kernels.c" -o "$out" || { fail "building bad_$1.so"; finish; exit 1; }
  fi
  printf '%s\n' "$out"
}
