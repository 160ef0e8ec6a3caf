#!/usr/bin/env bash
# The out-of-tree kernel in examples/sumsq, built the way a user builds it:
# parscale installed into a prefix, the example configured against the
# installed package (find_package + parscale_add_kernel), then loaded with
# --kernel-lib by the installed binary under seq, gil, omp and mpi (-np 2),
# those of them the build has, every row verified and the library recorded
# in the metadata.  Libraries
# that must be refused, each with exit 2, one line and no file written: the
# example built for another contract version, a shared object that is not a
# kernel library, and one whose table has no run function.
#   example.sh PARSCALE BUILD_DIR SOURCE_DIR
. "$(dirname "$0")/../cli/lib.sh"
build=${2:?usage: $0 PARSCALE BUILD_DIR SOURCE_DIR}
src=${3:?usage: $0 PARSCALE BUILD_DIR SOURCE_DIR}
prefix="$WORK/prefix"
if ! cmake --install "$build" --prefix "$prefix" >"$WORK/install.log" 2>&1; then
  cat "$WORK/install.log"; fail "cmake --install failed"; finish; exit
fi
P="$prefix/bin/parscale"
[ -f "$prefix/include/parscale/kernel.h" ] && pass || fail "kernel.h not installed"

# configure and build the example in $1 with the extra cmake arguments
build_example() {
  local dir=$1; shift
  cmake -S "$src/examples/sumsq" -B "$dir" -DCMAKE_PREFIX_PATH="$prefix" "$@" \
    >"$dir.log" 2>&1 && cmake --build "$dir" >>"$dir.log" 2>&1
}
if ! build_example "$WORK/ex"; then
  cat "$WORK/ex.log"; fail "the example did not build"; finish; exit
fi
lib="$WORK/ex/libsumsq.so"
pass

"$P" list --kernel-lib "$lib" | grep -q '^  sumsq ' && pass || fail "list --kernel-lib shows no sumsq"
"$P" list --json --kernel-lib "$lib" | grep -q '"name":"sumsq"' && pass ||
  fail "list --json --kernel-lib shows no sumsq"

csv="$WORK/out.csv"
backends=seq,gil
has_backend omp && backends=$backends,omp || skip "omp: this build has no omp backend"
"$P" run --kernel-lib "$lib" -k sumsq -b "$backends" -w 1,2 -s test -r 2 --warmup 0 -q \
  --retry-disturbed 0 --csv "$csv" >"$WORK/log" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass || { fail "run under $backends exited $rc"; cat "$WORK/log"; }
nb=$(echo "$backends" | tr , '\n' | wc -l)
expect=$((2 * (nb - 1) * 2 * 2))  # 2 reps of each configuration, paired with seq
runs=1  # launches that wrote rows, each with one metadata line
ran=$backends
if has_backend mpi; then
  # --kernel-lib after --kernel: the order of the flags does not matter
  $MPIRUN -np 2 "$P" run -k sumsq -b mpi -w 1,2 --kernel-lib "$lib" -s test -r 2 \
    --warmup 0 --retry-disturbed 0 -q --csv "$csv" >"$WORK/mpi.log" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] && pass || { fail "mpirun -np 2 exited $rc"; cat "$WORK/mpi.log"; }
  expect=$((expect + 8))
  runs=$((runs + 1))
  ran=$ran,mpi
else
  skip "mpi: this build has no mpi backend"
fi
# a parameter of a loaded kernel, as --param takes any kernel's
"$P" run -k sumsq -b seq --param sumsq.period=7 --kernel-lib "$lib" -s test -r 1 --retry-disturbed 0 \
  --warmup 0 -q --csv "$csv" >"$WORK/param.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass || { fail "--param sumsq.period=7 exited $rc"; cat "$WORK/param.log"; }
