#!/usr/bin/env bash
# Bad input: one line naming the problem, exit status 2, and no CSV created
# or touched -- neither a new one nor an existing results file.
. "$(dirname "$0")/lib.sh"

good="$WORK/good.csv"
"$PARSCALE" run -k null -b seq -s test -r 1 --warmup 0 -q --csv "$good" >/dev/null 2>&1 \
  || fail "the reference run failed"
before=$(md5sum "$good" "$good.meta.jsonl" 2>/dev/null)
touch -d '2000-01-01' "$good" "$good.meta.jsonl"
stamp=$(stat -c %Y "$good")

# expect_bad WORD ARGS...: status 2, one stderr line containing WORD, and
# neither new.csv nor the existing good.csv touched.
expect_bad() {
  local word=$1; shift
  local new="$WORK/new.csv"
  rm -f "$new" "$new.meta.jsonl"
  for target in "$new" "$good"; do
    local out rc
    out=$("$@" --csv "$target" 2>&1 >/dev/null)
    rc=$?
    local what="parscale ${*:2} --csv $(basename "$target")"
    [ "$rc" -eq 2 ] && pass || fail "$what: exit $rc, expected 2"
    [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && pass || fail "$what: not one line: $out"
    printf '%s' "$out" | grep -qi -- "$word" && pass || fail "$what: message lacks '$word': $out"
  done
  [ ! -e "$new" ] && [ ! -e "$new.meta.jsonl" ] && pass || fail "$*: created a CSV"
}

P="$PARSCALE"
expect_bad "unknown kernel 'nope'"   "$P" run -k nope -b seq
expect_bad "--rep-time: '0'"         "$P" run -k pi -b seq --rep-time 0
expect_bad "--rep-time: '-1ms'"      "$P" run -k pi -b seq --rep-time -1ms
expect_bad "--rep-time: 'abc'"       "$P" run -k pi -b seq --rep-time abc
expect_bad "--rep-time: '2m'"        "$P" run -k pi -b seq --rep-time 2m
expect_bad "--disturbed-above: '0'"  "$P" run -k pi -b seq --disturbed-above 0
expect_bad "--disturbed-above: '150%'" "$P" run -k pi -b seq --disturbed-above 150%
expect_bad "--retry-disturbed: '-1'" "$P" run -k pi -b seq --retry-disturbed -1
expect_bad "--advice-names"          "$P" run -k pi -b seq --advice-names bogus=--x
expect_bad "unknown kernel 'nope'"   "$P" run -k pi,nope -b seq
expect_bad "unknown backend 'cuda'"  "$P" run -k pi -b cuda
expect_bad "--size"                  "$P" run -k pi -b seq -s 0
expect_bad "--size"                  "$P" run -k pi -b seq -s -5
expect_bad "--size"                  "$P" run -k pi -b seq -s abc
expect_bad "--size"                  "$P" run -k pi -b seq -s 1.5
expect_bad "unknown kernel 'nope'"   "$P" run -k pi -b seq -s quick,nope=100
expect_bad "--size: 'x'"             "$P" run -k pi -b seq -s pi=x
expect_bad "--size: empty item"      "$P" run -k pi -b seq -s quick,,pi=5
expect_bad "--workers"               "$P" run -k pi -b gil -w 0
expect_bad "--workers"               "$P" run -k pi -b gil -w -2
expect_bad "--workers"               "$P" run -k pi -b gil -w two
expect_bad "--workers"               "$P" run -k pi -b gil -w 1,,2
expect_bad "--reps"                  "$P" run -k pi -b seq -r 0
expect_bad "--switch-interval"       "$P" run -k pi -b gil --switch-interval 0ms
expect_bad "--switch-interval"       "$P" run -k pi -b gil --switch-interval fast
expect_bad "--gil-release"           "$P" run -k pi -b gil --gil-release 1
expect_bad "--schedule"              "$P" run -k pi -b seq --schedule sometimes
expect_bad "unknown option"          "$P" run -k pi -b seq --frobnicate
expect_bad "--kernel is required"    "$P" run -b seq
if has_backend mpi; then
  expect_bad "needs an MPI launch"   "$P" run -k pi -b mpi -w 1
fi
# a backend the build leaves out: refused by name, for the reason list gives
while IFS=';' read -r b why; do
  expect_bad "backend '$b' is not in this build ($why)" "$P" run -k pi -b "seq,$b"
done < <("$P" list | sed -n 's/^  (\([a-z]*\): not in this build; \(.*\))$/\1;\2/p')
expect_bad "--ci-width: '0'"         "$P" run -k pi -b seq --ci-width 0
expect_bad "--ci-width: '-3%'"       "$P" run -k pi -b seq --ci-width -3%
expect_bad "--ci-width: 'abc'"       "$P" run -k pi -b seq --ci-width abc
expect_bad "--ci-width: '100%'"      "$P" run -k pi -b seq --ci-width 100%
expect_bad "--ci-width: '5'"         "$P" run -k pi -b seq --ci-width 5
expect_bad "--max-time: '0'"         "$P" run -k pi -b seq --ci-width 5% --max-time 0
expect_bad "--max-time: '10us'"      "$P" run -k pi -b seq --max-time 10us
# a list longer than its buffer is refused, not cut (cut, "...0012" read as 1)
if has_backend hybrid; then
  expect_bad "--threads-per-rank: the list is too long" "$P" run -k pi -b hybrid -w 12 \
    --threads-per-rank "1,$(printf '0%.0s' $(seq 252))12"
else
  skip "hybrid: --threads-per-rank too long (this build has no hybrid backend)"
  # its option is refused as the missing backend's, not as unknown
  expect_bad "--threads-per-rank is an option of the hybrid backend, which is not in this build" \
    "$P" run -k pi -b seq -w 2 --threads-per-rank 2
fi
expect_bad "--max-time: 'soon'"      "$P" run -k pi -b seq --max-time soon
expect_bad "above --max-reps 5"      "$P" run -k pi -b seq --ci-width 5% --min-reps 10 --max-reps 5
expect_bad "above --max-reps 100"    "$P" run -k pi -b seq --ci-width 5% --min-reps 200
expect_bad "--min-reps: '0'"         "$P" run -k pi -b seq --ci-width 5% --min-reps 0
expect_bad "--max-reps applies with --ci-width" "$P" run -k pi -b seq --max-reps 5
expect_bad "--min-reps applies with --ci-width" "$P" run -k pi -b seq --min-reps 5
expect_bad "with --ci-width use --min-reps"     "$P" run -k pi -b seq --ci-width 5% -r 3

# more mpi workers than ranks, under mpirun
if has_backend mpi; then
  rm -f "$WORK/new.csv"
  out=$($MPIRUN -np 2 "$P" run -k pi -b mpi -w 1,3 -s test --csv "$WORK/new.csv" 2>&1 >/dev/null)
  rc=$?
  [ "$rc" -eq 2 ] && pass || fail "mpi -w 3 on 2 ranks: exit $rc, expected 2 ($out)"
  printf '%s' "$out" | grep -q "needs at least 3 ranks" && pass ||
    fail "mpi -w 3 on 2 ranks: message: $out"
  [ ! -e "$WORK/new.csv" ] && pass || fail "mpi -w 3 on 2 ranks: created a CSV"
else
  skip "mpi: more workers than ranks under mpirun (this build has no mpi backend)"
  # a build without MPI under a launcher (its environment, as mpirun sets
  # it) is refused: rank 0 says why, the others leave without a word
  rm -f "$WORK/new.csv"
  out=$(OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 "$P" run -k pi -b seq -s test \
        --csv "$WORK/new.csv" 2>&1 >/dev/null); rc=$?
  [ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && pass ||
    fail "no-MPI build under a launcher, rank 0: exit $rc: $out"
  printf '%s' "$out" | grep -q "built without MPI, but 2 processes" && pass ||
    fail "no-MPI build under a launcher: message: $out"
  out=$(OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=1 "$P" run -k pi -b seq -s test \
        --csv "$WORK/new.csv" 2>&1 >/dev/null); rc=$?
  [ "$rc" -eq 2 ] && [ -z "$out" ] && pass || fail "no-MPI build under a launcher, rank 1: exit $rc: $out"
  [ ! -e "$WORK/new.csv" ] && pass || fail "no-MPI build under a launcher: created a CSV"
fi

# CSV paths that cannot be written
for bad in "$WORK/no/such/dir/x.csv" "$WORK"; do
  out=$("$P" run -k pi -b seq -s test --csv "$bad" 2>&1 >/dev/null); rc=$?
  [ "$rc" -eq 2 ] && pass || fail "--csv $bad: exit $rc"
  printf '%s' "$out" | grep -q -- "--csv" && pass || fail "--csv $bad: message: $out"
done
[ ! -e "$WORK/no" ] && pass || fail "created the missing folder"

# a file with another schema is refused and left as it was
printf 'name,value\nx,1\n' >"$WORK/foreign.csv"
out=$("$P" run -k pi -b seq -s test --csv "$WORK/foreign.csv" 2>&1 >/dev/null); rc=$?
[ "$rc" -eq 2 ] && pass || fail "foreign CSV: exit $rc"
printf '%s' "$out" | grep -q "another header" && pass || fail "foreign CSV: message: $out"
[ "$(cat "$WORK/foreign.csv")" = "$(printf 'name,value\nx,1')" ] && pass || fail "foreign CSV was changed"
[ ! -e "$WORK/foreign.csv.meta.jsonl" ] && pass || fail "foreign CSV got a metadata file"

# unknown subcommand, and --help everywhere
"$P" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] && pass || fail "unknown command: not exit 2"
for sub in list info run; do
  "$P" "$sub" --help | grep -q "usage: parscale $sub" && pass || fail "$sub --help"
done

# the existing results file was never touched
[ "$(stat -c %Y "$good")" = "$stamp" ] && pass || fail "good.csv was touched"
after=$(md5sum "$good" "$good.meta.jsonl" 2>/dev/null)
[ "$before" = "$after" ] && pass || fail "good.csv or its metadata changed"
finish
