/* stream.c -- the STREAM triad a[i] = b[i] + s * c[i] on arrays far larger
 * than the caches: the kernel that measures memory bandwidth.  Bytes are
 * counted as STREAM counts them: 24 per element (two loads, one store). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

typedef struct stream_state {
    uint64_t lo, hi;      /* the indices this process owns */
    uint32_t step;        /* steps finished; only exchange changes it */
    uint32_t steps;
    double expected;      /* n * steps elements in all */
    double *a, *b, *c;    /* element i lives at [i - lo] */
    double *tb, *tc;      /* b and c over one PERIOD, for init and verify */
} stream_state;

/* The inputs as functions of the global index: small integers, so every
 * a[i] = b[i] + s * c[i] is exact and known without running the kernel. */
static double stream_b(uint64_t i)
{
    return (double)(i % 1021);
}

static double stream_c(uint64_t i)
{
    return (double)(i % 7 + 1);
}

/* Both inputs repeat every 1021 * 7 indices: init copies and verify
 * compares whole runs of that period from tables, loops the compiler turns
 * into vector code, rather than two divisions per element (which made
 * set-up and checking take six times as long as the timed triad). */
enum { PERIOD = 1021 * 7 };

/* Calls fn(state, i, k, len) over [lo, hi) in runs that start at index i,
 * at position k of the period, len elements long (never past its end). */
static uint64_t stream_runs(const stream_state *s, uint64_t lo, uint64_t hi,
                            uint64_t (*fn)(const stream_state *, uint64_t, size_t, size_t))
{
    uint64_t got = 0;
    for (uint64_t i = lo; i < hi;) {
        size_t k = (size_t)(i % PERIOD), len = PERIOD - k;
        if (len > hi - i)
            len = (size_t)(hi - i);
        got += fn(s, i, k, len);
        i += len;
    }
    return got;
}

/* STREAM's scalar is 3; here it alternates 3, 4, 3... by step, so that the
 * answer records which step wrote it: a range left out of the last step
 * still holds the previous step's (different) values and verify sees it. */
static double stream_scalar(uint32_t step)
{
    return 3.0 + (double)(step & 1);
}

static void stream_destroy(void *state)
{
    stream_state *s = state;
    if (!s)
        return;
    size_t count = (size_t)(s->hi - s->lo);
    ps_free_doubles(s->a, count);
    ps_free_doubles(s->b, count);
    ps_free_doubles(s->c, count);
    free(s->tb);
    free(s->tc);
    free(s);
}

/* Allocates only this process's part; pages stay untouched until init. */
static int stream_create(void **state, const ps_kernel_args *args)
{
    stream_state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->lo = args->lo;
    s->hi = args->hi;
    s->steps = args->steps;
    s->expected = (double)args->n * (double)args->steps;
    size_t count = (size_t)(args->hi - args->lo);
    s->a = ps_alloc_doubles(count);  /* aligned: no vector load splits a line */
    s->b = ps_alloc_doubles(count);
    s->c = ps_alloc_doubles(count);
    s->tb = malloc(PERIOD * sizeof *s->tb);
    s->tc = malloc(PERIOD * sizeof *s->tc);
    if (!s->a || !s->b || !s->c || !s->tb || !s->tc) {
        stream_destroy(s);
        errno = ENOMEM;
        return -1;
    }
    for (uint64_t k = 0; k < PERIOD; k++) {
        s->tb[k] = stream_b(k);
        s->tc[k] = stream_c(k);
    }
    *state = s;
    return 0;
}

static uint64_t init_run(const stream_state *s, uint64_t i, size_t k, size_t len)
{
    double *restrict a = s->a + (i - s->lo), *restrict b = s->b + (i - s->lo),
                     *restrict c = s->c + (i - s->lo);
    const double *restrict tb = s->tb + k, *restrict tc = s->tc + k;
    for (size_t j = 0; j < len; j++) {
        a[j] = 0.0;
        b[j] = tb[j];
        c[j] = tc[j];
    }
    return 0;
}

/* First touch by the worker that will stream through these pages.  a starts
 * at 0, which no element of the answer equals (all are at least 3). */
static void stream_init(void *state, uint64_t lo, uint64_t hi)
{
    stream_runs(state, lo, hi, init_run);
}

/* The triad over [lo, hi).  restrict tells the compiler the arrays never
 * overlap, so the loop becomes plain vector loads, FMAs and stores. */
static void stream_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    const stream_state *s = state;
    size_t off = (size_t)(lo - s->lo), len = (size_t)(hi - lo);
    double *restrict a = s->a + off;
    const double *restrict b = s->b + off;
    const double *restrict c = s->c + off;
    const double q = stream_scalar(s->step);
    for (size_t i = 0; i < len; i++)
        a[i] = b[i] + q * c[i];
    acc->v[0] += (double)len;
}

/* Nothing to send: only counts the step, which picks the next scalar. */
static int stream_exchange(void *state, const ps_comm *comm)
{
    (void)comm;
    stream_state *s = state;
    s->step++;
    return 0;
}

/* How many of a run's elements differ from b + q * c with the last
 * step's scalar q. */
static uint64_t wrong_in_run(const stream_state *s, uint64_t i, size_t k, size_t len)
{
    const double q = stream_scalar(s->steps ? s->steps - 1 : 0);
    const double *restrict a = s->a + (i - s->lo);
    const double *restrict tb = s->tb + k, *restrict tc = s->tc + k;
    uint64_t wrong = 0;
    for (size_t j = 0; j < len; j++)
        wrong += a[j] != tb[j] + q * tc[j];
    return wrong;
}

/* Every element this process owns against the closed form, and the element
 * count over all processes (which catches an index run twice). */
static int stream_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const stream_state *s = state;
    uint64_t first = 0;
    double q = stream_scalar(s->steps ? s->steps - 1 : 0);  /* the last step's */
    if (s->step != s->steps) {
        snprintf(msg, len, "exchange ran %u times for %u steps", s->step, s->steps);
        return 0;
    }
    uint64_t wrong = stream_runs(s, s->lo, s->hi, wrong_in_run);
    for (uint64_t i = s->lo; wrong && i < s->hi; i++)  /* only to name the first */
        if (s->a[i - s->lo] != stream_b(i) + q * stream_c(i)) {
            first = i;
            break;
        }
    if (wrong) {
        snprintf(msg, len, "%llu of %llu elements wrong, first a[%llu] = %.17g",
                 (unsigned long long)wrong, (unsigned long long)(s->hi - s->lo),
                 (unsigned long long)first, s->a[first - s->lo]);
        return 0;
    }
    if (total->v[0] != s->expected) {
        snprintf(msg, len, "updated %.0f elements, expected %.0f",
                 total->v[0], s->expected);
        return 0;
    }
    return 1;
}

const ps_kernel ps_kernel_stream = {
    .name = "stream",
    .list_order = 30,
    .summary = "STREAM triad a[i] = b[i] + s*c[i] on arrays beyond the caches",
    .exercises = "memory bandwidth (24 bytes moved per element)",
    .rate_unit = "GB/s",
    .rate_per_index = 24e-9,
    .flops_per_index = 2.0,
    .bytes_per_index = 24.0,
    .sizes = {4096, 8388608, 33554432},
    .steps = 20,
    .tick = 512,
    .create = stream_create,
    .init = stream_init,
    .run = stream_run,
    .exchange = stream_exchange,
    .verify = stream_verify,
    .destroy = stream_destroy,
};
