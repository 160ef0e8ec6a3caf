/* placement.c -- see placement.h. */
#define _GNU_SOURCE
#include "placement.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ps_cpus_format(char *buf, size_t len, const int *cpus, int n, int per_rank)
{
    size_t used = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        char item[24];
        const char *sep = i == 0 ? "" : (per_rank > 0 && i % per_rank == 0) ? ";" : ",";
        int w = cpus[i] >= 0 ? snprintf(item, sizeof item, "%s%d", sep, cpus[i])
                             : snprintf(item, sizeof item, "%s?", sep);
        if (w < 0 || used + (size_t)w + 4 > len) {  /* room for "..." */
            snprintf(buf + used, len - used, "...");
            return;
        }
        memcpy(buf + used, item, (size_t)w + 1);
        used += (size_t)w;
    }
}

int ps_cpus_shared(const int *cpus, const int *host, int n)
{
    int shared = 0;
    for (int i = 0; i < n; i++) {
        if (cpus[i] < 0)
            continue;
        for (int j = 0; j < n; j++) {
            if (j != i && cpus[j] == cpus[i] && (!host || host[j] == host[i])) {
                shared++;
                break;
            }
        }
    }
    return shared;
}

void ps_placement_local(const int *cpus, int n, ps_rep *rep)
{
    ps_cpus_format(rep->cpus, sizeof rep->cpus, cpus, n, n);
    rep->cpu_shared = ps_cpus_shared(cpus, NULL, n);
}

/* Sets name=value unless it already holds; says whether it changed. */
static int set_env(const char *name, const char *value, int *changed, ps_err *err)
{
    const char *now = getenv(name);
    if (now && strcmp(now, value) == 0)
        return 0;
    if (setenv(name, value, 1) != 0)
        return PS_FAIL_SYS(err, "setenv");
    *changed = 1;
    return 0;
}

int ps_bind_apply(const char *bind, const char *places, char **argv, ps_err *err)
{
    if (!bind)
        return 0;
    int changed = 0;
    if (set_env("OMP_PROC_BIND", bind, &changed, err) != 0)
        return -1;
    /* unbound threads need no places; bound ones default to one per core */
    if (strcmp(bind, "false") != 0 &&
        set_env("OMP_PLACES", places ? places : "cores", &changed, err) != 0)
        return -1;
    if (!changed)
        return 0;
    /* OpenMP has already read its environment: start again with the new
     * one (the same process, so mpirun and Slurm still know it) */
    execv("/proc/self/exe", argv);
    int en = errno;  /* execv returned: it failed */
    return ps_fail(err, "--bind: execv /proc/self/exe to apply OMP_PROC_BIND=%s "
                   "failed: %s; set OMP_PROC_BIND and OMP_PLACES in the "
                   "environment instead", bind, strerror(en));
}
