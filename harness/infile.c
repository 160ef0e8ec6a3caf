/* infile.c -- see infile.h.  Opening a file parscale reads: regular,
 * without blocking, bounded in size. */
#define _POSIX_C_SOURCE 200809L
#include "infile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

const char *ps_file_kind(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO (named pipe)"
         : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
         : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

int ps_open_input(const char *path, const char *what, off_t max_bytes, struct stat *st,
                  int *errno_out, ps_err *err)
{
    if (errno_out)
        *errno_out = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno_out)
            *errno_out = errno;
        return ps_fail(err, "%s %s cannot be read: %s", what, path, strerror(errno));
    }
    int rc = 0;
    if (fstat(fd, st) != 0)
        rc = ps_fail(err, "%s %s: fstat failed: %s", what, path, strerror(errno));
    else if (!S_ISREG(st->st_mode))
        rc = ps_fail(err, "%s %s is %s, not a regular file", what, path,
                     ps_file_kind(st->st_mode));
    else if (max_bytes > 0 && st->st_size > max_bytes)
        rc = ps_fail(err, "%s %s is %lld bytes, more than the %lld this reader takes",
                     what, path, (long long)st->st_size, (long long)max_bytes);
    else {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
            rc = ps_fail(err, "%s %s: fcntl failed: %s", what, path, strerror(errno));
    }
    if (rc != 0) {
        close(fd);
        return -1;
    }
    return fd;
}
