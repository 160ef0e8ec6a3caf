/* measure.c -- see measure.h.  The measuring loop: rounds in shuffled
 * order, each repetition timed, judged and handed to the reporters, and
 * the stopping rule applied. */
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
    int pairs;             /* pairs run so far: each pair's number in the rows */
    double expect;         /* the next repetition's length as rank 0 foresaw
                              it (its last wall time; 0 unknown), for idle ranks */
    double shortest;       /* rank 0: the shortest active configuration's last
                              wall time, foreseen for a round's first one */
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

/* How long the ranks that measure wait for the idle ones to sleep. */
#define SETTLE_NS 300000u

static int participates(const ps_ctx *ctx, const ps_config *c)
{
    if (c->backend->flags & PS_BACKEND_USES_MPI)
        return ctx->rank < c->ranks;
    return ctx->rank == 0;
}

/* Whether a repetition that ran and verified is set aside as disturbed. */
static int set_aside(const ps_stop_rule *r, const ps_rep *rep)
{
    return rep->disturbed && !r->keep_disturbed;
}

/* Keeps a timed repetition: a failure is counted with its first reason; a
 * disturbed one is counted and set aside (its row says so); a valid one
 * becomes a sample (with the backend's figures). */
static int record(ps_point *p, const ps_rep *rep, int ran, const ps_stop_rule *r)
{
    p->disturbed += ran && rep->disturbed;
    /* workers that shared a CPU while each was pinned to one were put there
     * by the binding; unpinned ones were put together by the scheduler,
     * making room for another task (the run-queue delay says so) */
    p->cpu_shared_reps += ran && rep->cpu_shared > 0 && rep->dist.pinned >= 2;
    if (ran && rep->verified && set_aside(r, rep)) {
        p->set_aside++;
        p->set_aside_runq += rep->dist.runq >= rep->dist.hidden;
        return 0;
    }
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
    if (rep->steal >= 0) {
        p->steal_sum += rep->steal;
        p->steal_n++;
    }
    return 0;
}

/* What the repetition lost, and whether that disturbed it.  A
 * configuration with more workers than cores waits for CPUs by design: its
 * loss is recorded, but it is not what --disturbed-above judges. */
static void judge(const loop *L, const ps_config *c, ps_rep *rep, int ran)
{
    rep->lost = ran ? ps_disturb_lost(&rep->dist, rep->seconds) : -1.0;
    rep->disturbed = rep->lost > L->m->rule->disturbed_above &&
                     rep->dist.lost_worst > PS_DISTURB_FLOOR &&
                     !ps_warnings_oversubscribed(L->m->ri, c);
}

/* Runs the backend for one repetition on a rank that takes part, with the
 * host's steal over it where the hypervisor reports steal. */
static int run_rep(const loop *L, const ps_config *c, ps_rep *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->steal = -1.0;
    if (!participates(L->ctx, c))
        return 0;
    /* Ranks that sit this one out have just woken for the sync that ended
     * the last repetition and are going back to sleep: started at once,
     * the workers would share the CPUs with them (under mpirun -np 4, omp
     * at 2 workers lost 190 us a repetition to 3 idle ranks, 4 preemptions,
     * and 20 of 30 were disturbed).  A pause while they settle, untimed. */
    const int idle_ranks = L->ctx->mpi && L->ctx->nranks >
        ((c->backend->flags & PS_BACKEND_USES_MPI) ? c->ranks : 1);
    if (idle_ranks)
        ps_sleep_ns(SETTLE_NS);
    ps_err rerr = {""};
    unsigned long long a0, s0, a1, s1;
    int ticks = L->m->steal_reported && ps_cpu_ticks(&a0, &s0) == 0;
    if (L->m->watchdog) {
        char what[160];
        snprintf(what, sizeof what, "%s under %s, %d worker%s", c->kernel->name,
                 c->backend->name, c->workers, c->workers == 1 ? "" : "s");
        ps_watchdog_arm(L->m->watchdog, what);
    }
    int ran = c->backend->run(L->ctx, c, rep, &rerr) == 0;
    if (L->m->watchdog)
        ps_watchdog_disarm(L->m->watchdog);
    if (!ran)
        snprintf(rep->error, sizeof rep->error, "%s", rerr.msg);
    if (ticks && ps_cpu_ticks(&a1, &s1) == 0 && a1 > a0)
        rep->steal = (double)(s1 - s0) / (double)(a1 - a0);
    judge(L, c, rep, ran);
    return ran;
}

