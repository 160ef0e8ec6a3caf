/*
 * test_gil.c -- the emulated GIL's invariants and the behaviours that make
 * each model what it is (docs/gil.md).
 *
 * Every check is about order or counts, not speed: scenarios are driven by
 * flags so their order is fixed, who wins after a release is decided by
 * pinning both threads to one CPU under SCHED_FIFO (section 3), and time
 * bounds are one-sided or generous, so a slow or loaded machine (or
 * ThreadSanitizer) cannot fail them.
 *
 * Exit status: 0 all passed; 1 a check failed; 77 (CTest's skip) nothing
 * failed but a pinned case could not run here (each says SKIP and why).
 */
#define _GNU_SOURCE  /* pthread_setaffinity_np, CPU_SET, sched_getcpu, gettid */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    else  /* the old lock has no requests and no forced switching at all */
        CHECK_MSG(r.drop_requests == 0 && r.discarded == 0 && r.forced_drops == 0 &&
                  r.forced_switches == 0,
                  "old: requests %llu, discarded %llu, forced drops %llu, forced switches %llu",
                  (unsigned long long)r.drop_requests, (unsigned long long)r.discarded,
                  (unsigned long long)r.forced_drops, (unsigned long long)r.forced_switches);
    /* each thread's first take after the barrier changes holder but one's */
    CHECK_MSG(r.switches >= (uint64_t)s->nthreads - 1, "%s: %llu switches among %d threads",
              name, (unsigned long long)r.switches, s->nthreads);
    CHECK_MSG(r.acquires >= (uint64_t)s->nthreads, "%s: %llu acquires", name,
              (unsigned long long)r.acquires);
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
        ps_sleep_ns(20000);  /* sleeping holds the lock too; spare the CPU */
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
    /* One request makes the forced drop.  If A is kept off the CPU for a
     * whole interval after the request, B asks again, and that second
     * request merges with the pending one (discarded): the counts must add
     * up, whatever the scheduler did. */
    CHECK_MSG(r.drop_requests >= 1 && r.drop_requests == r.forced_drops + r.discarded,
              "B issued %llu drop requests (forced %llu + discarded %llu)",
              (unsigned long long)r.drop_requests, (unsigned long long)r.forced_drops,
              (unsigned long long)r.discarded);
    CHECK_MSG(r.forced_drops == 1 && r.forced_switches == 1,
              "forced drops %llu, forced switches %llu, expected 1 and 1",
              (unsigned long long)r.forced_drops, (unsigned long long)r.forced_switches);
    CHECK_MSG(r.violations == 0, "two holders");
    /* B asks only after one whole interval of waiting: never earlier (a
     * timed wait on the monotonic clock does not return early; 1 ms slack).
     * The upper bound only says that the request came at all: 30 s is far
     * beyond any wake-up delay of a loaded or stolen-from VM and well
     * inside the test's time limit. */
    double waited = (double)(d->request_seen_ns - d->b_start_ns) * 1e-9;
    CHECK_MSG(d->request_seen_ns > 0, "A never saw the request");
    CHECK_MSG(waited >= 0.019 && waited < 30.0,
              "request seen %.4f s after B began to wait; expected ~0.020 s", waited);
    printf("  forced switch: request after %.2f ms (interval 20 ms), B held the lock "
           "before A got it back\n", waited * 1e3);
    ps_gil_destroy(&d->gil);
    free(d);
}

/* ---- 3. after a release, who takes the lock: what the code decides ------- */
/*
 * Which thread wins after a release is, on several free CPUs, the OS's
 * race, and differs between CPUs and hypervisors.  Here both threads are
 * pinned to one CPU under SCHED_FIFO at equal priority, where the kernel's
 * rule (sched(7)) is that a thread made runnable goes to the end of the
 * list for its priority and does not preempt the running one.  The woken
 * waiter can then run, and take the lock, only if the releaser blocks: the
 * outcome is the code's decision.
 *  - old model: the releaser posts and retakes without blocking, so the
 *    waiter never gets the lock before the releaser lets go for good.  A
 *    handoff added to the old model (waiting for, or yielding to, the
 *    waiter) would let it in, and this check fails.
 *  - new model, a release without a drop request (for I/O): no handoff.
 *  - new model with the waiter's drop request pending: forced switching
 *    blocks the releaser until the waiter has had the lock.  The same setup
 *    therefore can see a handoff: the two checks above are not true only
 *    because the setup makes them so.
 * Where the system refuses SCHED_FIFO or the pinning, each case says SKIP
 * and why, and the test exits 77 (skipped) unless a check failed.
 */
enum pin_case { PIN_OLD_TICKS, PIN_NEW_IO, PIN_NEW_REQUEST };

static const char *const pin_case_name[] = {
    "old model, release and retake at every check",
    "new model, release for I/O without a drop request",
    "new model, release with the waiter's drop request pending",
};

