/*
 * test_gil.c -- the emulated GIL's invariants and the behaviours that make
 * each model what it is (docs/gil.md).
 *
 * Every check is about order or counts, not speed: scenarios are driven by
 * flags so their order is fixed, and time bounds are one-sided or generous,
 * so a slow or loaded machine (or ThreadSanitizer) cannot fail them.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "gil.h"
#include "threads.h"
#include "timer.h"

/* Spins (yielding the CPU) until *flag is set: the scenarios' sequencing. */
static void await_flag(atomic_int *flag)
{
    while (!atomic_load(flag))
        ps_sleep_ns(20000);
}

static ps_gil_params params(enum ps_gil_model m, uint64_t interval_ns, uint32_t check)
{
    ps_gil_params p = {.model = m, .interval_ns = interval_ns,
                       .check_interval = check, .stats = 1, .cpu_threads = 0};
    return p;
}

/* Runs fn(arg, tid) on n threads, as the backends run their workers. */
static void run_team(int n, void (*fn)(void *arg, int tid), void *arg)
{
    ps_err err;
    CHECK_MSG(ps_team_run(n, fn, arg, &err) == 0, "%s", err.msg);
}

static void collect(const ps_gil *g, ps_gil_thread *ts, int n, ps_gil_report *r)
{
    ps_gil_thread *tp[64];
    for (int i = 0; i < n; i++)
        tp[i] = &ts[i];
    ps_gil_report_collect(g, tp, n, r);
}

/* ---- 1. never two holders, under stress ------------------------------------ */

typedef struct stress {
    ps_gil gil;
    ps_gil_thread t[16];
    int nthreads, loops;
    long counter;      /* plain: only the lock protects it (TSan checks that) */
    pthread_barrier_t go;
} stress;

/* Many short ticks of a read-modify-write on a plain counter, with the
 * lock's check between them and, now and then, a release as for I/O. */
static void stress_body(void *arg, int id)
{
    stress *s = arg;
    ps_gil_thread *me = &s->t[id];
    pthread_barrier_wait(&s->go);  /* all at once: every take contended */
    ps_gil_take(&s->gil, me);
    for (int i = 0; i < s->loops; i++) {
        long v = s->counter;
        for (volatile int k = 0; k < 20; k++)
            ;
        s->counter = v + 1;  /* lost updates would show two holders */
        ps_gil_tick(&s->gil, me);
        if (id % 2 == 0 && i % 97 == 0) {  /* half the threads also release as for I/O */
            ps_gil_drop(&s->gil, me);
            ps_gil_take(&s->gil, me);
        }
    }
    ps_gil_drop(&s->gil, me);
}

static void test_stress(enum ps_gil_model m)
{
    stress *s = calloc(1, sizeof *s);
    s->nthreads = 12;
    s->loops = 100000;
    ps_gil_params p = params(m, 1000, 1);  /* 1 us interval, release every tick */
    CHECK_MSG(ps_gil_init(&s->gil, &p) == 0, "init");
    for (int i = 0; i < s->nthreads; i++)
        ps_gil_thread_init(&s->t[i]);
    pthread_barrier_init(&s->go, NULL, (unsigned)s->nthreads);
    run_team(s->nthreads, stress_body, s);
    ps_gil_report r;
    collect(&s->gil, s->t, s->nthreads, &r);
    const char *name = m == PS_GIL_NEW ? "new" : "old";
    CHECK_MSG(r.violations == 0, "%s: two holders %d times", name, r.violations);
    CHECK_MSG(s->counter == (long)s->nthreads * s->loops, "%s: counter %ld, expected %ld",
              name, s->counter, (long)s->nthreads * s->loops);
    if (m == PS_GIL_NEW)
        CHECK_MSG(r.drop_requests == r.forced_drops + r.discarded,
                  "issued %llu != forced %llu + discarded %llu",
                  (unsigned long long)r.drop_requests, (unsigned long long)r.forced_drops,
                  (unsigned long long)r.discarded);
    CHECK_MSG(r.switches > 0, "%s: 12 threads never switched", name);
    printf("  stress %s: %d threads x %d ticks, %llu switches (%llu forced), "
           "%llu requests, 0 violations\n", name, s->nthreads, s->loops,
           (unsigned long long)r.switches, (unsigned long long)r.forced_switches,
           (unsigned long long)r.drop_requests);
    pthread_barrier_destroy(&s->go);
    ps_gil_destroy(&s->gil);
    free(s);
}

