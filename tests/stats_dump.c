/* stats_dump.c -- what harness/stats.c makes of sample sets, as JSON lines,
 * so that tests/scripts/test_stats_cross.py can hold the C and the Python
 * statistics to each other.
 *
 *   stats_dump P1 P2 ... < samples
 *
 * Each input line is one sample set (numbers separated by blanks); each
 * output line is its summary, the 95% interval's rank and the quantiles at
 * P1 P2 ..., every double printed with 17 significant digits so that it
 * reads back bit for bit. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One line's numbers into a growing array; returns how many, -1 on a word
 * that is not a number or no memory. */
static long parse_line(char *line, double **xs, size_t *cap)
{
    long n = 0;
    for (char *tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
        char *end;
        double v = strtod(tok, &end);
        if (*end != '\0')
            return -1;
        if ((size_t)n == *cap) {
            size_t c = *cap ? 2 * *cap : 64;
            double *p = realloc(*xs, c * sizeof *p);
            if (!p)
                return -1;
            *xs = p, *cap = c;
        }
        (*xs)[n++] = v;
    }
    return n;
}

/* Reads sample sets until end of input; status 2 on malformed input. */
int main(int argc, char **argv)
{
    double *xs = NULL;
    size_t cap = 0, len = 0;
    char *line = NULL;
    int status = 0;
    while (getline(&line, &len, stdin) > 0) {
        long n = parse_line(line, &xs, &cap);
        ps_summary s;
        if (n <= 0 || ps_summarize(xs, (size_t)n, &s) != 0) {
            fprintf(stderr, "stats_dump: a line that is not a list of numbers\n");
            status = 2;
            break;
        }
        printf("{\"n\":%zu,\"rank\":%zu,\"median\":%.17g,\"min\":%.17g,\"max\":%.17g,"
               "\"mean\":%.17g,\"sd\":%.17g,\"ci_exact\":%d,\"ci_lo\":%.17g,"
               "\"ci_hi\":%.17g,\"quantiles\":[",
               s.n, ps_median_ci_rank(s.n, 0.95), s.median, s.min, s.max, s.mean, s.sd,
               s.ci_exact, s.ci_lo, s.ci_hi);
        qsort(xs, (size_t)n, sizeof *xs, cmp_double);
        for (int i = 1; i < argc; i++)
            printf("%s%.17g", i > 1 ? "," : "", ps_quantile_sorted(xs, (size_t)n,
                                                                   strtod(argv[i], NULL)));
        printf("]}\n");
    }
    free(line);
    free(xs);
    return status;
}
