/* hosts.h -- the hosts of a launch: this process's host described, every
 * rank's host grouped by name, and what follows from where the ranks run
 * (cores host by host, oversubscription, the placement string, the
 * metadata's host list).  Plain data: the gather over MPI is mpi_env's. */
#ifndef PS_HOSTS_H
#define PS_HOSTS_H

#include <stddef.h>

#include "util.h"

/* One host as its ranks describe it: fixed size, so that MPI can gather it
 * as bytes. */
typedef struct ps_host {
    char name[64];
    int cores;             /* cores online */
    char cpu_model[128];
    char os[256];
    char caches[256];
    char fingerprint[17];  /* cpu_ident.h: the kind of CPU */
} ps_host;

/* Where the ranks of a launch run: every rank's host, each distinct host
 * once (in the order of its first rank). */
typedef struct ps_hosts {
    int nranks, nhosts;
    int *rank_host;        /* [nranks]: index into host */
    ps_host *host;         /* [nhosts] */
} ps_hosts;

/* This process's host: name, cores online, CPU model, caches, OS and
 * the CPU's fingerprint. */
void ps_hosts_local(ps_host *h);
/* Groups per-rank host descriptions (rank r's at per_rank[r]) by host
 * name.  Returns -1 (err set) when out of memory. */
int ps_hosts_build(ps_hosts *h, const ps_host *per_rank, int nranks, ps_err *err);
void ps_hosts_free(ps_hosts *h);
/* Cores of the hosts the first w ranks are on, each host counted once. */
int ps_hosts_cores(const ps_hosts *h, int w);
/* Whether a host gets more workers than it has cores when the first w
 * ranks each run `threads` threads: judged host by host. */
int ps_hosts_oversubscribed(const ps_hosts *h, int w, int threads);
/* "n1:2,n2:2": the hosts of the first w ranks and how many of them each
 * holds, in the order of first rank.  Truncated with "..." if too long. */
void ps_hosts_placement(const ps_hosts *h, int w, char *buf, size_t len);
/* "\"hosts\":[{...},...]" for the metadata: every host's name, cores, CPU
 * model, caches, OS and ranks. */
void ps_hosts_json(const ps_hosts *h, ps_buf *out);

#endif
