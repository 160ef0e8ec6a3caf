/* timer.h -- the one clock every measurement uses (CLOCK_MONOTONIC), and
 * the wall-clock stamp that rows and metadata carry. */
#ifndef PS_TIMER_H
#define PS_TIMER_H

#include <stddef.h>
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
/* The UTC time now as ISO 8601, "2026-12-01T11:30:00Z" (at least 21 bytes). */
void ps_utc_now(char *buf, size_t len);

#endif
