/* timer.h -- the one clock every measurement uses (CLOCK_MONOTONIC). */
#ifndef PS_TIMER_H
#define PS_TIMER_H

#include <stdint.h>

/* Seconds since an arbitrary origin, monotonic. */
double ps_now(void);
uint64_t ps_now_ns(void);
/* The clock's advertised resolution and the smallest step actually observed
 * between two readings (STREAM's check), both in seconds. */
double ps_timer_resolution(void);
double ps_timer_observed_tick(void);
/* Sleeps for ns nanoseconds, resuming after signals. */
void ps_sleep_ns(uint64_t ns);

#endif
