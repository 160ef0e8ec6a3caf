/*
 * csv_columns.h -- the CSV schema, written once.
 *
 * Every row parscale writes has exactly these columns in this order.  The
 * C writer, `parscale schema --json` (which the Python scripts read) and
 * the table in docs/csv-schema.md all follow this list; change it only
 * together with PS_CSV_SCHEMA.
 *
 *   PS_COL(name, type, description)
 *
 * type is what the writer puts in the field, so that a reader can parse it
 * without a list of its own: INTEGER (a whole number, "%d"/"%llu"), REAL
 * (a number, "%.9g" and the like), BOOLEAN (true or false) or TEXT.  Any of
 * them may be empty where the column does not apply.
 */
#define PS_CSV_SCHEMA "parscale-csv-3"

#define PS_CSV_COLUMNS(PS_COL) \
    PS_COL(run_id, TEXT, "id of one parscale invocation; links the row to its metadata") \
    PS_COL(timestamp, TEXT, "UTC time the repetition ended, ISO 8601") \
    PS_COL(host, TEXT, "host name of rank 0") \
    PS_COL(kernel, TEXT, "kernel name") \
    PS_COL(backend, TEXT, "seq, gil, omp, mpi, hybrid, async, cpython-threads, cpython-processes, cpython-asyncio, cpython-asyncio-to-thread, cpython-asyncio-processes") \
    PS_COL(workers, INTEGER, "threads x ranks taking part") \
    PS_COL(threads, INTEGER, "threads per process") \
    PS_COL(ranks, INTEGER, "processes") \
    PS_COL(scaling, TEXT, "strong (size fixed) or weak (size = order x workers)") \
    PS_COL(order, INTEGER, "the size named on the command line (per worker under weak scaling)") \
    PS_COL(size, INTEGER, "global index count the kernel ran over") \
    PS_COL(steps, INTEGER, "iterations per repetition") \
    PS_COL(rep, INTEGER, "repetition number, from 0; warm-ups are not written") \
    PS_COL(seconds, REAL, "time of the repetition, monotonic clock: threads from the first start to the last end, ranks the slowest rank's") \
    PS_COL(rate, REAL, "work per second in rate_unit") \
    PS_COL(rate_unit, TEXT, "unit of rate") \
    PS_COL(flops, REAL, "floating-point operations in the repetition (for the roofline)") \
    PS_COL(bytes, REAL, "bytes moved to and from memory in the repetition (for the roofline)") \
    PS_COL(verified, BOOLEAN, "true when the kernel's answer passed its check") \
    PS_COL(error, TEXT, "why the repetition failed or did not verify; empty when fine") \
    PS_COL(oversubscribed, BOOLEAN, "true when workers exceed the cores available: for ranks, judged host by host (ranks x threads on a host against its cores)") \
    PS_COL(cores, INTEGER, "cores the workers may use: rank 0's affinity mask for threads, for ranks, the cores of each host holding one of them, counted once") \
    PS_COL(schedule, TEXT, "OpenMP schedule (omp, hybrid), else empty") \
    PS_COL(gil_model, TEXT, "new (CPython 3.2+) or old (before 3.2); gil backend only") \
    PS_COL(switch_interval, REAL, "gil switch interval in seconds (new model)") \
    PS_COL(check_interval, INTEGER, "gil check interval in ticks (old model)") \
    PS_COL(tick, INTEGER, "indices per gil tick") \
    PS_COL(gil_release, REAL, "fraction of each tick run with the gil released") \
    PS_COL(gil_switches, INTEGER, "times the lock changed holder") \
    PS_COL(gil_forced_switches, INTEGER, "switches caused by a drop request") \
    PS_COL(gil_drop_requests, INTEGER, "drop requests issued") \
    PS_COL(gil_drops_discarded, INTEGER, "drop requests cleared because the lock changed hands first") \
    PS_COL(gil_wait_seconds, REAL, "total time workers waited to take the lock") \
    PS_COL(gil_wait_median, REAL, "median wait per acquire, seconds") \
    PS_COL(gil_wait_p99, REAL, "99th percentile wait per acquire, seconds") \
    PS_COL(gil_hold_median, REAL, "median time the lock was held per acquire, seconds") \
    PS_COL(gil_handoff_median, REAL, "median time from a release to the next holder's acquire, seconds") \
    PS_COL(slurm_job_id, TEXT, "SLURM_JOB_ID when run inside a Slurm job, else empty") \
    PS_COL(cpus, TEXT, "CPU each worker was on when its work ended (sched_getcpu, untimed): ',' between a rank's threads, ';' between ranks; empty where not recorded") \
    PS_COL(params, TEXT, "the kernel's parameters as name=value;... (--param), empty when it has none") \
    PS_COL(steal, REAL, "share of the host's CPU time the hypervisor gave to other guests during the repetition (/proc/stat, 10 ms ticks); empty where unknown") \
    PS_COL(loop_switches, INTEGER, "event-loop backends: times the loop resumed a different task than the one it resumed last, in the repetition") \
    PS_COL(loop_lateness_median, REAL, "event-loop backends, and gil and cpython-threads on io: median, over the repetition's waits, of seconds from a wait's deadline to its task's resumption (a thread's: holding the lock again)") \
    PS_COL(loop_lateness_p99, REAL, "event-loop backends, and gil and cpython-threads on io: 99th percentile of the same lateness, seconds") \
    PS_COL(hosts, TEXT, "host of each rank, as host:ranks in the order of first rank (n1:2,n2:2); rank 0's host alone for threads") \
    PS_COL(runq_delay, REAL, "seconds the workers spent runnable but not running during the repetition (/proc/thread-self/schedstat), summed over workers; empty where unknown") \
    PS_COL(lost, REAL, "largest share of the repetition one worker lost: its run-queue delay, plus, for a worker that never blocked, time neither running nor queued (the hypervisor, interrupts); empty where unknown") \
    PS_COL(migrations, INTEGER, "workers that ended the repetition on another CPU than they started on") \
    PS_COL(invol_switches, INTEGER, "involuntary context switches of the workers during the repetition (getrusage RUSAGE_THREAD), summed") \
    PS_COL(user_s, REAL, "CPU seconds the workers spent in user mode during the repetition, summed over workers and ranks") \
    PS_COL(sys_s, REAL, "CPU seconds the workers spent in the kernel during the repetition, summed over workers and ranks") \
    PS_COL(disturbed, INTEGER, "1 when lost exceeded --disturbed-above (not judged for oversubscribed configurations), else 0; disturbed repetitions are set aside unless --keep-disturbed") \
    PS_COL(pair, TEXT, "number of the pair, within the run, this repetition belongs to: a configuration and its speedup base measured back to back; both rows carry it, the base's with a b (17 and 17b); empty when unpaired") \
    PS_COL(wait_policy, TEXT, "how the run's waiting OpenMP threads wait: spin=N (GOMP_SPINCOUNT: N pauses, then sleep; parscale sets 1000 unless told), passive or active (OMP_WAIT_POLICY), default (libgomp's own: runs without an OpenMP backend)")

#define PS_COL_ENUM(name, type, doc) PS_COL_##name,
enum ps_csv_column { PS_CSV_COLUMNS(PS_COL_ENUM) PS_COL_COUNT };
#undef PS_COL_ENUM

/* What a column's fields hold (the type of PS_COL). */
enum ps_csv_type { PS_CSV_INTEGER, PS_CSV_REAL, PS_CSV_BOOLEAN, PS_CSV_TEXT };
