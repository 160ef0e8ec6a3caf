/* wait_policy.c -- see wait_policy.h.  The OpenMP wait policy set before
 * OpenMP starts, the row's name for it, and parscale executed again so
 * that OpenMP reads its environment (--bind too). */
#define _POSIX_C_SOURCE 200809L
#include "wait_policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ps_wait_policy_setenv(int *changed, ps_err *err)
{
    const char *policy = getenv("OMP_WAIT_POLICY"), *spin = getenv("GOMP_SPINCOUNT");
    if ((policy && *policy) || (spin && *spin))
        return 0;  /* the user's choice stands */
    if (setenv("GOMP_SPINCOUNT", PS_OMP_SPINCOUNT, 1) != 0)
        return PS_FAIL_SYS(err, "setenv GOMP_SPINCOUNT");
    *changed = 1;
    return 0;
}

void ps_wait_policy_describe(char *buf, size_t len)
{
    const char *policy = getenv("OMP_WAIT_POLICY"), *spin = getenv("GOMP_SPINCOUNT");
    const int has_policy = policy && *policy, has_spin = spin && *spin;
    if (has_policy && has_spin)
        snprintf(buf, len, "%s;spin=%s", policy, spin);
    else if (has_policy)
        snprintf(buf, len, "%s", policy);
    else if (has_spin)
        snprintf(buf, len, "spin=%s", spin);
    else
        snprintf(buf, len, "default");
}

int ps_reexec(char **argv, const char *what, ps_err *err)
{
    execv("/proc/self/exe", argv);
    int en = errno;  /* execv returned: it failed */
    return ps_fail(err, "execv /proc/self/exe to apply %s failed: %s; set it in the "
                   "environment instead", what, strerror(en));
}
