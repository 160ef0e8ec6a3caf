"""What every command-line entry point shares: errors become one line on
stderr and exit status 2 (bad input) before anything is written; the
machine's cores; how Open MPI is launched."""
import os
import sys

from .analysis import DataError
from .schema import SchemaError

EXIT_BAD_INPUT = 2


def fail(prog, msg, status=EXIT_BAD_INPUT):
    print("%s: %s" % (prog, msg), file=sys.stderr)
    sys.exit(status)


EXIT_FAILED = 1


def guarded(prog, fn, *args, **kw):
    """Runs fn; a DataError or SchemaError ends the program with status 2.
    A system error on the way (a full disk, a read-only folder: every write
    goes through safeio.write_atomic, so no file is left half written) is
    one line and status 1, not a traceback."""
    try:
        return fn(*args, **kw)
    except (DataError, SchemaError) as e:
        fail(prog, str(e))
    except OSError as e:
        fail(prog, "%s%s" % ("%s: " % e.filename if e.filename else "", e.strerror or e),
             EXIT_FAILED)


def split_at_dashdash(argv=None):
    """(own arguments, arguments after `--` that go to parscale run)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" in argv:
        cut = argv.index("--")
        return argv[:cut], argv[cut + 1:]
    return argv, []


def machine_cores():
    """The cores this process may run on (its affinity mask)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def mpi_env():
    """The environment for mpirun: Open MPI refuses root unless told."""
    env = dict(os.environ)
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


def mpirun_argv(mpirun, np_):
    """mpirun -np N, oversubscribing (more ranks than cores) and unbound."""
    return [mpirun, "-np", str(np_), "--oversubscribe", "--bind-to", "none"]
