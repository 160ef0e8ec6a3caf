/* kernel_lib.c -- see kernel_lib.h.  Kernel libraries loaded with
 * --kernel-lib, the checks every kernel table passes, and the lookups over
 * built-in and loaded kernels together. */
#define _XOPEN_SOURCE 700  /* realpath */
#include "kernel_lib.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "infile.h"
#include "kernel_registry.h"

/* A name that survives comma lists (--kernel a,b), KERNEL.NAME (--param)
 * and CSV cells unquoted. */
static int plain_name(const char *s)
{
    if (!s || !*s || strlen(s) > 32)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* A one-line description: present, and nothing that would break a line. */
static int one_line(const char *s)
{
    return s && *s && !strpbrk(s, "\n\r");
}

int ps_kernel_check(const ps_kernel *k, char *msg, size_t len)
{
    if (!k) {
        snprintf(msg, len, "a NULL kernel in the list");
        return -1;
    }
    if (!plain_name(k->name)) {
        snprintf(msg, len, "a kernel with %s name (1-32 letters, digits, _ or -)",
                 k->name && *k->name ? "an unusable" : "no");
        return -1;
    }
    const char *what = NULL;
    if (!one_line(k->summary)) what = "no one-line summary";
    else if (!one_line(k->exercises)) what = "no one-line 'exercises'";
    else if (!one_line(k->rate_unit) || strpbrk(k->rate_unit, ",\"")) what = "no rate_unit (or one with a comma or quote)";
    else if (!k->create) what = "no create function";
    else if (!k->init) what = "no init function";
    else if (!k->run) what = "no run function";
    else if (!k->verify) what = "no verify function";
    else if (!k->destroy) what = "no destroy function";
    else if (!k->sizes[PS_SIZE_TEST] || !k->sizes[PS_SIZE_QUICK] || !k->sizes[PS_SIZE_FULL])
        what = "a zero test, quick or full size";
    else if (k->sizes[PS_SIZE_TEST] > PS_EXACT_MAX_U64 || k->sizes[PS_SIZE_QUICK] > PS_EXACT_MAX_U64 ||
             k->sizes[PS_SIZE_FULL] > PS_EXACT_MAX_U64)
        what = "a size above 2^53 (9007199254740992, the most a CSV reader holds exactly)";
    else if (!k->steps) what = "zero steps";
    else if (!k->tick) what = "a zero tick";
    else if (k->tick > PS_EXACT_MAX_U64) what = "a tick above 2^53";
    else if (!(k->rate_per_index > 0 && isfinite(k->rate_per_index)) ||
             !(k->flops_per_index >= 0 && isfinite(k->flops_per_index)) ||
             !(k->bytes_per_index >= 0 && isfinite(k->bytes_per_index)))
        what = "a rate_per_index that is not positive, or negative flops or bytes";
    if (what) {
        snprintf(msg, len, "kernel '%s' has %s", k->name, what);
        return -1;
    }
    for (int i = 0; k->params && i < PS_MAX_PARAMS && k->params[i].name; i++) {
        const ps_kernel_param *p = &k->params[i];
        if (!plain_name(p->name) || strchr(p->name, '-') || !one_line(p->doc) ||
            !(p->min <= p->def && p->def <= p->max)) {
            snprintf(msg, len, "kernel '%s': parameter %d ('%s') needs a plain name, a "
                     "one-line doc and min <= default <= max", k->name, i + 1, p->name);
            return -1;
        }
    }
    return 0;
}

/* What identifies the file that was loaded: size, mtime and a hash of its
 * bytes (FNV-1a: no cryptography, only to tell two builds apart). */
static int fingerprint(ps_kernel_lib *l, ps_err *err)
{
    struct stat st;
    /* a FIFO would block the read, /dev/zero would never end it */
    int fd = ps_open_input(l->path, "--kernel-lib", PS_KERNEL_LIB_MAX_BYTES, &st, NULL, err);
    if (fd < 0)
        return -1;
    l->size = (long long)st.st_size;
    l->mtime = (long long)st.st_mtime;
    uint64_t h = 14695981039346656037ull;
    unsigned char buf[65536];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int en = errno;
            close(fd);
            return ps_fail(err, "--kernel-lib %s: read failed: %s", l->path, strerror(en));
        }
        for (ssize_t i = 0; i < got; i++)
            h = (h ^ buf[i]) * 1099511628211ull;
    }
    close(fd);
    l->hash = h;
    return 0;
}

