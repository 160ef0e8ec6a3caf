/* test_stats.c -- the summary statistics against values computed by hand. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "stats.h"

/* Ranks of the 95% CI of the median from the binomial(n, 1/2) tail:
 * n = 6:  P(X <= 0) = 1/64 = .0156 <= .025, P(X <= 1) = 7/64 > .025 -> 1
 * n = 10: P(X <= 1) = 11/1024 = .0107, P(X <= 2) = 56/1024 = .0547 -> 2
 * n = 20: P(X <= 5) = 21700/1048576 = .0207, P(X <= 6) = .0577 -> 6
 * n = 5:  P(X <= 0) = 1/32 = .031 > .025 -> none */
static void test_ci_ranks(void)
{
    CHECK(ps_median_ci_rank(5, 0.95) == 0);
    CHECK(ps_median_ci_rank(6, 0.95) == 1);
    CHECK(ps_median_ci_rank(10, 0.95) == 2);
    CHECK(ps_median_ci_rank(20, 0.95) == 6);
    CHECK(ps_median_ci_rank(1, 0.95) == 0);
}

static void test_summary(void)
{
    /* unsorted on purpose: 1..10 shuffled */
    double x[10] = {7, 3, 10, 1, 5, 9, 2, 8, 4, 6};
    ps_summary s;
    CHECK(ps_summarize(x, 10, &s) == 0);
    CHECK(s.n == 10);
    CHECK_NEAR(s.median, 5.5, 1e-12);
    CHECK_NEAR(s.min, 1, 0);
    CHECK_NEAR(s.max, 10, 0);
    CHECK_NEAR(s.mean, 5.5, 1e-12);
    CHECK_NEAR(s.sd, 3.0276503540974917, 1e-12);  /* sqrt(82.5 / 9) */
    CHECK(s.ci_exact);
    CHECK_NEAR(s.ci_lo, 2, 0);   /* x_(2) */
    CHECK_NEAR(s.ci_hi, 9, 0);   /* x_(9) */
    CHECK(x[0] == 7);            /* the caller's data is not reordered */

    double odd[5] = {3, 1, 2, 100, 4};
    CHECK(ps_summarize(odd, 5, &s) == 0);
    CHECK_NEAR(s.median, 3, 0);
    CHECK(!s.ci_exact);          /* 5 samples: min..max, flagged */
    CHECK_NEAR(s.ci_lo, 1, 0);
    CHECK_NEAR(s.ci_hi, 100, 0);

    double one = 4.25;
    CHECK(ps_summarize(&one, 1, &s) == 0);
    CHECK_NEAR(s.median, 4.25, 0);
    CHECK_NEAR(s.sd, 0, 0);
    CHECK(ps_summarize(x, 0, &s) != 0);

    /* the median alone, as the backends' summary lines take it */
    CHECK_NEAR(ps_median(x, 10), 5.5, 1e-12);
    CHECK_NEAR(ps_median(odd, 5), 3, 0);
    CHECK(isnan(ps_median(x, 0)));
}

static void test_quantile(void)
{
    double s[4] = {10, 20, 30, 40};
    CHECK_NEAR(ps_quantile_sorted(s, 4, 0.0), 10, 0);
    CHECK_NEAR(ps_quantile_sorted(s, 4, 1.0), 40, 0);
    CHECK_NEAR(ps_quantile_sorted(s, 4, 0.5), 25, 1e-12);
    CHECK_NEAR(ps_quantile_sorted(s, 4, 0.25), 17.5, 1e-12);
}

/* The histogram's quantiles stay within its 1/32 relative bucket width. */
static void test_hist(void)
{
    ps_hist *h = calloc(1, sizeof *h);
    CHECK(h != NULL);
    if (!h)
        return;
    for (uint64_t v = 1; v <= 100000; v++)
        ps_hist_add(h, v);
    CHECK(h->count == 100000);
    CHECK_NEAR(h->sum, 100000.0 * 100001.0 / 2.0, 0.5);
    CHECK_NEAR(ps_hist_quantile(h, 0.5), 50000, 50000 / 32.0);
    CHECK_NEAR(ps_hist_quantile(h, 0.99), 99000, 99000 / 32.0);
    ps_hist *g = calloc(1, sizeof *g);
    if (g) {
        ps_hist_add(g, 7);
        CHECK_NEAR(ps_hist_quantile(g, 0.5), 7, 0);  /* small values exact */
        ps_hist_merge(g, h);
        CHECK(g->count == 100001);
        free(g);
    }
    free(h);
}

int main(void)
{
    test_ci_ranks();
    test_summary();
    test_quantile();
    test_hist();
    return check_report("test_stats");
}
