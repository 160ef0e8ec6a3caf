/* runner.h -- one `parscale run`: the plan measured (measure.h) and told
 * (report.h). */
#ifndef PS_RUNNER_H
#define PS_RUNNER_H

#include "backend.h"
#include "options.h"
#include "plan.h"

/* Measures the plan on every rank.  Returns 0 when every repetition ran and
 * verified, 1 when some did not (they are rows with an error), -1 when the
 * run had to stop (err says why), PS_MEASURE_INTERRUPTED when a signal
 * stopped it (*signal says which; the reporters have told what was
 * measured). */
int ps_run(ps_plan *plan, const ps_run_opts *o, const ps_ctx *ctx, int *signal, ps_err *err);

#endif
