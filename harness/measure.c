/* measure.c -- see measure.h. */
#define _POSIX_C_SOURCE 200809L
#include "measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "mpi_env.h"
#include "sysinfo.h"
#include "timer.h"

/* The loop's state on one rank, so each step is a short function. */
typedef struct loop {
    ps_plan *plan;
    const ps_measure_setup *m;
    const ps_ctx *ctx;
    int *order;            /* this round's configurations, shuffled */
    char *active;          /* per configuration: still measured (same on every rank) */
    ps_stop_item *items;   /* rank 0: the stopping rule's view of each */
    uint64_t rs;           /* shuffle state, the same on every rank */
    double t0;             /* rank 0: when the run started */
    int done, total;       /* repetitions so far; total, or 0 when open-ended */
    int any_failed;
    int signal;            /* the signal that stopped the run, 0 when none */
} loop;

/* xorshift64*: the shuffle only has to be the same on every rank. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void shuffle(int *order, int n, uint64_t *state)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(next_rand(state) % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

static int participates(const ps_ctx *ctx, const ps_config *c)
{
    if (c->backend->flags & PS_BACKEND_USES_MPI)
        return ctx->rank < c->ranks;
    return ctx->rank == 0;
}

/* Keeps a timed repetition: a failure is counted with its first reason;
 * a valid one becomes a sample (with the backend's figures). */
static int record(ps_point *p, const ps_rep *rep, int ran)
{
    if (!ran || !rep->verified) {
        p->failures++;
        if (!p->first_error[0])
            snprintf(p->first_error, sizeof p->first_error, "%s",
                     rep->error[0] ? rep->error : "failed");
        return 0;
    }
    const size_t xs = p->cfg.backend->rep_extra_size;
    double *s = realloc(p->seconds, (size_t)(p->nsamples + 1) * sizeof *s);
    if (!s)
        return -1;
    p->seconds = s;
    if (xs) {
        unsigned char *x = realloc(p->extra, (size_t)(p->nsamples + 1) * xs);
        if (!x)
            return -1;
        p->extra = x;
        memcpy(x + (size_t)p->nsamples * xs, rep->extra.bytes, xs);
        p->has_extra |= rep->has_extra;
    }
    p->seconds[p->nsamples++] = rep->seconds;
    p->cpu_shared_reps += rep->cpu_shared > 0;
    if (rep->steal >= 0) {
        p->steal_sum += rep->steal;
        p->steal_n++;
    }
    return 0;
}

/* Runs the backend for one repetition on a rank that takes part, with the
 * host's steal over it where the hypervisor reports steal. */
static int run_rep(const loop *L, const ps_config *c, ps_rep *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->steal = -1.0;
    if (!participates(L->ctx, c))
        return 0;
    ps_err rerr = {""};
    unsigned long long a0, s0, a1, s1;
    int ticks = L->m->steal_reported && ps_cpu_ticks(&a0, &s0) == 0;
    int ran = c->backend->run(L->ctx, c, rep, &rerr) == 0;
    if (!ran)
        snprintf(rep->error, sizeof rep->error, "%s", rerr.msg);
    if (ticks && ps_cpu_ticks(&a1, &s1) == 0 && a1 > a0)
        rep->steal = (double)(s1 - s0) / (double)(a1 - a0);
    return ran;
}

/* Rank 0: records a timed repetition and hands it to every reporter. */
static int hand_on(loop *L, ps_point *p, const ps_rep *rep, int ran, int round, int warm,
                   int last, ps_err *err)
{
    ps_rep_event ev = {.point = p, .rep = rep, .ran = ran, .warmup = warm,
                       .num = warm ? round : p->runs, .done = ++L->done, .total = L->total,
                       .round = round, .round_end = last, .elapsed = ps_now() - L->t0};
    if (!warm) {
        p->runs++;
        if (record(p, rep, ran) != 0)
            return ps_fail(err, "out of memory");
        L->any_failed |= !ran || !rep->verified;
    }
    for (int i = 0; i < L->m->nreporters; i++) {
        const ps_reporter *r = &L->m->reporters[i];
        if (r->ops->repetition && r->ops->repetition(r->self, L->m->ri, &ev, err) != 0)
            return -1;
    }
    return 0;
}

/* After a stop agreed at the sync: whether it was a signal (rank 0's
 * repetition was handed on, so some rank was interrupted) rather than a
 * failure on rank 0.  Rank 0's word, broadcast; the signal is rank 0's, or
 * this rank's, or SIGTERM (what mpirun sends on). */
static int stopped_by_signal(loop *L, int status, ps_err *err)
{
    int word[2] = {status == 0, ps_interrupted()};
    if (ps_mpi_bcast(L->ctx, word, sizeof word, err) != 0)
        return -1;
    if (!word[0])
        return 0;
    L->signal = word[1] ? word[1] : ps_interrupted() ? ps_interrupted() : 15;
    return 1;
}

