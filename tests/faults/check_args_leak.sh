#!/usr/bin/env bash
# run --check-args with a --kernel-lib closes the library it loaded: exit 0
# and its JSON.  Under the sanitizer build (scripts/test --sanitize) the
# leak checker makes a leaked path exit 1, so this fails there if it leaks.
. "$(dirname "$0")/lib.sh"
lib=$(bad_lib BYTES)
ended_within 20 0 "run --check-args --kernel-lib" \
  "$PARSCALE" run --check-args --kernel-lib "$lib" -k bad0 -b seq
grep -q '"kernels":\["bad0"\]' "$WORK/out" && pass || fail "check-args: $(cat "$WORK/out")"
ended_within 20 2 "run --check-args --kernel-lib, bad input" \
  "$PARSCALE" run --check-args --kernel-lib "$lib" -k bad0 -b seq -w 0
ended_within 20 0 "list --kernel-lib" "$PARSCALE" list --kernel-lib "$lib"
finish