/* ---- 2. forced switching and drop-request timing (new model) ------------- */

typedef struct duel {
    ps_gil gil;
    ps_gil_thread a, b;
    atomic_int a_holds, b_waiting, b_got, a_back_after_b;
    atomic_int a_requested_ok;
    uint64_t b_start_ns, request_seen_ns;
} duel;

/* A holds the lock and runs ticks until the drop request makes it drop;
 * when its tick returns, it holds the lock again -- and B must have had it
 * in between (forced switching), however the OS schedules the two. */
static void duel_a(duel *d)
{
    ps_gil_take(&d->gil, &d->a);
    atomic_store(&d->a_holds, 1);
    await_flag(&d->b_waiting);
    /* only A clears its own request: once seen, the next tick acts on it */
    while (!atomic_load_explicit(&d->a.drop_request, memory_order_relaxed))
        ;
    d->request_seen_ns = ps_now_ns();
    ps_gil_tick(&d->gil, &d->a);
    atomic_store(&d->a_back_after_b, atomic_load(&d->b_got));
    ps_gil_drop(&d->gil, &d->a);
}

static void duel_b(duel *d)
{
    await_flag(&d->a_holds);
    d->b_start_ns = ps_now_ns();
    atomic_store(&d->b_waiting, 1);
    ps_gil_take(&d->gil, &d->b);
    atomic_store(&d->b_got, 1);
    ps_sleep_ns(2000000);  /* hold a while: A must not have run meanwhile */
    ps_gil_drop(&d->gil, &d->b);
}

static void duel_body(void *arg, int tid)
{
    if (tid == 0)
        duel_a(arg);
    else
        duel_b(arg);
}

static void test_forced_switch(void)
{
    const uint64_t interval = 20000000;  /* 20 ms */
    duel *d = calloc(1, sizeof *d);
    ps_gil_params p = params(PS_GIL_NEW, interval, 100);
    CHECK_MSG(ps_gil_init(&d->gil, &p) == 0, "init");
    ps_gil_thread_init(&d->a);
    ps_gil_thread_init(&d->b);
    run_team(2, duel_body, d);
    CHECK_MSG(atomic_load(&d->a_back_after_b) == 1,
              "A took the lock back before B had it (no forced switch)");
    ps_gil_thread tsv[2] = {d->a, d->b};
    ps_gil_report r;
    collect(&d->gil, tsv, 2, &r);
    CHECK_MSG(r.drop_requests == 1, "B issued %llu drop requests, expected 1",
              (unsigned long long)r.drop_requests);
    CHECK_MSG(r.forced_drops == 1 && r.forced_switches == 1,
              "forced drops %llu, forced switches %llu, expected 1 and 1",
              (unsigned long long)r.forced_drops, (unsigned long long)r.forced_switches);
    CHECK_MSG(r.violations == 0, "two holders");
    /* B asks only after one whole interval of waiting: never earlier (a
     * timed wait does not return early; 1 ms slack for the clock), and,
     * generously, within a second. */
    double waited = (double)(d->request_seen_ns - d->b_start_ns) * 1e-9;
    CHECK_MSG(d->request_seen_ns > 0, "A never saw the request");
    CHECK_MSG(waited >= 0.019 && waited < 1.0,
              "request seen %.4f s after B began to wait; expected ~0.020 s", waited);
    printf("  forced switch: request after %.2f ms (interval 20 ms), B held the lock "
           "before A got it back\n", waited * 1e3);
    ps_gil_destroy(&d->gil);
    free(d);
}

/* ---- 3. the old model has no handoff -------------------------------------- */

