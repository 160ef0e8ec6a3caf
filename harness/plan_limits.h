/*
 * plan_limits.h -- the arithmetic a run's options imply, checked before any of
 * it is done: a product that would wrap (size x workers under weak
 * scaling, repetitions x configurations) is bad input, refused with the
 * numbers that made it, never a silently different run.
 */
#ifndef PS_PLAN_LIMITS_H
#define PS_PLAN_LIMITS_H

#include "options.h"

/* Every size a configuration will have: the size (or the kernel's size
 * class) times each worker count under weak scaling, at most 2^53. */
int ps_limits_check_sizes(const ps_run_opts *o, ps_err *err);
/* The schedule: (warm-up + timed) rounds x the plan's npoints
 * configurations fits an int. */
int ps_limits_check_plan(int npoints, const ps_run_opts *o, ps_err *err);

#endif