/* One repetition of p: run where this rank takes part, handed on by rank
 * 0, then every rank agrees whether to go on (a signal on any rank stops
 * every rank here, after the row is written). */
static int run_one(loop *L, ps_point *p, int round, int warm, int last, ps_err *err)
{
    ps_rep rep;
    double w0 = ps_now();
    int ran = run_rep(L, &p->cfg, &rep);
    int status = 0;
    if (L->ctx->rank == 0) {
        if (!warm)
            p->wall = ps_now() - w0;
        status = hand_on(L, p, &rep, ran, round, warm, last, err);
    }
    int sync = ps_mpi_idle_all_ok(L->ctx, status == 0 && !ps_interrupted(), err);
    if (sync < 0)
        return -1;
    if (sync > 0) {
        int sig = stopped_by_signal(L, status, err);
        if (sig != 0)
            return sig < 0 ? -1 : PS_MEASURE_INTERRUPTED;
    }
    if (sync > 0 && status == 0)  /* rank 0 says why; the others stop without a word */
        return ps_fail(err, "%s", "");
    return status;
}

/* One round: every active configuration once, in an order shuffled the
 * same way on every rank. */
static int run_round(loop *L, int round, int warm, ps_err *err)
{
    int n = 0;
    for (int i = 0; i < L->plan->npoints; i++)
        if (L->active[i])
            L->order[n++] = i;
    shuffle(L->order, n, &L->rs);
    for (int oi = 0; oi < n; oi++) {
        int rc = run_one(L, &L->plan->points[L->order[oi]], round, warm, oi == n - 1, err);
        if (rc != 0)
            return rc == PS_MEASURE_INTERRUPTED ? rc : -1;
    }
    return 0;
}

/* Rank 0, after a timed round: which configurations still run, by the
 * stopping rule and the budget (the next round's estimate: each one's last
 * wall time).  Returns how many. */
static int decide(loop *L)
{
    const ps_stop_rule *r = L->m->rule;
    ps_plan *plan = L->plan;
    for (int i = 0; i < plan->npoints; i++) {
        const ps_point *p = &plan->points[i];
        L->items[i] = (ps_stop_item){.x = p->seconds, .n = p->nsamples, .runs = p->runs,
                                     .base = p->base, .cost = p->wall};
    }
    int running = ps_stop_round(r, L->items, plan->npoints);
    double next = 0.0;
    for (int i = 0; i < plan->npoints; i++)
        if (L->items[i].reason == PS_STOP_RUNNING)
            next += L->items[i].cost;
    double elapsed = ps_now() - L->t0;
    if (running > 0 && !ps_stop_round_fits(r, elapsed, next))  /* a partial round, or none */
        running = ps_stop_fit_budget(r, L->items, plan->npoints, r->max_time - elapsed);
    for (int i = 0; i < plan->npoints; i++) {
        plan->points[i].reason = L->items[i].reason;
        plan->points[i].rel_width = L->items[i].rel_width;
        L->active[i] = L->items[i].reason == PS_STOP_RUNNING;
    }
    return running;
}

/* Warm-up rounds, then timed rounds until rank 0's stopping rule says
 * every configuration is done; the first timed round always runs. */
static int run_rounds(loop *L, ps_err *err)
{
    const int np = L->plan->npoints;
    memset(L->active, 1, (size_t)np);
    int round = 0;
    for (; round < L->m->warmup; round++) {
        int rc = run_round(L, round, 1, err);
        if (rc != 0)
            return rc;
    }
    for (int first = 1;; first = 0, round++) {
        int go = 1;
        if (!first) {
            if (L->ctx->rank == 0)
                go = decide(L) > 0;
            if (ps_mpi_bcast(L->ctx, L->active, (size_t)np, err) != 0 ||
                ps_mpi_bcast(L->ctx, &go, sizeof go, err) != 0)
                return -1;
        }
        if (!go)
            return 0;
        int rc = run_round(L, round, 0, err);
        if (rc != 0)
            return rc;
    }
}

int ps_measure(ps_plan *plan, const ps_measure_setup *m, const ps_ctx *ctx, ps_err *err)
{
    const int np = plan->npoints;
    loop L = {.plan = plan, .m = m, .ctx = ctx, .rs = m->seed | 1, .t0 = ps_now()};
    L.total = m->rule->ci_width > 0 ? 0 : (m->warmup + m->rule->reps) * np;
    L.order = malloc((size_t)(np ? np : 1) * sizeof *L.order);
    L.active = malloc((size_t)(np ? np : 1));
    L.items = malloc((size_t)(np ? np : 1) * sizeof *L.items);
    int status = L.order && L.active && L.items ? run_rounds(&L, err)
                                                 : ps_fail(err, "out of memory");
    free(L.order);
    free(L.active);
    free(L.items);
    if (status == PS_MEASURE_INTERRUPTED && m->signal)
        *m->signal = L.signal;
    if (status != 0)
        return status == PS_MEASURE_INTERRUPTED ? status : -1;
    return L.any_failed ? 1 : 0;
}
