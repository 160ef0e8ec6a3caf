#!/usr/bin/env bash
# A repetition under MPI lasts from the barrier that starts every rank to
# the one that ends them all: with both ranks pinned to one CPU (taskset
# over mpirun, nothing bound), four ranks share it, so mpi at 4 workers and
# hybrid as 4 ranks of 1 thread cannot be faster than seq.  Timing each
# rank's own span instead (the slowest of them) measured such ranks at
# nearly 2x: the later one starts its clock only when it gets the CPU.
. "$(dirname "$0")/lib.sh"
P="$PARSCALE"
if ! command -v taskset >/dev/null || ! taskset -c 0 true 2>/dev/null; then
  skip "taskset cannot pin to CPU 0 here"
  finish
  exit
fi
backends=seq,mpi
has_backend hybrid && backends=seq,mpi,hybrid
extra=()
has_backend hybrid && extra=(--threads-per-rank 1)
taskset -c 0 $MPIRUN -np 4 "$P" run -k pi -b "$backends" -w 4 --rep-time 10ms -r 12 \
  --warmup 1 --keep-disturbed -q --csv "$WORK/span.csv" "${extra[@]}" >/dev/null 2>"$WORK/err" \
  || { fail "the pinned run failed: $(tail -3 "$WORK/err")"; finish; exit; }
python3 - "$WORK/span.csv" <<'PY' && pass || fail "ranks sharing one CPU measured faster than seq"
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["verified"] == "true"]
med = lambda b: statistics.median(float(r["seconds"]) for r in rows if r["backend"] == b)
seq = med("seq")
for b in sorted({r["backend"] for r in rows} - {"seq"}):
    s = seq / med(b)
    print("%s at 4 ranks on one CPU: %.2fx seq" % (b, s))
    # the code's span: at most seq's time shared, with a margin for the
    # host; a rank's own span would give about 2
    assert s < 1.25, (b, s)
PY
finish
