/*
 * csv.h -- results appended safely to a CSV file.
 *
 * A row is written whole or not at all; concurrent writers (several jobs,
 * several processes) never interleave, because each append takes an
 * exclusive lock and writes its rows with one write(); a file whose header
 * is not parscale's is refused, never mixed into.
 */
#ifndef PS_CSV_H
#define PS_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "csv_columns.h"
#include "util.h"

/* The header line, with its newline. */
const char *ps_csv_header(void);

/* The schema as JSON members, for `parscale schema --json`:
 * "schema":NAME,"columns":[{"name","type","doc"}...] in the header's order,
 * type one of integer, real, boolean, text (csv_columns.h). */
void ps_csv_schema_json(ps_buf *b);
/* The same as lines "  name type doc", for `parscale schema`. */
void ps_csv_schema_text(FILE *f);

/* Checks, without creating or changing anything, that rows can later be
 * appended to path and metadata beside it: each must be a regular file
 * (not a FIFO, device or directory) or not exist yet; an existing CSV
 * must start with our header byte for byte (or be empty) and end with a
 * newline; a new one needs a folder a file can be created in (tried with
 * a probe file, removed at once); FILE.meta.jsonl must fit the system's
 * name limits. */
int ps_csv_check(const char *path, ps_err *err);

/* Appends the bytes of whole rows (each ending in a newline), writing the
 * header first when the file is new or empty.  On a short write (full
 * disk, file-size limit: SIGXFSZ is ignored so that the write fails
 * instead of killing the process) the file is cut back to its old length,
 * so no half row remains. */
int ps_csv_append(const char *path, const char *rows, size_t len, ps_err *err);

/* The file a run writes to, told by device and inode: known after the
 * first append, and every later append refuses another file there (the
 * CSV renamed away, or replaced, mid-run). */
typedef struct ps_file_id {
    int known;
    unsigned long long dev, ino;
} ps_file_id;
/* ps_csv_append, holding the run to the file its first append found. */
int ps_csv_append_to(const char *path, ps_file_id *id, const char *rows, size_t len,
                     ps_err *err);

/* Appends one field to b, quoted per RFC 4180 when it needs to be, preceded
 * by a comma unless first; bytes that are not well-formed UTF-8 become
 * U+FFFD, so every cell is UTF-8 whatever a kernel's message holds. */
void ps_csv_field(ps_buf *b, const char *value, int first);

/* A row under construction: one string per column. */
typedef struct ps_csv_row {
    char v[PS_COL_COUNT][288];  /* error messages are the longest */
} ps_csv_row;
void ps_csv_set(ps_csv_row *r, enum ps_csv_column c, const char *fmt, ...) PS_PRINTF(3, 4);
void ps_csv_row_format(const ps_csv_row *r, ps_buf *out);

/* Appends text to path under the same lock discipline (the metadata file);
 * a last line found unended is ended first. */
int ps_append_locked(const char *path, const char *text, size_t len, ps_err *err);
/* The same, never through a symbolic link, held to one file as
 * ps_csv_append_to is. */
int ps_append_locked_to(const char *path, ps_file_id *id, const char *text, size_t len,
                        ps_err *err);

/* The metadata file beside a CSV: FILE.meta.jsonl. */
#define PS_META_SUFFIX ".meta.jsonl"
/* Its name in buf; -1 with err when it would not fit the system's limits
 * (a name that would otherwise be cut short, into another file). */
int ps_csv_meta_path(const char *csv, char *buf, size_t len, ps_err *err);
/* Appends one metadata line beside csv. */
int ps_csv_meta_append(const char *csv, const char *text, size_t len, ps_err *err);
int ps_csv_meta_append_to(const char *csv, ps_file_id *id, const char *text, size_t len,
                          ps_err *err);

#endif
