/* test_csv.c -- the CSV writer: header, quoting, refusal of another schema,
 * nothing created on a bad path, and two processes appending at once. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "csv.h"

static char dir[] = "/tmp/parscale-test-csv-XXXXXX";

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

static int count_lines(const char *s, const char *prefix)
{
    int n = 0;
    for (const char *p = s; p && *p;) {
        const char *nl = strchr(p, '\n');
        if (!prefix || strncmp(p, prefix, strlen(prefix)) == 0)
            n++;
        if (!nl)
            break;
        p = nl + 1;
    }
    return n;
}

static void test_header(void)
{
    const char *h = ps_csv_header();
    CHECK(strncmp(h, "run_id,timestamp,", 17) == 0);
    CHECK(h[strlen(h) - 1] == '\n');
    CHECK(strstr(h, ",verified,") != NULL);
    CHECK(strstr(h, ",gil_switches,") != NULL);
    CHECK(strstr(h, ",gil_wait_seconds,") != NULL);
    int commas = 0;
    for (const char *p = h; *p; p++)
        commas += *p == ',';
    CHECK(commas == PS_COL_COUNT - 1);
}

static void test_quoting(void)
{
    ps_buf b = {0};
    ps_csv_field(&b, "plain", 1);
    ps_csv_field(&b, "a,b", 0);
    ps_csv_field(&b, "say \"hi\"", 0);
    ps_csv_field(&b, "", 0);
    CHECK(b.data && strcmp(b.data, "plain,\"a,b\",\"say \"\"hi\"\"\",") == 0);
    ps_buf_free(&b);
}

static void test_append_and_clash(void)
{
    char path[256], foreign[256];
    ps_err err;
    snprintf(path, sizeof path, "%s/a.csv", dir);
    CHECK(ps_csv_check(path, &err) == 0);       /* new file in a writable dir */
    struct stat st;
    CHECK(stat(path, &st) != 0);                /* ... and checking made nothing */
    CHECK(ps_csv_append(path, "r1\n", 3, &err) == 0);
    CHECK(ps_csv_append(path, "r2\n", 3, &err) == 0);
    char *s = slurp(path);
    CHECK(s && strncmp(s, ps_csv_header(), strlen(ps_csv_header())) == 0);
    CHECK(s && strcmp(s + strlen(ps_csv_header()), "r1\nr2\n") == 0);
    free(s);
    CHECK(ps_csv_check(path, &err) == 0);       /* our own file: fine */

    snprintf(foreign, sizeof foreign, "%s/foreign.csv", dir);
    FILE *f = fopen(foreign, "w");
    fputs("name,value\nx,1\n", f);
    fclose(f);
    CHECK(ps_csv_check(foreign, &err) != 0);
    CHECK(strstr(err.msg, "not a parscale CSV") != NULL);
    CHECK(ps_csv_append(foreign, "r1\n", 3, &err) != 0);
    s = slurp(foreign);
    CHECK(s && strcmp(s, "name,value\nx,1\n") == 0);  /* untouched */
    free(s);

    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/dir/x.csv", dir);
    CHECK(ps_csv_check(missing, &err) != 0);
    CHECK(ps_csv_check(dir, &err) != 0);        /* a directory is no CSV */
}

/* Writes len bytes to a new file at path. */
static void put_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

/* What is refused before anything runs, and left as it was: a file that
 * starts with a NUL then the header, one whose last line has no newline,
 * a FIFO (checked without blocking), a name too long for its metadata. */
static void test_refused(void)
{
    ps_err err;
    char path[300], buf[8192];
    const char *h = ps_csv_header();
    snprintf(path, sizeof path, "%s/nul.csv", dir);
    buf[0] = '\0';
    memcpy(buf + 1, h, strlen(h));
    put_file(path, buf, strlen(h) + 1);
    CHECK(ps_csv_check(path, &err) != 0);
    CHECK(ps_csv_append(path, "r\n", 2, &err) != 0);

    snprintf(path, sizeof path, "%s/unended.csv", dir);
    int n = snprintf(buf, sizeof buf, "%sr1\nhalf,a,ro", h);
    put_file(path, buf, (size_t)n);
    CHECK(ps_csv_check(path, &err) != 0);
    CHECK_MSG(strstr(err.msg, "no newline") != NULL, "%s", err.msg);
    CHECK(ps_csv_append(path, "r2\n", 3, &err) != 0);
    char *s = slurp(path);
    CHECK(s && strcmp(s, buf) == 0);  /* untouched */
    free(s);

    snprintf(path, sizeof path, "%s/fifo.csv", dir);
    CHECK(mkfifo(path, 0600) == 0);
    CHECK(ps_csv_check(path, &err) != 0);  /* would block forever if opened */
    CHECK_MSG(strstr(err.msg, "FIFO") != NULL, "%s", err.msg);
    CHECK(ps_csv_append(path, "r\n", 2, &err) != 0);
    CHECK(ps_csv_check("/dev/null", &err) != 0);

    char longname[400];
    n = snprintf(longname, sizeof longname, "%s/", dir);
    memset(longname + n, 'a', 250);
    strcpy(longname + n + 250, ".csv");  /* 254: fits, its .meta.jsonl does not */
    CHECK(ps_csv_check(longname, &err) != 0);
    CHECK_MSG(strstr(err.msg, "too long") != NULL, "%s", err.msg);

    /* metadata: a line another writer left unended gets ended first */
    snprintf(path, sizeof path, "%s/m.csv", dir);
    snprintf(buf, sizeof buf, "%s.meta.jsonl", path);
    put_file(buf, "{\"a\":1", 6);
    CHECK(ps_csv_meta_append(path, "{}\n", 3, &err) == 0);
    s = slurp(buf);
    CHECK(s && strcmp(s, "{\"a\":1\n{}\n") == 0);
    free(s);
}

