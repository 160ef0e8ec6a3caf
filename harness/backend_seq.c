/* backend_seq.c -- one core, the kernel called once over the whole range:
 * the base every speedup is measured against. */
#include <errno.h>

#include "backend.h"
#include "backend_common.h"
#include "timer.h"

static int seq_run(const ps_ctx *ctx, const ps_config *cfg, ps_rep *rep,
                   ps_err *err)
{
    (void)ctx;
    const ps_kernel *k = cfg->kernel;
    ps_comm comm;
    ps_comm_local(&comm);
    ps_kernel_args a = ps_config_args(cfg, 0, cfg->n, &comm);
    void *state;
    if (k->create(&state, &a) != 0)
        return PS_FAIL_SYS(err, "kernel create");
    k->init(state, 0, cfg->n);
    ps_acc acc = {{0}};
    ps_probe probe;
    ps_probe_begin(&probe);
    double t0 = ps_now();
    for (uint32_t s = 0; s < cfg->steps; s++) {
        ps_kernel_span(k, state, 0, cfg->n, &acc, NULL);
        if (k->exchange && k->exchange(state, &comm) != 0) {
            k->destroy(state);
            return ps_fail(err, "%s: exchange failed", k->name);
        }
    }
    rep->seconds = ps_now() - t0;
    ps_probe_end(&probe, &rep->dist);
    ps_finish_local(cfg, state, &acc, 1, rep);
    k->destroy(state);
    return 0;
}

/* One worker by definition; under weak scaling it keeps the size of the
 * w-worker point it is the base of (the plan set n before this). */
static void seq_configure(ps_config *cfg, int variant)
{
    (void)variant;
    cfg->workers = cfg->threads = cfg->ranks = 1;
}

const ps_backend ps_backend_seq = {
    .name = "seq",
    .summary = "one core, the kernel called once over the whole range (the speedup base)",
    .flags = PS_BACKEND_BASELINE,
    .configure = seq_configure,
    .run = seq_run,
};
