/* kernel_lib.h -- kernels brought in as shared objects (--kernel-lib), the
 * checks a table must pass before anything runs it, and the one lookup that
 * sees loaded kernels beside the built-in ones. */
#ifndef PS_KERNEL_LIB_H
#define PS_KERNEL_LIB_H

#include <stdint.h>
#include <sys/types.h>

#include "kernel.h"
#include "util.h"

#define PS_MAX_KERNEL_LIBS 8
/* Kernels in all, built in and loaded: every list of kernels (-k all, list)
 * holds them all, so a library that would pass this is refused. */
#define PS_MAX_KERNELS 64
/* A kernel library larger than this is not one (it is hashed whole). */
#define PS_KERNEL_LIB_MAX_BYTES ((off_t)1 << 30)

/* One loaded library, and what the metadata records to trace a row back to
 * the code that produced it. */
typedef struct ps_kernel_lib {
    char *path;                       /* absolute (realpath), malloc'd */
    void *handle;                     /* dlopen's */
    const ps_kernel *const *kernels;  /* the library's, NULL-terminated */
    long long size;                   /* bytes of the file when loaded */
    long long mtime;                  /* its modification time, epoch s */
    uint64_t hash;                    /* FNV-1a 64 of its bytes */
} ps_kernel_lib;

/* The libraries of one run; they belong to the run's options. */
typedef struct ps_kernel_libs {
    ps_kernel_lib lib[PS_MAX_KERNEL_LIBS];
    int n;
} ps_kernel_libs;

/* Loads the kernel library at path and adds it to libs, or refuses it
 * (returns -1, err one line naming the library and the problem): a file
 * that cannot be loaded, no PS_KERNEL_MODULE_SYMBOL, another contract
 * version, a malformed table, or a kernel name already taken. */
int ps_kernel_libs_open(ps_kernel_libs *libs, const char *path, ps_err *err);
void ps_kernel_libs_close(ps_kernel_libs *libs);

/* The kernel called name, built in or loaded; NULL when there is none. */
const ps_kernel *ps_kernel_lookup(const ps_kernel_libs *libs, const char *name);
/* Every kernel, built-in ones first in list order, then the loaded ones in
 * the order given; out gets at most max - 1 and a NULL.  Returns the count. */
int ps_kernel_all(const ps_kernel_libs *libs, const ps_kernel **out, int max);

/* Checks the fields every backend relies on: a usable name (it goes into
 * lists, --param and CSV rows), the descriptions, create/init/run/verify/
 * destroy, sizes, steps, tick, rates and parameters.  Returns 0, or -1
 * with msg naming the first thing wrong. */
int ps_kernel_check(const ps_kernel *k, char *msg, size_t len);

/* Appends ,"kernel_libs":[{path, size, mtime, fnv1a64, kernels}...] for the
 * run's metadata; nothing when no library was loaded. */
void ps_kernel_libs_json(const ps_kernel_libs *libs, ps_buf *out);

#endif
