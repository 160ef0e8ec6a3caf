#!/usr/bin/env bash
# Messages name the real problem: a list of 65 items says too many (not
# "empty item"), --help=x says --help takes no value (not "unknown option
# '-h'"), an ambiguous abbreviation lists what it could be.
. "$(dirname "$0")/lib.sh"
msg() {
  local want=$1; shift
  ended_within 30 2 "$*" "$PARSCALE" run "$@"
  grep -qF -- "$want" "$WORK/err" && pass || { fail "$*: message lacks \"$want\":"; cat "$WORK/err"; }
}
msg "too many items (max 64)" -k pi -b seq -w "$(seq -s, 1 65)"
msg "too many items (max 64)" -k "$(printf 'pi,%.0s' $(seq 64))pi" -b seq
msg "empty item"              -k pi -b seq -w 1,,2
msg "'--help' takes no value" --help=x
msg "'--quiet' takes no value" -k pi -b seq --quiet=1
msg "ambiguous"               -k pi -b seq --s=3
msg "unknown option '--frob'" -k pi -b seq --frob=1
msg "unknown option '-Z'"     -k pi -b seq -qZ
msg "needs a value"           -k pi -b seq --reps
finish
