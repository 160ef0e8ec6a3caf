#!/usr/bin/env bash
# The options submit sets itself (backend, workers, threads per rank, csv)
# cannot be set again after --, however parscale would read them: glued
# short options, abbreviations getopt accepts, --opt=value.  submit asks
# parscale itself (run --check-args), so every spelling is caught.  submit
# needs a binary with a backend of ranks x threads (hybrid); without one,
# only --check-args itself is checked.
. "$(dirname "$0")/lib.sh"
if has_backend hybrid; then
  for args in "-bseq" "-b seq" "--backend=seq" "--back=seq" "--ba seq" "-w4" "-w 4" \
              "--workers=4" "--wo=4" "-o/x.csv" "-qo/x.csv" "--cs=x.csv" "--csv=x.csv" \
              "--threads=2" "--threads-per-rank 2"; do
    # shellcheck disable=SC2086
    ended_within 60 2 "submit -- -k pi $args" \
      "$SCRIPTS/submit" --dry-run --parscale "$PARSCALE" --csv "$WORK/a.csv" -- -k pi $args
    grep -q "set by submit" "$WORK/err" && pass ||
      { fail "$args: not named as submit's own"; cat "$WORK/err"; }
  done
  # what parscale would refuse is refused before any job, in parscale's words
  ended_within 60 2 "submit -- -k nope" \
    "$SCRIPTS/submit" --dry-run --parscale "$PARSCALE" --csv "$WORK/a.csv" -- -k nope
  grep -q "unknown kernel 'nope'" "$WORK/err" && pass || fail "parscale's reason is not passed on"
else
  skip "hybrid: submit's spellings (this build has no hybrid backend)"
fi
# check-args itself: the normalised options as JSON
"$PARSCALE" run --check-args -kpi -bseq -w1,2 --cs="$WORK/y.csv" >"$WORK/j" && pass || fail "--check-args failed"
"$PY" - "$WORK/j" "$WORK/y.csv" <<'PY' && pass || fail "--check-args printed the wrong options"
import json, sys
j = json.load(open(sys.argv[1]))
assert [g["option"] for g in j["given"]] == ["--kernel", "--backend", "--workers", "--csv"], j
assert j["backends"] == ["seq"] and j["workers"] == [1, 2] and j["csv"] == sys.argv[2], j
PY
[ ! -e "$WORK/y.csv" ] && pass || fail "--check-args wrote the CSV"
finish
