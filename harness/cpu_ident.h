/* cpu_ident.h -- what kind of CPU a measurement ran on, told apart finely
 * enough that references made on one CPU are never applied to another:
 * vendor, family/model/stepping, the ISA extensions the kernels care
 * about, frequencies where the system exposes them, the hypervisor, and a
 * short fingerprint of the parts that do not move between boots. */
#ifndef PS_CPU_IDENT_H
#define PS_CPU_IDENT_H

#include <stddef.h>

#include "util.h"

typedef struct ps_cpu_ident {
    char vendor[32];       /* cpuinfo vendor_id (GenuineIntel, AuthenticAMD), or "" */
    int family, model, stepping;  /* -1 where unknown */
    char model_name[128];
    char isa[256];         /* "sse4_2 avx avx2 fma avx512f ..." in a fixed order */
    double base_mhz;       /* sysfs base_frequency, else 0 */
    double max_mhz;        /* sysfs cpuinfo_max_freq, else 0 */
    double cpuinfo_mhz;    /* cpuinfo "cpu MHz" of cpu0 (a reading that moves), else 0 */
    char hypervisor[48];   /* /sys/hypervisor/type or the CPUID 0x40000000 vendor;
                              "unknown" when cpuinfo flags one but none names it;
                              "" on bare metal */
    char fingerprint[17];  /* 16 hex digits, "" when nothing identifies the CPU */
} ps_cpu_ident;

/* Reads /proc/cpuinfo, sysfs and (on x86) CPUID; anything missing is left
 * empty or -1.  caches is the machine's cache line ("L1d 48K, ...") and
 * goes into the fingerprint. */
void ps_cpu_ident_collect(ps_cpu_ident *c, const char *caches);

/* The fingerprint of these fields: FNV-1a over vendor, family, model,
 * stepping, model name, ISA flags, caches, max frequency and hypervisor,
 * as 16 hex digits into out[17].  Exposed so a test can check that a
 * moving MHz reading does not change it. */
void ps_cpu_fingerprint(const ps_cpu_ident *c, const char *caches, char out[17]);

/* The caches as CPUID's deterministic cache leaves give them (4 on Intel,
 * 0x8000001D on AMD), in the form sysfs gives: for a guest whose sysfs has
 * no cache entries.  "" off x86 or where the leaf is missing. */
void ps_cpuid_caches(char *buf, size_t len);

/* "\"cpu_vendor\":...,\"fingerprint\":..." (no braces) for the metadata. */
void ps_cpu_ident_json(const ps_cpu_ident *c, ps_buf *out);

#endif
