/* count.c -- the integer loop x = x + 1, repeated n times: the loop that
 * pins one core in the classic demonstration of the GIL.  One index is one
 * increment; nothing touches memory. */
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

/* Adds one hi - lo times.  Without the barrier the compiler would turn the
 * loop into x = hi - lo and there would be nothing left to measure. */
static void count_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    (void)state;
    uint64_t x = 0;
    for (uint64_t i = lo; i < hi; i++) {
        x = x + 1;
        /* An empty asm that claims to read and rewrite x: the compiler can
         * no longer see what x holds, so it must do every increment. */
        __asm__ volatile("" : "+r"(x));
    }
    acc->v[0] += (double)x;
}

/* Exact: every increment of every step must have happened, once. */
static int count_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const ps_kernel_args *s = state;
    double expected = (double)s->n * (double)s->steps;
    if (total->v[0] == expected)
        return 1;
    snprintf(msg, len, "counted %.0f increments, expected %.0f", total->v[0], expected);
    return 0;
}

const ps_kernel ps_kernel_count = {
    .name = "count",
    .list_order = 10,
    .flags = PS_KERNEL_HOG,
    .summary = "the integer loop x = x + 1, n times (the classic GIL demo)",
    .exercises = "one core's integer pipeline, no memory traffic",
    .rate_unit = "Giter/s",
    .rate_per_index = 1e-9,
    .flops_per_index = 0.0,
    .bytes_per_index = 0.0,
    .sizes = {100000, 1000000000, 10000000000},
    .steps = 1,
    .tick = 2000,
    .create = ps_kernel_keep_args,
    .init = ps_kernel_no_init,
    .run = count_run,
    .verify = count_verify,
    .destroy = free,
};
