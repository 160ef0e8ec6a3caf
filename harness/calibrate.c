/* calibrate.c -- see calibrate.h.  --rep-time: each kernel's size found on
 * this machine (rank 0 times seq, the others sleep), then shared. */
#include "calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_env.h"
#include "sysinfo.h"

#define CALIBRATE_TRIES 8
#define CALIBRATE_TOLERANCE 0.2

uint64_t ps_calibrate_next(uint64_t n0, double t0, uint64_t n1, double t1, double target,
                           double p0, uint64_t max)
{
    /* The fitted power, never below the kernel's own growth: two noisy
     * times a step apart can fit a power near 0, and dgemm (n^3) sized as
     * if its time grew as n^0.5 took a 10 ms step to minutes. */
    double p = p0;
    if (n0 > 0 && n0 != n1 && t0 > 0.0 && t1 > 0.0) {
        double fit = log(t1 / t0) / log((double)n1 / (double)n0);
        if (fit > p)  /* NAN is not */
            p = fit;
        if (p > 3.5)
            p = 3.5;
    }
    if (!(p >= 0.5))
        p = 0.5;
    /* at most 64 times the time per step, as the power has it */
    const double cap = pow(64.0, 1.0 / p);
    double f = t1 > 0.0 ? pow(target / t1, 1.0 / p) : cap;
    if (f > cap)
        f = cap;
    if (f < 1.0 / cap)
        f = 1.0 / cap;
    double n = (double)n1 * f;
    if (n < 1.0)
        n = 1.0;
    if (n > (double)max)
        n = (double)max;
    return (uint64_t)llround(n);
}

/* The faster of two seq repetitions of k at size n, each less what it lost
 * to other tasks or the hypervisor (disturb.h): on a busy machine the fit
 * follows the kernel's own time, not the machine's load. */
static int time_seq(const ps_run_opts *o, const ps_ctx *ctx, const ps_kernel *k,
                    uint64_t n, double *seconds, ps_err *err)
{
    const ps_backend *seq = ps_backend_baseline();
    ps_config c;
    memset(&c, 0, sizeof c);
    c.kernel = k;
    c.backend = seq;
    c.workers = c.threads = c.ranks = 1;
    c.scaling = PS_STRONG;
    c.order = c.n = n;
    c.steps = o->steps ? o->steps : k->steps;
    c.opts = o->backend_opts[ps_backend_index(seq)];
    ps_options_params(o, k, c.param);
    *seconds = INFINITY;
    for (int i = 0; i < 2; i++) {
        ps_rep rep;
        memset(&rep, 0, sizeof rep);
        if (seq->run(ctx, &c, &rep, err) != 0)
            return -1;
        if (!rep.verified)
            return ps_fail(err, "--rep-time: %s did not verify at size %llu: %s", k->name,
                           (unsigned long long)n, rep.error);
        /* its CPU time, unless the readings are missing or implausible */
        double own = rep.dist.ok && rep.dist.run > 0.05 * rep.seconds &&
                     rep.dist.run <= rep.seconds ? rep.dist.run : rep.seconds;
        if (own < *seconds)
            *seconds = own;
    }
    return 0;
}

/* How k's work grows with n before any time says so: 1 plus the growth of
 * its per-index work from n to 2n (dgemm's rows cost n^2 each: 3). */
static double work_power(const ps_run_opts *o, const ps_kernel *k, uint64_t n)
{
    ps_kernel_cost a, b;
    ps_kernel_args x = {.n = n, .order = n, .lo = 0, .hi = n, .steps = 1};
    ps_options_params(o, k, x.param);
    ps_kernel_cost_of(k, &x, &a);
    x.n = x.order = x.hi = 2 * n;
    ps_kernel_cost_of(k, &x, &b);
    double wa = a.flops_per_index + a.bytes_per_index + a.rate_per_index;
    double wb = b.flops_per_index + b.bytes_per_index + b.rate_per_index;
    double p = wa > 0.0 && wb > 0.0 ? 1.0 + log(wb / wa) / log(2.0) : 1.0;
    return p >= 0.5 && p <= 3.5 ? p : 1.0;
}

/* Rank 0: the size of k whose seq repetition lasts about o->rep_time. */
static int calibrate_one(const ps_run_opts *o, const ps_ctx *ctx, const ps_kernel *k,
                         uint64_t *size, ps_err *err)
{
    const double target = o->rep_time;
    uint64_t n0 = 0, n1 = k->sizes[PS_SIZE_TEST] ? k->sizes[PS_SIZE_TEST] : 1;
    double t0 = 0.0, t1;
    for (int i = 0; i < CALIBRATE_TRIES; i++) {
        if (time_seq(o, ctx, k, n1, &t1, err) != 0)
            return -1;
        if (fabs(t1 / target - 1.0) <= CALIBRATE_TOLERANCE)
            break;
        uint64_t next = ps_calibrate_next(n0, t0, n1, t1, target, work_power(o, k, n1),
                                          PS_EXACT_MAX_U64 / 64);
        if (next == n1)  /* at a bound, or time no longer follows size */
            break;
        n0 = n1, t0 = t1, n1 = next;
    }
    *size = n1;
    return 0;
}

