#!/usr/bin/env bash
# An MPMD launch whose ranks are given different options (--workers, -r,
# --seed): every rank compares its options' hashes in one collective at
# start, and the launch ends at once, exit 2, rank 0 naming the option.
# Before, different --workers spun both ranks forever and different -r or
# --seed were silently taken from rank 0.
. "$(dirname "$0")/lib.sh"
has_backend mpi || { echo "SKIP: no mpi backend"; exit 77; }
run="run -k null -b mpi -s test -q --csv $WORK/x.csv"
mpmd() {  # WHAT OPTION A B: rank 0 given A, rank 1 given B
  ended_within 20 2 "$1" $MPIRUN -np 1 "$PARSCALE" $run $3 : -np 1 "$PARSCALE" $run $4
  grep -q "parscale: run: the ranks were given different plans: $2 differs" "$WORK/err" &&
    pass || fail "$1: $(grep parscale: "$WORK/err")"
}
mpmd "different --workers" --workers "-w 1,2" "-w 2"
mpmd "different -r" --reps "-r 2" "-r 3"
mpmd "different --seed" --seed "--seed 1" "--seed 2"
mpmd "--seed on one rank only" --seed "" "--seed 2"
[ ! -e "$WORK/x.csv" ] && pass || fail "rows were written"
# the same options, spelt differently, are the same plan
ended_within 30 0 "the same plan spelt two ways" \
  $MPIRUN -np 1 "$PARSCALE" $run -w2 -r 1 : -np 1 "$PARSCALE" $run --workers=2 --reps 1
finish
