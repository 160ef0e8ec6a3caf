#!/usr/bin/env bash
# The network is measured: bandwidth-study.sh --quick on the virtual
# cluster, 2 ranks on 2 hosts, links at full speed and then limited to
# 80 Mbit/s.  transpose (an all-to-all of 2 n^2 bytes each way per step)
# must be clearly slower when limited and by at least half of bytes/rate;
# pi (no exchange) must stay within a wide band.  Margins are wide: the
# machine is shared, and only the direction is asserted.
#   bandwidth.sh PARSCALE
set -u
PARSCALE=${1:?usage: $0 PARSCALE}
here=$(cd "$(dirname "$0")" && pwd)
out=$(bash "$here/bandwidth-study.sh" --quick "$PARSCALE")
rc=$?
echo "$out"
[ "$rc" -eq 77 ] && exit 77
[ "$rc" -eq 0 ] || { echo "FAIL: bandwidth-study.sh exited $rc"; exit 1; }
echo "$out" | awk '
  $1 == "transpose" { t = 1
    if ($9 < 2.0) { print "FAIL: transpose only " $9 "x slower with the links limited"; bad = 1 }
    if ($8 < 0.5 * $5) { print "FAIL: transpose took " $8 " s more, bytes/rate says " $5; bad = 1 } }
  $1 == "pi" { p = 1
    if ($9 < 0.6 || $9 > 1.67) { print "FAIL: pi changed " $9 "x with the links limited"; bad = 1 } }
  END { if (!t || !p) { print "FAIL: no transpose or pi line"; bad = 1 }
        if (bad) exit 1; print "all checks passed" }'
