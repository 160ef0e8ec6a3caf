/* timer.c -- see timer.h.  The monotonic clock, its resolution and
 * observed tick, sleeping, and the UTC stamp. */
#define _POSIX_C_SOURCE 200809L
#include "timer.h"

#include <errno.h>
#include <time.h>

uint64_t ps_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double ps_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double ps_timer_resolution(void)
{
    struct timespec ts;
    if (clock_getres(CLOCK_MONOTONIC, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The smallest non-zero difference of consecutive readings over many tries:
 * what the clock can really tell apart, including the cost of reading it. */
double ps_timer_observed_tick(void)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 1000; i++) {
        uint64_t a = ps_now_ns(), b;
        while ((b = ps_now_ns()) == a)
            ;
        if (b - a < best)
            best = b - a;
    }
    return (double)best * 1e-9;
}

void ps_sleep_ns(uint64_t ns)
{
    struct timespec req = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&req, &req) != 0 && errno == EINTR)
        ;
}

/* One format for every stamp a reader compares: rows and run headers. */
void ps_utc_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
