#!/usr/bin/env bash
# --kernel-lib naming a FIFO or /dev/zero: run, list and run --check-args
# each refuse it in one line (exit 2) at once, instead of waiting for a
# writer or hashing an endless device; under mpirun too.
. "$(dirname "$0")/lib.sh"
mkfifo "$WORK/f.so"
for lib in "$WORK/f.so" /dev/zero; do
  ended_within 10 2 "run --kernel-lib $lib" \
    "$PARSCALE" run --kernel-lib "$lib" -k null -b seq -s test -r 1 -q
  grep -q "not a regular file" "$WORK/err" && pass || fail "run: $(cat "$WORK/err")"
  ended_within 10 2 "list --kernel-lib $lib" "$PARSCALE" list --kernel-lib "$lib"
  ended_within 10 2 "run --check-args --kernel-lib $lib" \
    "$PARSCALE" run --check-args --kernel-lib "$lib" -k null -b seq
done
if has_backend mpi; then
  ended_within 20 2 "mpirun -np 2 run --kernel-lib FIFO" \
    $MPIRUN -np 2 "$PARSCALE" run --kernel-lib "$WORK/f.so" -k null -b mpi -s test -r 1 -q
else
  skip "mpi: this build has no mpi backend"
fi
finish
