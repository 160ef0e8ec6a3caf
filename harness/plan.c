/* plan.c -- see plan.h.  The plan built from the options (one point per
 * configuration, each with its speedup base), the figures read from its
 * samples, and a configuration's work. */
#include "plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend_common.h"
#include "csv.h"
#include "plan_limits.h"
#include "stats.h"

const char *ps_scaling_name(enum ps_scaling s)
{
    return s == PS_WEAK ? "weak" : "strong";
}

/* Adds cfg unless an equal point is there (a base is needed once per
 * kernel and size). */
static int plan_add(ps_plan *plan, const ps_config *cfg, ps_err *err)
{
    for (int i = 0; i < plan->npoints; i++) {
        const ps_config *c = &plan->points[i].cfg;
        if (c->kernel == cfg->kernel && c->backend == cfg->backend &&
            c->workers == cfg->workers && c->threads == cfg->threads &&
            c->n == cfg->n && c->scaling == cfg->scaling)
            return 0;
    }
    ps_point *p = realloc(plan->points, (size_t)(plan->npoints + 1) * sizeof *p);
    if (!p)
        return ps_fail(err, "out of memory");
    plan->points = p;
    memset(&p[plan->npoints], 0, sizeof p[plan->npoints]);
    p[plan->npoints++].cfg = *cfg;
    return 0;
}

/* The point for w workers, variant v of backend b.  The size follows the
 * w asked for (weak: order x w), before the backend may change workers
 * (a base is one worker at the size of the point it is the base of). */
static ps_config make_config(const ps_run_opts *o, const ps_kernel *k, const ps_backend *b,
                             int w, int v, enum ps_scaling sc)
{
    ps_config c;
    memset(&c, 0, sizeof c);
    const int mpi = (b->flags & PS_BACKEND_USES_MPI) != 0;
    c.kernel = k;
    c.backend = b;
    c.workers = w;
    c.threads = mpi ? 1 : w;
    c.ranks = mpi ? w : 1;
    c.scaling = sc;
    c.order = ps_options_order(o, k);
    c.n = sc == PS_WEAK ? c.order * (uint64_t)w : c.order;
    c.steps = o->steps ? o->steps : k->steps;
    c.opts = o->backend_opts[ps_backend_index(b)];
    ps_options_params(o, k, c.param);
    if (b->configure)
        b->configure(&c, v);
    return c;
}

/* Every variant of backend b at w workers, checked against this launch. */
static int add_backend(ps_plan *plan, const ps_run_opts *o, const ps_ctx *ctx,
                       const ps_kernel *k, const ps_backend *b, int w,
                       enum ps_scaling sc, ps_err *err)
{
    const void *opts = o->backend_opts[ps_backend_index(b)].bytes;
    const int nv = b->variants ? b->variants(opts, w) : 1;
    for (int v = 0; v < nv; v++) {
        ps_config c = make_config(o, k, b, w, v, sc);
        if (b->check && b->check(ctx, &c, err) != 0)
            return -1;
        if (plan_add(plan, &c, err) != 0)
            return -1;
    }
    return 0;
}

/* The point p's speedups are measured against (itself for a base), or NULL. */
static const ps_point *plan_base(const ps_plan *plan, const ps_point *p)
{
    for (int i = 0; i < plan->npoints; i++) {
        const ps_config *c = &plan->points[i].cfg;
        if (c->kernel == p->cfg.kernel && (c->backend->flags & PS_BACKEND_BASELINE) &&
            c->n == p->cfg.n && c->scaling == p->cfg.scaling)
            return &plan->points[i];
    }
    return NULL;
}

/* Links each point to its speedup base, for the stopping rule. */
static void link_bases(ps_plan *plan)
{
    for (int i = 0; i < plan->npoints; i++) {
        const ps_point *b = plan_base(plan, &plan->points[i]);
        plan->points[i].base = b && b != &plan->points[i] ? (int)(b - plan->points) : -1;
        plan->points[i].rel_width = NAN;  /* no interval before a round is judged */
    }
}

/* A kernel with several code paths that cannot run here as asked (one
 * forced that the CPU lacks) is refused before anything is measured. */
static int check_variants(const ps_run_opts *o, ps_err *err)
{
    for (int ki = 0; ki < o->nkernels; ki++) {
        const ps_kernel *k = o->kernels[ki];
        char why[200];
        if (k->variant && k->variant(why, sizeof why) != 0)
            return ps_fail(err, "kernel %s: %s", k->name, why);
    }
    return 0;
}

int ps_plan_build(ps_plan *plan, const ps_run_opts *o, const ps_ctx *ctx, ps_err *err)
{
    memset(plan, 0, sizeof *plan);
    if (ps_limits_check_sizes(o, err) != 0 || check_variants(o, err) != 0)
        return -1;
    const ps_backend *base = o->baseline ? ps_backend_baseline() : NULL;
    for (int ki = 0; ki < o->nkernels; ki++)
        for (int si = 0; si < o->nscalings; si++)
            for (int wi = 0; wi < o->nworkers; wi++) {
                const ps_kernel *k = o->kernels[ki];
                const int w = o->workers[wi];
                const enum ps_scaling sc = o->scalings[si];
                for (int bi = 0; bi < o->nbackends; bi++)
                    if (add_backend(plan, o, ctx, k, o->backends[bi], w, sc, err) != 0)
                        goto fail;
                if (base && add_backend(plan, o, ctx, k, base, w, sc, err) != 0)
                    goto fail;
            }
    link_bases(plan);
    if (ps_limits_check_plan(plan->npoints, o, err) != 0)
        return -1;
    if (o->csv && ctx->rank == 0 && ps_csv_check(o->csv, err) != 0)
        goto fail;
    return 0;
fail:
    ps_plan_free(plan);  /* a refused plan holds nothing */
    return -1;
}

void ps_plan_free(ps_plan *plan)
{
    for (int i = 0; i < plan->npoints; i++) {
        free(plan->points[i].seconds);
        free(plan->points[i].extra);
        free(plan->points[i].ratios);
    }
    free(plan->points);
    memset(plan, 0, sizeof *plan);
}

double ps_point_median(const ps_point *p)
{
    return p->nsamples > 0 ? ps_median(p->seconds, (size_t)p->nsamples) : NAN;
}

int ps_point_speedup(const ps_point *p, ps_summary *out)
{
    if (p->base < 0 || p->nratios == 0)
        return -1;
    return ps_summarize(p->ratios, (size_t)p->nratios, out);
}

void ps_config_work(const ps_config *c, double *units, double *flops, double *bytes)
{
    ps_kernel_args a = ps_config_args(c, 0, c->n, NULL);
    ps_kernel_cost k;
    ps_kernel_cost_of(c->kernel, &a, &k);
    double idx = (double)c->n * c->steps;
    *units = idx * k.rate_per_index;
    *flops = idx * k.flops_per_index;
    *bytes = idx * k.bytes_per_index;
}
