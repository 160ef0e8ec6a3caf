/* interrupt.h -- Ctrl-C and `kill` during a run: the signal is only noted,
 * so the repetition being measured and its row are finished, and the
 * measuring loop stops at the next repetition boundary with a summary of
 * what was measured. */
#ifndef PS_INTERRUPT_H
#define PS_INTERRUPT_H

/* Notes SIGINT and SIGTERM from now on instead of dying of them.  Returns
 * 0; -1 when sigaction failed (err-free: the run goes on, killable as
 * before). */
int ps_interrupt_install(void);
/* The signal noted so far (SIGINT or SIGTERM), 0 when none. */
int ps_interrupted(void);
/* "SIGINT", "SIGTERM" or "signal N". */
const char *ps_signal_name(int sig, char *buf, int len);

#endif
