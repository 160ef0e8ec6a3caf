/* test_disturb.c -- what the harness decides from a repetition's readings:
 * how workers' figures combine, the share lost, the cause named, the next
 * size --rep-time tries, and ratios printed inside their own intervals.
 * Nothing here asserts how fast the machine is. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include "calibrate.h"
#include "check.h"
#include "disturb.h"
#include "kernel_registry.h"
#include "util.h"

/* The worst worker's loss is the repetition's; counts add up. */
static void test_combine(void)
{
    ps_disturb t, a = {.ok = 1, .runq = 0.002, .hidden = 0.0, .lost_worst = 0.002,
                       .invol = 3, .migrations = 1, .user = 0.01},
                  b = {.ok = 1, .runq = 0.0, .hidden = 0.004, .lost_worst = 0.004,
                       .invol = 1, .migrations = 0, .user = 0.02};
    ps_disturb_init(&t);
    ps_disturb_add(&t, &a);
    ps_disturb_add(&t, &b);
    CHECK(t.ok);
    CHECK_NEAR(t.runq, 0.002, 1e-15);
    CHECK_NEAR(t.hidden, 0.004, 1e-15);
    CHECK_NEAR(t.lost_worst, 0.004, 1e-15);
    CHECK(t.invol == 4 && t.migrations == 1);
    CHECK_NEAR(t.user, 0.03, 1e-15);
    CHECK_NEAR(ps_disturb_lost(&t, 0.1), 0.04, 1e-12);
    CHECK_NEAR(ps_disturb_lost(&t, 0.001), 1.0, 0.0);  /* clamped */
    /* one worker without readings: the repetition's are unknown */
    ps_disturb none = {.ok = 0};
    ps_disturb_add(&t, &none);
    CHECK(!t.ok && ps_disturb_lost(&t, 0.1) < 0.0);
}

/* The cause is named by what was measured. */
static void test_cause(void)
{
    char buf[256];
    ps_disturb_cause(3, 3, buf, sizeof buf);
    CHECK(strstr(buf, "run-queue delay") && !strstr(buf, "hypervisor"));
    ps_disturb_cause(0, 2, buf, sizeof buf);
    CHECK(strstr(buf, "hypervisor") && !strstr(buf, "(run-queue delay)"));
    ps_disturb_cause(1, 3, buf, sizeof buf);
    CHECK_MSG(strncmp(buf, "1 to other", 10) == 0 && strstr(buf, "2 to the hypervisor"), "%s",
              buf);
}

/* A worker that blocked (here: slept) hides its time off the CPU, so none
 * of it counts as hidden; the kernel counts a sleep as a voluntary switch. */
static void test_blocked_worker_hides_nothing(void)
{
    ps_probe p;
    ps_disturb d;
    ps_probe_begin(&p);
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
    ps_probe_end(&p, &d);
    if (!d.ok) {
        printf("note: no /proc/thread-self/schedstat here: readings not checked\n");
        return;
    }
    CHECK_NEAR(d.hidden, 0.0, 0.0);
    CHECK(d.runq >= 0.0 && d.lost_worst == d.runq);
    CHECK(d.migrations == 0 || d.migrations == 1);
}

/* --rep-time's next size: linear until two sizes say otherwise, the power
 * fitted from them, bounded steps. */
static void test_calibrate_next(void)
{
    const uint64_t max = UINT64_C(1) << 40;
    /* linear: 1 ms at 1000 -> 10 ms at 10000 */
    CHECK(ps_calibrate_next(0, 0.0, 1000, 0.001, 0.010, 1.0, max) == 10000);
    /* cubic (dgemm): t = n^3 * 1e-9; from n=10 (1e-6) and n=100 (1e-3),
     * 10 ms is at n = 100 * 10^(1/3) = 215 */
    uint64_t n = ps_calibrate_next(10, 1e-6, 100, 1e-3, 0.010, 1.0, max);
    CHECK_MSG(n >= 214 && n <= 216, "%llu", (unsigned long long)n);
    /* at most 64 times larger or smaller per step */
    CHECK(ps_calibrate_next(0, 0.0, 10, 1e-9, 1.0, 1.0, max) == 640);
    CHECK(ps_calibrate_next(0, 0.0, 6400, 10.0, 0.001, 1.0, max) == 100);
    /* never below 1 or above the bound; no time at all: the largest step */
    CHECK(ps_calibrate_next(0, 0.0, 1, 1.0, 1e-6, 1.0, max) == 1);
    CHECK(ps_calibrate_next(0, 0.0, max, 1e-6, 1.0, 1.0, max) == max);
    CHECK(ps_calibrate_next(0, 0.0, 5, 0.0, 1.0, 1.0, max) == 320);
    /* before two sizes, the kernel's own growth: cubic from 1 ms at 100 to
     * 8 ms at 200 */
    CHECK(ps_calibrate_next(0, 0.0, 100, 0.001, 0.008, 3.0, max) == 200);
    /* time that does not grow with size (noise): the power is floored */
    n = ps_calibrate_next(100, 1e-3, 200, 0.9e-3, 0.004, 1.0, max);
    CHECK_MSG(n > 200, "%llu", (unsigned long long)n);
    /* a cubic kernel whose two times barely differ (noise): the step
     * follows n^3, 1.1 ms to 8 ms at 200 * (8 / 1.1)^(1/3) = 388, not the
     * power of 0.14 the times fit (which would ask for n in the tens of
     * thousands, hours of dgemm) */
    n = ps_calibrate_next(100, 1e-3, 200, 1.1e-3, 0.008, 3.0, max);
    CHECK_MSG(n >= 385 && n <= 390, "%llu", (unsigned long long)n);
    /* with no time at all, a cubic kernel grows 4 times (64 times the time) */
    CHECK(ps_calibrate_next(0, 0.0, 10, 0.0, 1.0, 3.0, max) == 40);
}

