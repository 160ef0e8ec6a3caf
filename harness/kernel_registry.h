/* kernel_registry.h -- the kernels built into this parscale: their table
 * (generated at configure time from kernels/NAME.c, in list order) and the
 * lookups over it.  The harness's, not part of kernel.h: a kernel library
 * sees only the contract.  Loaded kernels are found through kernel_lib.h. */
#ifndef PS_KERNEL_REGISTRY_H
#define PS_KERNEL_REGISTRY_H

#include "kernel.h"

/* The built-in kernels, NULL-terminated, in list order. */
extern const ps_kernel *const ps_kernels[];
/* The built-in kernel called name, or NULL. */
const ps_kernel *ps_kernel_find(const char *name);
/* The first built-in kernel flagged PS_KERNEL_HOG (one that only computes,
 * touching no memory): what the gil and async backends run as CPU hogs
 * beside the measured workers.  NULL when no kernel is flagged. */
const ps_kernel *ps_kernel_hog(void);

#endif
