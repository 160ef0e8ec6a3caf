#!/usr/bin/env bash
# A file whose first bytes are not the header -- a NUL, binary, a header
# cut short, another CSV -- is refused with exit 2 before anything runs,
# and left as it was; plot and report refuse it in one line too.
. "$(dirname "$0")/lib.sh"
csv="$WORK/x.csv"
"$PARSCALE" run -k pi -b seq -s test -r 1 --warmup 0 -q --csv "$WORK/good.csv" >/dev/null
header=$(head -n 1 "$WORK/good.csv")
i=0
for make in "printf '\\0abc\\n'" "printf '\\0%s\\n' \"\$header\"" "head -c 300 /dev/urandom" \
            "printf '%s\\n' \"\${header%,*}\"" "printf 'a,b,c\\n1,2,3\\n'"; do
  i=$((i + 1))
  eval "$make" >"$csv"
  before=$(md5sum <"$csv")
  ended_within 30 2 "case $i ($make)" "$PARSCALE" run -k pi -b seq -s test -r 1 -q --csv "$csv"
  [ "$(md5sum <"$csv")" = "$before" ] && pass || fail "case $i: the file was changed"
  [ ! -e "$csv.meta.jsonl" ] && pass || fail "case $i: metadata was written"
done
ended_within 90 2 "report on a file starting with NUL" "$SCRIPTS/report" "$csv" --out "$WORK/rep"
printf '\0x\n' >"$csv"
ended_within 90 2 "plot on a file starting with NUL" "$SCRIPTS/plot" "$csv" --out "$WORK/rep"
finish
