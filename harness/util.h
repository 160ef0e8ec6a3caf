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

/* Parses a whole positive integer, rejecting signs, junk and zero.
 * Accepts k/M/G suffixes (powers of ten) and 1e6 notation. */
int ps_parse_count(const char *s, uint64_t *out);
/* Parses a duration such as 5ms, 100us, 1.5s, 250ns into nanoseconds. */
int ps_parse_duration_ns(const char *s, uint64_t *out);
/* Parses a fraction 0 <= f < 1. */
int ps_parse_fraction(const char *s, double *out);
/* Formats seconds with a unit suited to its size ("412.3 ms"). */
void ps_format_seconds(double s, char *buf, size_t len);

/* Splits a comma-separated list in place; returns the count or -1 when an
 * item is empty or there are more than max. */
int ps_split_list(char *s, char **items, int max);

/* A growable string for building CSV rows and JSON. */
typedef struct ps_buf {
    char *data;
    size_t len, cap;
} ps_buf;
int ps_buf_printf(ps_buf *b, const char *fmt, ...) PS_PRINTF(2, 3);
int ps_buf_put(ps_buf *b, const char *s, size_t n);
void ps_buf_json_str(ps_buf *b, const char *s);  /* quoted, escaped */
void ps_buf_free(ps_buf *b);

#endif
