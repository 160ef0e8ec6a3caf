/*
 * gil.h -- an emulated global interpreter lock, after CPython's.
 *
 * Two models:
 *  - new (CPython 3.2 and later): a waiter that has waited one switch
 *    interval without seeing a switch asks the holder to drop the lock; the
 *    holder checks its drop request between ticks, drops, and (forced
 *    switching) waits until another thread has really taken the lock.
 *  - old (before 3.2): every check_interval ticks the holder releases a
 *    plain lock and at once takes it again; no drop requests, no handoff,
 *    so on several cores the woken waiter usually loses the race.
 *
 * Work that blocks (I/O, sleep) or C code that releases the lock calls
 * ps_gil_drop() before and ps_gil_take() after, as CPython's
 * Py_BEGIN/END_ALLOW_THREADS does.
 */
#ifndef PS_GIL_H
#define PS_GIL_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

#include "stats.h"

enum ps_gil_model { PS_GIL_NEW, PS_GIL_OLD };

typedef struct ps_gil_params {
    enum ps_gil_model model;
    uint64_t interval_ns;     /* new model: switch interval (5 ms) */
    uint32_t check_interval;  /* old model: ticks between releases (100) */
    int stats;                /* time every acquire, hold and handoff */
    /* Not the lock's: the gil backend runs this many extra CPU-bound
     * threads beside the measured ones (convoy experiments), and this many
     * extra I/O threads, each waiting io_wait_ns at a time (the convoy's
     * cost to the CPU-bound threads, when they are the measured ones). */
    int cpu_threads;
    int io_threads;
    uint64_t io_wait_ns;
} ps_gil_params;

/* Default ticks per model.  New model: the kernel's own tick (about 1 us
 * of work), so the per-tick drop-request check (one relaxed load) costs
 * well under 1%.  Old model: a twentieth of it (about 50 ns, a few
 * bytecodes' worth), so that the default check interval of 100 ticks spans
 * about 5 us -- what 100 bytecodes took in Python 2 -- and not 100 us. */
#define PS_GIL_OLD_TICK_DIVISOR 20
/* With --gil-release F > 0 every tick releases and retakes the lock, as C
 * code under Py_BEGIN_ALLOW_THREADS does, and that C code is worth
 * releasing for only around substantial work (hashlib: buffers over 2 KiB;
 * NumPy: whole array operations).  The default tick is then 1000 times the
 * kernel's (about 1 ms), so the release and retake (a few hundred ns) and
 * the waiter's wake-up (tens of us on a VM) stay a few percent of it. */
#define PS_GIL_RELEASE_TICK_FACTOR 1000
uint64_t ps_gil_default_tick(const ps_gil_params *p, uint64_t kernel_tick,
                             double release);

/* Per-thread state; owned by its thread, read by others only through the
 * atomic drop request. */
typedef struct ps_gil_thread {
    atomic_int drop_request;
    uint32_t ticks;           /* old model: ticks since the last release */
    uint64_t taken_ns;        /* when this thread last took the lock */
    /* counters, summed over threads after the run */
    uint64_t acquires;
    uint64_t drop_requests;   /* requests this thread issued as a waiter */
    uint64_t discarded;       /* requests that made no forced drop: issued
                                 while one was pending, or overtaken by a
                                 release for I/O (issued = forced + these) */
    uint64_t forced_drops;
    ps_hist wait, hold, handoff;
    /* A waiting kernel's waits (gil_wait in backend_gil.c): from each
     * wait's deadline to this thread holding the lock again.  Timed
     * whatever p.stats says: two clock readings a blocking wait. */
    ps_hist wake;
} ps_gil_thread;

typedef struct ps_gil {
    ps_gil_params p;
    pthread_mutex_t mutex;     /* guards locked, holder, switch_number */
    pthread_cond_t cond;
    pthread_mutex_t switch_mutex;  /* forced switching */
    pthread_cond_t switch_cond;
    sem_t plain;               /* old model: the plain binary lock */
    int locked;
    ps_gil_thread *holder;
    _Atomic(ps_gil_thread *) last_holder;
    uint64_t switch_number;
    uint64_t forced_switches;
    int last_drop_forced;
    uint64_t released_ns;      /* when the lock was last released */
    atomic_int holders;        /* invariant check: never more than one */
    atomic_int violations;
} ps_gil;

/* What a run of the lock reports, summed over its threads. */
typedef struct ps_gil_report {
    uint64_t switches, forced_switches, voluntary_switches;
    uint64_t drop_requests, discarded, forced_drops, acquires;
    double wait_seconds;       /* total over all acquires and threads */
    double wait_median, wait_p99, hold_median, handoff_median;  /* seconds */
    uint64_t wakes;            /* waits timed in wake (0: the kernel never waits) */
    double wake_median, wake_p99;  /* seconds from a wait's deadline to the lock */
    int violations;            /* times two threads held it at once */
} ps_gil_report;

/* Returns 0 or an errno value from pthread/sem initialisation. */
int ps_gil_init(ps_gil *g, const ps_gil_params *p);
void ps_gil_destroy(ps_gil *g);
void ps_gil_thread_init(ps_gil_thread *t);

void ps_gil_take(ps_gil *g, ps_gil_thread *t);
void ps_gil_drop(ps_gil *g, ps_gil_thread *t);

/* The check the holder makes between ticks (CPython's eval breaker).  Kept
 * inline: under the new model it costs one relaxed atomic load. */
void ps_gil_yield_slow(ps_gil *g, ps_gil_thread *t);
static inline void ps_gil_tick(ps_gil *g, ps_gil_thread *t)
{
    if (g->p.model == PS_GIL_NEW) {
        if (atomic_load_explicit(&t->drop_request, memory_order_relaxed))
            ps_gil_yield_slow(g, t);
    } else if (++t->ticks >= g->p.check_interval) {
        ps_gil_yield_slow(g, t);
    }
}

void ps_gil_report_collect(const ps_gil *g, ps_gil_thread *const *threads,
                           int n, ps_gil_report *out);

#endif
