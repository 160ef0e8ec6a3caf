/* io.c -- n blocking waits of a fixed length, standing in for network or
 * disk waits.  The kernel declares that it waits, so the gil backend runs
 * it with the lock released, as CPython does around blocking I/O. */
#define _POSIX_C_SOURCE 200809L  /* nanosleep */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernel.h"

/* The length of one wait: 1 ms by default (a request to a local service or
 * a disk), long against this machine's sleep and wake-up latency (about
 * 0.1 ms on a VM), so that overlap is measured rather than the scheduler;
 * --param io.wait_us=100 makes the short waits of the convoy experiment. */
static const ps_kernel_param io_params[] = {
    {"wait_us", "length of one wait in microseconds", 1000.0, 1.0, 1e7},
    {NULL, NULL, 0, 0, 0},
};

/* One full wait, resumed after a signal so that a wait is always whole. */
static void io_wait(long ns)
{
    struct timespec left = {(time_t)(ns / 1000000000L), ns % 1000000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

/* One wait per index; counts them for verify. */
static void io_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    const ps_kernel_args *s = state;
    long ns = (long)(s->param[0] * 1e3);
    for (uint64_t i = lo; i < hi; i++)
        io_wait(ns);
    acc->v[0] += (double)(hi - lo);
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
    .summary = "n blocking waits of 1 ms each (nanosleep; --param io.wait_us), like I/O",
    .exercises = "waiting with the lock released: overlap, not computation",
    .rate_unit = "waits/s",
    .rate_per_index = 1.0,
    .flops_per_index = 0.0,
    .bytes_per_index = 0.0,
    .sizes = {10, 200, 2000},
    .steps = 1,
    .tick = 1,
    .flags = PS_KERNEL_WAITS,
    .params = io_params,
    .create = ps_kernel_keep_args,
    .init = ps_kernel_no_init,
    .run = io_run,
    .verify = io_verify,
    .destroy = free,
};
