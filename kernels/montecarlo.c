/* montecarlo.c -- pi by random sampling: the fraction of points of the unit
 * square inside the quarter circle.  Sample i's point is a hash of i (a
 * counter-based generator), never a per-thread stream, so the hit count is
 * the same bit for bit under every backend, worker count and split. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

/* splitmix64's output function applied to a counter: a bijective mix of
 * the sample's index whose bits pass BigCrush (Steele, Lea, Flood 2014). */
static uint64_t montecarlo_hash(uint64_t i)
{
    uint64_t z = i * UINT64_C(0x9e3779b97f4a7c15) + UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Two 31-bit coordinates from one hash, tested in integers (x^2 + y^2 <
 * 2^62 cannot overflow), so no rounding can make two runs disagree. */
static void montecarlo_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    (void)state;
    const uint64_t r2 = UINT64_C(1) << 62;
    uint64_t hits = 0;
    for (uint64_t i = lo; i < hi; i++) {
        uint64_t h = montecarlo_hash(i);
        uint64_t x = h >> 33, y = (h >> 2) & 0x7fffffffu;
        hits += x * x + y * y < r2;
    }
    acc->v[0] += (double)(hi - lo);
    acc->v[1] += (double)hits;
}

/* The sample count exactly, and the hit rate against pi/4 within six
 * standard deviations of the binomial distribution (a false alarm about
 * once in 500 million runs; the samples are fixed, so in fact never). */
static int montecarlo_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const ps_kernel_args *s = state;
    double n = (double)s->n, steps = (double)s->steps;
    if (total->v[0] != n * steps) {
        snprintf(msg, len, "drew %.0f samples, expected %.0f", total->v[0], n * steps);
        return 0;
    }
    const double p = 3.14159265358979323846 / 4.0;
    double hits = total->v[1] / steps;
    double tol = 6.0 * sqrt(n * p * (1.0 - p)) + 1.0;
    if (fabs(hits - n * p) <= tol && hits == floor(hits))
        return 1;
    snprintf(msg, len, "%.0f hits in %.0f samples: pi ~ %.9f, off by more than "
             "6 sigma", hits, n, 4.0 * hits / n);
    return 0;
}

const ps_kernel ps_kernel_montecarlo = {
    .name = "montecarlo",
    .list_order = 100,
    .summary = "pi from random points in the unit square, keyed by sample index",
    .exercises = "integer multiply throughput (a hash per sample), no memory traffic",
    .rate_unit = "Gsamples/s",
    .rate_per_index = 1e-9,
    .flops_per_index = 0.0,
    .bytes_per_index = 0.0,
    .sizes = {100000, 1000000000, 10000000000},
    .steps = 1,
    .tick = 1000,
    .create = ps_kernel_keep_args,
    .init = ps_kernel_no_init,
    .run = montecarlo_run,
    .verify = montecarlo_verify,
    .destroy = free,
};
