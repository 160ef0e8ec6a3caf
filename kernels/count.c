/* count.c -- the integer loop x = x + 1, repeated n times: the loop that
 * pins one core in the classic demonstration of the GIL.  One index is one
 * increment; nothing touches memory. */
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

typedef struct count_state {
    double expected;  /* n * steps increments in all */
} count_state;

/* Remembers the only thing verify needs: how many increments to expect. */
static int count_create(void **state, const ps_kernel_args *args)
{
    count_state *s = malloc(sizeof *s);
    if (!s)
        return -1;
    s->expected = (double)args->n * (double)args->steps;
    *state = s;
    return 0;
}

/* No data to touch. */
static void count_init(void *state, uint64_t lo, uint64_t hi)
{
    (void)state, (void)lo, (void)hi;
}

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
    const count_state *s = state;
    if (total->v[0] == s->expected)
        return 1;
    snprintf(msg, len, "counted %.0f increments, expected %.0f",
             total->v[0], s->expected);
    return 0;
}

static void count_destroy(void *state)
{
    free(state);
}

const ps_kernel ps_kernel_count = {
    .name = "count",
    .summary = "the integer loop x = x + 1, n times (the classic GIL demo)",
    .exercises = "one core's integer pipeline, no memory traffic",
    .rate_unit = "Giter/s",
    .rate_per_index = 1e-9,
    .flops_per_index = 0.0,
    .bytes_per_index = 0.0,
    .sizes = {100000, 1000000000, 10000000000},
    .steps = 1,
    .tick = 2000,
    .create = count_create,
    .init = count_init,
    .run = count_run,
    .verify = count_verify,
    .destroy = count_destroy,
};
