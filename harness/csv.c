/* csv.c -- see csv.h. */
#define _POSIX_C_SOURCE 200809L
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define PS_COL_NAME(name, doc) #name ",",
static const char *const column_names[] = {PS_CSV_COLUMNS(PS_COL_NAME)};
#undef PS_COL_NAME

const char *ps_csv_header(void)
{
    static char header[4096];  /* built once; the same on every call */
    if (header[0] == '\0') {
        size_t len = 0;
        for (int i = 0; i < PS_COL_COUNT; i++) {
            size_t n = strlen(column_names[i]);
            memcpy(header + len, column_names[i], n);
            len += n;
        }
        header[len - 1] = '\n';  /* the last comma becomes the newline */
        header[len] = '\0';
    }
    return header;
}

/* Reads the first line of fd (at most what fits in buf). */
static ssize_t read_first_line(int fd, char *buf, size_t len)
{
    ssize_t got = pread(fd, buf, len - 1, 0);
    if (got < 0)
        return -1;
    buf[got] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl)
        nl[1] = '\0';
    return (ssize_t)strlen(buf);
}

/* An existing file must start with exactly our header. */
static int check_header(int fd, const char *path, ps_err *err)
{
    char first[4096];
    ssize_t n = read_first_line(fd, first, sizeof first);
    if (n < 0)
        return PS_FAIL_SYS(err, "read of CSV header");
    if (n == 0)
        return 0;
    if (strcmp(first, ps_csv_header()) != 0) {
        char shown[80];
        snprintf(shown, sizeof shown, "%.*s", (int)strcspn(first, "\n"), first);
        return ps_fail(err, "%s has another header (\"%s%s\"): it is not a "
                       "%s file; refusing to mix schemas, choose another --csv",
                       path, shown, strlen(first) > 70 ? "..." : "", PS_CSV_SCHEMA);
    }
    return 0;
}

int ps_csv_check(const char *path, ps_err *err)
{
    if (!path || !*path)
        return ps_fail(err, "--csv needs a file name");
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return ps_fail(err, "--csv %s is a directory", path);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            return ps_fail(err, "--csv %s cannot be read: %s", path, strerror(errno));
        int rc = check_header(fd, path, err);
        close(fd);
        if (rc != 0)
            return rc;
        if (access(path, W_OK) != 0)
            return ps_fail(err, "--csv %s is not writable: %s", path, strerror(errno));
        return 0;
    }
    if (errno != ENOENT)
        return ps_fail(err, "--csv %s: %s", path, strerror(errno));
    char *copy = strdup(path);
    if (!copy)
        return ps_fail(err, "out of memory");
    const char *dir = dirname(copy);
    int rc = 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        rc = ps_fail(err, "--csv %s: folder %s does not exist", path, dir);
    else if (access(dir, W_OK) != 0)
        rc = ps_fail(err, "--csv %s: folder %s is not writable", path, dir);
    free(copy);
    return rc;
}

/* Opens (creating) and locks path; the caller writes and unlocks. */
static int open_locked(const char *path, ps_err *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        return ps_fail(err, "open %s failed: %s", path, strerror(errno)), -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int en = errno;
            close(fd);
            return ps_fail(err, "flock %s failed: %s", path, strerror(en)), -1;
        }
    }
    return fd;
}

/* One write of everything; on failure the file is cut back to old_len so
 * no partial row survives. */
static int write_all_or_nothing(int fd, const char *path, off_t old_len,
                                const char *data, size_t len, ps_err *err)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int en = w < 0 ? errno : ENOSPC;
            if (ftruncate(fd, old_len) != 0) { /* best effort */ }
            return ps_fail(err, "write to %s failed: %s (nothing of this row kept)",
                           path, strerror(en));
        }
        done += (size_t)w;
    }
    return 0;
}

int ps_csv_append(const char *path, const char *rows, size_t len, ps_err *err)
{
    int fd = open_locked(path, err);
    if (fd < 0)
        return -1;
    int rc = 0;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = PS_FAIL_SYS(err, "fstat of CSV");
    } else if (st.st_size > 0) {
        rc = check_header(fd, path, err);  /* it may have changed since */
        if (rc == 0)
            rc = write_all_or_nothing(fd, path, st.st_size, rows, len, err);
    } else {
        ps_buf b = {0};
        const char *h = ps_csv_header();
        if (ps_buf_put(&b, h, strlen(h)) || ps_buf_put(&b, rows, len))
            rc = ps_fail(err, "out of memory");
        else
            rc = write_all_or_nothing(fd, path, 0, b.data, b.len, err);
        ps_buf_free(&b);
    }
    close(fd);  /* also releases the lock */
    return rc;
}

int ps_append_locked(const char *path, const char *text, size_t len, ps_err *err)
{
    int fd = open_locked(path, err);
    if (fd < 0)
        return -1;
    struct stat st;
    int rc = fstat(fd, &st) != 0 ? PS_FAIL_SYS(err, "fstat")
           : write_all_or_nothing(fd, path, st.st_size, text, len, err);
    close(fd);
    return rc;
}

void ps_csv_field(ps_buf *b, const char *value, int first)
{
    if (!first)
        ps_buf_put(b, ",", 1);
    if (strpbrk(value, ",\"\r\n") == NULL) {
        ps_buf_put(b, value, strlen(value));
        return;
    }
    ps_buf_put(b, "\"", 1);
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            ps_buf_put(b, "\"", 1);
        ps_buf_put(b, p, 1);
    }
    ps_buf_put(b, "\"", 1);
}

void ps_csv_set(ps_csv_row *r, enum ps_csv_column c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->v[c], sizeof r->v[c], fmt, ap);
    va_end(ap);
}

void ps_csv_row_format(const ps_csv_row *r, ps_buf *out)
{
    for (int i = 0; i < PS_COL_COUNT; i++)
        ps_csv_field(out, r->v[i], i == 0);
    ps_buf_put(out, "\n", 1);
}
