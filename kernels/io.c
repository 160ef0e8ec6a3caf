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

typedef struct io_state {
    double expected;  /* n * steps waits in all */
    long wait_ns;
} io_state;

/* Remembers how many waits verify should find. */
static int io_create(void **state, const ps_kernel_args *args)
{
    io_state *s = malloc(sizeof *s);
    if (!s)
        return -1;
    s->expected = (double)args->n * (double)args->steps;
    s->wait_ns = (long)(args->param[0] * 1e3);
    *state = s;
    return 0;
}

/* No data to touch. */
static void io_init(void *state, uint64_t lo, uint64_t hi)
{
    (void)state, (void)lo, (void)hi;
}

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
    const io_state *s = state;
    for (uint64_t i = lo; i < hi; i++)
        io_wait(s->wait_ns);
    acc->v[0] += (double)(hi - lo);
}

/* Every wait of every step happened, once. */
static int io_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const io_state *s = state;
    if (total->v[0] == s->expected)
        return 1;
    snprintf(msg, len, "did %.0f waits, expected %.0f", total->v[0], s->expected);
    return 0;
}

static void io_destroy(void *state)
{
    free(state);
}

const ps_kernel ps_kernel_io = {
    .name = "io",
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
    .create = io_create,
    .init = io_init,
    .run = io_run,
    .verify = io_verify,
    .destroy = io_destroy,
};