typedef struct race {
    ps_gil gil;
    ps_gil_thread a, b;
    atomic_int a_holds, b_waiting, a_done;
    int contested_target;
    uint64_t contested;   /* A's releases while B was waiting for the lock */
    uint64_t b_wins;      /* B's acquires before A was done */
} race;

/* A releases and retakes the plain lock every tick; it counts the releases
 * made while B was blocked waiting.  Without a handoff, A wins most of them
 * straight back. */
static void race_a(race *r)
{
    ps_gil_take(&r->gil, &r->a);
    atomic_store(&r->a_holds, 1);
    uint64_t deadline = ps_now_ns() + 5000000000u;  /* bound the run: 5 s */
    while (r->contested < (uint64_t)r->contested_target && ps_now_ns() < deadline) {
        for (volatile int k = 0; k < 200; k++)
            ;
        if (atomic_load(&r->b_waiting))
            r->contested++;
        ps_gil_tick(&r->gil, &r->a);
    }
    atomic_store(&r->a_done, 1);
    ps_gil_drop(&r->gil, &r->a);
}

/* B waits for the lock, and after each win rests 1 ms before waiting
 * again, so that it is never a second hot thread retaking at once. */
static void race_b(race *r)
{
    await_flag(&r->a_holds);
    for (;;) {
        atomic_store(&r->b_waiting, 1);
        ps_gil_take(&r->gil, &r->b);
        atomic_store(&r->b_waiting, 0);
        int done = atomic_load(&r->a_done);
        if (!done)
            r->b_wins++;
        ps_gil_drop(&r->gil, &r->b);
        if (done)
            break;
        ps_sleep_ns(1000000);
    }
}

static void race_body(void *arg, int tid)
{
    if (tid == 0)
        race_a(arg);
    else
        race_b(arg);
}

static void test_old_no_handoff(void)
{
    race *r = calloc(1, sizeof *r);
    r->contested_target = 2000;
    ps_gil_params p = params(PS_GIL_OLD, 0, 1);
    CHECK_MSG(ps_gil_init(&r->gil, &p) == 0, "init");
    ps_gil_thread_init(&r->a);
    ps_gil_thread_init(&r->b);
    run_team(2, race_body, r);
    ps_gil_thread tsv[2] = {r->a, r->b};
    ps_gil_report rep;
    collect(&r->gil, tsv, 2, &rep);
    CHECK_MSG(r->contested >= 100, "only %llu releases while B waited",
              (unsigned long long)r->contested);
    CHECK_MSG(r->b_wins * 2 < r->contested,
              "B won %llu of %llu contested releases: the old lock handed off",
              (unsigned long long)r->b_wins, (unsigned long long)r->contested);
    CHECK_MSG(rep.drop_requests == 0 && rep.forced_switches == 0,
              "the old model issued requests or forced switches");
    CHECK_MSG(rep.violations == 0, "two holders");
    printf("  old model: B won %llu of %llu releases made while it waited; A retook "
           "the rest at once\n", (unsigned long long)r->b_wins,
           (unsigned long long)r->contested);
    ps_gil_destroy(&r->gil);
    free(r);
}

/* ---- 4. statistics on a scenario with known counts ------------------------ */

typedef struct pingpong {
    ps_gil gil;
    ps_gil_thread t[2];
    pthread_mutex_t m;
    pthread_cond_t cv;
    int turn, takes_left;
} pingpong;

/* Takes turns by a separate handshake, so the lock is never contended:
 * every acquire is voluntary and changes holder. */
static void pp_body(void *arg, int id)
{
    pingpong *pp = arg;
    for (;;) {
        pthread_mutex_lock(&pp->m);
        while (pp->turn != id && pp->takes_left > 0)
            pthread_cond_wait(&pp->cv, &pp->m);
        if (pp->takes_left == 0) {
            pthread_mutex_unlock(&pp->m);
            return;
        }
        pthread_mutex_unlock(&pp->m);
        ps_gil_take(&pp->gil, &pp->t[id]);
        ps_sleep_ns(1000);
        ps_gil_drop(&pp->gil, &pp->t[id]);
        pthread_mutex_lock(&pp->m);
        pp->takes_left--;
        pp->turn = 1 - id;
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->m);
    }
}

