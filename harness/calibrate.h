/*
 * calibrate.h -- --rep-time: each kernel's size chosen on this machine so
 * that one seq repetition lasts about the time asked for.
 *
 * As Google Benchmark's min_time and pyperf's loop calibration do, before
 * anything is timed: rank 0 runs the kernel under seq at its test size and
 * scales the size up or down (a power law fitted to the last two sizes,
 * since work grows as n, n^2 or n^3) until a repetition lasts within 20% of
 * the target, each repetition's time less what it lost to other tasks (so
 * a busy machine does not shrink the sizes); the other ranks sleep
 * meanwhile.  A kernel that moves more bytes than it computes flops keeps
 * its data at least 4 times the largest cache, whatever the time.  The
 * sizes chosen replace
 * the run's --size for those kernels, and every row carries them.
 */
#ifndef PS_CALIBRATE_H
#define PS_CALIBRATE_H

#include "backend.h"
#include "options.h"

/* On every rank: sets o's per-kernel sizes from o->rep_time (nothing when
 * 0).  Returns 0, or -1 with err (a kernel that cannot run at some size). */
int ps_calibrate_sizes(ps_run_opts *o, const ps_ctx *ctx, ps_err *err);

/* The next size to try: from (n1, t1), and the earlier (n0, t0) when n0 >
 * 0 and differs, the size whose time the fitted power law puts at target;
 * the power is never below p0, the kernel's cost model (noise can fit any
 * power, and too small a one overshoots by orders of magnitude).  A step
 * changes the time at most 64 times either way, as the power has it; the
 * size is at least 1, at most max.  Exposed for the unit tests. */
uint64_t ps_calibrate_next(uint64_t n0, double t0, uint64_t n1, double t1, double target,
                           double p0, uint64_t max);

/* n, or for a kernel that moves more bytes than it computes flops the
 * smallest size at or above n whose data (size x its bytes per index at
 * that size) is at least 4 times cache (bytes; at most 256 MiB), so that
 * it measures memory rather than a cache.  Exposed for the unit tests. */
uint64_t ps_calibrate_beyond_caches(const ps_run_opts *o, const ps_kernel *k, uint64_t n,
                                    double cache);

#endif
