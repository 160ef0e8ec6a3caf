/* csv.c -- see csv.h.  The CSV file: its header checked, rows formatted and
 * appended whole under a lock. */
#define _POSIX_C_SOURCE 200809L
#include "csv.h"
#include "infile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define PS_COL_ROW(name, type, doc) {#name, PS_CSV_##type, doc},
static const struct {
    const char *name;
    enum ps_csv_type type;
    const char *doc;
} columns[] = {PS_CSV_COLUMNS(PS_COL_ROW)};
#undef PS_COL_ROW

static const char *const type_names[] = {
    [PS_CSV_INTEGER] = "integer", [PS_CSV_REAL] = "real",
    [PS_CSV_BOOLEAN] = "boolean", [PS_CSV_TEXT] = "text",
};

const char *ps_csv_header(void)
{
    static char header[4096];  /* built once; the same on every call */
    if (header[0] == '\0') {
        size_t len = 0;
        for (int i = 0; i < PS_COL_COUNT; i++) {
            size_t n = strlen(columns[i].name);
            memcpy(header + len, columns[i].name, n);
            header[len + n] = ',';
            len += n + 1;
        }
        header[len - 1] = '\n';  /* the last comma becomes the newline */
        header[len] = '\0';
    }
    return header;
}

void ps_csv_schema_json(ps_buf *b)
{
    ps_buf_put(b, "\"schema\":", 9);
    ps_buf_json_str(b, PS_CSV_SCHEMA);
    ps_buf_put(b, ",\"columns\":[", 12);
    for (int i = 0; i < PS_COL_COUNT; i++) {
        ps_buf_put(b, i ? ",{\"name\":" : "{\"name\":", i ? 9 : 8);
        ps_buf_json_str(b, columns[i].name);
        ps_buf_printf(b, ",\"type\":\"%s\",\"doc\":", type_names[columns[i].type]);
        ps_buf_json_str(b, columns[i].doc);
        ps_buf_put(b, "}", 1);
    }
    ps_buf_put(b, "]", 1);
}

void ps_csv_schema_text(FILE *f)
{
    for (int i = 0; i < PS_COL_COUNT; i++)
        fprintf(f, "  %-20s %-8s %s\n", columns[i].name, type_names[columns[i].type],
                columns[i].doc);
}

/* Rows go only to regular files: a FIFO would block the run (and rank 0
 * with it, under MPI) until a reader comes; a device such as /dev/null
 * would swallow the rows while FILE.meta.jsonl appeared beside it (in
 * /dev); a directory cannot take them.  Leaving --csv out writes no rows. */
static int check_regular(const struct stat *st, const char *what, const char *path,
                         ps_err *err)
{
    if (S_ISREG(st->st_mode))
        return 0;
    return ps_fail(err, "%s %s is %s: rows are appended only to regular files "
                   "(leave --csv out to write none)", what, path, ps_file_kind(st->st_mode));
}

/* An existing CSV, open as fd, must start with exactly our header (byte
 * for byte: a file that starts with a NUL or other binary is not ours)
 * and end with a newline.  A last line without one is an interrupted
 * write or a hand edit; parscale cannot tell a whole row that lacks its
 * newline from half a row, and appending would glue the next row onto
 * it, so the file is refused and left as it is. */
static int check_content(int fd, const char *path, off_t size, ps_err *err)
{
    if (size == 0)
        return 0;
    const char *h = ps_csv_header();
    size_t hlen = strlen(h);
    char first[4096];
    ssize_t got = pread(fd, first, sizeof first - 1, 0);
    if (got < 0)
        return PS_FAIL_SYS(err, "pread of the CSV header");
    if ((size_t)got < hlen || memcmp(first, h, hlen) != 0) {
        char shown[72];
        size_t i = 0;
        for (ssize_t j = 0; j < got && first[j] != '\n' && i + 5 < sizeof shown; j++) {
            unsigned char ch = (unsigned char)first[j];
            if (ch >= 0x20 && ch < 0x7f)
                shown[i++] = (char)ch;
            else
                i += (size_t)snprintf(shown + i, sizeof shown - i, "\\x%02x", ch);
        }
        shown[i] = '\0';
        return ps_fail(err, "%s has another header (it starts \"%s%s\"), not the %s "
                       "one: it is not a parscale CSV; refusing to mix schemas, choose "
                       "another --csv", path, shown, (size_t)got > i ? "..." : "",
                       PS_CSV_SCHEMA);
    }
    char last;
    if (pread(fd, &last, 1, size - 1) != 1)
        return PS_FAIL_SYS(err, "pread of the CSV's last byte");
    if (last != '\n')
        return ps_fail(err, "%s: its last line has no newline (a write was interrupted, "
                       "or the file was edited); parscale cannot tell a whole row from "
                       "half of one: end the line (echo >> FILE) if it is whole, else "
                       "delete it", path);
    return 0;
}

