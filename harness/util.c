/* util.c -- see util.h.  Error text, number, duration and list parsing,
 * formatting, and the growable string. */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
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
    /* one write: stderr is unbuffered, and under mpirun the lines of
     * several ranks and mpirun's own would otherwise cut into each other */
    char line[1024];
    int n = snprintf(line, sizeof line, "parscale: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
    exit(status);
}

/* The end of a plain decimal number at s: digits with at most one '.',
 * then optionally e or E, a sign and digits.  NULL when s does not start
 * with one.  strtod alone would also take blanks, signs, hex (0x1p3),
 * inf and nan, none of which anyone means on this command line. */
static const char *decimal_end(const char *s)
{
    const char *p = s;
    int digits = 0;
    while (isdigit((unsigned char)*p))
        p++, digits++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p))
            p++, digits++;
    }
    if (digits == 0)
        return NULL;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (isdigit((unsigned char)*q)) {
            while (isdigit((unsigned char)*q))
                q++;
            p = q;
        }
    }
    return p;
}

/* The value of the decimal in s[0, end): strtod on a copy, so that it
 * cannot read further than the screened span. */
static int decimal_value(const char *s, const char *end, double *v)
{
    char copy[64];
    size_t n = (size_t)(end - s);
    if (n == 0 || n >= sizeof copy)
        return -1;
    memcpy(copy, s, n);
    copy[n] = '\0';
    errno = 0;
    char *stop;
    *v = strtod(copy, &stop);
    return errno || *stop != '\0' || !isfinite(*v) ? -1 : 0;
}

/* A count is read exactly, digit by digit, not through a double: 1.5k is
 * 1500, 9007199254740993 is that number (and refused), not the nearest
 * double. */
int ps_parse_count(const char *s, uint64_t *out)
{
    const char *end = s ? decimal_end(s) : NULL;
    if (!end)
        return -1;
    char digits[40];
    size_t nd = 0;
    long scale = 0;  /* value = digits x 10^scale */
    int in_fraction = 0;
    const char *p = s;
    for (; p < end && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.') {
            in_fraction = 1;
            continue;
        }
        if (nd == 0 && *p == '0') {  /* leading zeros say nothing */
            scale -= in_fraction;
            continue;
        }
        if (nd == sizeof digits - 1)
            return -1;
        digits[nd++] = *p;
        scale -= in_fraction;
    }
    if (p < end) {  /* the exponent: e or E, a sign, digits */
        p++;
        int neg = *p == '-';
        if (*p == '-' || *p == '+')
            p++;
        long e = 0;
        for (; p < end; p++)
            if ((e = e * 10 + (*p - '0')) > 100)
                return -1;
        scale += neg ? -e : e;
    }
    if (*end == 'k') scale += 3, end++;
    else if (*end == 'M') scale += 6, end++;
    else if (*end == 'G') scale += 9, end++;
    if (*end != '\0' || nd == 0)
        return -1;
    while (scale < 0) {  /* 1.50k: the fraction must end in zeros */
        if (digits[nd - 1] != '0')
            return -1;
        nd--, scale++;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < nd; i++)
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(digits[i] - '0'), &v))
            return -1;
    for (; scale > 0; scale--)
        if (__builtin_mul_overflow(v, 10, &v))
            return -1;
    /* beyond 2^53 a double (how the scripts read the CSV) no longer holds
     * every whole number, so the count recorded could differ from the
     * one typed */
    if (v == 0 || v > PS_EXACT_MAX_U64)
        return -1;
    *out = v;
    return 0;
}

int ps_parse_count_in(const char *opt, const char *arg, uint64_t lo, uint64_t hi,
                      uint64_t *out, ps_err *err)
{
    uint64_t v = 0;
    int zero = lo == 0 && strcmp(arg, "0") == 0;
    if (!zero && (ps_parse_count(arg, &v) != 0 || v < lo || v > hi))
        return ps_fail(err, "%s: '%s' is not a whole number from %llu to %llu", opt, arg,
                       (unsigned long long)lo, (unsigned long long)hi);
    *out = v;
    return 0;
}

int ps_parse_duration_ns(const char *s, uint64_t *out)
{
    const char *end = s ? decimal_end(s) : NULL;
    double v;
    if (!end || decimal_value(s, end, &v) != 0 || !(v > 0.0))
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
    if (ps_parse_real(s, &v) != 0 || !(v >= 0.0 && v < 1.0))
        return -1;
    *out = v;
    return 0;
}

int ps_parse_real(const char *s, double *out)
{
    if (!s)
        return -1;
    const char *num = *s == '-' ? s + 1 : s;
    const char *end = decimal_end(num);
    double v;
    if (!end || *end != '\0' || decimal_value(num, end, &v) != 0)
        return -1;
    *out = num == s ? v : -v;
    return 0;
}

