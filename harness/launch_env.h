/* launch_env.h -- what an MPI launcher (mpirun, srun with PMI or PMIx)
 * tells a process in its environment: how many processes it started and
 * which one this is.  Read from the environment alone, so that a build
 * without MPI can tell that it was launched as several processes. */
#ifndef PS_LAUNCH_ENV_H
#define PS_LAUNCH_ENV_H

/* Ranks in the launch as the launcher's environment tells, or 0 when not
 * started by an MPI launcher. */
int ps_launch_size(void);
/* This process's rank in that launch, from the same environment; 0 when
 * not told. */
int ps_launch_rank(void);

#endif
