"""The Python interpreters on this machine, for cpython-bench --python:
each one's version and kind of lock, asked of the interpreter itself.

`all` is every interpreter under pyenv ($PYENV_ROOT/versions/*/bin, else
~/.pyenv) and every python, python2[.N], python3[.N][t] on PATH, one per
version and build (the first found: pyenv's before PATH's), oldest first.
"""
import glob
import json
import os
import re
import subprocess
from pathlib import Path

# scripts/lib: where this package is found, on another interpreter too
LIB = Path(__file__).resolve().parents[1]

# what the interpreter says about itself; runs on 2.7 and every 3.x
_PROBE = ("import json, platform, sys, sysconfig; "
          "ft = bool(sysconfig.get_config_var('Py_GIL_DISABLED')); "
          "on = sys._is_gil_enabled() if hasattr(sys, '_is_gil_enabled') else True; "
          "print(json.dumps({'version': platform.python_version(), "
          "'implementation': platform.python_implementation(), "
          "'free_threaded': ft, 'gil_enabled': on, 'executable': sys.executable}))")
_NAME = re.compile(r"^python(\d(\.\d+)?t?)?$")


class Interpreter:
    """One interpreter: its path and what it said about itself."""

    def __init__(self, path, info):
        self.path = path
        self.version = info["version"]
        self.implementation = info["implementation"]
        self.free_threaded = info["free_threaded"]
        self.gil_enabled = info["gil_enabled"]

    @property
    def major(self):
        return int(self.version.split(".")[0])

    @property
    def version_tuple(self):
        return tuple(int(x) for x in re.findall(r"\d+", self.version)[:3])

    @property
    def gil(self):
        """old (before 3.2), new (3.2+), none (free-threaded, lock off)."""
        if self.free_threaded and not self.gil_enabled:
            return "none"
        return "old" if self.version_tuple < (3, 2) else "new"

    @property
    def label(self):
        return "%s%s" % (self.version, "t" if self.free_threaded else "")


def probe(path, timeout=30):
    """The Interpreter at path, or None where it is absent or not Python."""
    try:
        r = subprocess.run([path, "-c", _PROBE], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout, universal_newlines=True)
        if r.returncode != 0:
            return None
        return Interpreter(path, json.loads(r.stdout.strip().splitlines()[-1]))
    except (OSError, ValueError, IndexError, KeyError, subprocess.TimeoutExpired):
        return None


def candidates(env=None):
    """Paths worth probing: pyenv's versions first, then PATH's pythons."""
    env = os.environ if env is None else env
    root = env.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    out = []
    for d in sorted(glob.glob(os.path.join(root, "versions", "*", "bin"))):
        names = sorted(n for n in os.listdir(d) if _NAME.match(n))
        # the most specific name (python3.13 over python3 over python)
        if names:
            out.append(os.path.join(d, max(names, key=len)))
    for d in (env.get("PATH") or "").split(os.pathsep):
        if not d or not os.path.isdir(d) or os.path.join(root, "shims") == d:
            continue
        for n in sorted(os.listdir(d)):
            p = os.path.join(d, n)
            if _NAME.match(n) and os.access(p, os.X_OK) and not os.path.isdir(p):
                out.append(p)
    return out


def find_all(env=None):
    """Every interpreter found, one per (version, build), oldest first."""
    seen, found = set(), []
    for p in candidates(env):
        real = os.path.realpath(p)
        if real in seen:
            continue
        seen.add(real)
        it = probe(p)
        if it is None or it.implementation != "CPython":
            continue
        key = (it.version, it.free_threaded)
        if key in {(x.version, x.free_threaded) for x in found}:
            continue
        found.append(it)
    return sorted(found, key=lambda x: (x.version_tuple, x.free_threaded))


def cpython_env(env=None):
    """The environment (a copy of env, else of os.environ) in which
    cpython-bench runs as a module of this package on another interpreter:
    this package's folder first on PYTHONPATH."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join([str(LIB)] + [p for p in (
        env.get("PYTHONPATH") or "").split(os.pathsep) if p])
    return env