/* A folder takes a new file: proven by creating and at once removing a
 * probe in it, because access() says yes to root even where nothing can
 * be created (/proc, a read-only or full mount). */
static int check_folder(const char *path, ps_err *err)
{
    char *copy = strdup(path);
    if (!copy)
        return ps_fail(err, "out of memory");
    const char *dir = dirname(copy);
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rc = ps_fail(err, "--csv %s: folder %s does not exist", path, dir);
    } else {
        char probe[PATH_MAX];
        int n = snprintf(probe, sizeof probe, "%s/.parscale-probe-XXXXXX", dir);
        int fd = n > 0 && (size_t)n < sizeof probe ? mkstemp(probe) : -1;
        if (fd < 0) {
            rc = ps_fail(err, "--csv %s: folder %s is not writable: %s", path, dir,
                         strerror(n > 0 && (size_t)n < sizeof probe ? errno : ENAMETOOLONG));
        } else {
            close(fd);
            unlink(probe);
        }
    }
    free(copy);
    return rc;
}

/* One file parscale will append to: the CSV (content checked) or its
 * metadata.  Opened without blocking (a FIFO put there after a stat would
 * otherwise hang the open) and without creating anything. */
static int check_target(const char *path, int is_csv, ps_err *err)
{
    const char *what = is_csv ? "--csv" : "metadata file";
    struct stat st;
    memset(&st, 0, sizeof st);
    int en = 0;
    int fd = is_csv ? ps_open_input(path, what, 0, &st, &en, err) : -1;
    if (!is_csv) {  /* never through a link: the JSON would go to its target */
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
        en = fd < 0 ? errno : 0;
        if (fd < 0 && en != ENOENT)
            return ps_fail(err, "%s %s cannot be read: %s%s", what, path, strerror(en),
                           en == ELOOP ? " (it is a symbolic link: metadata is written "
                           "only to a file of its own)" : "");
        if (fd >= 0 && fstat(fd, &st) != 0) {
            close(fd);
            return PS_FAIL_SYS(err, "fstat");
        }
    }
    if (fd < 0) {
        if (en == ENOENT)
            return check_folder(path, err);
        if (en == 0 && st.st_mode && !S_ISREG(st.st_mode))
            return check_regular(&st, what, path, err);  /* with the hint */
        return -1;
    }
    int rc = check_regular(&st, what, path, err);
    if (rc == 0 && is_csv)
        rc = check_content(fd, path, st.st_size, err);
    close(fd);
    if (rc != 0)
        return rc;
    fd = open(path, O_WRONLY | O_APPEND | O_NONBLOCK | O_NOCTTY);  /* writes nothing */
    if (fd < 0)
        return ps_fail(err, "%s %s is not writable: %s", what, path, strerror(errno));
    close(fd);
    return 0;
}

int ps_csv_meta_path(const char *csv, char *buf, size_t len, ps_err *err)
{
    const char *base = strrchr(csv, '/');
    base = base ? base + 1 : csv;
    size_t blen = strlen(base) + strlen(PS_META_SUFFIX);
    int n = snprintf(buf, len, "%s%s", csv, PS_META_SUFFIX);
    if (n < 0 || (size_t)n >= len || n >= PATH_MAX || blen > NAME_MAX)
        return ps_fail(err, "--csv: the name is too long for the metadata file beside "
                       "it (FILE%s: %zu characters in its last part, %d in all; the "
                       "system allows %d and %d)", PS_META_SUFFIX, blen, n, NAME_MAX,
                       PATH_MAX - 1);
    return 0;
}

int ps_csv_check(const char *path, ps_err *err)
{
    if (!path || !*path)
        return ps_fail(err, "--csv needs a file name");
    char meta[PATH_MAX];
    if (ps_csv_meta_path(path, meta, sizeof meta, err) != 0)
        return -1;
    if (check_target(path, 1, err) != 0)
        return -1;
    return check_target(meta, 0, err);
}

/* A file that outgrows RLIMIT_FSIZE gets SIGXFSZ, which by default kills
 * the process in the middle of a row, before the short write can be cut
 * back; ignored, the write fails with EFBIG instead.  A handler someone
 * else installed is left alone. */
static void ignore_sigxfsz(void)
{
    struct sigaction now;
    if (sigaction(SIGXFSZ, NULL, &now) == 0 && now.sa_handler == SIG_DFL) {
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGXFSZ, &ign, NULL);
    }
}

/* Opens (never creates a FIFO's reader wait: O_NONBLOCK) and locks path,
 * creating a regular file when there is none; the caller writes and
 * closes.  *size: the length found under the lock. */
