/* evloop.c -- the event loop of evloop.h: a timer heap, a ready ring, and
 * epoll_wait() on one timerfd.
 *
 * Why epoll and timerfd rather than io_uring: epoll is what asyncio's
 * default loop uses on Linux, so the two are compared on one mechanism;
 * io_uring is missing from many kernels' and containers' allow-lists and
 * would need liburing.  Why a timerfd rather than epoll_wait's timeout:
 * that timeout is in whole milliseconds, and waits of 1 ms would become
 * 1-2 ms.  That is what asyncio does, so PS_LOOP_TIMER_MS keeps it, to
 * measure what it costs. */
#define _GNU_SOURCE  /* timerfd, epoll */
#include "evloop.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "timer.h"

int ps_loop_init(ps_loop *l, int ntasks, ps_err *err)
{
    memset(l, 0, sizeof *l);
    l->epfd = l->tfd = -1;
    l->sleeping = -1;
    if (ntasks < 1)
        return ps_fail(err, "event loop: no tasks");
    l->ntasks = ntasks;
    l->timed_tasks = ntasks;
    l->heap = calloc((size_t)ntasks, sizeof *l->heap);
    l->ready = calloc((size_t)ntasks, sizeof *l->ready);
    l->due = calloc((size_t)ntasks, sizeof *l->due);
    if (!l->heap || !l->ready || !l->due) {
        ps_loop_free(l);
        return ps_fail(err, "event loop: out of memory");
    }
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) {
        PS_FAIL_SYS(err, "epoll_create1");
        ps_loop_free(l);
        return -1;
    }
    l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (l->tfd < 0) {
        PS_FAIL_SYS(err, "timerfd_create");
        ps_loop_free(l);
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l->tfd};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev) != 0) {
        PS_FAIL_SYS(err, "epoll_ctl");
        ps_loop_free(l);
        return -1;
    }
    return 0;
}

void ps_loop_free(ps_loop *l)
{
    if (l->tfd >= 0)
        close(l->tfd);
    if (l->epfd >= 0)
        close(l->epfd);
    free(l->heap);
    free(l->ready);
    free(l->due);
    l->heap = NULL;
    l->ready = NULL;
    l->due = NULL;
    l->epfd = l->tfd = -1;
}

/* Whether timer a fires before timer b. */
static int before(const ps_loop_timer *a, const ps_loop_timer *b)
{
    return a->deadline != b->deadline ? a->deadline < b->deadline : a->seq < b->seq;
}

static void heap_push(ps_loop *l, ps_loop_timer t)
{
    int i = l->nheap++;
    while (i > 0 && before(&t, &l->heap[(i - 1) / 2])) {
        l->heap[i] = l->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    l->heap[i] = t;
}

static ps_loop_timer heap_pop(ps_loop *l)
{
    ps_loop_timer top = l->heap[0], last = l->heap[--l->nheap];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= l->nheap)
            break;
        if (c + 1 < l->nheap && before(&l->heap[c + 1], &l->heap[c]))
            c++;
        if (!before(&l->heap[c], &last))
            break;
        l->heap[i] = l->heap[c];
        i = c;
    }
    if (l->nheap > 0)
        l->heap[i] = last;
    return top;
}

static void ready_push(ps_loop *l, int task)
{
    l->ready[(l->head + l->count++) % l->ntasks] = task;
}

static int ready_pop(ps_loop *l)
{
    int t = l->ready[l->head];
    l->head = (l->head + 1) % l->ntasks;
    l->count--;
    return t;
}

int ps_loop_sleep_until(ps_loop *l, int task, uint64_t deadline)
{
    if (task < 0 || task >= l->ntasks || l->sleeping != -1 || l->nheap >= l->ntasks)
        return -1;
    ps_loop_timer t = {deadline, l->seq++, task};
    heap_push(l, t);
    l->sleeping = task;
    l->stats.waits++;
    return 0;
}

int ps_loop_sleep(ps_loop *l, int task, uint64_t ns)
{
    return ps_loop_sleep_until(l, task, ps_now_ns() + ns);
}

/* Sleeps in epoll_wait until the timerfd, armed at the earliest deadline,
 * fires. */
