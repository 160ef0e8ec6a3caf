/* placement.c -- see placement.h.  Where workers ran (CPU lists, CPUs
 * shared) and the OpenMP binding --bind sets. */
#define _GNU_SOURCE
#include "placement.h"

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

int ps_bind_setenv(const char *bind, const char *places, int *changed, ps_err *err)
{
    if (!bind)
        return 0;
    if (set_env("OMP_PROC_BIND", bind, changed, err) != 0)
        return -1;
    /* unbound threads need no places; bound ones default to one per core */
    if (strcmp(bind, "false") != 0 &&
        set_env("OMP_PLACES", places ? places : "cores", changed, err) != 0)
        return -1;
    return 0;
}

/* ---- --places: OMP_PLACES syntax ------------------------------------------- */

/* A tiny reader over an OMP_PLACES value: p is where it is, blanks between
 * tokens are skipped as OpenMP runtimes do. */
typedef struct places_reader {
    const char *p;
} places_reader;

static void skip_blanks(places_reader *r)
{
    while (*r->p == ' ' || *r->p == '\t')
        r->p++;
}

/* A whole number, with a '-' in front when negative_ok (strides). */
static int read_number(places_reader *r, int negative_ok, int positive)
{
    skip_blanks(r);
    const char *start = r->p;
    if (negative_ok && *r->p == '-')
        r->p++;
    const char *digits = r->p;
    unsigned long v = 0;
    while (*r->p >= '0' && *r->p <= '9') {
        v = v * 10 + (unsigned long)(*r->p - '0');
        if (v > 1000000)  /* no machine has that many hardware threads */
            return -1;
        r->p++;
    }
    if (r->p == digits || (positive && v == 0)) {
        r->p = start;
        return -1;
    }
    return 0;
}

/* An interval: '!' ITEM, or ITEM [':' count [':' stride]]; ITEM is a
 * number (a resource) or, for places, a braced list of resources. */
static int read_interval(places_reader *r, int in_braces);

static int read_list(places_reader *r, int in_braces)
{
    do {
        if (read_interval(r, in_braces) != 0)
            return -1;
        skip_blanks(r);
    } while (*r->p == ',' && r->p++);
    return 0;
}

static int read_interval(places_reader *r, int in_braces)
{
    skip_blanks(r);
    int negated = 0;
    if (*r->p == '!') {
        negated = 1;
        r->p++;
        skip_blanks(r);
    }
    if (!in_braces && *r->p == '{') {
        r->p++;
        if (read_list(r, 1) != 0)
            return -1;
        skip_blanks(r);
        if (*r->p != '}')
            return -1;
        r->p++;
    } else if (read_number(r, 0, 0) != 0) {
        return -1;
    }
    if (negated)
        return 0;
    skip_blanks(r);
    if (*r->p == ':') {
        r->p++;
        if (read_number(r, 0, 1) != 0)  /* how many: at least one */
            return -1;
        skip_blanks(r);
        if (*r->p == ':') {
            r->p++;
            if (read_number(r, 1, 0) != 0)  /* stride: may be negative */
                return -1;
        }
    }
    return 0;
}

int ps_places_check(const char *places, ps_err *err)
{
    static const char *const names[] = {"threads", "cores", "sockets", "ll_caches",
                                        "numa_domains"};
    if (!places || !*places)
        return ps_fail(err, "--places needs a value such as cores or threads");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(places, names[i], n) != 0)
            continue;
        if (places[n] == '\0')
            return 0;
        places_reader r = {places + n};
        if (*r.p == '(' && (r.p++, read_number(&r, 0, 1) == 0) && *r.p == ')' &&
            r.p[1] == '\0')
            return 0;
    }
    places_reader r = {places};
    if (read_list(&r, 0) == 0) {
        skip_blanks(&r);
        if (*r.p == '\0')
            return 0;
    }
    return ps_fail(err, "--places: '%s' is not threads, cores, sockets, ll_caches, "
                   "numa_domains (optionally with (N)) or a list of places such as "
                   "{0,1},{2,3} or {0:2}:4:2", places);
}