static int open_locked(const char *path, ps_file_id *id, int nofollow, off_t *size,
                       ps_err *err)
{
    ignore_sigxfsz();
    int known = id && id->known;  /* then never create it again */
    int fd = open(path, O_RDWR | O_APPEND | O_NONBLOCK | O_NOCTTY | (known ? 0 : O_CREAT) |
                  (nofollow ? O_NOFOLLOW : 0), 0644);
    if (fd < 0 && known && errno == ENOENT)
        return ps_fail(err, "%s was moved or removed while the run wrote to it: the run "
                       "stops (its rows so far are in the file it began with)", path), -1;
    if (fd < 0)
        return ps_fail(err, "open %s failed: %s%s", path, strerror(errno),
                       errno == ELOOP ? " (a symbolic link: refused)" : ""), -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || check_regular(&st, "output", path, err) != 0) {
        if (err && !err->msg[0])
            PS_FAIL_SYS(err, "fstat");
        close(fd);
        return -1;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int en = errno;
            close(fd);
            return ps_fail(err, "flock %s failed: %s", path, strerror(en)), -1;
        }
    }
    if (fstat(fd, &st) != 0) {  /* others may have appended while we waited */
        int rc = PS_FAIL_SYS(err, "fstat");
        close(fd);
        return rc;
    }
    /* the file this run began with, or the run stops: rows split across
     * two files (one renamed away, one new) would each look complete */
    if (id && id->known && (id->dev != (unsigned long long)st.st_dev ||
                            id->ino != (unsigned long long)st.st_ino)) {
        close(fd);
        return ps_fail(err, "%s was moved or replaced while the run wrote to it: the "
                       "run stops (its rows so far are in the file it began with)",
                       path), -1;
    }
    if (id && !id->known)
        *id = (ps_file_id){.known = 1, .dev = (unsigned long long)st.st_dev,
                           .ino = (unsigned long long)st.st_ino};
    *size = st.st_size;
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
            if (ftruncate(fd, old_len) != 0)
                return ps_fail(err, "write to %s failed: %s, and cutting it back to its "
                               "old length failed too: %s (the last line may be half "
                               "a row)", path, strerror(en), strerror(errno));
            return ps_fail(err, "write to %s failed: %s (nothing of this row kept)",
                           path, strerror(en));
        }
        done += (size_t)w;
    }
    return 0;
}

int ps_csv_append(const char *path, const char *rows, size_t len, ps_err *err)
{
    return ps_csv_append_to(path, NULL, rows, len, err);
}

int ps_csv_append_to(const char *path, ps_file_id *id, const char *rows, size_t len,
                     ps_err *err)
{
    off_t size = 0;
    int fd = open_locked(path, id, 0, &size, err);
    if (fd < 0)
        return -1;
    int rc = 0;
    if (size > 0) {
        rc = check_content(fd, path, size, err);  /* it may have changed since */
        if (rc == 0)
            rc = write_all_or_nothing(fd, path, size, rows, len, err);
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
    return ps_append_locked_to(path, NULL, text, len, err);
}

int ps_append_locked_to(const char *path, ps_file_id *id, const char *text, size_t len,
                        ps_err *err)
{
    off_t size = 0;
    int fd = open_locked(path, id, 1, &size, err);
    if (fd < 0)
        return -1;
    int rc = 0;
    char last = '\n';
    /* a line left unended (a killed writer, an edit) keeps its own line:
     * the reader reports that one and still reads ours */
    if (size > 0 && pread(fd, &last, 1, size - 1) != 1)
        rc = PS_FAIL_SYS(err, "pread");
    ps_buf b = {0};
    if (rc == 0 && ((last != '\n' && ps_buf_put(&b, "\n", 1)) || ps_buf_put(&b, text, len)))
        rc = ps_fail(err, "out of memory");
    if (rc == 0)
        rc = write_all_or_nothing(fd, path, size, b.data, b.len, err);
    ps_buf_free(&b);
    close(fd);
    return rc;
}

int ps_csv_meta_append(const char *csv, const char *text, size_t len, ps_err *err)
{
    return ps_csv_meta_append_to(csv, NULL, text, len, err);
}

int ps_csv_meta_append_to(const char *csv, ps_file_id *id, const char *text, size_t len,
                          ps_err *err)
{
    char meta[PATH_MAX];
    if (ps_csv_meta_path(csv, meta, sizeof meta, err) != 0)
        return -1;
    return ps_append_locked_to(meta, id, text, len, err);
}

/* value as one RFC 4180 field. */
static void csv_quoted(ps_buf *b, const char *value)
{
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

void ps_csv_field(ps_buf *b, const char *raw, int first)
{
    if (!first)
        ps_buf_put(b, ",", 1);
    /* every cell UTF-8 (a kernel's verify message may hold any bytes): one
     * such cell would make every reader refuse the whole file */
    ps_buf clean = {0};
    ps_buf_put_utf8(&clean, raw);
    const char *value = clean.data ? clean.data : "";
    csv_quoted(b, value);
    ps_buf_free(&clean);
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
