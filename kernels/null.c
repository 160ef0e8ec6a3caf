/* null.c -- no work at all: what remains is the harness's own cost
 * (thread start-up, barriers, lock traffic, reductions) per repetition. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

typedef struct null_state {
    double expected;  /* n * steps: every index visited once per step */
} null_state;

static int null_create(void **state, const ps_kernel_args *args)
{
    null_state *s = malloc(sizeof *s);
    if (!s)
        return -1;
    s->expected = (double)args->n * args->steps;
    *state = s;
    return 0;
}

static void null_init(void *state, uint64_t lo, uint64_t hi)
{
    (void)state, (void)lo, (void)hi;
}

/* Counts the indices it was handed, so verify still proves that the split
 * covered every index exactly once. */
static void null_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    (void)state;
    acc->v[0] += (double)(hi - lo);
}

static int null_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const null_state *s = state;
    if (total->v[0] == s->expected)
        return 1;
    snprintf(msg, len, "visited %.0f indices, expected %.0f",
             total->v[0], s->expected);
    return 0;
}

static void null_destroy(void *state)
{
    free(state);
}

const ps_kernel ps_kernel_null = {
    .name = "null",
    .summary = "no work: measures the harness's own cost per repetition",
    .exercises = "thread/process start-up, barriers, lock traffic, reductions",
    .rate_unit = "index/s",
    .rate_per_index = 1.0,
    .sizes = {1, 1, 1},
    .steps = 1,
    .tick = 1,
    .create = null_create,
    .init = null_init,
    .run = null_run,
    .verify = null_verify,
    .destroy = null_destroy,
};