expect=$((expect + 1))
runs=$((runs + 1))
if [ -f "$csv" ]; then
  k=$(col "$csv" kernel) v=$(col "$csv" verified) b=$(col "$csv" backend)
  rows=$(awk -F, -v k="$k" -v v="$v" 'NR > 1 && $k == "sumsq" && $v == "true"' "$csv" | wc -l)
  all=$(($(wc -l <"$csv") - 1))
  [ "$rows" -eq "$expect" ] && [ "$all" -eq "$expect" ] && pass ||
    fail "$rows verified sumsq rows of $all, expected $expect"
  for be in $(echo "$ran" | tr , ' '); do
    awk -F, -v b="$b" -v be="$be" 'NR > 1 && $b == be' "$csv" | grep -q . && pass ||
      fail "no row for backend $be"
  done
  grep -q 'period=7' "$csv" && pass || fail "no row with period=7"
  n=$(grep -c "\"kernel_libs\":\[{\"path\":\"$(realpath "$lib")\",\"size\":$(stat -c %s "$lib")," \
      "$csv.meta.jsonl")
  [ "$n" -eq "$runs" ] && pass || fail "$n of $runs metadata lines record the library"
else
  fail "no CSV written"
fi

# refused: exit 2, one line on stderr that says why, nothing written
refused() {
  local what=$1 so=$2 pattern=$3 out="$WORK/refused.csv"
  "$P" run --kernel-lib "$so" -k sumsq -b seq -s test -r 1 --csv "$out" \
    >"$WORK/r.out" 2>"$WORK/r.err"
  local rc=$? lines
  lines=$(wc -l <"$WORK/r.err")
  [ "$rc" -eq 2 ] && pass || fail "$what: exit $rc, expected 2"
  [ "$lines" -eq 1 ] && grep -q "$pattern" "$WORK/r.err" && pass ||
    { fail "$what: expected one line matching '$pattern', got:"; cat "$WORK/r.err"; }
  [ ! -e "$out" ] && [ ! -e "$out.meta.jsonl" ] && pass || fail "$what: a file was written"
}
if build_example "$WORK/abi" -DCMAKE_C_FLAGS=-DPS_KERNEL_ABI=999; then
  refused "another ABI" "$WORK/abi/libsumsq.so" "kernel ABI version 999, this parscale has version"
else
  cat "$WORK/abi.log"; fail "the example did not build with -DPS_KERNEL_ABI=999"
fi
printf 'int not_a_kernel(void);\nint not_a_kernel(void) { return 1; }\n' >"$WORK/not.c"
if ${CC:-cc} -shared -fPIC -o "$WORK/libnot.so" "$WORK/not.c"; then
  refused "not a kernel" "$WORK/libnot.so" "not a parscale kernel library"
else
  fail "cc could not build a plain shared object"
fi
cat >"$WORK/norun.c" <<'C'
#include <stdlib.h>
#include "kernel.h"
static int yes(void *s, const ps_acc *t, char *m, size_t l) { (void)s, (void)t, (void)m, (void)l; return 1; }
const ps_kernel ps_kernel_norun = {
    .name = "norun", .summary = "no run", .exercises = "nothing", .rate_unit = "x/s",
    .rate_per_index = 1, .sizes = {1, 1, 1}, .steps = 1, .tick = 1,
    .create = ps_kernel_keep_args, .init = ps_kernel_no_init, .verify = yes, .destroy = free,
};
PS_KERNEL_MODULE(&ps_kernel_norun);
C
if ${CC:-cc} -shared -fPIC -I"$prefix/include/parscale" -o "$WORK/libnorun.so" "$WORK/norun.c" \
     "$prefix/lib/libparscale_kernel_util.a"; then
  refused "a table with no run" "$WORK/libnorun.so" "kernel 'norun' has no run function"
else
  fail "cc could not build the malformed module"
fi
# under mpirun every rank loads the library: all refuse it, rank 0 says so
if has_backend mpi; then
  $MPIRUN -np 2 "$P" run --kernel-lib "$WORK/libnot.so" -k sumsq -b mpi -s test -r 1 \
    --csv "$WORK/mpi-refused.csv" >"$WORK/m.out" 2>"$WORK/m.err"
  rc=$?
  [ "$rc" -eq 2 ] && pass || fail "mpirun with a library that is not a kernel: exit $rc"
  [ "$(grep -c 'not a parscale kernel library' "$WORK/m.err")" -eq 1 ] && pass ||
    { fail "mpirun refusal: expected one line from rank 0, got:"; cat "$WORK/m.err"; }
  [ ! -e "$WORK/mpi-refused.csv" ] && pass || fail "mpirun refusal wrote the CSV"
fi
finish
