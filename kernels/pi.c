/* pi.c -- midpoint integration of 4/(1+x^2) over [0,1] in n intervals.
 * Pure floating-point work with no memory traffic: the kernel that shows
 * whether more workers add more arithmetic. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

static void pi_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    const ps_kernel_args *s = state;
    const double h = 1.0 / (double)s->n;
    double sum = 0.0;
    for (uint64_t i = lo; i < hi; i++) {
        double x = h * ((double)i + 0.5);
        sum += 4.0 / (1.0 + x * x);
    }
    acc->v[0] += sum * h;
}

/* The midpoint rule's error for f = 4/(1+x^2) is bounded by
 * max|f''| / (24 n^2) = 8 / (24 n^2); rounding adds about n * eps.
 * Each step adds one full estimate, so the total is steps * pi. */
static int pi_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const ps_kernel_args *s = state;
    double n = (double)s->n;
    double estimate = total->v[0] / s->steps;
    double tol = 8.0 / (24.0 * n * n) + 64.0 * n * 2.220446049250313e-16 + 1e-15;
    double err = fabs(estimate - 3.14159265358979323846);
    if (err <= tol)
        return 1;
    snprintf(msg, len, "pi estimate %.17g is off by %.3g (tolerance %.3g)",
             estimate, err, tol);
    return 0;
}

const ps_kernel ps_kernel_pi = {
    .name = "pi",
    .list_order = 20,
    .summary = "midpoint integration of 4/(1+x^2) on [0,1]",
    .exercises = "floating-point throughput, no memory traffic",
    .rate_unit = "Gintervals/s",
    .rate_per_index = 1e-9,
    .flops_per_index = 6.0,
    .bytes_per_index = 0.0,
    .sizes = {100000, 400000000, 4000000000},
    .steps = 1,
    .tick = 1000,
    .create = ps_kernel_keep_args,
    .init = ps_kernel_no_init,
    .run = pi_run,
    .verify = pi_verify,
    .destroy = free,
};
