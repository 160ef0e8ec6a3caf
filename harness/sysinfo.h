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

/* Fills s.  mpi: the MPI library's version (mpi_env.h's
 * ps_mpi_library_version), or NULL for none: sysinfo reads /proc and /sys
 * and knows nothing of MPI. */
void ps_sysinfo_collect(ps_sysinfo *s, const char *mpi);
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
/* The CPU's model name from /proc/cpuinfo; "" when not there. */
void ps_sysinfo_cpu_model(char *buf, size_t len);
/* "L1d 48K, L1i 32K, L2 2048K, L3 32768K" from cpu0's cache entries (CPUID
 * where sysfs has none). */
void ps_sysinfo_caches(char *buf, size_t len);

#endif
