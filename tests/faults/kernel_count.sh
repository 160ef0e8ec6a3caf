#!/usr/bin/env bash
# A library of 64 kernels beside the built-in ones makes more kernels than
# any list holds: list, list --json and run -k all refuse it in one line,
# instead of dropping kernels and exiting 0.
. "$(dirname "$0")/lib.sh"
lib=$(bad_lib MANY)
ended_within 10 2 "list with 64 more kernels" "$PARSCALE" list --kernel-lib "$lib"
grep -q "too many kernels" "$WORK/err" && pass || fail "list: $(cat "$WORK/err")"
ended_within 10 2 "list --json with 64 more kernels" "$PARSCALE" list --json --kernel-lib "$lib"
ended_within 10 2 "run -k all with 64 more kernels" \
  "$PARSCALE" run --kernel-lib "$lib" -k all -b seq -s test -r 1 -q
finish