/* The largest cache of "L1d 48K, L2 1024K, L3 32768K", in bytes; 0 when
 * none is named. */
static double largest_cache(const char *caches)
{
    double best = 0.0;
    for (const char *s = caches; (s = strchr(s, ' ')) != NULL;) {
        char *end;
        double kib = strtod(++s, &end);
        if (end != s && *end == 'K' && kib * 1024.0 > best)
            best = kib * 1024.0;
    }
    return best;
}

/* A kernel that moves more bytes than it computes flops (below 1 flop a
 * byte: stream, transpose, stencil) measures memory only with data beyond
 * the caches: at least 4 times the largest, so its size is never chosen
 * below that, even when a repetition then lasts longer than asked.  A
 * guest is often shown the whole socket's L3 (512 MB on a large EPYC) of
 * which its cores see a slice, so the floor is at most 256 MiB.  The data
 * is n indices of bytes_per_index each, which itself grows with n where an
 * index is a row of n (stencil, transpose: n^2 in all), so the floor is
 * the smallest n whose whole data reaches it, found by doubling and
 * bisection (the cost model is cheap and grows with n). */
#define BEYOND_CACHES_MAX (256.0 * 1024 * 1024)
static double data_bytes(const ps_run_opts *o, const ps_kernel *k, uint64_t n, int *memory)
{
    ps_kernel_args a = {.n = n, .order = n, .lo = 0, .hi = n,
                        .steps = o->steps ? o->steps : k->steps};
    ps_options_params(o, k, a.param);
    ps_kernel_cost c;
    ps_kernel_cost_of(k, &a, &c);
    *memory = c.bytes_per_index > 0.0 && c.flops_per_index < c.bytes_per_index;
    return (double)n * c.bytes_per_index;
}

uint64_t ps_calibrate_beyond_caches(const ps_run_opts *o, const ps_kernel *k, uint64_t n,
                                    double cache)
{
    int memory;
    const double bytes = 4.0 * cache < BEYOND_CACHES_MAX ? 4.0 * cache : BEYOND_CACHES_MAX;
    if (n == 0 || !(cache > 0.0) || data_bytes(o, k, n, &memory) >= bytes || !memory)
        return n;
    uint64_t lo = n, hi = n;  /* data_bytes(lo) < bytes <= data_bytes(hi) */
    while (data_bytes(o, k, hi, &memory) < bytes) {
        if (hi > PS_EXACT_MAX_U64 / 128)
            return hi;
        lo = hi;
        hi *= 2;
    }
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (data_bytes(o, k, mid, &memory) < bytes)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* Kernel k's own --size entry, added when it has none. */
static void set_size(ps_run_opts *o, const ps_kernel *k, uint64_t size)
{
    int j = 0;
    while (j < o->nksizes && o->ksizes[j].kernel != k)
        j++;
    if (j == o->nksizes)
        o->nksizes++;
    o->ksizes[j].kernel = k;
    o->ksizes[j].size_class = -1;
    o->ksizes[j].size = size;
}

int ps_calibrate_sizes(ps_run_opts *o, const ps_ctx *ctx, ps_err *err)
{
    if (!(o->rep_time > 0.0))
        return 0;
    uint64_t sizes[PS_MAX_LIST] = {0};
    int ok = 1;
    if (ctx->rank == 0) {
        ps_sysinfo si;
        ps_sysinfo_collect(&si, NULL);  /* the caches alone are read */
        const double cache = largest_cache(si.caches);
        for (int i = 0; i < o->nkernels && ok; i++) {
            ok = calibrate_one(o, ctx, o->kernels[i], &sizes[i], err) == 0;
            if (ok)
                sizes[i] = ps_calibrate_beyond_caches(o, o->kernels[i], sizes[i], cache);
        }
    }
    /* the others sleep here rather than spin in a broadcast beside it */
    int sync = ps_mpi_idle_all_ok(ctx, ok, err);
    if (sync < 0)
        return -1;
    if (sync > 0)
        return ctx->rank == 0 ? -1 : ps_fail(err, "rank 0 could not calibrate the sizes");
    if (ps_mpi_bcast(ctx, sizes, sizeof sizes, err) != 0)
        return -1;
    for (int i = 0; i < o->nkernels; i++)
        set_size(o, o->kernels[i], sizes[i]);
    return 0;
}
