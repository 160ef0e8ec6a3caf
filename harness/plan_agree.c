/* plan_agree.c -- see plan_agree.h.  The digest of a rank's options, one
 * hash per option, that the ranks compare. */
#define _GNU_SOURCE
#include "plan_agree.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a over len bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* The index in longs of the option getopt returned as c (index when it
 * said which), or -1. */
static int index_of(const struct option *longs, int c, int index)
{
    if (index >= 0)
        return index;
    for (int i = 0; longs[i].name; i++)
        if (longs[i].val == c && !longs[i].flag)
            return i;
    return -1;
}

void ps_opts_digest_of(int argc, char **argv, const ps_run_opts *o, ps_opts_digest *d)
{
    struct option longs[PS_DIGEST_MAX];
    int n = ps_options_long(longs, PS_DIGEST_MAX - 1);
    memset(d, 0, sizeof *d);
    d->n = n + 1;
    for (int i = 0; i < d->n; i++)
        d->h[i] = 14695981039346656037ull;
    char **copy = malloc((size_t)(argc + 1) * sizeof *copy);
    if (copy) {  /* getopt reorders what it parses */
        memcpy(copy, argv, (size_t)argc * sizeof *copy);
        copy[argc] = NULL;
        optind = 1;
        opterr = 0;
        int c, index = -1;
        while ((c = getopt_long(argc, copy, ps_options_short(), longs, &index)) != -1) {
            int i = index_of(longs, c, index);
            index = -1;
            if (i < 0)
                continue;
            const char *v = optarg ? optarg : "";
            d->h[i] = fnv(d->h[i], v, strlen(v) + 1);  /* NUL: "1","2" != "12" */
        }
        free(copy);
    } else {
        d->h[0] = 0;  /* cannot tell: differ from every rank that could */
    }
    for (int i = 0; i < o->libs.n; i++)  /* the same name may be another build */
        d->h[n] = fnv(d->h[n], &o->libs.lib[i].hash, sizeof o->libs.lib[i].hash);
}

void ps_opts_digest_name(int i, char *buf, size_t len)
{
    struct option longs[PS_DIGEST_MAX];
    int n = ps_options_long(longs, PS_DIGEST_MAX - 1);
    if (i >= 0 && i < n)
        snprintf(buf, len, "--%s", longs[i].name);
    else
        snprintf(buf, len, "the --kernel-lib files' contents");
}
