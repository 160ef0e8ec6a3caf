"""Where the parscale binary is, decided one way for every module: --parscale
PATH, $PARSCALE, $PARSCALE_BIN (the older name), build/parscale at the top
of this checkout, parscale on PATH.  Nothing here prints or exits: binary.py
turns a miss into the scripts' message, schema.py into its own."""
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DEFAULT = REPO / "build" / "parscale"


def executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def named(explicit=None, environ=None):
    """The binaries the user named, in order: [(value, how)]; the deprecated
    $PARSCALE_BIN only when $PARSCALE is not set."""
    env = os.environ if environ is None else environ
    out = [(explicit, "--parscale"), (env.get("PARSCALE"), "$PARSCALE")]
    if not env.get("PARSCALE") and env.get("PARSCALE_BIN"):
        out.append((env.get("PARSCALE_BIN"), "$PARSCALE_BIN"))
    return [(v, how) for v, how in out if v]


def resolve(value):
    """A named binary's absolute path, or None when it is not executable."""
    path = shutil.which(value) if os.sep not in value else value
    return os.path.abspath(path) if path and executable(path) else None


def find(explicit=None, environ=None):
    """(absolute path, None) of the binary, or (None, why not): the first
    binary named decides, else build/parscale, else PATH."""
    for value, how in named(explicit, environ):
        path = resolve(value)
        if path:
            return path, None
        return None, "%s %s: not an executable file" % (how, value)
    if executable(str(DEFAULT)):
        return str(DEFAULT), None
    on_path = shutil.which("parscale", path=(environ or {}).get("PATH"))
    if on_path:
        return os.path.abspath(on_path), None
    return None, ("no parscale binary: build it (cmake -S %s -B %s/build && cmake --build "
                  "%s/build) or name it with --parscale PATH or $PARSCALE" % (REPO, REPO, REPO))
