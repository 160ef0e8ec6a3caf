/* stopping.c -- see stopping.h.  The stopping rule's decisions: enough
 * repetitions, the interval narrow enough, or the time budget spent. */
#include "stopping.h"

#include <math.h>
#include <stdlib.h>

#include "stats.h"

#define PS_STOP_ROW(id, name, doc) {name, doc},
static const struct {
    const char *name, *doc;
} reasons[PS_STOP_NREASONS] = {PS_STOP_REASONS(PS_STOP_ROW)};
#undef PS_STOP_ROW

const char *ps_stop_reason_name(enum ps_stop_reason r)
{
    /* out of range: still running, as far as anyone can tell */
    return reasons[(unsigned)r < PS_STOP_NREASONS ? r : PS_STOP_RUNNING].name;
}

void ps_stop_reasons_json(ps_buf *b)
{
    ps_buf_put(b, "[", 1);
    for (int i = 0; i < PS_STOP_NREASONS; i++) {
        ps_buf_put(b, i ? ",{\"name\":" : "{\"name\":", i ? 9 : 8);
        ps_buf_json_str(b, reasons[i].name);
        ps_buf_put(b, ",\"doc\":", 7);
        ps_buf_json_str(b, reasons[i].doc);
        ps_buf_put(b, "}", 1);
    }
    ps_buf_put(b, "]", 1);
}

/* The same interval the summary prints, so the rule stops on what the
 * reader sees. */
double ps_rel_ci_width(const double *x, int n)
{
    ps_summary s;
    if (n < PS_MIN_REPS_DEFAULT || ps_summarize(x, (size_t)n, &s) != 0 || !s.ci_exact ||
        !(s.median > 0.0))
        return NAN;
    return (s.ci_hi - s.ci_lo) / s.median;
}

enum ps_stop_reason ps_stop_decide(const ps_stop_rule *r, const double *x, int n,
                                   int runs, int set_aside, double *rel_width)
{
    *rel_width = ps_rel_ci_width(x, n);
    if (r->ci_width <= 0.0) {
        long retries = (long)r->retry_disturbed * r->reps;
        long counted = runs - (set_aside < retries ? set_aside : retries);
        return counted >= r->reps ? PS_STOP_REPS : PS_STOP_RUNNING;
    }
    if (n >= r->min_reps && *rel_width <= r->ci_width)  /* false for NAN */
        return PS_STOP_CI;
    return runs >= r->max_reps ? PS_STOP_MAX_REPS : PS_STOP_RUNNING;
}

int ps_stop_round(const ps_stop_rule *r, ps_stop_item *items, int n)
{
    int running = 0;
    for (int i = 0; i < n; i++) {
        items[i].reason = ps_stop_decide(r, items[i].x, items[i].n, items[i].runs,
                                         items[i].set_aside, &items[i].rel_width);
        running += items[i].reason == PS_STOP_RUNNING;
    }
    return running;
}

int ps_stop_round_fits(const ps_stop_rule *r, double elapsed, double next)
{
    return r->max_time <= 0.0 || elapsed + next <= r->max_time;
}


void ps_stop_out_of_time(const ps_stop_rule *r, ps_stop_item *items, int n)
{
    (void)r;  /* every rule stops what still runs alike */
    for (int i = 0; i < n; i++)
        if (items[i].reason == PS_STOP_RUNNING)
            items[i].reason = PS_STOP_MAX_TIME;
}

typedef struct candidate {
    int urgent;   /* 0: short of min_reps valid samples, so first */
    double cost;
    int index;
} candidate;

static int by_urgency_then_cost(const void *pa, const void *pb)
{
    const candidate *a = pa, *b = pb;
    if (a->urgent != b->urgent)
        return a->urgent - b->urgent;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    return a->index - b->index;
}

int ps_stop_fit_budget(const ps_stop_rule *r, ps_stop_item *items, int n, double remaining)
{
    candidate *c = malloc((size_t)(n > 0 ? n : 1) * sizeof *c);
    char *pick = calloc((size_t)(n > 0 ? n : 1), 1);
    int m = 0, running = 0;
    if (!c || !pick) {  /* no room to choose: stop them all, as without this */
        free(c);
        free(pick);
        ps_stop_out_of_time(r, items, n);
        return 0;
    }
    for (int i = 0; i < n; i++)
        if (items[i].reason == PS_STOP_RUNNING)
            c[m++] = (candidate){.urgent = !(r->ci_width > 0.0 && items[i].n < r->min_reps),
                                 .cost = items[i].cost > 0.0 ? items[i].cost : 0.0,
                                 .index = i};
    qsort(c, (size_t)m, sizeof *c, by_urgency_then_cost);
    for (int k = 0; k < m; k++) {
        int i = c[k].index;
        if (c[k].cost > remaining)
            continue;
        remaining -= c[k].cost;
        pick[i] = 1;
    }
    for (int i = 0; i < n; i++) {
        if (items[i].reason != PS_STOP_RUNNING)
            continue;
        if (pick[i])
            running++;
        else
            items[i].reason = PS_STOP_MAX_TIME;
    }
    free(c);
    free(pick);
    return running;
}