static int wait_on_timerfd(ps_loop *l, uint64_t d, ps_err *err)
{
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = (time_t)(d / 1000000000u);
    its.it_value.tv_nsec = (long)(d % 1000000000u);
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
        its.it_value.tv_nsec = 1;  /* zero would disarm the timer */
    if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
        return PS_FAIL_SYS(err, "timerfd_settime");
    struct epoll_event ev;
    int n;
    while ((n = epoll_wait(l->epfd, &ev, 1, -1)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return PS_FAIL_SYS(err, "epoll_wait");
    uint64_t expirations;
    if (read(l->tfd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
        return PS_FAIL_SYS(err, "read(timerfd)");
    return 0;
}

/* Whole milliseconds from now to deadline d, rounded up: the timeout
 * asyncio's selector loop passes to epoll_wait (0 when d has passed). */
int ps_loop_ms_timeout(uint64_t now, uint64_t d)
{
    if (d <= now)
        return 0;
    uint64_t ns = d - now, ms = ns / 1000000u + (ns % 1000000u != 0);
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Sleeps in epoll_wait with the deadline as a timeout in whole
 * milliseconds, rounded up.  Nothing is armed, so it returns when the
 * timeout has passed, or early on a signal: the caller then finds no timer
 * due and comes back with a new timeout, as asyncio does. */
static int wait_on_ms_timeout(ps_loop *l, uint64_t d, ps_err *err)
{
    struct epoll_event ev;
    int n = epoll_wait(l->epfd, &ev, 1, ps_loop_ms_timeout(ps_now_ns(), d));
    if (n < 0 && errno != EINTR)
        return PS_FAIL_SYS(err, "epoll_wait");
    return 0;
}

/* Sleeps until the earliest timer is due (or, with PS_LOOP_TIMER_MS, until
 * the rounded-up timeout has passed). */
static int wait_for_timer(ps_loop *l, ps_err *err)
{
    uint64_t d = l->heap[0].deadline;
    int rc = l->timer == PS_LOOP_TIMER_MS ? wait_on_ms_timeout(l, d, err)
                                           : wait_on_timerfd(l, d, err);
    if (rc == 0)
        l->stats.polls++;
    return rc;
}

/* The interpreter's share of a step: step_cost_ns of CPU time. */
static void spend(uint64_t ns)
{
    const uint64_t end = ps_now_ns() + ns;
    while (ps_now_ns() < end)
        ;
}

/* Resumes one ready task; returns its step's answer. */
static int resume(ps_loop *l, int task, int last, ps_task_step step, void *arg)
{
    if (last >= 0 && task != last)
        l->stats.switches++;
    if (l->due[task]) {
        uint64_t now = ps_now_ns();
        if (task < l->timed_tasks)
            ps_hist_add(&l->stats.lateness, now > l->due[task] ? now - l->due[task] : 0);
        l->due[task] = 0;
    }
    l->sleeping = -1;
    if (l->step_cost_ns)
        spend(l->step_cost_ns);
    int rc = step(l, task, arg);
    int slept = l->sleeping == task;
    l->sleeping = -1;
    if (rc == PS_TASK_WAITING && !slept)
        return -1;  /* waiting with no timer: it would never resume */
    return rc;
}

int ps_loop_run(ps_loop *l, ps_task_step step, void *arg, ps_err *err)
{
    for (int t = 0; t < l->ntasks; t++)
        ready_push(l, t);
    int alive = l->ntasks, last = -1;
    while (alive > 0) {
        while (l->count > 0) {
            int t = ready_pop(l);
            int rc = resume(l, t, last, step, arg);
            last = t;
            if (rc == PS_TASK_DONE)
                alive--;
            else if (rc != PS_TASK_WAITING)
                return ps_fail(err, "event loop: task %d waited without a timer", t);
        }
        if (alive == 0)
            break;
        if (l->nheap == 0)
            return ps_fail(err, "event loop: %d task(s) neither ready nor waiting", alive);
        if (l->heap[0].deadline > ps_now_ns() && wait_for_timer(l, err) != 0)
            return -1;
        uint64_t now = ps_now_ns();
        while (l->nheap > 0 && l->heap[0].deadline <= now) {
            ps_loop_timer t = heap_pop(l);
            l->due[t.task] = t.deadline;
            ready_push(l, t.task);
        }
    }
    return 0;
}
