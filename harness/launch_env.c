/* launch_env.c -- see launch_env.h.  The variables of Open MPI, PMIx and
 * PMI, in that order; nothing here calls MPI. */
#include "launch_env.h"

#include <stddef.h>
#include <stdlib.h>

int ps_launch_size(void)
{
    static const char *const vars[] = {
        "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS",
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && atoi(v) > 0)
            return atoi(v);
    }
    return getenv("PMIX_RANK") ? 1 : 0;
}

int ps_launch_rank(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v)
            return atoi(v);
    }
    return 0;
}
