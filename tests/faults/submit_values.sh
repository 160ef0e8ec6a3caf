#!/usr/bin/env bash
# submit's #SBATCH values are matched whole: a trailing newline (which '$'
# lets through) would end the directives early and Slurm would drop every
# later one, so it is refused with exit 2 and no script is written.
. "$(dirname "$0")/lib.sh"
for opt in --job-name --time --partition --account; do
  for v in $'x\n' $'x\ny' $'x\r' ' x' 'x '; do
    ended_within 60 2 "submit $opt $(printf %q "$v")" \
      "$SCRIPTS/submit" --dry-run --parscale "$PARSCALE" --csv "$WORK/a.csv" "$opt" "$v" -- -k pi
    [ ! -s "$WORK/out" ] && pass || fail "submit $opt $(printf %q "$v") printed a script"
  done
done
timeout 60 "$SCRIPTS/submit" --dry-run --parscale "$PARSCALE" --csv "$WORK/a.csv" \
  --job-name x --time 00:05:00 -- -k pi >"$WORK/out" 2>&1 && pass || fail "submit with plain values failed"
grep -q '^#SBATCH --time=00:05:00$' "$WORK/out" && pass || fail "the good values did not reach the script"
finish
