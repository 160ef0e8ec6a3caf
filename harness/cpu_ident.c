/* cpu_ident.c -- see cpu_ident.h.  /proc/cpuinfo for the identity and the
 * flags, sysfs for frequencies and the hypervisor, CPUID leaf 0x40000000
 * on x86 for a hypervisor sysfs does not name. */
#define _GNU_SOURCE
#include "cpu_ident.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define PS_HAVE_CPUID 1
#endif

/* The ISA extensions the kernels' speed depends on, in the order shown:
 * x86 names as /proc/cpuinfo spells them, then Arm's. */
static const char *const isa_names[] = {
    "sse4_2", "avx", "avx2", "fma", "bmi2", "avx512f", "avx512dq", "avx512cd",
    "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile", "aes", "sha_ni",
    "asimd", "sve", "sve2",
};

/* The value of a "key<tabs>: value" line, or NULL when the line is another key. */
static const char *field(const char *line, const char *key)
{
    size_t n = strlen(key);
    if (strncmp(line, key, n) != 0)
        return NULL;
    const char *p = line + n;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    return *p == ' ' ? p + 1 : p;
}

static void copy_value(char *dst, size_t len, const char *v)
{
    snprintf(dst, len, "%s", v);
    dst[strcspn(dst, "\n")] = '\0';
}

/* Whether a space-separated flag list holds word. */
static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n) {
        int start = p == list || p[-1] == ' ' || p[-1] == '\t';
        int end = p[n] == '\0' || p[n] == ' ' || p[n] == '\n' || p[n] == '\t';
        if (start && end)
            return 1;
    }
    return 0;
}

/* The first processor's block of /proc/cpuinfo: identity, flags, MHz.
 * Returns whether cpuinfo flags a hypervisor. */
static int read_cpuinfo(ps_cpu_ident *c)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return 0;
    char line[4096];
    int guest = 0, blocks = 0;
    while (fgets(line, sizeof line, f)) {
        const char *v;
        if (field(line, "processor") && ++blocks > 1)
            break;  /* the first CPU speaks for all: a mixed socket is rare */
        if ((v = field(line, "vendor_id")) || (v = field(line, "CPU implementer")))
            copy_value(c->vendor, sizeof c->vendor, v);
        else if ((v = field(line, "cpu family")))
            c->family = atoi(v);
        else if ((v = field(line, "model")) && c->model < 0)
            c->model = (int)strtol(v, NULL, 0);
        else if ((v = field(line, "CPU part")) && c->model < 0)
            c->model = (int)strtol(v, NULL, 0);
        else if ((v = field(line, "stepping")) || (v = field(line, "CPU revision")))
            c->stepping = atoi(v);
        else if ((v = field(line, "model name")))
            copy_value(c->model_name, sizeof c->model_name, v);
        else if ((v = field(line, "cpu MHz")))
            c->cpuinfo_mhz = atof(v);
        else if ((v = field(line, "flags")) || (v = field(line, "Features"))) {
            guest |= has_word(v, "hypervisor");
            size_t used = 0;
            for (size_t i = 0; i < sizeof isa_names / sizeof isa_names[0]; i++) {
                if (!has_word(v, isa_names[i]))
                    continue;
                int w = snprintf(c->isa + used, sizeof c->isa - used, "%s%s",
                                 used ? " " : "", isa_names[i]);
                if (w < 0 || (size_t)w >= sizeof c->isa - used)
                    break;
                used += (size_t)w;
            }
        }
    }
    fclose(f);
    return guest;
}

/* A sysfs frequency in kHz as MHz, 0 where not readable. */
static double sysfs_mhz(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cpufreq/%s", name);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0.0;
    double khz = 0.0;
    if (fscanf(f, "%lf", &khz) != 1)
        khz = 0.0;
    fclose(f);
    return khz / 1000.0;
}

/* The hypervisor's own name: sysfs (Xen, some others), then CPUID's
 * hypervisor leaf ("KVMKVMKVM", "Microsoft Hv", "VMwareVMware"). */
static void hypervisor(ps_cpu_ident *c, int guest)
{
    FILE *f = fopen("/sys/hypervisor/type", "r");
    if (f) {
        char buf[48] = "";
        if (fgets(buf, sizeof buf, f))
            copy_value(c->hypervisor, sizeof c->hypervisor, buf);
        fclose(f);
        if (c->hypervisor[0])
            return;
    }
#ifdef PS_HAVE_CPUID
    unsigned a = 0, b = 0, cc = 0, d = 0;
    __cpuid(1, a, b, cc, d);
    if (cc & (1u << 31)) {  /* the "running under a hypervisor" bit */
        guest = 1;
        __cpuid(0x40000000u, a, b, cc, d);
        char name[13];
        memcpy(name, &b, 4);
        memcpy(name + 4, &cc, 4);
        memcpy(name + 8, &d, 4);
        name[12] = '\0';
        size_t n = 0;
        for (size_t i = 0; i < 12 && name[i]; i++)  /* printable, single spaces */
            if ((name[i] > ' ' && name[i] < 127) || (name[i] == ' ' && n && name[n - 1] != ' '))
                name[n++] = name[i];
        while (n && name[n - 1] == ' ')
            n--;
        name[n] = '\0';
        if (n) {
            snprintf(c->hypervisor, sizeof c->hypervisor, "%s", name);
            return;
        }
    }
#endif
    if (guest)
        snprintf(c->hypervisor, sizeof c->hypervisor, "unknown");
}

