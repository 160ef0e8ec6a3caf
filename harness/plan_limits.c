/* plan_limits.c -- see plan_limits.h.  The sizes and the repetition count
 * a run's options imply, refused before they could wrap. */
#include "plan_limits.h"

#include <limits.h>

int ps_limits_check_sizes(const ps_run_opts *o, ps_err *err)
{
    for (int si = 0; si < o->nscalings; si++) {
        if (o->scalings[si] != PS_WEAK)
            continue;
        for (int ki = 0; ki < o->nkernels; ki++) {
            const ps_kernel *k = o->kernels[ki];
            uint64_t order = ps_options_order(o, k);
            for (int wi = 0; wi < o->nworkers; wi++) {
                uint64_t w = (uint64_t)o->workers[wi], n;
                if (__builtin_mul_overflow(order, w, &n) || n > PS_EXACT_MAX_U64)
                    return ps_fail(err, "--scaling weak: size %llu x %llu workers for %s "
                                   "is beyond 2^53 indices (9007199254740992); use a "
                                   "smaller --size or fewer --workers",
                                   (unsigned long long)order, (unsigned long long)w,
                                   k->name);
            }
        }
    }
    return 0;
}

int ps_limits_check_plan(int npoints, const ps_run_opts *o, ps_err *err)
{
    /* the most rounds the run may take: --max-reps under --ci-width */
    long long rounds = (long long)o->warmup + (o->stop.ci_width > 0 ? o->stop.max_reps : o->reps);
    long long total = rounds * npoints;  /* both below 2^31: no wrap in 64 bits */
    if (total > INT_MAX)
        return ps_fail(err, "--reps %d (+%d warm-up) x %d configurations is %lld "
                       "repetitions, more than one run can count (%d); split the run",
                       o->reps, o->warmup, npoints, total, INT_MAX);
    return 0;
}
