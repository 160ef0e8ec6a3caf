/* null.c -- no work at all: what remains is the harness's own cost
 * (thread start-up, barriers, lock traffic, reductions) per repetition. */
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

/* Counts the indices it was handed, so verify still proves that the split
 * covered every index exactly once. */
static void null_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    (void)state;
    acc->v[0] += (double)(hi - lo);
}

/* n * steps: every index visited once per step. */
static int null_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const ps_kernel_args *s = state;
    double expected = (double)s->n * (double)s->steps;
    if (total->v[0] == expected)
        return 1;
    snprintf(msg, len, "visited %.0f indices, expected %.0f", total->v[0], expected);
    return 0;
}

const ps_kernel ps_kernel_null = {
    .name = "null",
    .list_order = 900,
    .summary = "no work: measures the harness's own cost per repetition",
    .exercises = "thread/process start-up, barriers, lock traffic, reductions",
    .rate_unit = "index/s",
    .rate_per_index = 1.0,
    .sizes = {1, 1, 1},
    .steps = 1,
    .tick = 1,
    .create = ps_kernel_keep_args,
    .init = ps_kernel_no_init,
    .run = null_run,
    .verify = null_verify,
    .destroy = free,
};