/* The module's table, checked for everything before it joins the run. */
static int check_module(const ps_kernel_libs *libs, const ps_kernel_lib *l, ps_err *err)
{
    dlerror();
    const ps_kernel_module *m = dlsym(l->handle, PS_KERNEL_MODULE_SYMBOL);
    if (!m)
        return ps_fail(err, "--kernel-lib %s: not a parscale kernel library (no symbol "
                       "%s; build it with parscale_add_kernel or PS_KERNEL_MODULE)",
                       l->path, PS_KERNEL_MODULE_SYMBOL);
    if (m->abi != PS_KERNEL_ABI)
        return ps_fail(err, "--kernel-lib %s: built for kernel ABI version %u, this "
                       "parscale has version %u (rebuild it against this parscale's "
                       "kernel.h)", l->path, m->abi, (unsigned)PS_KERNEL_ABI);
    if (m->kernel_size != sizeof(ps_kernel))
        return ps_fail(err, "--kernel-lib %s: its ps_kernel is %u bytes, this parscale's "
                       "%zu (built against another kernel.h)", l->path, m->kernel_size,
                       sizeof(ps_kernel));
    if (!m->kernels || !m->kernels[0])
        return ps_fail(err, "--kernel-lib %s: its module lists no kernels", l->path);
    int have = 0;  /* kernels so far: every list of kernels holds them all */
    for (const ps_kernel *const *k = ps_kernels; *k; k++)
        have++;
    for (int i = 0; i < libs->n; i++)
        for (const ps_kernel *const *k = libs->lib[i].kernels; *k; k++)
            have++;
    for (int i = 0; m->kernels[i]; i++) {
        char msg[256];
        const ps_kernel *k = m->kernels[i];
        if (i >= 64)
            return ps_fail(err, "--kernel-lib %s: more than 64 kernels (is the list "
                           "NULL-terminated?)", l->path);
        if (have + i + 1 > PS_MAX_KERNELS)
            return ps_fail(err, "--kernel-lib %s: too many kernels: %d already, and this "
                           "library's %s make more than %d in all", l->path, have,
                           i ? "kernels" : "first kernel", PS_MAX_KERNELS);
        if (ps_kernel_check(k, msg, sizeof msg) != 0)
            return ps_fail(err, "--kernel-lib %s: %s", l->path, msg);
        if (ps_kernel_lookup(libs, k->name))
            return ps_fail(err, "--kernel-lib %s: kernel '%s' is already %s", l->path,
                           k->name, ps_kernel_find(k->name) ? "built in" : "loaded");
        for (int j = 0; j < i; j++)
            if (strcmp(m->kernels[j]->name, k->name) == 0)
                return ps_fail(err, "--kernel-lib %s: kernel '%s' is listed twice",
                               l->path, k->name);
    }
    return 0;
}

int ps_kernel_libs_open(ps_kernel_libs *libs, const char *path, ps_err *err)
{
    if (libs->n == PS_MAX_KERNEL_LIBS)
        return ps_fail(err, "--kernel-lib: at most %d libraries", PS_MAX_KERNEL_LIBS);
    ps_kernel_lib l = {0};
    /* an absolute path: dlopen would search the library path for a bare
     * name, and the metadata should say exactly which file ran */
    if (!(l.path = realpath(path, NULL)))
        return ps_fail(err, "--kernel-lib %s: %s", path, strerror(errno));
    if (fingerprint(&l, err) != 0) {
        free(l.path);
        return -1;
    }
    if (!(l.handle = dlopen(l.path, RTLD_NOW | RTLD_LOCAL))) {
        const char *why = dlerror();
        ps_fail(err, "--kernel-lib %s: cannot load it: %s", path, why ? why : "dlopen failed");
        free(l.path);
        return -1;
    }
    if (check_module(libs, &l, err) != 0) {
        dlclose(l.handle);
        free(l.path);
        return -1;
    }
    l.kernels = ((const ps_kernel_module *)dlsym(l.handle, PS_KERNEL_MODULE_SYMBOL))->kernels;
    libs->lib[libs->n++] = l;
    return 0;
}

void ps_kernel_libs_close(ps_kernel_libs *libs)
{
    for (int i = 0; i < libs->n; i++) {
        dlclose(libs->lib[i].handle);
        free(libs->lib[i].path);
    }
    libs->n = 0;
}

const ps_kernel *ps_kernel_lookup(const ps_kernel_libs *libs, const char *name)
{
    const ps_kernel *k = ps_kernel_find(name);
    for (int i = 0; !k && libs && i < libs->n; i++)
        for (const ps_kernel *const *x = libs->lib[i].kernels; *x && !k; x++)
            if (strcmp((*x)->name, name) == 0)
                k = *x;
    return k;
}

int ps_kernel_all(const ps_kernel_libs *libs, const ps_kernel **out, int max)
{
    int n = 0;
    for (const ps_kernel *const *k = ps_kernels; *k && n < max - 1; k++)
        out[n++] = *k;
    for (int i = 0; libs && i < libs->n; i++)
        for (const ps_kernel *const *k = libs->lib[i].kernels; *k && n < max - 1; k++)
            out[n++] = *k;
    out[n] = NULL;
    return n;
}

void ps_kernel_libs_json(const ps_kernel_libs *libs, ps_buf *out)
{
    if (!libs || libs->n == 0)
        return;
    ps_buf_put(out, ",\"kernel_libs\":[", 16);
    for (int i = 0; i < libs->n; i++) {
        const ps_kernel_lib *l = &libs->lib[i];
        ps_buf_put(out, i ? ",{\"path\":" : "{\"path\":", i ? 9 : 8);
        ps_buf_json_str(out, l->path);
        ps_buf_printf(out, ",\"size\":%lld,\"mtime\":%lld,\"fnv1a64\":\"%016llx\",\"kernels\":[",
                      l->size, l->mtime, (unsigned long long)l->hash);
        for (const ps_kernel *const *k = l->kernels; *k; k++) {
            if (k != l->kernels)
                ps_buf_put(out, ",", 1);
            ps_buf_json_str(out, (*k)->name);
        }
        ps_buf_put(out, "]}", 2);
    }
    ps_buf_put(out, "]", 1);
}
