/* disturb.c -- see disturb.h.  A worker's scheduler readings around its
 * timed work, and what they say was lost. */
#define _GNU_SOURCE  /* sched_getcpu, RUSAGE_THREAD */
#include "disturb.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "timer.h"

/* The run-queue delay of the calling thread, in ns; -1 when the kernel has
 * no schedstat (CONFIG_SCHED_INFO off) or /proc is not mounted. */
static int64_t runq_delay_ns(void)
{
    int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[96];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    unsigned long long run, delay;
    if (sscanf(buf, "%llu %llu", &run, &delay) != 2)
        return -1;
    return (int64_t)delay;
}

static double thread_cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return -1.0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
}

/* Everything but the clocks, which come last and first so that the
 * readings' own cost falls outside the interval they bound. */
static int read_counters(ps_probe *p)
{
    struct rusage ru;
    int64_t q = runq_delay_ns();
    if (q < 0 || getrusage(RUSAGE_THREAD, &ru) != 0)
        return -1;
    p->runq_ns = (uint64_t)q;
    p->invol = ru.ru_nivcsw;
    p->vol = ru.ru_nvcsw;
    p->user = tv_seconds(ru.ru_utime);
    p->sys = tv_seconds(ru.ru_stime);
    p->cpu = sched_getcpu();
    return 0;
}

void ps_probe_begin(ps_probe *p)
{
    p->ok = read_counters(p) == 0;
    p->run = thread_cpu();
    p->wall = ps_now();
    p->ok &= p->run >= 0.0;
}

void ps_probe_end(const ps_probe *p, ps_disturb *d)
{
    ps_probe e;
    e.wall = ps_now();
    e.run = thread_cpu();
    int ok = p->ok && e.run >= 0.0 && read_counters(&e) == 0;
    ps_disturb_init(d);
    if (!ok) {
        d->ok = 0;
        return;
    }
    double wall = e.wall - p->wall, run = e.run - p->run;
    d->runq = 1e-9 * (double)(e.runq_ns - p->runq_ns);
    /* blocked at some point: the time off the CPU is not ours to judge */
    if (e.vol == p->vol) {
        double h = wall - run - d->runq;
        d->hidden = h > 0.0 ? h : 0.0;
    }
    d->lost_worst = d->runq + d->hidden;
    d->run = run;
    d->invol = e.invol - p->invol;
    d->migrations = p->cpu >= 0 && e.cpu >= 0 && p->cpu != e.cpu;
    cpu_set_t mask;
    /* bound: its affinity allows fewer CPUs than are online */
    d->pinned = sched_getaffinity(0, sizeof mask, &mask) == 0 &&
                CPU_COUNT(&mask) < sysconf(_SC_NPROCESSORS_ONLN);
    d->user = e.user - p->user;
    d->sys = e.sys - p->sys;
}

void ps_disturb_init(ps_disturb *d)
{
    *d = (ps_disturb){.ok = 1};
}

void ps_disturb_add(ps_disturb *t, const ps_disturb *d)
{
    t->ok &= d->ok;
    t->runq += d->runq;
    t->hidden += d->hidden;
    t->run += d->run;
    if (d->lost_worst > t->lost_worst)
        t->lost_worst = d->lost_worst;
    t->invol += d->invol;
    t->migrations += d->migrations;
    t->pinned += d->pinned;
    t->user += d->user;
    t->sys += d->sys;
}

void ps_disturb_cause(int runq, int n, char *buf, size_t len)
{
    static const char queue[] = "to other runnable tasks on this machine (run-queue delay)";
    static const char host[] = "to the hypervisor or interrupts (run time below wall time, "
                               "no run-queue delay)";
    if (runq >= n)
        snprintf(buf, len, "%s", queue);
    else if (runq == 0)
        snprintf(buf, len, "%s", host);
    else
        snprintf(buf, len, "%d %s, %d %s", runq, queue, n - runq, host);
}

double ps_disturb_lost(const ps_disturb *d, double seconds)
{
    if (!d->ok || !(seconds > 0.0))
        return -1.0;
    double f = d->lost_worst / seconds;
    return f < 0.0 ? 0.0 : f > 1.0 ? 1.0 : f;
}
