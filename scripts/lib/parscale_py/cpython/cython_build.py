"""Builds cython_loops.pyx for the interpreter that runs this, once, into a
cache folder (never the source tree), and loads it.

The folder is $PARSCALE_CACHE, else $XDG_CACHE_HOME/parscale, else
~/.cache/parscale; under it cython/<hash>/ is named after the source, the
interpreter and the Cython that built it, so a changed source or another
interpreter builds anew.  Needs Cython (Debian: cython3) and the
interpreter's C headers (Debian: python3-dev).
"""
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

SOURCE = Path(__file__).resolve().with_name("cython_loops.pyx")
MODULE = "cython_loops"


class BuildError(Exception):
    """Why the loops cannot be built here (one line)."""


def cache_root(env=None):
    env = os.environ if env is None else env
    if env.get("PARSCALE_CACHE"):
        return Path(env["PARSCALE_CACHE"])
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "parscale"


def _cython():
    for name in ("cython3", "cython"):
        exe = shutil.which(name)
        if exe:
            return exe
    raise BuildError("no Cython compiler (cython3 or cython) on PATH")


def _run(argv, what):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if r.returncode != 0:
        text = (r.stderr.strip() or r.stdout.strip() or "status %d" % r.returncode).splitlines()
        # the compiler's first error says why; its last line is often a caret
        first = [x for x in text if "error" in x.lower()] or text[-1:]
        raise BuildError("%s failed: %s" % (what, first[0].strip()[:300]))
    return r.stdout


def build(env=None):
    """The path of the compiled module, built if missing; BuildError if it
    cannot be."""
    cython = _cython()
    include = sysconfig.get_paths().get("include") or ""
    if not os.path.exists(os.path.join(include, "Python.h")):
        raise BuildError("no Python.h for Python %s in %s (Debian: python3-dev)"
                         % (sys.version.split()[0], include or "?"))
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise BuildError("no C compiler (cc or gcc) on PATH")
    version = _run([cython, "--version"], "cython --version").strip() or "?"
    key = hashlib.sha256(SOURCE.read_bytes() + sys.version.encode() + version.encode() +
                         sys.executable.encode()).hexdigest()[:16]
    where = cache_root(env) / "cython" / key
    so = where / (MODULE + (sysconfig.get_config_var("EXT_SUFFIX") or ".so"))
    if so.exists():
        return so
    where.mkdir(parents=True, exist_ok=True)
    c = where / (MODULE + ".c")
    _run([cython, "-3", "-o", str(c), str(SOURCE)], "cython")
    tmp = so.with_name(so.name + ".%d.tmp" % os.getpid())
    _run([cc, "-O2", "-shared", "-fPIC", "-w", "-I" + include, "-o", str(tmp), str(c)],
         "compiling the Cython loops")
    os.replace(str(tmp), str(so))   # whole, or not at all: a parallel build is harmless
    return so


def load(env=None):
    """The compiled module (count, pi); BuildError if it cannot be had."""
    so = build(env)
    spec = importlib.util.spec_from_file_location(MODULE, str(so))
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except ImportError as e:
        raise BuildError("the built module %s does not load: %s" % (so, e))
    return mod
