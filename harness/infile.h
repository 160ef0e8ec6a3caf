/* infile.h -- the one rule for every file parscale reads: a regular file,
 * opened without blocking (a FIFO cannot hang the open or the read), and
 * no larger than the reader can use (a device such as /dev/zero would
 * otherwise be read forever). */
#ifndef PS_INFILE_H
#define PS_INFILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "util.h"

/* Opens path for reading.  what names the file in messages ("--kernel-lib",
 * "--csv"); max_bytes bounds its size (0: no bound).  Returns the open file
 * descriptor, set back to blocking, with its fstat in *st; or -1 with err
 * one line: errno_out gets errno when open itself failed (ENOENT for a file
 * that is not there), else 0. */
int ps_open_input(const char *path, const char *what, off_t max_bytes, struct stat *st,
                  int *errno_out, ps_err *err);

/* What a file that is not a regular one is, for messages ("a FIFO (named
 * pipe)", "a directory", ...). */
const char *ps_file_kind(mode_t mode);

#endif
