#!/usr/bin/env bash
# Every kernel under the hybrid backend at size test gives the verified
# answer: mpirun -np NP, 2 threads per rank, at 2 workers (1 rank, the
# others idle) and 2 x NP workers (every rank).  NP = 3 catches partition
# bugs an even count hides.  Rows must record ranks x threads and a CPU
# for every worker.
#   hybrid.sh PARSCALE NP
. "$(dirname "$0")/../cli/lib.sh"
np=${2:?np}
csv="$WORK/out.csv"
kernels=$("$PARSCALE" list --json | sed 's/"backends".*//' | grep -o '"name":"[^"]*","summary"' | cut -d'"' -f4)
nk=$(printf '%s\n' $kernels | wc -l)
# passive waiting: 2 x NP threads on a 2-core machine must not spin
# against each other in the barriers (the test checks answers, not speed)
OMP_WAIT_POLICY=passive $MPIRUN -np "$np" "$PARSCALE" run -k all -b hybrid \
  --threads-per-rank 2 -w "2,$((2 * np))" -s test -r 1 --warmup 0 --retry-disturbed 0 -q \
  --csv "$csv" \
  >"$WORK/log" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass || { fail "parscale exited $rc"; cat "$WORK/log"; }
PY=$(command -v python3 || echo /usr/bin/python3)
if [ -f "$csv" ]; then
  out=$("$PY" - "$csv" "$np" "$nk" <<'PYEOF'
import csv, sys
path, np, nk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = list(csv.DictReader(open(path, newline="")))
hy = [r for r in rows if r["backend"] == "hybrid"]
bad = []
if len(hy) != 2 * nk:
    bad.append("expected %d hybrid rows, got %d" % (2 * nk, len(hy)))
for r in rows:
    if r["verified"] != "true":
        bad.append("%s %s w=%s did not verify: %s" % (r["kernel"], r["backend"], r["workers"], r["error"]))
for r in hy:
    w, t, k = int(r["workers"]), int(r["threads"]), int(r["ranks"])
    if t != 2 or w != k * t or k not in (1, np):
        bad.append("%s: workers %d, ranks %d, threads %d" % (r["kernel"], w, k, t))
    cpus = r["cpus"].split(";")
    if len(cpus) != k or any(len(c.split(",")) != t for c in cpus):
        bad.append("%s: cpus '%s' is not %d ranks of %d" % (r["kernel"], r["cpus"], k, t))
print("\n".join(bad))
PYEOF
)
  [ -z "$out" ] && pass || fail "$out"
else
  fail "no CSV written"
fi
finish