void ps_format_interval(double point, double lo, double hi, int exact, char *pbuf,
                        size_t plen, char *ibuf, size_t ilen)
{
    int mag = point != 0.0 && isfinite(point) ? (int)floor(log10(fabs(point))) : 0;
    int places = 2 - mag;  /* three significant digits */
    if (places < 0)
        places = 0;
    if (places > 9)
        places = 9;
    double scale = pow(10.0, places);
    double p = round(point * scale) / scale;
    double l = floor(lo * scale) / scale, h = ceil(hi * scale) / scale;
    if (l > p)  /* the point rounded down past lo */
        l = p;
    if (h < p)
        h = p;
    snprintf(pbuf, plen, "%.*f", places, p);
    snprintf(ibuf, ilen, "%s[%.*f, %.*f]", exact ? "" : "~", places, l, places, h);
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
        if (*p == '\0')
            return PS_LIST_EMPTY_ITEM;
        if (n == max)
            return PS_LIST_TOO_MANY;
        items[n++] = p;
        if (!comma)
            return n;
        p = comma + 1;
    }
}

int ps_list_fail(ps_err *err, const char *opt, int rc, int max)
{
    if (rc == PS_LIST_TOO_MANY)
        return ps_fail(err, "%s: too many items (max %d)", opt, max);
    return ps_fail(err, "%s: empty item in the list", opt);
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

/* The length of the well-formed UTF-8 sequence at p (1 to 4), or 0 when
 * the bytes there are not one: a stray continuation byte, a truncated or
 * overlong sequence, a surrogate, or a code point beyond U+10FFFF. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) n = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef) n = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, min = 0x10000;
    else return 0;
    unsigned cp = c & (0x7fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)  /* also stops at the terminating NUL */
            return 0;
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void ps_buf_json_str(ps_buf *b, const char *s)
{
    ps_buf_put(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0) {
            /* not UTF-8 (an argument in Latin-1, random bytes): JSON must
             * be, so each such byte becomes U+FFFD, the replacement mark */
            ps_buf_put(b, "\\ufffd", 6);
            p++;
        } else if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            ps_buf_put(b, esc, 2);
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            ps_buf_printf(b, "\\u%04x", *p);
            p++;
        } else {
            ps_buf_put(b, (const char *)p, n);
            p += n;
        }
    }
    ps_buf_put(b, "\"", 1);
}

void ps_buf_put_utf8(ps_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    ps_buf_put(b, "", 0);
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0) {
            ps_buf_put(b, "\xef\xbf\xbd", 3);  /* U+FFFD */
            p++;
        } else {
            ps_buf_put(b, (const char *)p, n);
            p += n;
        }
    }
}

void ps_buf_free(ps_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* getopt_long returns '?' for four different mistakes and sets optopt
 * to the option's value even for a long option given a value it does not
 * take (so --help=x would read as "unknown option '-h'"): tell them apart
 * from what getopt left behind. */
int ps_getopt_fail(ps_err *err, const char *cmd, const struct option *longopts,
                   const char *shortopts, const char *arg, int optopt)
{
    /* an unknown letter (optopt is a long option's value otherwise, or 0) */
    if (optopt > 0 && optopt < 256 && !strchr(shortopts, optopt))
        return ps_fail(err, "%s: unknown option '-%c' (parscale %s --help)", cmd,
                       optopt, cmd);
    const char *name = arg && strncmp(arg, "--", 2) == 0 ? arg + 2 : NULL;
    if (name) {
        size_t len = strcspn(name, "=");
        const struct option *exact = NULL;
        int matches = 0;
        char list[256] = "";
        for (const struct option *o = longopts; o->name; o++) {
            if (strncmp(o->name, name, len) != 0)
                continue;
            if (strlen(o->name) == len)
                exact = o;
            matches++;
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s--%s", used ? ", " : "", o->name);
        }
        if (!exact && matches == 1)
            for (const struct option *o = longopts; o->name; o++)
                if (strncmp(o->name, name, len) == 0)
                    exact = o;
        if (exact && name[len] == '=' && exact->has_arg == no_argument)
            return ps_fail(err, "%s: option '--%s' takes no value (given '%s')", cmd,
                           exact->name, arg);
        if (matches > 1 && !exact)
            return ps_fail(err, "%s: option '--%.*s' is ambiguous: it could be %s", cmd,
                           (int)len, name, list);
        return ps_fail(err, "%s: unknown option '%.*s' (parscale %s --help)", cmd,
                       (int)(len + 2), arg, cmd);
    }
    return ps_fail(err, "%s: unknown option '%s' (parscale %s --help)", cmd,
                   arg ? arg : "?", cmd);
}