void ps_cpuid_caches(char *buf, size_t len)
{
    buf[0] = '\0';
#ifdef PS_HAVE_CPUID
    unsigned a = 0, b = 0, c = 0, d = 0, leaf = 4;
    __cpuid(0, a, b, c, d);
    if (b == 0x68747541u) {  /* "Auth"enticAMD: leaf 0x8000001D, if topoext */
        __cpuid(0x80000001u, a, b, c, d);
        if (!(c & (1u << 22))) {  /* no topoext: the older per-level leaves */
            unsigned l1d = 0, l1i = 0, l2 = 0, l3 = 0;
            __cpuid(0x80000000u, a, b, c, d);
            if (a < 0x80000006u)
                return;
            __cpuid(0x80000005u, a, b, c, d);
            l1d = c >> 24;
            l1i = d >> 24;
            __cpuid(0x80000006u, a, b, c, d);
            l2 = c >> 16;
            l3 = (d >> 18) * 512u;
            if (l1d || l2)
                snprintf(buf, len, "L1d %uK, L1i %uK, L2 %uK, L3 %uK", l1d, l1i, l2, l3);
            return;
        }
        leaf = 0x8000001Du;
    } else if (a < 4) {
        return;
    }
    size_t used = 0;
    for (unsigned i = 0; i < 8; i++) {
        __cpuid_count(leaf, i, a, b, c, d);
        unsigned type = a & 31u, level = (a >> 5) & 7u;
        if (type == 0)
            break;
        unsigned long long bytes = (unsigned long long)((b >> 22) + 1) *
                                   (((b >> 12) & 0x3ffu) + 1) * ((b & 0xfffu) + 1) * (c + 1ull);
        int n = snprintf(buf + used, len - used, "%sL%u%s %lluK", used ? ", " : "", level,
                         type == 1 ? "d" : type == 2 ? "i" : "", bytes / 1024);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
#else
    (void)len;
#endif
}

void ps_cpu_fingerprint(const ps_cpu_ident *c, const char *caches, char out[17])
{
    out[0] = '\0';
    if (!c->vendor[0] && !c->model_name[0] && c->family < 0)
        return;
    char text[1024];
    snprintf(text, sizeof text, "%s|%d|%d|%d|%s|%s|%s|%.0f|%s", c->vendor, c->family,
             c->model, c->stepping, c->model_name, c->isa, caches ? caches : "",
             c->max_mhz, c->hypervisor);
    uint64_t h = 14695981039346656037ull;  /* FNV-1a, 64 bits */
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

void ps_cpu_ident_collect(ps_cpu_ident *c, const char *caches)
{
    memset(c, 0, sizeof *c);
    c->family = c->model = c->stepping = -1;
    int guest = read_cpuinfo(c);
    c->base_mhz = sysfs_mhz("base_frequency");
    c->max_mhz = sysfs_mhz("cpuinfo_max_freq");
    hypervisor(c, guest);
    ps_cpu_fingerprint(c, caches, c->fingerprint);
}

/* An int field, null where unknown. */
static void int_or_null(ps_buf *out, const char *key, int v)
{
    if (v < 0)
        ps_buf_printf(out, ",\"%s\":null", key);
    else
        ps_buf_printf(out, ",\"%s\":%d", key, v);
}

static void mhz_or_null(ps_buf *out, const char *key, double v)
{
    if (v > 0)
        ps_buf_printf(out, ",\"%s\":%.0f", key, v);
    else
        ps_buf_printf(out, ",\"%s\":null", key);
}

void ps_cpu_ident_json(const ps_cpu_ident *c, ps_buf *out)
{
    ps_buf_put(out, "\"cpu_vendor\":", 13);
    ps_buf_json_str(out, c->vendor);
    int_or_null(out, "cpu_family", c->family);
    int_or_null(out, "cpu_model_id", c->model);
    int_or_null(out, "cpu_stepping", c->stepping);
    ps_buf_put(out, ",\"isa\":", 7);
    ps_buf_json_str(out, c->isa);
    mhz_or_null(out, "base_mhz", c->base_mhz);
    mhz_or_null(out, "max_mhz", c->max_mhz);
    mhz_or_null(out, "cpuinfo_mhz", c->cpuinfo_mhz);
    ps_buf_put(out, ",\"hypervisor\":", 14);
    ps_buf_json_str(out, c->hypervisor);
    ps_buf_put(out, ",\"fingerprint\":", 15);
    ps_buf_json_str(out, c->fingerprint);
}
