/* stats.h -- summaries of raw samples, after Hoefler & Belli (SC15):
 * median with a non-parametric confidence interval, not mean +- sd. */
#ifndef PS_STATS_H
#define PS_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct ps_summary {
    size_t n;
    double median, min, max, mean, sd;
    double ci_lo, ci_hi;  /* 95% CI of the median */
    int ci_exact;         /* 0 when n < 6: no order statistics give 95%,
                             so [min, max] is shown and flagged */
} ps_summary;

/* Sorts a copy of x; returns -1 only when out of memory or n == 0. */
int ps_summarize(const double *x, size_t n, ps_summary *out);
/* The median of x (as ps_summarize gives it); NAN when n == 0 or out of
 * memory. */
double ps_median(const double *x, size_t n);

/* The 1-based ranks (l, u) of the order statistics bounding a distribution-
 * free confidence interval of the median with coverage >= level: the
 * largest l with 2 * P(Binom(n, 1/2) < l) <= 1 - level, u = n + 1 - l.
 * Returns 0 and l = 0 when n is too small for the level. */
size_t ps_median_ci_rank(size_t n, double level);

/* p-th quantile (0..1) of sorted data, linear interpolation. */
double ps_quantile_sorted(const double *sorted, size_t n, double p);

/* A log-bucketed histogram for millions of durations at constant memory and
 * cost: 16 sub-buckets per power of two, so a quantile read from it is
 * within about 3% of the true one. Values in nanoseconds. */
#define PS_HIST_SUB 16
#define PS_HIST_BUCKETS (64 * PS_HIST_SUB)
typedef struct ps_hist {
    uint64_t count;
    double sum;  /* nanoseconds */
    uint32_t bucket[PS_HIST_BUCKETS];
} ps_hist;

void ps_hist_add(ps_hist *h, uint64_t ns);
void ps_hist_merge(ps_hist *into, const ps_hist *from);
/* Returns the quantile in nanoseconds (a bucket's midpoint), 0 if empty. */
double ps_hist_quantile(const ps_hist *h, double p);

#endif