/* A ratio and its interval are rounded together: the printed point always
 * lies inside the printed interval, over 10,000 generated pairs, and the
 * printed ends enclose the true ones. */
static void test_interval_rounding(void)
{
    char p[32], iv[64];
    ps_format_interval(1.01, 0.92, 1.004, 1, p, sizeof p, iv, sizeof iv);
    CHECK_MSG(strcmp(p, "1.01") == 0 && strcmp(iv, "[0.92, 1.01]") == 0, "%s %s", p, iv);
    ps_format_interval(1.9234, 1.9001, 1.9349, 0, p, sizeof p, iv, sizeof iv);
    CHECK_MSG(strcmp(p, "1.92") == 0 && strcmp(iv, "~[1.90, 1.94]") == 0, "%s %s", p, iv);
    unsigned seed = 12345;
    int bad = 0;
    for (int i = 0; i < 10000; i++) {
        double e = (double)(rand_r(&seed) % 1200) / 100.0 - 6.0;  /* 1e-6 .. 1e6 */
        double point = pow(10.0, e) * (1.0 + (double)(rand_r(&seed) % 1000) / 1000.0);
        double lo = point * (1.0 - (double)(rand_r(&seed) % 500) / 1000.0);
        double hi = point * (1.0 + (double)(rand_r(&seed) % 500) / 1000.0);
        ps_format_interval(point, lo, hi, 1, p, sizeof p, iv, sizeof iv);
        double pp = strtod(p, NULL), pl, ph;
        if (sscanf(iv, "[%lf, %lf]", &pl, &ph) != 2 || pp < pl || pp > ph ||
            pl > lo * (1 + 1e-12) || ph < hi * (1 - 1e-12)) {
            if (bad++ < 5)
                fprintf(stderr, "  %.17g [%.17g, %.17g] printed %s %s\n", point, lo, hi, p, iv);
        }
    }
    CHECK_MSG(bad == 0, "%d of 10000 printed outside", bad);
}

/* The size floor of memory-bound kernels counts their whole data: stencil
 * and transpose hold n rows of n, so 4 x 32 MiB of data is n = 2897 (16
 * bytes a cell) and 2048 (32), not 128 MiB over one row's bytes (a grid of
 * 15535^2, 3.9 GB, that took a minute a repetition); stream holds n of 24
 * bytes; pi computes and keeps its size. */
static void test_beyond_caches(void)
{
    static ps_run_opts o;  /* no options: each kernel's own steps and params */
    const double l3 = 32.0 * 1024 * 1024, want = 4.0 * l3;
    const ps_kernel *st = ps_kernel_find("stencil"), *tr = ps_kernel_find("transpose"),
                    *sm = ps_kernel_find("stream"), *pi = ps_kernel_find("pi");
    CHECK(st && tr && sm && pi);
    if (!st || !tr || !sm || !pi)
        return;
    CHECK(ps_calibrate_beyond_caches(&o, st, 540, l3) == 2897);
    CHECK(2897.0 * 2897.0 * 16.0 >= want && 2896.0 * 2896.0 * 16.0 < want);
    CHECK(ps_calibrate_beyond_caches(&o, tr, 100, l3) == 2048);
    CHECK(ps_calibrate_beyond_caches(&o, sm, 1000, l3) == 5592406);
    CHECK(5592406.0 * 24.0 >= want && 5592405.0 * 24.0 < want);
    CHECK(ps_calibrate_beyond_caches(&o, st, 4000, l3) == 4000);   /* already beyond */
    CHECK(ps_calibrate_beyond_caches(&o, pi, 1000, l3) == 1000);   /* computes */
    CHECK(ps_calibrate_beyond_caches(&o, st, 540, 0.0) == 540);    /* no cache known */
    /* a socket's whole L3 shown to a guest: the floor stops at 256 MiB */
    CHECK(ps_calibrate_beyond_caches(&o, sm, 1000, 512.0 * 1024 * 1024) ==
          (uint64_t)ceil(256.0 * 1024 * 1024 / 24.0));
}

int main(void)
{
    test_combine();
    test_cause();
    test_blocked_worker_hides_nothing();
    test_calibrate_next();
    test_beyond_caches();
    test_interval_rounding();
    return check_report("test_disturb");
}
