/*
 * report.h -- what a run tells: the run's facts, warnings as data, and the
 * reporters (console summary and progress, CSV rows, metadata, the
 * summary's exports) behind one
 * small table of functions that the measuring loop calls and that alone
 * print or write.
 */
#ifndef PS_REPORT_H
#define PS_REPORT_H

#include <stdint.h>

#include "hosts.h"
#include "plan.h"
#include "sysinfo.h"

/* Something a careful reader needs to know before trusting the numbers:
 * what was seen and what to do about it (after google/benchmark and
 * hyperfine). */
enum ps_warn_kind {
    PS_WARN_SETUP,          /* before the run: build, governor, binding, clock */
    PS_WARN_NOTE,           /* before the run, milder: e.g. no interval below 6 reps */
    PS_WARN_PLACEMENT,      /* after: workers shared a CPU although cores were free */
    PS_WARN_STEAL,          /* after: the hypervisor took CPU time during the run */
    PS_WARN_STEAL_UNKNOWN,  /* after: the hypervisor does not report steal */
};
typedef struct ps_warning {
    enum ps_warn_kind kind;
    char text[512];
    char fix[256];          /* "" when there is nothing to do */
} ps_warning;
typedef struct ps_warnings {
    ps_warning *w;
    int n;
} ps_warnings;
/* Adds one warning (dropped when out of memory: a warning is not worth
 * failing the run for). */
void ps_warn(ps_warnings *ws, enum ps_warn_kind kind, const char *fix, const char *fmt, ...)
    PS_PRINTF(4, 5);
void ps_warnings_free(ps_warnings *ws);

/* The facts of one run every reporter may use. */
typedef struct ps_run_info {
    const ps_run_opts *opts;
    char run_id[64];
    uint64_t seed;
    int nranks;
    int total_cores;        /* cores of the hosts in the launch */
    int rank0_cores;        /* cores rank 0 may run on (its threads' share) */
    const ps_hosts *hosts;  /* every rank's host */
    ps_sysinfo sys;
    int steal_reported;     /* /proc/stat's steal was above 0 at the start */
    ps_warnings before;     /* known before anything ran */
    ps_warnings after;      /* found by the run */
    int interrupted;        /* the signal that stopped the run early, 0 when none */
} ps_run_info;

/* What the warnings judge a configuration by (report_warnings.c), and the
 * rows and summaries with them: the cores its workers may use, rank 0's
 * share for threads, for ranks the cores of the hosts they are on, each
 * host once. */
int ps_warnings_cores(const ps_run_info *ri, const ps_config *c);
/* More workers competing for those cores than there are (never for
 * PS_BACKEND_TASKS), judged host by host for ranks: 2 ranks on a 2-core
 * host beside an idle one are not spread over 4 cores. */
int ps_warnings_oversubscribed(const ps_run_info *ri, const ps_config *c);

/* One repetition as the loop hands it on (rank 0 only). */
typedef struct ps_rep_event {
    const ps_point *point;
    const ps_rep *rep;
    int ran;                /* the backend ran it (verified or not) */
    int warmup;             /* a warm-up: not recorded */
    int num;                /* timed: repetition number from 0; warm-up: round from 0 */
    int done, total;        /* repetitions so far in the run; total, 0 when open-ended */
    int pair;               /* the pair (with its speedup base) it belongs to; -1 none */
    int pair_base;          /* it is the base's repetition of that pair */
    int round;              /* round from 0, warm-up rounds counted */
    int round_end;          /* the round's last repetition */
    double elapsed;         /* seconds since the loop began */
} ps_rep_event;

/* A reporter: its state and its three functions (each may be NULL).  A
 * non-zero return stops the run on every rank; err says why. */
typedef struct ps_reporter_ops {
    int (*begin)(void *self, const ps_run_info *ri, const ps_plan *plan, ps_err *err);
    int (*repetition)(void *self, const ps_run_info *ri, const ps_rep_event *ev,
                      ps_err *err);
    int (*end)(void *self, const ps_run_info *ri, const ps_plan *plan, ps_err *err);
} ps_reporter_ops;
typedef struct ps_reporter {
    const ps_reporter_ops *ops;
    void *self;
} ps_reporter;

/* The reporters of this project.  csv and meta write nothing without
 * --csv; console prints the summary (progress and the opening lines only
 * without --quiet). */
extern const ps_reporter_ops ps_report_console, ps_report_csv, ps_report_meta,
    ps_report_export;
/* Every warning of the run, before and after, as a JSON array of
 * {"kind","text","fix"} (report_warnings.c; the export and the metadata
 * carry it). */
void ps_warnings_json(const ps_run_info *ri, ps_buf *b);
/* A warning kind's name in that JSON and in the Markdown export: "setup",
 * "note", "placement", "steal", "steal_unknown". */
const char *ps_warnings_kind_name(enum ps_warn_kind k);
/* What a reader of the CSV needs and would otherwise keep a copy of, as the
 * members of a JSON object (no braces): "schema" and "columns" with their
 * types (csv_columns.h), "backends" in their order and the speedup
 * "baseline" (the registry), "stop_reasons" (stopping.h).  `parscale
 * schema --json` prints it; every run's metadata carries it (csv_schema),
 * so a CSV copied alone still says what its columns are. */
void ps_schema_facts_json(ps_buf *b);
typedef struct ps_meta_state {
    int header_written;
    ps_file_id id;          /* the metadata file the header went to */
} ps_meta_state;

/* A configuration's speedup against its base and its interval, as the
 * summary prints it (report_console.c): the median of its per-pair ratios
 * (ps_point_speedup).  Every reporter that states one (the exports) takes
 * it from here.  NAN where there is none (no base, no valid pair); exact:
 * the interval is the median's exact one (not approximated). */
typedef struct ps_speedup {
    double value, lo, hi;
    int exact;
} ps_speedup;
void ps_report_speedup(const ps_point *p, ps_speedup *out);

/* Diagnosis (report_warnings.c): warnings known before the run and found
 * after it, and the causes of one configuration's wide interval this run
 * can see, as "; "-separated text. */
void ps_warnings_before_run(const ps_plan *plan, ps_run_info *ri);
void ps_warnings_after_run(const ps_plan *plan, ps_run_info *ri, double steal_share);
void ps_noise_causes(const ps_plan *plan, const ps_point *p, const ps_run_info *ri,
                     char *buf, size_t len);

#endif
