/* plan_agree.h -- what every rank of a launch must agree on before it
 * measures: the options it was given, one hash per option, so that a rank
 * given other options (an MPMD launch, a node that sees another file) is
 * named by option instead of running another plan or waiting forever. */
#ifndef PS_PLAN_AGREE_H
#define PS_PLAN_AGREE_H

#include <stdint.h>

#include "options.h"

#define PS_DIGEST_MAX 160  /* long options of run, backends' included, + 1 */

/* One hash per long option of `run` (the values given to it, in order,
 * however it was spelt), and last one of the loaded kernel libraries'
 * bytes. */
typedef struct ps_opts_digest {
    int n;
    uint64_t h[PS_DIGEST_MAX];
} ps_opts_digest;

/* The digest of argv (argv[0] is "run") and of the libraries o loaded. */
void ps_opts_digest_of(int argc, char **argv, const ps_run_opts *o, ps_opts_digest *d);
/* The name ("--workers", "--kernel-lib's file") of entry i, for messages. */
void ps_opts_digest_name(int i, char *buf, size_t len);

#endif