typedef struct pinned {
    ps_gil gil;
    ps_gil_thread a, b;
    enum pin_case c;
    int cpu, ticks;
    pthread_barrier_t ready;
    char why[2][200];          /* each thread's refusal, "" when pinned */
    atomic_int a_holds, b_waiting, b_got;
    atomic_int b_tid;
    char b_state;              /* B's /proc state when A released: 'S' */
    int b_got_when_back;       /* had B held the lock when A held it again? */
    uint64_t switches_before, switches_back, a_acquires_back;
} pinned;

/* Pins the calling thread to cpu and makes it SCHED_FIFO at the lowest
 * real-time priority; on refusal says which call refused and why. */
static int pin_fifo(int cpu, char *why, size_t len)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (rc != 0) {
        snprintf(why, len, "pthread_setaffinity_np(CPU %d): %s", cpu, strerror(rc));
        return -1;
    }
    struct sched_param sp = {.sched_priority = sched_get_priority_min(SCHED_FIFO)};
    rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    if (rc != 0) {
        snprintf(why, len, "pthread_setschedparam(SCHED_FIFO, %d): %s", sp.sched_priority,
                 strerror(rc));
        return -1;
    }
    int policy = 0;
    pthread_getschedparam(pthread_self(), &policy, &sp);
    int now = sched_getcpu();
    if (policy != SCHED_FIFO || now != cpu) {
        snprintf(why, len, "asked for SCHED_FIFO on CPU %d, got policy %d on CPU %d", cpu,
                 policy, now);
        return -1;
    }
    return 0;
}

/* The state letter of one of this process's threads ('S': asleep, as in a
 * blocked lock), or '?' where /proc cannot say. */
static char thread_state(int tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return '?';
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');  /* the name in (...) may hold spaces */
    return p && p[1] == ' ' && p[2] ? p[2] : '?';
}

/* A, the releaser: takes the lock, lets B block on it, releases it as the
 * case says, and notes whether B had it by the time A holds it again. */
static void pinned_a(pinned *s)
{
    ps_gil_take(&s->gil, &s->a);
    s->switches_before = s->gil.switch_number;
    atomic_store(&s->a_holds, 1);
    /* A sleeps, B runs until it blocks; B blocks only in its take, so once
     * A runs again B is waiting for the lock */
    await_flag(&s->b_waiting);
    if (s->c == PIN_NEW_REQUEST)  /* B's wait of one interval ends in a request */
        while (!atomic_load_explicit(&s->a.drop_request, memory_order_relaxed))
            ps_sleep_ns(20000);
    s->b_state = thread_state(atomic_load(&s->b_tid));
    switch (s->c) {
    case PIN_OLD_TICKS:  /* check interval 1: every tick releases and retakes */
        for (int i = 0; i < s->ticks; i++)
            ps_gil_tick(&s->gil, &s->a);
        break;
    case PIN_NEW_IO:
        ps_gil_drop(&s->gil, &s->a);
        ps_gil_take(&s->gil, &s->a);
        break;
    case PIN_NEW_REQUEST:
        ps_gil_tick(&s->gil, &s->a);
        break;
    }
    s->b_got_when_back = atomic_load(&s->b_got);
    s->switches_back = s->gil.switch_number;  /* only a taker writes it: we hold */
    s->a_acquires_back = s->a.acquires;
    ps_gil_drop(&s->gil, &s->a);
}

/* B, the waiter: blocks on the lock A holds, and takes it once. */
static void pinned_b(pinned *s)
{
    atomic_store(&s->b_tid, (int)gettid());
    await_flag(&s->a_holds);
    atomic_store(&s->b_waiting, 1);
    ps_gil_take(&s->gil, &s->b);
    atomic_store(&s->b_got, 1);
    ps_gil_drop(&s->gil, &s->b);
}

static void pinned_body(void *arg, int tid)
{
    pinned *s = arg;
    pin_fifo(s->cpu, s->why[tid], sizeof s->why[tid]);
    pthread_barrier_wait(&s->ready);  /* both pinned, or both give up */
    if (s->why[0][0] || s->why[1][0])
        return;
    if (tid == 0)
        pinned_a(s);
    else
        pinned_b(s);
}

/* The CPU the pinned cases run on: the first one this process may use. */
static int first_allowed_cpu(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
            return c;
    return 0;
}

