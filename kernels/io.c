/* io.c -- n waits of a fixed length, standing in for network or disk
 * waits.  The kernel says how long each index waits (wait_ns) and never
 * sleeps itself: the backend spends the wait its own way (blocking, with
 * the gil released, or in an event loop), which is the whole point of the
 * comparison. */
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

/* The length of one wait: 1 ms by default (a request to a local service or
 * a disk), long against this machine's sleep and wake-up latency (about
 * 0.1 ms on a VM), so that overlap is measured rather than the scheduler;
 * --param io.wait_us=100 makes the short waits of the convoy experiment. */
static const ps_kernel_param io_params[] = {
    {"wait_us", "length of one wait in microseconds (0: a wait that is only a yield)", 1000.0, 0.0, 1e7},
    {NULL, NULL, 0, 0, 0},
};

/* An index's own work is only to count itself, for verify: its wait is
 * spent by the backend. */
static void io_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    (void)state;
    acc->v[0] += (double)(hi - lo);
}

/* Every index waits --param io.wait_us. */
static uint64_t io_wait_ns(const void *state, uint64_t index)
{
    (void)index;
    const ps_kernel_args *s = state;
    return (uint64_t)(s->param[0] * 1e3);
}

/* Every wait of every step happened, once. */
static int io_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const ps_kernel_args *s = state;
    double expected = (double)s->n * (double)s->steps;
    if (total->v[0] == expected)
        return 1;
    snprintf(msg, len, "did %.0f waits, expected %.0f", total->v[0], expected);
    return 0;
}

const ps_kernel ps_kernel_io = {
    .name = "io",
    .list_order = 40,
    .summary = "n waits of 1 ms each (--param io.wait_us), like I/O: blocking, or in a loop",
    .exercises = "waiting with the lock released: overlap, not computation",
    .rate_unit = "waits/s",
    .rate_per_index = 1.0,
    .flops_per_index = 0.0,
    .bytes_per_index = 0.0,
    .sizes = {10, 200, 2000},
    .steps = 1,
    .tick = 1,
    .params = io_params,
    .create = ps_kernel_keep_args,
    .init = ps_kernel_no_init,
    .run = io_run,
    .verify = io_verify,
    .destroy = free,
    .wait_ns = io_wait_ns,
};
