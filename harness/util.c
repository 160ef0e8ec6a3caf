/* util.c -- see util.h. */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ps_fail(ps_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int ps_fail_sys(ps_err *err, const char *call, const char *file, int line)
{
    int en = errno;  /* snprintf may change it */
    return ps_fail(err, "%s failed: %s (%s:%d)", call, strerror(en), file, line);
}

_Noreturn void ps_die(int status, const char *fmt, ...)
{
    va_list ap;
    fputs("parscale: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

/* strtod accepts leading blanks, signs, hex, inf and nan: none of which is
 * a count, so the string is screened first. */
int ps_parse_count(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && !strchr(".eEkMG", *p))
            return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s)
        return -1;
    double mult = 1.0;
    if (*end == 'k') mult = 1e3, end++;
    else if (*end == 'M') mult = 1e6, end++;
    else if (*end == 'G') mult = 1e9, end++;
    if (*end != '\0')
        return -1;
    v *= mult;
    if (!(v >= 1.0) || v > 1e18 || v != floor(v))
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* The unsigned decimal number s starts with (a digit or '.' first, so no
 * blanks, signs, inf or nan), and in *end where it stops. */
static int parse_leading_decimal(const char *s, double *v, char **end)
{
    if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
        return -1;
    errno = 0;
    *v = strtod(s, end);
    return errno || *end == s ? -1 : 0;
}

int ps_parse_duration_ns(const char *s, uint64_t *out)
{
    double v;
    char *end;
    if (parse_leading_decimal(s, &v, &end) != 0 || !(v > 0.0))
        return -1;
    static const struct { const char *unit; double ns; } units[] = {
        {"ns", 1.0}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            double ns = v * units[i].ns;
            if (ns < 1.0 || ns > 1e12)
                return -1;
            *out = (uint64_t)llround(ns);
            return 0;
        }
    }
    return -1;
}

int ps_parse_fraction(const char *s, double *out)
{
    double v;
    char *end;
    if (parse_leading_decimal(s, &v, &end) != 0 || *end != '\0' || !(v >= 0.0 && v < 1.0))
        return -1;
    *out = v;
    return 0;
}

void ps_format_seconds(double s, char *buf, size_t len)
{
    if (s >= 1.0)
        snprintf(buf, len, "%.3f s", s);
    else if (s >= 1e-3)
        snprintf(buf, len, "%.3f ms", s * 1e3);
    else if (s >= 1e-6)
        snprintf(buf, len, "%.3f us", s * 1e6);
    else
        snprintf(buf, len, "%.1f ns", s * 1e9);
}

int ps_split_list(char *s, char **items, int max)
{
    int n = 0;
    char *p = s;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p == '\0' || n == max)
            return -1;
        items[n++] = p;
        if (!comma)
            return n;
        p = comma + 1;
    }
}

int ps_buf_put(ps_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int ps_buf_printf(ps_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof small)
        return ps_buf_put(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big)
        return -1;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = ps_buf_put(b, big, (size_t)n);
    free(big);
    return rc;
}

void ps_buf_json_str(ps_buf *b, const char *s)
{
    ps_buf_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            ps_buf_put(b, esc, 2);
        } else if (*p < 0x20) {
            ps_buf_printf(b, "\\u%04x", *p);
        } else {
            ps_buf_put(b, (const char *)p, 1);
        }
    }
    ps_buf_put(b, "\"", 1);
}

void ps_buf_free(ps_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