/* Runs one case; returns 1 when it was skipped (the reason printed). */
static int test_pinned(enum pin_case c)
{
    pinned *s = calloc(1, sizeof *s);
    s->c = c;
    s->cpu = first_allowed_cpu();
    s->ticks = 1000;
    /* new model: an interval B's wait outlasts only where a request is
     * wanted (A sleeps holding the lock until it sees one) */
    uint64_t interval = c == PIN_NEW_REQUEST ? UINT64_C(5000000) : UINT64_C(10000000000);
    ps_gil_params p = c == PIN_OLD_TICKS ? params(PS_GIL_OLD, 0, 1)
                                         : params(PS_GIL_NEW, interval, 1);
    CHECK_MSG(ps_gil_init(&s->gil, &p) == 0, "init");
    ps_gil_thread_init(&s->a);
    ps_gil_thread_init(&s->b);
    pthread_barrier_init(&s->ready, NULL, 2);
    run_team(2, pinned_body, s);
    const char *name = pin_case_name[c];
    int skipped = s->why[0][0] || s->why[1][0];
    if (skipped) {
        printf("  SKIP pinned (%s): %s\n", name, s->why[0][0] ? s->why[0] : s->why[1]);
        goto out;
    }
    int failures_before = check_failures;
    ps_gil_thread tsv[2] = {s->a, s->b};
    ps_gil_report r;
    collect(&s->gil, tsv, 2, &r);
    /* the premise: B was asleep, waiting for the lock, when A released it */
    CHECK_MSG(s->b_state == 'S' || s->b_state == '?',
              "%s: B's state was '%c' when A released, not asleep on the lock", name,
              s->b_state);
    CHECK_MSG(r.violations == 0, "%s: two holders", name);
    CHECK_MSG(atomic_load(&s->b_got) == 1 && s->b.acquires == 1,
              "%s: B took the lock %llu times, expected once", name,
              (unsigned long long)s->b.acquires);
    if (c == PIN_NEW_REQUEST) {
        CHECK_MSG(s->b_got_when_back == 1,
                  "%s: A took the lock back before B had it (no forced switch)", name);
        CHECK_MSG(r.forced_drops == 1 && r.forced_switches == 1,
                  "%s: forced drops %llu, forced switches %llu, expected 1 and 1", name,
                  (unsigned long long)r.forced_drops, (unsigned long long)r.forced_switches);
        /* B may time out again before A acts: those requests are discarded */
        CHECK_MSG(r.drop_requests >= 1 && r.drop_requests == r.forced_drops + r.discarded,
                  "%s: requests %llu, forced %llu, discarded %llu", name,
                  (unsigned long long)r.drop_requests, (unsigned long long)r.forced_drops,
                  (unsigned long long)r.discarded);
        CHECK_MSG(s->switches_back == s->switches_before + 2 && r.switches == 2,
                  "%s: %llu switches, expected 2 (A to B forced, B to A)", name,
                  (unsigned long long)r.switches);
        if (check_failures == failures_before)
            printf("  pinned, %s: B had the lock before A got it back (forced switch)\n",
                   name);
    } else {
        uint64_t releases = c == PIN_OLD_TICKS ? (uint64_t)s->ticks : 1;
        CHECK_MSG(s->b_got_when_back == 0,
                  "%s: B, woken but not preempting A, had the lock before A retook it: "
                  "the release handed off", name);
        CHECK_MSG(s->switches_back == s->switches_before &&
                  s->a_acquires_back == 1 + releases,
                  "%s: %llu switches and %llu acquires by A across %llu releases; "
                  "expected none and %llu", name,
                  (unsigned long long)(s->switches_back - s->switches_before),
                  (unsigned long long)s->a_acquires_back, (unsigned long long)releases,
                  (unsigned long long)(1 + releases));
        CHECK_MSG(r.drop_requests == 0 && r.forced_drops == 0 && r.forced_switches == 0,
                  "%s: requests %llu, forced drops %llu, forced switches %llu", name,
                  (unsigned long long)r.drop_requests, (unsigned long long)r.forced_drops,
                  (unsigned long long)r.forced_switches);
        CHECK_MSG(r.switches == 1, "%s: %llu switches, expected 1 (A to B at the end)",
                  name, (unsigned long long)r.switches);
        if (check_failures == failures_before)
            printf("  pinned, %s: A released %llu time%s with B waiting and retook the "
                   "lock at once\n", name, (unsigned long long)releases,
                   releases == 1 ? "" : "s");
    }
out:
    pthread_barrier_destroy(&s->ready);
    ps_gil_destroy(&s->gil);
    free(s);
    return skipped;
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
    int skipped = test_pinned(PIN_OLD_TICKS);
    skipped += test_pinned(PIN_NEW_IO);
    skipped += test_pinned(PIN_NEW_REQUEST);
    test_stress(PS_GIL_NEW);
    test_stress(PS_GIL_OLD);
    int rc = check_report("test_gil");
    if (rc == 0 && skipped) {
        printf("test_gil: %d pinned case(s) skipped (see SKIP above): who takes the lock "
               "after a release was not checked here\n", skipped);
        return 77;
    }
    return rc;
}
