/* sumsq.c -- an out-of-tree parscale kernel: the sum of (i mod p)^2 over
 * the indices i < n, checked against its closed form.
 *
 * Integer work with no memory traffic.  Every partial sum is a whole number,
 * so while the total stays below 2^53 doubles add the workers' parts exactly
 * in any order: the answer does not depend on how a backend splits the
 * range, and verify can ask for it exactly. */
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

/* The period p: (i mod p)^2 < 2^24, so a worker's uint64 sum cannot
 * overflow below 2^40 indices. */
static const ps_kernel_param sumsq_params[] = {
    {.name = "period", .doc = "p in (i mod p)^2", .def = 1024, .min = 1, .max = 4096},
    {.name = NULL},
};

static void sumsq_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    const ps_kernel_args *a = state;
    const uint64_t p = (uint64_t)a->param[0];
    uint64_t sum = 0, r = lo % p;
    for (uint64_t i = lo; i < hi; i++) {
        sum += r * r;
        if (++r == p)
            r = 0;
    }
    acc->v[0] += (double)sum;
}

/* 0^2 + 1^2 + ... + (m-1)^2 = (m-1) m (2m-1) / 6, exact for m <= 4096. */
static double squares_below(uint64_t m)
{
    return m ? (double)((m - 1) * m * (2 * m - 1) / 6) : 0.0;
}

/* n = q p + r indices: q whole periods and the squares below r; each step
 * adds the same sum.  Beyond 2^53 doubles round, so allow that much. */
static int sumsq_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const ps_kernel_args *a = state;
    const uint64_t p = (uint64_t)a->param[0];
    double want = (double)a->steps *
                  ((double)(a->n / p) * squares_below(p) + squares_below(a->n % p));
    double tol = want < 9007199254740992.0 ? 0.0 : want * 1e-12;
    double diff = total->v[0] - want;
    if (diff <= tol && -diff <= tol)
        return 1;
    snprintf(msg, len, "sum of squares %.17g, expected %.17g", total->v[0], want);
    return 0;
}

const ps_kernel ps_kernel_sumsq = {
    .name = "sumsq",
    .summary = "sum of (i mod p)^2 over i < n, against its closed form",
    .exercises = "integer multiply-add throughput, no memory traffic",
    .rate_unit = "Gterms/s",
    .rate_per_index = 1e-9,
    .flops_per_index = 0.0,  /* integer operations: no flops */
    .bytes_per_index = 0.0,
    .sizes = {100000, 400000000, 4000000000},
    .steps = 1,
    .tick = 1000,
    .create = ps_kernel_keep_args,
    .init = ps_kernel_no_init,
    .run = sumsq_run,
    .verify = sumsq_verify,
    .destroy = free,
    .params = sumsq_params,
};
