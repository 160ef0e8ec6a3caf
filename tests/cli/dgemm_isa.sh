#!/usr/bin/env bash
# dgemm's micro-kernels, each forced with PARSCALE_DGEMM_ISA where this CPU
# runs it: every row verified against the closed form (at sizes with edge
# tiles, on uneven splits over 1 and 3 threads), and the row's params name
# the one that ran.  Those the CPU lacks, and unknown names, are refused
# before anything runs: exit 2, one line, no file.  Unset, the best the CPU
# runs is chosen and recorded.
. "$(dirname "$0")/lib.sh"
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
x86=0; [ "$(uname -m)" = x86_64 ] && x86=1
has() { [ "$x86" = 1 ] && grep -qw "$1" <<<"$flags"; }
runs_isa() {
  case "$1" in
    portable) return 0 ;;
    avx2) has avx2 && has fma ;;
    avx512) has avx512f ;;
  esac
}
backends=seq; has_backend omp && backends=seq,omp
# the distinct values of column $2 of CSV $1 (quoted fields hold commas)
values() {
  python3 -c 'import csv, sys; print("\n".join(sorted({r[sys.argv[2]] for r in csv.DictReader(open(sys.argv[1]))})))' "$1" "$2"
}
best=""
for isa in avx512 avx2 portable; do
  csv="$WORK/$isa.csv"
  if runs_isa "$isa"; then
    [ -z "$best" ] && best=$isa
    for size in 64 100 293; do
      if PARSCALE_DGEMM_ISA=$isa "$PARSCALE" run -k dgemm -b "$backends" -w 1,3 -s "$size" \
           -r 1 --warmup 0 -q --csv "$csv" > "$WORK/out" 2>&1; then pass
      else cat "$WORK/out"; fail "$isa at size $size did not run or verify"; fi
    done
    got=$(values "$csv" verified)
    [ "$got" = true ] && pass || fail "$isa: verified is '$got' in some rows"
    got=$(values "$csv" params)
    [ "$got" = "isa=$isa" ] && pass || fail "$isa: params say '$got', not isa=$isa"
  else
    if PARSCALE_DGEMM_ISA=$isa "$PARSCALE" run -k dgemm -b seq -s 64 -r 1 -q \
         --csv "$csv" > "$WORK/out" 2>&1; then
      fail "$isa: this CPU lacks it, yet the run was not refused"
    else
      rc=$?
      [ "$rc" = 2 ] && [ "$(wc -l < "$WORK/out")" = 1 ] && grep -q "PARSCALE_DGEMM_ISA=$isa" "$WORK/out" \
        && pass || { cat "$WORK/out"; fail "$isa: refused with exit $rc and not one naming line"; }
      [ ! -e "$csv" ] && pass || fail "$isa: a refused run touched the CSV"
    fi
  fi
done
# unset: the best this CPU runs
"$PARSCALE" run -k dgemm -b seq -s 64 -r 1 --warmup 0 -q --csv "$WORK/auto.csv" > /dev/null 2>&1
got=$(values "$WORK/auto.csv" params)
[ "$got" = "isa=$best" ] && pass || fail "unset: params say '$got', the best this CPU runs is $best"
grep -q "\"kernel_variants\":{\"dgemm\":\"isa=$best\"}" "$WORK/auto.csv.meta.jsonl" && pass \
  || fail "the metadata does not record dgemm's isa=$best"
# an unknown name
if PARSCALE_DGEMM_ISA=sse9 "$PARSCALE" run -k dgemm -b seq -s 64 -r 1 -q --csv "$WORK/bad.csv" \
     > "$WORK/out" 2>&1; then fail "an unknown PARSCALE_DGEMM_ISA was accepted"
else
  rc=$?
  [ "$rc" = 2 ] && [ "$(wc -l < "$WORK/out")" = 1 ] && grep -q "sse9" "$WORK/out" && pass \
    || { cat "$WORK/out"; fail "unknown name: exit $rc, not one line naming it"; }
  [ ! -e "$WORK/bad.csv" ] && pass || fail "a refused run touched the CSV"
fi
# a run without dgemm is not concerned
PARSCALE_DGEMM_ISA=sse9 "$PARSCALE" run -k pi -b seq -s test -r 1 --warmup 0 -q > /dev/null 2>&1 \
  && pass || fail "PARSCALE_DGEMM_ISA refused a run without dgemm"
finish
