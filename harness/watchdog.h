/* watchdog.h -- what bounds a repetition whose kernel never returns
 * (--rep-timeout), and what reports a kernel that ends the process itself
 * (exit() inside run), so that neither ends a run silently or never. */
#ifndef PS_WATCHDOG_H
#define PS_WATCHDOG_H

#include <pthread.h>

#include "util.h"

/* The exit status of a run ended by --rep-timeout. */
#define PS_EXIT_REP_TIMEOUT 3
/* The exit status of a run whose kernel called exit() (any status). */
#define PS_EXIT_KERNEL_EXITED 1

/* A thread that sleeps until a repetition it was told about outlives its
 * limit; then it writes one line (when speak) and ends the process with
 * PS_EXIT_REP_TIMEOUT.  Rows are written between repetitions, when it is
 * disarmed, so the rows already in the CSV are whole. */
typedef struct ps_watchdog {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    double limit;        /* seconds a repetition may take */
    double deadline;     /* ps_now() by which the armed one must end; 0: idle */
    int quit, started, speak;
    char what[200];      /* the armed repetition, for the line */
} ps_watchdog;

/* Starts the thread when limit > 0 (else does nothing).  speak: this rank
 * prints the line (rank 0). */
int ps_watchdog_start(ps_watchdog *w, double limit, int speak, ps_err *err);
/* A repetition of what begins (a no-op when not started). */
void ps_watchdog_arm(ps_watchdog *w, const char *what);
/* It ended. */
void ps_watchdog_disarm(ps_watchdog *w);
/* Ends the thread. */
void ps_watchdog_stop(ps_watchdog *w);

/* From now until ps_exit_guard_disarm, a call of exit() (by a kernel: the
 * harness itself never exits there) prints one line and ends the process
 * with PS_EXIT_KERNEL_EXITED instead of the kernel's status. */
void ps_exit_guard_arm(void);
void ps_exit_guard_disarm(void);

#endif
