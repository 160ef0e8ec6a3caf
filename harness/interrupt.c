/* interrupt.c -- see interrupt.h.  The one piece of process-wide mutable
 * state in the harness: a signal handler can only reach a static. */
#define _POSIX_C_SOURCE 200809L
#include "interrupt.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t noted;

/* Only notes the first signal; a second one of the same kind (an impatient
 * Ctrl-C) kills as the default action would. */
static void on_signal(int sig)
{
    if (noted) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    noted = sig;
}

int ps_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  /* a row's write() is finished, not cut short */
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    return 0;
}

int ps_interrupted(void)
{
    return (int)noted;
}

const char *ps_signal_name(int sig, char *buf, int len)
{
    if (sig == SIGINT)
        return "SIGINT";
    if (sig == SIGTERM)
        return "SIGTERM";
    snprintf(buf, (size_t)len, "signal %d", sig);
    return buf;
}