/* Rank 0: records a timed repetition and hands it to every reporter. */
static int hand_on(loop *L, ps_point *p, const ps_rep *rep, int ran, int round, int warm,
                   int pair, int last, ps_err *err)
{
    ps_rep_event ev = {.point = p, .rep = rep, .ran = ran, .warmup = warm,
                       .num = warm ? round : p->runs, .done = ++L->done,
                       .total = L->total, .pair = pair,
                       .pair_base = pair >= 0 && p->base < 0,
                       .round = round, .round_end = last, .elapsed = ps_now() - L->t0};
    if (!warm) {
        p->runs++;
        if (record(p, rep, ran, L->m->rule) != 0)
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
 * every rank here, after the row is written); a rank that took no part
 * sleeps through about as long as p took last time.  next: the point that
 * runs after p in this round (NULL: none), whose length rank 0 passes on;
 * last: p ends the round.  *out (rank 0) keeps what the pairing needs of it. */
static int run_one(loop *L, ps_point *p, const ps_point *next, int round, int warm, int pair,
                   int last, ps_rep *out, ps_err *err)
{
    ps_rep rep;
    double w0 = ps_now();
    int ran = run_rep(L, &p->cfg, &rep);
    int status = 0;
    if (L->ctx->rank == 0) {
        if (!warm)
            p->wall = ps_now() - w0;
        status = hand_on(L, p, &rep, ran, round, warm, pair, last, err);
        if (out) {
            *out = rep;
            out->verified = ran && rep.verified;
        }
    }
    double expect = participates(L->ctx, &p->cfg) ? 0.0 : L->expect;
    /* rank 0's figure is the one kept; after a round's last repetition the
     * next round's first is not drawn yet: at least the shortest, rather
     * than none (which woke the idle ranks 7 times in its first 6 ms) */
    L->expect = next ? next->wall : L->shortest;
    int sync = ps_mpi_idle_sync(L->ctx, status == 0 && !ps_interrupted(), expect, &L->expect,
                                err);
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

/* Rank 0: a pair's outcome for the configuration measured against its
 * base, from the two repetitions just run back to back. */
static int record_pair(const loop *L, ps_point *p, const ps_rep *own, const ps_rep *base)
{
    p->pairs++;
    if (!own->verified || !base->verified)
        return 0;
    const ps_stop_rule *r = L->m->rule;
    if (set_aside(r, own) || set_aside(r, base)) {
        p->pairs_set_aside++;
        return 0;
    }
    if (!(own->seconds > 0.0))
        return 0;
    double *x = realloc(p->ratios, (size_t)(p->nratios + 1) * sizeof *x);
    if (!x)
        return -1;
    p->ratios = x;
    p->ratios[p->nratios++] = base->seconds / own->seconds;
    return 0;
}

/* One unit of a round: a configuration and its base back to back, in an
 * order drawn per pair, so that the host's drift hits both alike; or a
 * configuration alone when it has no base. */
static int run_unit(loop *L, int i, const ps_point *next, int round, int warm, int last,
                    ps_err *err)
{
    ps_point *p = &L->plan->points[i];
    const int b = warm ? -1 : p->base;
    if (b < 0)
        return run_one(L, p, next, round, warm, -1, last, NULL, err);
    const int pair = L->pairs++;
    const int base_first = (int)(next_rand(&L->rs) & 1u);
    ps_rep own, base;
    ps_point *first = base_first ? &L->plan->points[b] : p;
    ps_point *second = base_first ? p : &L->plan->points[b];
    int rc = run_one(L, first, second, round, 0, pair, 0, base_first ? &base : &own, err);
    if (rc == 0)
        rc = run_one(L, second, next, round, 0, pair, last, base_first ? &own : &base, err);
    if (rc != 0)
        return rc;
    if (L->ctx->rank == 0 && record_pair(L, p, &own, &base) != 0)
        return ps_fail(err, "out of memory");
    return 0;
}

/* Whether base point i runs alone this round: only when it still needs
 * samples and no configuration measured against it runs (those pairs
 * measure it too). */
static int runs_alone(const loop *L, int i)
{
    for (int j = 0; j < L->plan->npoints; j++)
        if (L->active[j] && L->plan->points[j].base == i)
            return 0;
    return 1;
}

/* One round: every active unit once, in an order shuffled the same way on
 * every rank.  A warm-up round runs every configuration once, alone. */
static int run_round(loop *L, int round, int warm, ps_err *err)
{
    int n = 0;
    for (int i = 0; i < L->plan->npoints; i++) {
        const int unpaired = L->plan->points[i].base < 0;
        if (L->active[i] && (warm || !unpaired || runs_alone(L, i)))
            L->order[n++] = i;
    }
    shuffle(L->order, n, &L->rs);
    L->shortest = 0.0;
    for (int oi = 0; oi < n; oi++) {
        double w = L->plan->points[L->order[oi]].wall;
        if (w > 0.0 && (L->shortest == 0.0 || w < L->shortest))
            L->shortest = w;
    }
    for (int oi = 0; oi < n; oi++) {
        const ps_point *next = oi + 1 < n ? &L->plan->points[L->order[oi + 1]] : NULL;
        int rc = run_unit(L, L->order[oi], next, round, warm, oi == n - 1, err);
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
        const ps_point *b = p->base >= 0 ? &plan->points[p->base] : NULL;
        L->items[i] = b ? (ps_stop_item){.x = p->ratios, .n = p->nratios, .runs = p->pairs,
                                         .set_aside = p->pairs_set_aside,
                                         .cost = p->wall + b->wall}
                        : (ps_stop_item){.x = p->seconds, .n = p->nsamples, .runs = p->runs,
                                         .set_aside = p->set_aside, .cost = p->wall};
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

/* Fixed mode: the repetitions the run is expected to make (for progress):
 * warm-ups, two per pair, and the bases' own only where nothing is
 * measured against them; retries of disturbed ones come on top. */
static int expected_reps(const ps_plan *plan, const ps_measure_setup *m)
{
    int per_round = 0;
    for (int i = 0; i < plan->npoints; i++) {
        int dependents = 0;
        for (int j = 0; j < plan->npoints; j++)
            dependents += plan->points[j].base == i;
        per_round += plan->points[i].base >= 0 ? 2 : dependents ? 0 : 1;
    }
    return m->warmup * plan->npoints + m->rule->reps * per_round;
}

int ps_measure(ps_plan *plan, const ps_measure_setup *m, const ps_ctx *ctx, ps_err *err)
{
    const int np = plan->npoints;
    loop L = {.plan = plan, .m = m, .ctx = ctx, .rs = m->seed | 1, .t0 = ps_now()};
    L.total = m->rule->ci_width > 0 ? 0 : expected_reps(plan, m);
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
