/* sysinfo.h -- the machine and build a measurement was made on, recorded
 * with every run, so that a result can be read without the machine. */
#ifndef PS_SYSINFO_H
#define PS_SYSINFO_H

#include <stddef.h>

#include "cpu_ident.h"
#include "util.h"

typedef struct ps_sysinfo {
    char host[128];
    char os[256];
    char cpu_model[128];
    int cores_online;      /* sysconf(_SC_NPROCESSORS_ONLN) */
    int cores_allowed;     /* this process's affinity mask */
    char caches[256];      /* "L1d 48K, L1i 32K, L2 1024K, L3 32768K" */
    char governor[32];     /* cpufreq scaling governor, or "" */
    char compiler[128];
    char flags[256];
    char build_type[32];
    char openmp[64];       /* "4.5 (201511)" or "" */
    char mpi[160];         /* MPI library version or "" */
    char version[32];
    char git[64];
    char omp_env[320];     /* OMP_PROC_BIND, OMP_PLACES, OMP_NUM_THREADS,
                              OMP_WAIT_POLICY, GOMP_SPINCOUNT */
    char slurm_job_id[32];
    double timer_resolution, timer_tick;
    ps_cpu_ident cpu;      /* vendor, family/model/stepping, ISA, MHz,
                              hypervisor, fingerprint */
} ps_sysinfo;

void ps_sysinfo_collect(ps_sysinfo *s);
/* "parscale 0.1.0 (git describe)": what every --version prints, the
 * scripts' included (they ask the binary). */
void ps_version_line(char *buf, size_t len);
/* A JSON object (no newline) with every field above plus extra pairs
 * already formatted as "\"key\":value" (may be NULL). */
void ps_sysinfo_json(const ps_sysinfo *s, const char *extra, ps_buf *out);
/* CPU time of the whole host since boot from /proc/stat, in clock ticks:
 * all of it, and the part a hypervisor gave to other guests (steal).
 * Returns -1 where /proc/stat is not there. */
int ps_cpu_ticks(unsigned long long *total, unsigned long long *steal);

/* Cores this process may run on, and cores online on this host. */
int ps_cores_allowed(void);
int ps_sysinfo_cores_online(void);

/* ---- the hosts of a launch ---------------------------------------------- */

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
void ps_host_collect(ps_host *h);
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
