#!/usr/bin/env bash
# The README documents every CSV column of harness/csv_columns.h, and the
# binary writes exactly that header.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
cols=$(grep -o 'PS_COL([a-z_0-9]*, *"' "$top/harness/csv_columns.h" | sed 's/PS_COL(//; s/,.*//')
[ "$(printf '%s\n' $cols | wc -l)" -ge 14 ] && pass || fail "could not read the columns"
for c in $cols; do
  grep -q "^| \`$c\` |" "$top/README.md" && pass || fail "README does not document column $c"
done
"$PARSCALE" run -k null -b seq -s test -r 1 --warmup 0 -q --csv "$WORK/h.csv" >/dev/null 2>&1
[ "$(head -n 1 "$WORK/h.csv")" = "$(printf '%s\n' $cols | paste -sd,)" ] && pass \
  || fail "the header written differs from csv_columns.h"
finish
