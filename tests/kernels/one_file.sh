#!/usr/bin/env bash
# A kernel is one file: a copy of kernels/pi.c under a new name, with only
# its name and table symbol changed and no other file edited, builds, shows
# in `parscale list` (right after pi, every other kernel where it was) and
# verifies under seq, gil, omp and mpi, those of them the build has.  The
# copy is configured with the CMAKE_ARGS given (the build's own options).
#   one_file.sh PARSCALE SOURCE_DIR [CMAKE_ARGS...]
. "$(dirname "$0")/../cli/lib.sh"
src=${2:?usage: $0 PARSCALE SOURCE_DIR [CMAKE_ARGS...]}
shift 2
copy="$WORK/src"
mkdir -p "$copy"
# the tree, but not the reference results, hidden files or build folders
for e in "$src"/*; do
  [ "$(basename "$e")" = results ] || [ -f "$e/CMakeCache.txt" ] || cp -r "$e" "$copy/"
done
sed -e 's/\bps_kernel_pi\b/ps_kernel_pi2/' -e 's/\.name = "pi",/.name = "pi2",/' \
    "$src/kernels/pi.c" >"$copy/kernels/pi2.c"
changed=$(diff "$src/kernels/pi.c" "$copy/kernels/pi2.c" | grep -c '^>')
[ "$changed" -eq 2 ] && pass || fail "the copy differs from pi.c in $changed lines, not 2"

if ! cmake -S "$copy" -B "$WORK/build" -DBUILD_TESTING=OFF -DPARSCALE_WERROR=ON "$@" \
       >"$WORK/configure.log" 2>&1; then
  cat "$WORK/configure.log"; fail "configure failed"; finish; exit
fi
if ! cmake --build "$WORK/build" --target parscale -j 2 >"$WORK/build.log" 2>&1; then
  tail -n 30 "$WORK/build.log"; fail "build failed"; finish; exit
fi
P="$WORK/build/parscale"

names() { "$1" list | sed -n '/^kernels/,/^$/p' | awk 'NF && $1 != "kernels" && $1 !~ /^--/ {print $1}'; }
want=$(names "$PARSCALE" | sed 's/^pi$/pi\npi2/')
got=$(names "$P")
[ "$got" = "$want" ] && pass || fail "list shows $(echo $got), expected $(echo $want)"

backends=seq,gil
has_backend omp && backends=$backends,omp || skip "omp: this build has no omp backend"
csv="$WORK/out.csv"
"$P" run -k pi2 -b "$backends" -w 1,2 -s test -r 1 --warmup 0 --retry-disturbed 0 -q \
    --csv "$csv" >"$WORK/log" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass || { fail "run under $backends exited $rc"; cat "$WORK/log"; }
nb=$(echo "$backends" | tr , '\n' | wc -l)
expect=$(((nb - 1) * 2 * 2))  # each configuration paired with seq: two rows
ran=$backends
if has_backend mpi; then
  $MPIRUN -np 2 "$P" run -k pi2 -b mpi -w 1,2 -s test -r 1 --warmup 0 --retry-disturbed 0 \
    -q --csv "$csv" \
    >"$WORK/mpi.log" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] && pass || { fail "mpirun -np 2 exited $rc"; cat "$WORK/mpi.log"; }
  expect=$((expect + 4))
  ran=$ran,mpi
else
  skip "mpi: this build has no mpi backend"
fi
if [ -f "$csv" ]; then
  k=$(col "$csv" kernel) v=$(col "$csv" verified) b=$(col "$csv" backend)
  rows=$(awk -F, -v k="$k" -v v="$v" 'NR > 1 && $k == "pi2" && $v == "true"' "$csv" | wc -l)
  [ "$rows" -eq "$expect" ] && pass || fail "$rows verified pi2 rows, expected $expect"
  for be in $(echo "$ran" | tr , ' '); do
    awk -F, -v b="$b" -v be="$be" 'NR > 1 && $b == be' "$csv" | grep -q . && pass ||
      fail "no row for backend $be"
  done
else
  fail "no CSV written"
fi
finish
