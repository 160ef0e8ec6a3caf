/* hosts.c -- see hosts.h.  Describes this process's host with sysinfo's
 * readers; groups and judges the hosts of every rank. */
#define _GNU_SOURCE
#include "hosts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cpu_ident.h"
#include "sysinfo.h"

void ps_hosts_local(ps_host *h)
{
    memset(h, 0, sizeof *h);
    if (gethostname(h->name, sizeof h->name - 1) != 0)
        snprintf(h->name, sizeof h->name, "unknown");
    h->cores = ps_sysinfo_cores_online();
    ps_sysinfo_cpu_model(h->cpu_model, sizeof h->cpu_model);
    ps_sysinfo_caches(h->caches, sizeof h->caches);
    ps_cpu_ident cpu;
    ps_cpu_ident_collect(&cpu, h->caches);
    snprintf(h->fingerprint, sizeof h->fingerprint, "%s", cpu.fingerprint);
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(h->os, sizeof h->os, "%s %s %s", u.sysname, u.release, u.machine);
}

int ps_hosts_build(ps_hosts *h, const ps_host *per_rank, int nranks, ps_err *err)
{
    memset(h, 0, sizeof *h);
    h->rank_host = calloc((size_t)nranks, sizeof *h->rank_host);
    h->host = calloc((size_t)nranks, sizeof *h->host);
    if (!h->rank_host || !h->host) {
        int rc = PS_FAIL_SYS(err, "calloc");  /* before free, which may change errno */
        ps_hosts_free(h);
        return rc;
    }
    h->nranks = nranks;
    for (int r = 0; r < nranks; r++) {
        int j = 0;
        while (j < h->nhosts && strcmp(h->host[j].name, per_rank[r].name) != 0)
            j++;
        if (j == h->nhosts)
            h->host[h->nhosts++] = per_rank[r];
        h->rank_host[r] = j;
    }
    return 0;
}

void ps_hosts_free(ps_hosts *h)
{
    free(h->rank_host);
    free(h->host);
    memset(h, 0, sizeof *h);
}

/* Ranks among the first w on each host: counts[j] for host j. */
static void ranks_per_host(const ps_hosts *h, int w, int *counts)
{
    for (int j = 0; j < h->nhosts; j++)
        counts[j] = 0;
    for (int r = 0; r < w && r < h->nranks; r++)
        counts[h->rank_host[r]]++;
}

int ps_hosts_cores(const ps_hosts *h, int w)
{
    int *n = calloc((size_t)h->nhosts + 1, sizeof *n);
    if (!n)
        return h->nhosts ? h->host[0].cores : 1;  /* no memory: rank 0's host */
    ranks_per_host(h, w, n);
    int total = 0;
    for (int j = 0; j < h->nhosts; j++)
        if (n[j] > 0)
            total += h->host[j].cores;
    free(n);
    return total;
}

int ps_hosts_oversubscribed(const ps_hosts *h, int w, int threads)
{
    int *n = calloc((size_t)h->nhosts + 1, sizeof *n);
    if (!n)
        return w * threads > ps_hosts_cores(h, w);
    ranks_per_host(h, w, n);
    int over = 0;
    for (int j = 0; j < h->nhosts; j++)
        over |= (long)n[j] * threads > h->host[j].cores;
    free(n);
    return over;
}

void ps_hosts_placement(const ps_hosts *h, int w, char *buf, size_t len)
{
    if (!len)
        return;
    buf[0] = '\0';
    int *n = calloc((size_t)h->nhosts + 1, sizeof *n);
    if (!n)
        return;
    ranks_per_host(h, w, n);
    size_t used = 0;
    for (int j = 0; j < h->nhosts; j++) {
        if (!n[j])
            continue;
        int k = snprintf(buf + used, len - used, "%s%s:%d", used ? "," : "",
                         h->host[j].name, n[j]);
        if (k < 0 || (size_t)k >= len - used) {
            /* does not fit: end what fits with "..." */
            if (len >= 4)
                snprintf(buf + (used + 4 <= len ? used : len - 4), 4, "...");
            break;
        }
        used += (size_t)k;
    }
    free(n);
}

void ps_hosts_json(const ps_hosts *h, ps_buf *out)
{
    ps_buf_put(out, "\"hosts\":[", 9);
    for (int j = 0; j < h->nhosts; j++) {
        const ps_host *x = &h->host[j];
        ps_buf_printf(out, "%s{\"host\":", j ? "," : "");
        ps_buf_json_str(out, x->name);
        ps_buf_printf(out, ",\"cores_online\":%d,\"cpu_model\":", x->cores);
        ps_buf_json_str(out, x->cpu_model);
        ps_buf_put(out, ",\"caches\":", 10);
        ps_buf_json_str(out, x->caches);
        ps_buf_put(out, ",\"os\":", 6);
        ps_buf_json_str(out, x->os);
        ps_buf_put(out, ",\"fingerprint\":", 15);
        ps_buf_json_str(out, x->fingerprint);
        ps_buf_put(out, ",\"ranks\":[", 10);
        int first = 1;
        for (int r = 0; r < h->nranks; r++)
            if (h->rank_host[r] == j) {
                ps_buf_printf(out, "%s%d", first ? "" : ",", r);
                first = 0;
            }
        ps_buf_put(out, "]}", 2);
    }
    ps_buf_put(out, "]", 1);
}
