/* sysinfo.c -- see sysinfo.h.  Reads /proc and /sys; anything missing is
 * left empty rather than guessed. */
#define _GNU_SOURCE
#include "sysinfo.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "timer.h"

#ifdef PARSCALE_HAVE_OPENMP
#include <omp.h>
#endif

#ifndef PARSCALE_VERSION
#define PARSCALE_VERSION "unknown"
#endif
#ifndef PARSCALE_GIT
#define PARSCALE_GIT "unknown"
#endif
#ifndef PARSCALE_COMPILER
#define PARSCALE_COMPILER "unknown"
#endif
#ifndef PARSCALE_FLAGS
#define PARSCALE_FLAGS ""
#endif
#ifndef PARSCALE_BUILD_TYPE
#define PARSCALE_BUILD_TYPE ""
#endif

void ps_version_line(char *buf, size_t len)
{
    snprintf(buf, len, "parscale %s (%s)", PARSCALE_VERSION, PARSCALE_GIT);
}

static void read_line(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(buf, (int)len, f))
        buf[strcspn(buf, "\n")] = '\0';
    fclose(f);
}

void ps_sysinfo_cpu_model(char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *colon = strchr(line, ':');
            if (colon) {
                colon += 1 + (colon[1] == ' ');
                colon[strcspn(colon, "\n")] = '\0';
                snprintf(buf, len, "%s", colon);
            }
            break;
        }
    }
    fclose(f);
}

void ps_sysinfo_caches(char *buf, size_t len)
{
    buf[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < 8; i++) {
        char path[128], level[16], type[32], size[32];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        read_line(path, level, sizeof level);
        if (!level[0])
            break;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        read_line(path, type, sizeof type);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        read_line(path, size, sizeof size);
        const char *suffix = strcmp(type, "Data") == 0 ? "d"
                           : strcmp(type, "Instruction") == 0 ? "i" : "";
        int n = snprintf(buf + used, len - used, "%sL%s%s %s", used ? ", " : "",
                         level, suffix, size);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    if (!buf[0])  /* a guest without sysfs cache entries: ask the CPU */
        ps_cpuid_caches(buf, len);
}

int ps_sysinfo_cores_online(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int ps_cores_allowed(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
    return ps_sysinfo_cores_online();
}

void ps_sysinfo_collect(ps_sysinfo *s, const char *mpi)
{
    memset(s, 0, sizeof *s);
    if (gethostname(s->host, sizeof s->host - 1) != 0)
        snprintf(s->host, sizeof s->host, "unknown");
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(s->os, sizeof s->os, "%s %s %s", u.sysname, u.release, u.machine);
    ps_sysinfo_cpu_model(s->cpu_model, sizeof s->cpu_model);
    s->cores_online = ps_sysinfo_cores_online();
    s->cores_allowed = ps_cores_allowed();
    ps_sysinfo_caches(s->caches, sizeof s->caches);
    ps_cpu_ident_collect(&s->cpu, s->caches);
    read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
              s->governor, sizeof s->governor);
#ifdef __VERSION__
    snprintf(s->compiler, sizeof s->compiler, "%s", PARSCALE_COMPILER " (" __VERSION__ ")");
#endif
    snprintf(s->flags, sizeof s->flags, "%s", PARSCALE_FLAGS);
    snprintf(s->build_type, sizeof s->build_type, "%s", PARSCALE_BUILD_TYPE);
#ifdef _OPENMP
    {
        /* the spec version the compiler implements, from its date macro */
        static const struct { long date; const char *ver; } specs[] = {
            {202111, "5.2"}, {202011, "5.1"}, {201811, "5.0"}, {201511, "4.5"},
            {201307, "4.0"}, {201107, "3.1"}, {200805, "3.0"},
        };
        const char *ver = "?";
        for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
            if ((long)_OPENMP >= specs[i].date) {
                ver = specs[i].ver;
                break;
            }
        snprintf(s->openmp, sizeof s->openmp, "%s (%ld)", ver, (long)_OPENMP);
    }
#endif
    snprintf(s->mpi, sizeof s->mpi, "%s", mpi ? mpi : "");
    snprintf(s->version, sizeof s->version, "%s", PARSCALE_VERSION);
    snprintf(s->git, sizeof s->git, "%s", PARSCALE_GIT);
    /* what decides where OpenMP threads run and how they wait at barriers
     * (spinning or sleeping: it decides oversubscribed points' times) */
    static const char *const omp_vars[] = {"OMP_PROC_BIND", "OMP_PLACES", "OMP_NUM_THREADS",
                                           "OMP_WAIT_POLICY", "GOMP_SPINCOUNT"};
    size_t used = 0;
    s->omp_env[0] = '\0';
    for (size_t i = 0; i < sizeof omp_vars / sizeof omp_vars[0]; i++) {
        const char *v = getenv(omp_vars[i]);
        int w = snprintf(s->omp_env + used, sizeof s->omp_env - used, "%s%s=%s",
                         i ? " " : "", omp_vars[i], v ? v : "");
        if (w < 0 || (size_t)w >= sizeof s->omp_env - used)
            break;  /* truncated: what fits is kept */
        used += (size_t)w;
    }
    const char *job = getenv("SLURM_JOB_ID");
    snprintf(s->slurm_job_id, sizeof s->slurm_job_id, "%s", job ? job : "");
    s->timer_resolution = ps_timer_resolution();
    s->timer_tick = ps_timer_observed_tick();
}

void ps_sysinfo_json(const ps_sysinfo *s, const char *extra, ps_buf *out)
{
    struct { const char *key, *val; } str[] = {
        {"host", s->host}, {"os", s->os}, {"cpu_model", s->cpu_model},
        {"caches", s->caches}, {"governor", s->governor},
        {"compiler", s->compiler}, {"flags", s->flags},
        {"build_type", s->build_type}, {"openmp", s->openmp}, {"mpi", s->mpi},
        {"version", s->version}, {"git", s->git}, {"omp_env", s->omp_env},
        {"slurm_job_id", s->slurm_job_id},
    };
    ps_buf_put(out, "{", 1);
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++) {
        ps_buf_printf(out, "%s\"%s\":", i ? "," : "", str[i].key);
        ps_buf_json_str(out, str[i].val);
    }
    ps_buf_printf(out, ",\"cores_online\":%d,\"cores_allowed\":%d"
                  ",\"timer_resolution\":%.3g,\"timer_tick\":%.3g",
                  s->cores_online, s->cores_allowed, s->timer_resolution, s->timer_tick);
    ps_buf_put(out, ",", 1);
    ps_cpu_ident_json(&s->cpu, out);
    if (extra && *extra)
        ps_buf_printf(out, ",%s", extra);
    ps_buf_put(out, "}", 1);
}

int ps_cpu_ticks(unsigned long long *total, unsigned long long *steal)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    unsigned long long v[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 8)
        return -1;
    *total = 0;
    for (int i = 0; i < 8; i++)
        *total += v[i];
    *steal = v[7];
    return 0;
}
