#!/usr/bin/env bash
# Only a non-zero rank cannot load the --kernel-lib (a node that cannot see
# the path): the launch exits 2 and rank 0 prints that rank's reason, one
# line (before, exit 2 with no line at all).
. "$(dirname "$0")/lib.sh"
has_backend mpi || { echo "SKIP: no mpi backend"; exit 77; }
lib=$(bad_lib BYTES)
cp "$lib" "$WORK/lib.so"
run="run -k bad0 -b mpi -s test -r 1 -q"
ended_within 20 2 "rank 1 without the library" \
  $MPIRUN -np 1 "$PARSCALE" $run --kernel-lib "$WORK/lib.so" : \
          -np 1 "$PARSCALE" $run --kernel-lib "$WORK/gone.so"
grep -q "parscale: rank 1: --kernel-lib $WORK/gone.so" "$WORK/err" && pass ||
  fail "no line naming rank 1's problem: $(cat "$WORK/err")"
# the same path, another build of it: told apart by the bytes
lib2=$(bad_lib EXIT)
ended_within 20 2 "rank 1 with another build of the library" \
  $MPIRUN -np 1 "$PARSCALE" $run --kernel-lib "$lib" : -np 1 "$PARSCALE" $run --kernel-lib "$lib2"
grep -q "differs between ranks" "$WORK/err" && pass || fail "$(cat "$WORK/err")"
finish
