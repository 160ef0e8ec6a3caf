/*
 * disturb.h -- what disturbed a repetition, worker by worker.
 *
 * Each worker (a thread, or a rank's threads) reads its own scheduler
 * figures just before its clock starts and just after it stops, so the
 * readings cost nothing inside the timed region:
 *
 *   run-queue delay   time runnable but not running, from the second field
 *                     of /proc/thread-self/schedstat (nanoseconds)
 *   run time          CLOCK_THREAD_CPUTIME_ID, exact to the moment of the
 *                     call; where the kernel accounts steal it leaves out
 *                     what the hypervisor took
 *   context switches  getrusage(RUSAGE_THREAD): involuntary ones (another
 *                     task took the CPU) and voluntary ones (it blocked)
 *   CPU               sched_getcpu() at both ends: a change is a migration;
 *                     sched_getaffinity() at the end: bound or not
 *
 * A worker that never blocked (no voluntary switch) was either running,
 * waiting in the run queue, or off the CPU for a reason the guest cannot
 * see (the hypervisor, interrupts): wall - run - runq is that third part.
 * A worker that blocked (a lock, a barrier, a wait) hides it, so only its
 * run-queue delay counts.  lost is the largest share of the repetition any
 * one worker lost either way (docs/methodology.md, "Disturbed repetitions").
 */
#ifndef PS_DISTURB_H
#define PS_DISTURB_H

#include <stddef.h>
#include <stdint.h>

/* One worker's readings at its start. */
typedef struct ps_probe {
    int ok;                 /* the readings could be taken */
    uint64_t runq_ns;       /* run-queue delay so far */
    double run, wall;       /* thread CPU time, monotonic clock */
    long invol, vol;        /* context switches so far */
    double user, sys;
    int cpu;
} ps_probe;

/* One worker's figures over its repetition (also summed over workers). */
typedef struct ps_disturb {
    int ok;                 /* every worker's readings were taken */
    double runq;            /* seconds runnable but not running (summed) */
    double hidden;          /* seconds neither running nor queued, where the
                               worker never blocked (summed) */
    double lost_worst;      /* seconds the worst worker lost (runq + hidden) */
    double run;             /* seconds on a CPU (summed) */
    long invol;             /* involuntary context switches (summed) */
    int migrations;         /* workers that ended on another CPU */
    int pinned;             /* workers bound to fewer CPUs than are online */
    double user, sys;       /* CPU seconds in user and kernel mode (summed) */
} ps_disturb;

/* Losses below this many seconds are within the readings' own reach (a
 * timer interrupt, a clock read) and never make a repetition disturbed. */
#define PS_DISTURB_FLOOR 10e-6

/* Takes the worker's readings before its clock starts. */
void ps_probe_begin(ps_probe *p);
/* After its clock stopped: its figures since ps_probe_begin, into d (one
 * worker; ps_disturb_add combines workers). */
void ps_probe_end(const ps_probe *p, ps_disturb *d);
/* Adds one worker's (or one rank's) figures into the total. */
void ps_disturb_add(ps_disturb *total, const ps_disturb *d);
/* The empty total: ok until a worker without readings is added. */
void ps_disturb_init(ps_disturb *d);
/* The share of a repetition of `seconds` that its worst worker lost, in
 * [0, 1]; -1 when not known. */
double ps_disturb_lost(const ps_disturb *d, double seconds);

/* What took the time of n set-aside repetitions, runq of which lost it
 * mostly in the run queue: "to other runnable tasks on this machine
 * (run-queue delay)", "to the hypervisor or interrupts (run time below
 * wall time, no run-queue delay)", or both counted. */
void ps_disturb_cause(int runq, int n, char *buf, size_t len);

#endif
