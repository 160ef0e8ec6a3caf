#!/usr/bin/env bash
# Options that were taken without a word: each refused in one line now.
#   --check-interval under the new GIL model, --switch-interval under the
#   old (each model ignores the other's setting, and the CSV did not say);
#   --tick, --seed and --chunk name the limit they enforce (2^53);
#   --size giving one kernel, or every kernel, two sizes (the last won);
#   --out '' for plot and report (it meant the current folder);
#   a 50 MB command line in the metadata is cut short in report.md.
. "$(dirname "$0")/lib.sh"
run() { ended_within 10 2 "$1" "$PARSCALE" run -k pi -s test -r 1 -q "${@:2}"; }
if has_backend gil; then
  run "--check-interval under the new model" -b gil --check-interval 5
  run "--switch-interval under the old model" -b gil --gil-model old --switch-interval 1ms
  ended_within 10 0 "--check-interval under the old model" \
    "$PARSCALE" run -k pi -b gil --gil-model old --check-interval 5 -s test -r 1 -q
  run "--tick above 2^53" -b gil --tick 9007199254740993
  grep -q "from 1 to 9007199254740992" "$WORK/err" && pass || fail "--tick: $(cat "$WORK/err")"
fi
run "--seed above 2^53" -b seq --seed 9007199254740993
grep -q "to 9007199254740992" "$WORK/err" && pass || fail "--seed: $(cat "$WORK/err")"
if has_backend omp; then
  run "--chunk above 2^53" -b omp --chunk 9007199254740993
  grep -q "to 9007199254740992" "$WORK/err" && pass || fail "--chunk: $(cat "$WORK/err")"
fi
ended_within 10 2 "--size pi=5,pi=6" "$PARSCALE" run -k pi -b seq --size quick,pi=5,pi=6 -r 1 -q
ended_within 10 2 "--size quick,full" "$PARSCALE" run -k pi -b seq --size quick,full -r 1 -q
finish
