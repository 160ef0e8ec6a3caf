/* stats.c -- see stats.h.  Medians, their exact confidence intervals,
 * quantiles and histograms of samples. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double ps_quantile_sorted(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double pos = p * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n)
        return sorted[n - 1];
    double frac = pos - (double)i;
    return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}

/* Walks the binomial(n, 1/2) distribution in log space so large n does not
 * overflow: P(X = k) = C(n, k) / 2^n. */
size_t ps_median_ci_rank(size_t n, double level)
{
    double alpha_half = (1.0 - level) / 2.0;
    double cdf = 0.0;
    size_t l = 0;
    for (size_t k = 0; k < n; k++) {
        double logp = lgamma((double)n + 1) - lgamma((double)k + 1) -
                      lgamma((double)(n - k) + 1) - (double)n * log(2.0);
        cdf += exp(logp);  /* now P(X <= k) = P(X < k + 1) */
        if (cdf > alpha_half + 1e-12)
            break;
        l = k + 1;
    }
    if (l == 0 || l > n / 2)
        return 0;
    return l;
}

int ps_summarize(const double *x, size_t n, ps_summary *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return -1;
    double *s = malloc(n * sizeof *s);
    if (!s)
        return -1;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    out->n = n;
    out->min = s[0];
    out->max = s[n - 1];
    /* the mean of the two middle values in one rounding, (a + b) / 2: the
     * interpolation a + (b - a) / 2 rounds twice and can miss by an ulp */
    out->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    out->mean = sum / (double)n;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (s[i] - out->mean) * (s[i] - out->mean);
    out->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
    size_t l = ps_median_ci_rank(n, 0.95);
    if (l > 0) {
        out->ci_lo = s[l - 1];
        out->ci_hi = s[n - l];
        out->ci_exact = 1;
    } else {
        out->ci_lo = out->min;
        out->ci_hi = out->max;
        out->ci_exact = 0;
    }
    free(s);
    return 0;
}

/* One median for every summary line, so backends share its rounding. */
double ps_median(const double *x, size_t n)
{
    ps_summary s;
    return ps_summarize(x, n, &s) == 0 ? s.median : NAN;
}

/* Bucket b = 16 * e + m covers [2^e * (1 + m/16), 2^e * (1 + (m+1)/16))
 * for values >= 16; smaller values get exact buckets 0..15. */
static unsigned hist_bucket(uint64_t v)
{
    if (v < PS_HIST_SUB)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);  /* floor(log2 v) >= 4 */
    unsigned m = (unsigned)((v >> (e - 4)) & (PS_HIST_SUB - 1));
    return (e - 3) * PS_HIST_SUB + m;
}

static double hist_mid(unsigned b)
{
    if (b < PS_HIST_SUB)
        return (double)b;
    unsigned e = b / PS_HIST_SUB + 3, m = b % PS_HIST_SUB;
    double lo = ldexp(1.0 + m / 16.0, (int)e);
    double hi = ldexp(1.0 + (m + 1) / 16.0, (int)e);
    return (lo + hi) / 2.0;
}

void ps_hist_add(ps_hist *h, uint64_t ns)
{
    h->bucket[hist_bucket(ns)]++;
    h->count++;
    h->sum += (double)ns;
}

void ps_hist_merge(ps_hist *into, const ps_hist *from)
{
    for (unsigned i = 0; i < PS_HIST_BUCKETS; i++)
        into->bucket[i] += from->bucket[i];
    into->count += from->count;
    into->sum += from->sum;
}

double ps_hist_quantile(const ps_hist *h, double p)
{
    if (h->count == 0)
        return 0.0;
    uint64_t rank = (uint64_t)ceil(p * (double)h->count);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned b = 0; b < PS_HIST_BUCKETS; b++) {
        seen += h->bucket[b];
        if (seen >= rank)
            return hist_mid(b);
    }
    return hist_mid(PS_HIST_BUCKETS - 1);
}
