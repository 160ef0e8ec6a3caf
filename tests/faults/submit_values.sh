#!/usr/bin/env bash
# submit's #SBATCH values are matched whole: a trailing newline (which '$'
# lets through) would end the directives early and Slurm would drop every
# later one, so it is refused with exit 2, naming the option, and no script
# is written.  Plain values reach the script; a binary without a backend of
# ranks x threads (submit's jobs run hybrid) is refused, naming what is
# missing.
. "$(dirname "$0")/lib.sh"
for opt in --job-name --time --partition --account; do
  for v in $'x\n' $'x\ny' $'x\r' ' x' 'x '; do
    ended_within 60 2 "submit $opt $(printf %q "$v")" \
      "$SCRIPTS/submit" --dry-run --parscale "$PARSCALE" --csv "$WORK/a.csv" "$opt" "$v" -- -k pi
    [ ! -s "$WORK/out" ] && pass || fail "submit $opt $(printf %q "$v") printed a script"
    grep -q -- "^submit: $opt: " "$WORK/err" && pass ||
      { fail "submit $opt $(printf %q "$v"): the message does not name $opt"; cat "$WORK/err"; }
  done
done
if has_backend hybrid; then
  timeout 60 "$SCRIPTS/submit" --dry-run --parscale "$PARSCALE" --csv "$WORK/a.csv" \
    --job-name x --time 00:05:00 -- -k pi >"$WORK/out" 2>&1 && pass ||
    fail "submit with plain values failed"
  grep -q '^#SBATCH --time=00:05:00$' "$WORK/out" && pass ||
    fail "the good values did not reach the script"
else
  skip "hybrid: plain values reaching the script (this build has no hybrid backend)"
  ended_within 60 2 "submit on a binary without hybrid" \
    "$SCRIPTS/submit" --dry-run --parscale "$PARSCALE" --csv "$WORK/a.csv" \
    --job-name x --time 00:05:00 -- -k pi
  grep -q "^submit: .*has no backend of MPI ranks x threads" "$WORK/err" && pass ||
    { fail "submit on a binary without hybrid: the message does not say what is missing"
      cat "$WORK/err"; }
  [ ! -s "$WORK/out" ] && [ ! -e "$WORK/a.csv.jobs" ] && pass ||
    fail "submit on a binary without hybrid printed or wrote a script"
fi
finish
