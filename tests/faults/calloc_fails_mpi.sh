#!/usr/bin/env bash
# A calloc that fails on one rank while the ranks' hosts are gathered at
# the start of an MPI launch (calloc_fails_mpi.c makes it fail on request):
# every rank returns the failure from the same sync and the ranks still
# meet in the same collectives afterwards, and parscale run ends with
# status 1 and one line naming the call, whichever rank it failed on.
#   calloc_fails_mpi.sh PARSCALE SOURCE_DIR CALLOC_FAILS_MPI
. "$(dirname "$0")/lib.sh"
command -v mpirun >/dev/null || { echo "SKIP: no mpirun"; exit 77; }
FAILING=${3:?usage: $0 PARSCALE SOURCE_DIR CALLOC_FAILS_MPI}
# RANK NTH: the gather's buffer (1) or the hosts' table (2), on rank 0 or 1
for c in "1 1" "0 1" "1 2" "0 2"; do
  # shellcheck disable=SC2086  # two arguments
  ended_within 30 0 "ps_mpi_gather_hosts, calloc $c failing" $MPIRUN -np 2 "$FAILING" $c
done
for victim in 0 1; do
  ended_within 30 1 "parscale run, a calloc failing on rank $victim" \
    $MPIRUN -np 2 "$FAILING" "$victim" 1 run -k pi -b mpi -w 2 -s test -r 1 \
    --csv "$WORK/r.csv"
  grep -q '^parscale: calloc failed' "$WORK/err" && pass ||
    { fail "rank $victim: the line does not name calloc"; cat "$WORK/err"; }
  [ ! -e "$WORK/r.csv" ] && pass || fail "rank $victim: the run wrote rows"
done
finish