static void test_known_counts(enum ps_gil_model m)
{
    const int N = 200;  /* switches expected: N + 1 acquires, alternating */
    pingpong *pp = calloc(1, sizeof *pp);
    ps_gil_params p = params(m, 5000000, 100);
    CHECK_MSG(ps_gil_init(&pp->gil, &p) == 0, "init");
    ps_gil_thread_init(&pp->t[0]);
    ps_gil_thread_init(&pp->t[1]);
    pthread_mutex_init(&pp->m, NULL);
    pthread_cond_init(&pp->cv, NULL);
    pp->takes_left = N + 1;
    run_team(2, pp_body, pp);
    ps_gil_report r;
    collect(&pp->gil, pp->t, 2, &r);
    const char *name = m == PS_GIL_NEW ? "new" : "old";
    CHECK_MSG(r.switches == (uint64_t)N, "%s: %llu switches, expected %d", name,
              (unsigned long long)r.switches, N);
    CHECK_MSG(r.forced_switches == 0 && r.voluntary_switches == (uint64_t)N,
              "%s: forced %llu voluntary %llu", name, (unsigned long long)r.forced_switches,
              (unsigned long long)r.voluntary_switches);
    CHECK_MSG(r.acquires == (uint64_t)N + 1, "%s: %llu acquires", name,
              (unsigned long long)r.acquires);
    CHECK_MSG(r.drop_requests == 0 && r.discarded == 0, "%s: requests %llu discarded %llu",
              name, (unsigned long long)r.drop_requests, (unsigned long long)r.discarded);
    uint64_t waits = pp->t[0].wait.count + pp->t[1].wait.count;
    uint64_t holds = pp->t[0].hold.count + pp->t[1].hold.count;
    uint64_t hand = pp->t[0].handoff.count + pp->t[1].handoff.count;
    CHECK_MSG(waits == (uint64_t)N + 1 && holds == (uint64_t)N + 1 && hand == (uint64_t)N,
              "%s: histogram counts wait %llu hold %llu handoff %llu", name,
              (unsigned long long)waits, (unsigned long long)holds, (unsigned long long)hand);
    /* each hold includes a 1 us sleep: the median cannot be below it */
    CHECK_MSG(r.hold_median >= 0.9e-6, "%s: hold median %.3g s < the 1 us sleep", name,
              r.hold_median);
    printf("  known counts %s: %llu switches, 0 forced, %llu acquires\n", name,
           (unsigned long long)r.switches, (unsigned long long)r.acquires);
    pthread_mutex_destroy(&pp->m);
    pthread_cond_destroy(&pp->cv);
    ps_gil_destroy(&pp->gil);
    free(pp);
}

/* ---- 5. default ticks per model ------------------------------------------- */

static void test_default_tick(void)
{
    ps_gil_params n = params(PS_GIL_NEW, 5000000, 100), o = params(PS_GIL_OLD, 0, 100);
    CHECK_MSG(ps_gil_default_tick(&n, 1000, 0) == 1000, "new model keeps the kernel's tick");
    CHECK_MSG(ps_gil_default_tick(&o, 1000, 0) == 1000 / PS_GIL_OLD_TICK_DIVISOR,
              "old model divides it");
    CHECK_MSG(ps_gil_default_tick(&o, 1, 0) == 1, "never 0");
    CHECK_MSG(ps_gil_default_tick(&n, 1000, 0.5) == 1000 * PS_GIL_RELEASE_TICK_FACTOR,
              "releasing ticks are long");
}

int main(void)
{
    test_default_tick();
    test_known_counts(PS_GIL_NEW);
    test_known_counts(PS_GIL_OLD);
    test_forced_switch();
    test_old_no_handoff();
    test_stress(PS_GIL_NEW);
    test_stress(PS_GIL_OLD);
    return check_report("test_gil");
}
