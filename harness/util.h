/* util.h -- small helpers shared by the harness: error text that names the
 * failing call, number and list parsing, a growable string. */
#ifndef PS_UTIL_H
#define PS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A status-returning library reports why in one of these; only the command
 * line layer prints it. */
typedef struct ps_err {
    char msg[512];
} ps_err;

#if defined(__GNUC__)
#define PS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PS_PRINTF(a, b)
#endif

/* Fills err and returns -1, so callers can write `return ps_fail(...)`. */
int ps_fail(ps_err *err, const char *fmt, ...) PS_PRINTF(2, 3);
/* Same, for a failed system call: appends strerror(errno) and where. */
int ps_fail_sys(ps_err *err, const char *call, const char *file, int line);
#define PS_FAIL_SYS(err, call) ps_fail_sys((err), (call), __FILE__, __LINE__)

/* Prints "parscale: <msg>" on stderr and exits with status 2 (bad input)
 * or 1 (a failure while running). */
_Noreturn void ps_die(int status, const char *fmt, ...) PS_PRINTF(2, 3);

/* The largest count accepted anywhere: 2^53, beyond which a double (how
 * sizes are read, and how every script reads the CSV) cannot hold every
 * whole number exactly. */
#define PS_EXACT_MAX 9007199254740992.0
#define PS_EXACT_MAX_U64 UINT64_C(9007199254740992)

/* Parses a whole positive integer up to 2^53, rejecting signs, blanks,
 * hex, inf, nan, junk and zero.  Accepts k/M/G suffixes (powers of ten)
 * and 1e6 notation. */
int ps_parse_count(const char *s, uint64_t *out);
/* Parses a whole number from lo to hi for option opt ("--reps"): "0" where
 * lo is 0, else as ps_parse_count.  Returns 0, or -1 with err naming the
 * option, the value and the range. */
int ps_parse_count_in(const char *opt, const char *arg, uint64_t lo, uint64_t hi,
                      uint64_t *out, ps_err *err);
/* Parses a duration such as 5ms, 100us, 1.5s, 250ns into nanoseconds. */
int ps_parse_duration_ns(const char *s, uint64_t *out);
/* Parses a fraction 0 <= f < 1 (plain decimal only). */
int ps_parse_fraction(const char *s, double *out);
/* Parses a finite decimal number with an optional leading '-': no blanks,
 * '+', hex, inf or nan. */
int ps_parse_real(const char *s, double *out);
/* Formats seconds with a unit suited to its size ("412.3 ms"). */
void ps_format_seconds(double s, char *buf, size_t len);
/* A ratio and its interval rounded together: the point to three
 * significant digits, the ends at the point's last decimal place, lo
 * rounded down and hi up, so the printed point always lies inside the
 * printed interval ("1.93" and "[1.90, 1.96]"; "~[...]" when not exact). */
void ps_format_interval(double point, double lo, double hi, int exact, char *pbuf,
                        size_t plen, char *ibuf, size_t ilen);

/* Splits a comma-separated list in place; returns the count, or
 * PS_LIST_EMPTY_ITEM / PS_LIST_TOO_MANY (more than max items). */
#define PS_LIST_EMPTY_ITEM (-1)
#define PS_LIST_TOO_MANY (-2)
int ps_split_list(char *s, char **items, int max);
/* Fills err with what ps_split_list's negative rc means for option opt. */
int ps_list_fail(ps_err *err, const char *opt, int rc, int max);

/* A growable string for building CSV rows and JSON. */
typedef struct ps_buf {
    char *data;
    size_t len, cap;
} ps_buf;
int ps_buf_printf(ps_buf *b, const char *fmt, ...) PS_PRINTF(2, 3);
int ps_buf_put(ps_buf *b, const char *s, size_t n);
/* s as a JSON string: quoted, escaped, and valid UTF-8 whatever s holds
 * (each byte that is not part of well-formed UTF-8 becomes \ufffd). */
void ps_buf_json_str(ps_buf *b, const char *s);
/* s with each byte that is not part of well-formed UTF-8 replaced by
 * U+FFFD (what a CSV cell must be). */
void ps_buf_put_utf8(ps_buf *b, const char *s);
void ps_buf_free(ps_buf *b);

/* One line on what was wrong when getopt_long returned '?': an unknown
 * short or long option, an ambiguous abbreviation, or a value given to a
 * long option that takes none.  arg: the argument getopt was reading
 * (argv[optind - 1]); cmd: the subcommand, for the message. */
struct option;
int ps_getopt_fail(ps_err *err, const char *cmd, const struct option *longopts,
                   const char *shortopts, const char *arg, int optopt);

#endif
