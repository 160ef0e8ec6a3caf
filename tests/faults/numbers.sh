#!/usr/bin/env bash
# Numbers: products checked for overflow (size x workers, repetitions x
# configurations), nothing beyond 2^53 (a double's exact integers), no hex,
# inf, nan, signs or blanks; --places in OMP_PLACES syntax; a CSV name too
# long for the metadata name beside it.  Each: exit 2, one line, no file.
. "$(dirname "$0")/lib.sh"
bad() {
  local word=$1; shift
  ended_within 30 2 "$*" "$PARSCALE" run "$@" --csv "$WORK/n.csv"
  grep -qi -- "$word" "$WORK/err" && pass || { fail "$*: message lacks '$word'"; cat "$WORK/err"; }
  [ ! -e "$WORK/n.csv" ] && pass || { fail "$*: created the CSV"; rm -f "$WORK/n.csv"*; }
}
bad "2^53"            -k pi -b seq --size 1e18 --scaling weak -w 19
bad "beyond 2^53"     -k pi -b seq --size 1e15 --scaling weak -w 19
bad "2^53"            -k pi -b seq --size 9007199254740993
bad "2^53"            -k pi -b seq --size 9.007199254740993e15
bad "configurations"  -k all -b seq,gil -w "$(seq -s, 1 64)" --scaling strong,weak -r 1000000 --warmup 1000
for v in 0x10 0x1p4 inf nan +5 " 5" "5 " 1e 1.5 -3; do
  bad "--size" -k pi -b seq --size "$v"
done
for v in 0x0.5 inf nan +0.5 " 0.5" 1e-400x; do
  bad "--gil-release" -k pi -b gil --gil-release "$v"
done
bad "--switch-interval" -k pi -b gil --switch-interval 0x5ms
bad "--param"           -k io -b seq --param io.wait_us=0x10
bad "--param"           -k io -b seq --param io.wait_us=nan
# --places is read before any backend runs: where the build has no omp, the
# same syntax is checked beside seq
pb=omp
if ! has_backend omp; then
  pb=seq
  echo "note: this build has no omp backend: --places is checked with -b seq"
fi
for v in 'garbage!!' '{0,1' '{0:0}' '0,,1' 'cores(0)' 'cores(' '{}' 'threads(2)x'; do
  bad "--places" -k pi -b $pb --bind close --places "$v"
done
# what OMP_PLACES does take is accepted (checked without running)
for v in cores threads 'sockets(1)' '{0,1},{2,3}' '{0:2}:2:2' '!{0}' '0,1' '{0:4:-1}'; do
  "$PARSCALE" run --check-args -k pi -b $pb --bind close --places "$v" >/dev/null 2>"$WORK/err" \
    && pass || { fail "--places '$v' refused: $(cat "$WORK/err")"; }
done
long="$WORK/$(printf 'a%.0s' $(seq 250)).csv"   # fits; its .meta.jsonl does not
ended_within 30 2 "a CSV name too long for its metadata" \
  "$PARSCALE" run -k pi -b seq -s test -r 1 -q --csv "$long"
grep -q "too long" "$WORK/err" && pass || fail "the message does not say the name is too long"
[ ! -e "$long" ] && pass || fail "the CSV was created"
finish
