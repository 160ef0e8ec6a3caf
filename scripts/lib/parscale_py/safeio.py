"""The scripts' one rule for files, and for names that reach other sinks.

Every file a script reads goes through read_input (or open_input): only a
regular file, opened without blocking so a FIFO cannot hang it, and no
larger than the reader can use, so /dev/zero or a huge side file cannot
grow it without bound.  JSON side inputs (references, kernels JSON,
e2e.json, metadata lines) go through loads_json, which refuses nesting
deeper than any parscale file has instead of raising RecursionError.

Every file a script writes goes through write_atomic: a temporary name in
the same folder, then a rename, so a full disk leaves the old file or
none, never half of one.  Output folders go through out_dir.

Names that reach HTML are escaped with html_text; paths that reach
sbatch --output with slurm_filename.
"""
import html
import json
import os
import stat
import tempfile
from pathlib import Path


class InputError(Exception):
    """A file cannot be used as given: one line saying why."""


class WriteError(OSError):
    """A file could not be written (a full disk, a read-only folder): one
    line naming it; the old file, if any, is left as it was."""


# Side inputs are small: a reference file, a kernel table, e2e.json and a
# metadata file are kilobytes to a few megabytes.
SIDE_MAX_BYTES = 64 << 20
# No parscale JSON nests deeper than a handful of levels.
JSON_MAX_DEPTH = 64


def kind(mode):
    """What a file that is not a regular one is, for messages."""
    return ("a directory" if stat.S_ISDIR(mode) else
            "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
            "a character device" if stat.S_ISCHR(mode) else
            "a block device" if stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "not a regular file")


def open_input(path, what="file", max_bytes=None, error=InputError):
    """Opens path for reading in binary, only if it is a regular file of at
    most max_bytes (None: no bound).  Opened without blocking and checked
    on the open file itself; raises error (a class taking one message)."""
    try:
        fd = os.open(str(path), os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise error("%s: cannot read: %s" % (path, e.strerror or e)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error("%s is %s, not a %s file" % (path, kind(st.st_mode), what))
        if max_bytes is not None and st.st_size > max_bytes:
            raise error("%s: %d bytes, more than a %s file can be (%d)"
                        % (path, st.st_size, what, max_bytes))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_input(path, what="file", max_bytes=SIDE_MAX_BYTES, error=InputError):
    """The bytes of path under open_input's rule; it reads at most
    max_bytes + 1 bytes even if the file grows while it is read."""
    with open_input(path, what, max_bytes, error) as fh:
        try:
            data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
        except OSError as e:
            raise error("%s: cannot read: %s" % (path, e.strerror or e)) from None
    if max_bytes is not None and len(data) > max_bytes:
        raise error("%s: grew past %d bytes while it was read" % (path, max_bytes))
    return data


def _depth(text):
    """How deep brackets nest in JSON text, strings skipped."""
    depth = deepest = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif ch in "]}":
            depth -= 1
    return deepest


def loads_json(text, what="JSON", **kw):
    """json.loads, raising ValueError (never RecursionError) for nesting
    deeper than JSON_MAX_DEPTH."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if text.count("[") + text.count("{") > JSON_MAX_DEPTH and _depth(text) > JSON_MAX_DEPTH:
        raise ValueError("%s nests deeper than %d levels" % (what, JSON_MAX_DEPTH))
    try:
        return json.loads(text, **kw)
    except RecursionError:
        raise ValueError("%s nests too deeply" % what) from None


def read_json(path, what="JSON", max_bytes=SIDE_MAX_BYTES, error=InputError, **kw):
    """A JSON side input under read_input's rule; error names the file."""
    data = read_input(path, what, max_bytes, error)
    try:
        return loads_json(data, what, **kw)
    except UnicodeDecodeError as e:
        raise error("%s: not UTF-8 (%s)" % (path, e.reason)) from None
    except ValueError as e:
        raise error("%s: not JSON (%s)" % (path, e)) from None


def write_atomic(path, data, error=WriteError):
    """Writes data (str as UTF-8, or bytes) to path through a temporary file
    in the same folder, flushed to disk, then renamed over path: a full
    disk or a kill leaves the old file or none.  Raises error naming the
    file and the system's reason."""
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")

    def fill(tmp):
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    write_atomic_with(path, fill, error)


def write_atomic_with(path, fill, error=WriteError):
    """Like write_atomic for a writer that wants a file name (matplotlib's
    savefig): fill(tmp_path) writes the temporary, then it is renamed."""
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + path.stem[:64] + ".", suffix=path.suffix,
                                   dir=str(path.parent))
        os.close(fd)
        fill(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise error("cannot write %s: %s" % (path, e.strerror or e)) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _probe(p, flag, shown, error):
    """A file can be created in folder p (root passes access() even on a
    read-only mount, so one is made and removed at once)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".parscale-probe-", dir=str(p))
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise error("%s %s: nothing can be written there: %s"
                    % (flag, shown, e.strerror or e)) from None


def out_dir(path, flag="--out", error=InputError, create=True):
    """The folder outputs go to: named (an empty name would mean the current
    folder without saying so), a folder (created if missing, when create),
    and one a file can be created in.  With create=False nothing is made:
    the nearest folder that exists must take files."""
    if path is None or str(path).strip() == "":
        raise error("%s needs a folder name (given an empty one)" % flag)
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise error("%s %s exists and is not a folder" % (flag, p))
    if not create:
        near = p
        while not near.exists() and near != near.parent:
            near = near.parent
        if not near.is_dir():
            raise error("%s %s: %s is not a folder" % (flag, p, near))
        _probe(near, flag, p, error)
        return p
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise error("%s %s: cannot create it: %s" % (flag, p, e.strerror or e)) from None
    _probe(p, flag, p, error)
    return p


def html_text(value):
    """value as HTML text: <, >, & and quotes escaped (a kernel name from a
    CSV made elsewhere may hold markup)."""
    return html.escape(str(value), quote=True)


def slurm_filename(path):
    """A path as sbatch --output/--error take it: Slurm expands %j, %u, %x
    ... in it, so each literal % is written %%."""
    return str(path).replace("%", "%%")


def clip(text, limit=2000):
    """text cut to limit characters, saying how much was left out (a 50 MB
    command line has no place in a report)."""
    text = str(text)
    if len(text) <= limit:
        return text
    return "%s ... (%d more characters)" % (text[:limit], len(text) - limit)
