/* watchdog.c -- see watchdog.h.  The repetition time limit and the guard
 * that reports a kernel ending the process. */
#define _POSIX_C_SOURCE 200809L
#include "watchdog.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timer.h"

/* Writes the line with write(2) alone and leaves: the main thread is
 * inside a kernel that may hold any lock, stdio's included. */
static _Noreturn void give_up(const ps_watchdog *w)
{
    if (w->speak) {
        char line[400];
        int n = snprintf(line, sizeof line, "parscale: %s: a repetition took longer than "
                         "--rep-timeout %.6gs (the kernel never returned?); the run stops, "
                         "the rows written so far are whole\n", w->what, w->limit);
        if (n > 0 && write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n
                           : sizeof line - 1) < 0) {
            /* nothing more can be said */
        }
    }
    _exit(PS_EXIT_REP_TIMEOUT);
}

/* The thread: sleeps on the condition until armed, then until the
 * deadline or the disarm, whichever comes first. */
static void *watch(void *arg)
{
    ps_watchdog *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->quit) {
        if (w->deadline <= 0) {
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        double left = w->deadline - ps_now();
        if (left <= 0)
            give_up(w);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        double cap = left < 1.0 ? left : 1.0;  /* wakes now and then regardless */
        ts.tv_sec += (time_t)cap;
        ts.tv_nsec += (long)((cap - (double)(time_t)cap) * 1e9);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int ps_watchdog_start(ps_watchdog *w, double limit, int speak, ps_err *err)
{
    memset(w, 0, sizeof *w);
    if (!(limit > 0))
        return 0;
    w->limit = limit;
    w->speak = speak;
    pthread_condattr_t ca;
    int rc = pthread_condattr_init(&ca);
    if (rc == 0)
        rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);  /* ps_now's clock */
    if (rc == 0)
        rc = pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        return ps_fail(err, "pthread_cond_init failed: %s", strerror(rc));
    if ((rc = pthread_mutex_init(&w->mu, NULL)) != 0) {
        pthread_cond_destroy(&w->cv);
        return ps_fail(err, "pthread_mutex_init failed: %s", strerror(rc));
    }
    if ((rc = pthread_create(&w->thread, NULL, watch, w)) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        return ps_fail(err, "pthread_create of the --rep-timeout watchdog failed: %s",
                       strerror(rc));
    }
    w->started = 1;
    return 0;
}

void ps_watchdog_arm(ps_watchdog *w, const char *what)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    snprintf(w->what, sizeof w->what, "%s", what);
    w->deadline = ps_now() + w->limit;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void ps_watchdog_disarm(ps_watchdog *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->deadline = 0;
    pthread_mutex_unlock(&w->mu);
}

void ps_watchdog_stop(ps_watchdog *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    w->started = 0;
}

/* The one process-wide state of the harness: atexit() handlers take no
 * argument, and the guard must tell a kernel's exit() from parscale's own.
 * 0: no handler yet, 1: armed, 2: registered and disarmed.  Set by the
 * main thread before and after measuring; read by the handler exit()
 * calls. */
static volatile sig_atomic_t exit_guard_state;

/* Called by exit(): a kernel ended the process in the middle of the run. */
static void exit_guard(void)
{
    if (exit_guard_state != 1)
        return;
    static const char line[] = "parscale: a kernel called exit() during a repetition; "
                               "the run stops, the rows written so far are whole\n";
    if (write(STDERR_FILENO, line, sizeof line - 1) < 0) {
        /* nothing more can be said */
    }
    _exit(PS_EXIT_KERNEL_EXITED);
}

void ps_exit_guard_arm(void)
{
    if (exit_guard_state == 1 || (exit_guard_state == 0 && atexit(exit_guard) != 0))
        return;
    exit_guard_state = 1;
}

void ps_exit_guard_disarm(void)
{
    if (exit_guard_state == 1)
        exit_guard_state = 2;
}
