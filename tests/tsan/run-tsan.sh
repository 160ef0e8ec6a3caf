#!/bin/sh
# run-tsan.sh SRC_DIR BUILD_DIR -- builds tests/test_gil.c, the lock it
# tests (harness/gil.c, timer.c, stats.c) and the thread team that starts
# its threads (threads.c, util.c) with -fsanitize=thread in a build folder
# of its own, and runs it.  Exit 0: clean; 1: a race or a failed
# check; 77 (CTest's SKIP): ThreadSanitizer cannot run on this machine, said
# out loud rather than passed in silence.
set -u
src=${1:?usage: run-tsan.sh SRC_DIR BUILD_DIR}
out=${2:?usage: run-tsan.sh SRC_DIR BUILD_DIR}
cc=${CC:-cc}
mkdir -p "$out" || exit 1
bin="$out/test_gil_tsan"
if ! "$cc" -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=thread \
        -I"$src/harness" -o "$bin" "$src/tests/test_gil.c" "$src/harness/gil.c" \
        "$src/harness/timer.c" "$src/harness/stats.c" "$src/harness/threads.c" \
        "$src/harness/util.c" -lpthread -lm 2>"$out/build.log"; then
    if grep -qi "sanitize\|tsan" "$out/build.log"; then
        echo "SKIP: $cc cannot build with -fsanitize=thread here:"; cat "$out/build.log"
        exit 77
    fi
    cat "$out/build.log"
    exit 1
fi
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
"$bin" >"$out/run.log" 2>&1
rc=$?
# Some kernels map memory where TSan's shadow should go ("unexpected memory
# mapping"); running without address randomisation fixes that.
if [ $rc -ne 0 ] && grep -q "unexpected memory mapping\|FATAL: ThreadSanitizer" "$out/run.log" \
        && command -v setarch >/dev/null 2>&1; then
    echo "note: retrying under setarch -R (TSan and this kernel's address layout)"
    setarch "$(uname -m)" -R "$bin" >"$out/run.log" 2>&1
    rc=$?
fi
cat "$out/run.log"
if [ $rc -ne 0 ] && grep -q "FATAL: ThreadSanitizer" "$out/run.log" \
        && ! grep -q "WARNING: ThreadSanitizer" "$out/run.log"; then
    echo "SKIP: ThreadSanitizer cannot run on this machine (see above)"
    exit 77
fi
if grep -q "WARNING: ThreadSanitizer" "$out/run.log"; then
    echo "FAIL: ThreadSanitizer reported a data race"
    exit 1
fi
exit $rc