/* JSON strings are valid UTF-8 whatever the C string holds. */
static void test_json_utf8(void)
{
    ps_buf b = {0};
    ps_buf_json_str(&b, "caf\xe9 \xc3\xa9 \xed\xa0\x80 \xf0\x9f\x98\x80 \xc3 \x01\"");
    CHECK_MSG(b.data && strcmp(b.data, "\"caf\\ufffd \xc3\xa9 \\ufffd\\ufffd\\ufffd "
                               "\xf0\x9f\x98\x80 \\ufffd \\u0001\\\"\"") == 0, "%s", b.data);
    ps_buf_free(&b);
}

/* Counts are read exactly; forms nobody means are refused. */
static void test_counts(void)
{
    uint64_t v = 0;
    CHECK(ps_parse_count("9007199254740992", &v) == 0 && v == 9007199254740992ull);
    CHECK(ps_parse_count("9007199254740993", &v) != 0);
    CHECK(ps_parse_count("1.5k", &v) == 0 && v == 1500);
    CHECK(ps_parse_count("2.5e3", &v) == 0 && v == 2500);
    CHECK(ps_parse_count("1.0001k", &v) != 0);
    const char *bad[] = {"0x10", "inf", "nan", "+5", " 5", "5 ", "1e", "0", "-1", "1e18"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_MSG(ps_parse_count(bad[i], &v) != 0, "'%s' was accepted", bad[i]);
    double f;
    CHECK(ps_parse_fraction("0x0.5", &f) != 0);
    CHECK(ps_parse_fraction("0.5", &f) == 0 && f == 0.5);
    CHECK(ps_parse_real("-2.5e1", &f) == 0 && f == -25.0);
    CHECK(ps_parse_real("nan", &f) != 0);
}

/* Two processes append many rows at once: every row must arrive whole,
 * on its own line, and the header exactly once. */
static void test_concurrent(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/concurrent.csv", dir);
    enum { ROWS = 400 };
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            char row[600];
            for (int i = 0; i < ROWS; i++) {
                /* long rows, so that an unlocked writer would tear them */
                int n = snprintf(row, sizeof row, "writer%d,%d,", k, i);
                memset(row + n, 'a' + k, 500);
                row[n + 500] = '\n';
                ps_err e;
                if (ps_csv_append(path, row, (size_t)n + 501, &e) != 0)
                    _exit(1);
            }
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status = 0;
        waitpid(kids[k], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    char *s = slurp(path);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(count_lines(s, "run_id,") == 1);
    CHECK(count_lines(s, "writer0,") == ROWS);
    CHECK(count_lines(s, "writer1,") == ROWS);
    CHECK(count_lines(s, NULL) == 2 * ROWS + 1);
    /* each data line is whole: prefix, number, then 500 of one letter */
    int torn = 0;
    for (char *line = strchr(s, '\n') + 1; line && *line;) {
        char *nl = strchr(line, '\n');
        if (!nl) { torn++; break; }
        char want = strncmp(line, "writer0", 7) == 0 ? 'a' : 'b';
        char *body = strchr(strchr(line, ',') + 1, ',') + 1;
        if (nl - body != 500) torn++;
        for (char *p = body; p < nl; p++)
            if (*p != want) { torn++; break; }
        line = nl + 1;
    }
    CHECK(torn == 0);
    free(s);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_header();
    test_quoting();
    test_append_and_clash();
    test_concurrent();
    test_refused();
    test_json_utf8();
    test_counts();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) { /* leftovers in /tmp are harmless */ }
    return check_report("test_csv");
}
