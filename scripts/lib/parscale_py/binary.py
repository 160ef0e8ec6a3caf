"""The parscale binary, found one way by every script that runs it, and what
it says about its backends (`parscale list --json`), so that no script keeps
a list of backend names of its own.

The binary is, in order (locate.py): --parscale PATH, $PARSCALE,
build/parscale at the top of this checkout, parscale on PATH.
$PARSCALE_BIN, the older name of the variable, still works and says it is
deprecated.
"""
import json
import os
import subprocess
import sys

from . import locate, schema
from .common import fail

REPO = locate.REPO
DEFAULT = locate.DEFAULT


def find_parscale(prog, explicit=None, environ=None):
    """The absolute path of the binary; status 2 with one line when a named
    one is not executable or none is found.  The schema (schema.py) is then
    read from this binary too."""
    env = os.environ if environ is None else environ
    if any(how == "$PARSCALE_BIN" for _, how in locate.named(explicit, env)):
        print("%s: $PARSCALE_BIN is deprecated; set $PARSCALE instead" % prog,
              file=sys.stderr)
    path, why = locate.find(explicit, env)
    if path is None:
        fail(prog, why)
    schema.use_binary(path)
    return path


def list_json(parscale):
    """`parscale list --json` parsed, and its text; (None, None, why not)."""
    try:
        out = subprocess.run([str(parscale), "list", "--json"], capture_output=True,
                             text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, None, "cannot run %s list --json: %s" % (parscale, e)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or [""])[-1]
        return None, None, "%s list --json failed (status %d): %s" % (
            parscale, out.returncode, last)
    try:
        obj = json.loads(out.stdout)
    except ValueError as e:
        return None, None, "%s list --json printed no JSON (%s)" % (parscale, e)
    if not isinstance(obj, dict):
        return None, None, "%s list --json printed no object" % parscale
    return obj, out.stdout, None


def backends(obj):
    """{name: {"mpi", "threads", "baseline"}} in the binary's order, from a
    parsed `list --json`; None when it does not describe its backends."""
    found = {}
    for b in obj.get("backends") or []:
        if not isinstance(b, dict) or not b.get("name"):
            return None
        if any(not isinstance(b.get(k), bool) for k in ("mpi", "threads", "baseline")):
            return None
        found[str(b["name"])] = {k: b[k] for k in ("mpi", "threads", "baseline")}
    return found or None


def absent(obj):
    """{name: why} of the backends the binary's build leaves out, from a
    parsed `list --json` (empty for an older binary that does not say)."""
    out = {}
    for a in (obj or {}).get("absent") or []:
        if isinstance(a, dict) and a.get("name"):
            out[str(a["name"])] = str(a.get("why") or "not in this build")
    return out


def unknown_message(what, unknown, known, obj=None):
    """One line for names of what (kernel, backend) the binary lacks: why
    its build left each out where it says so, else that it is unknown."""
    gone = absent(obj) if what == "backend" else {}
    said = ["%s (not in this build: %s)" % (u, gone[u]) for u in unknown if u in gone]
    rest = [u for u in unknown if u not in gone]
    parts = (["unknown %s(s): %s" % (what, ", ".join(rest))] if rest else []) + said
    return "%s (this parscale has: %s)" % ("; ".join(parts), ", ".join(known))


def require(prog, parscale, names):
    """For the studies, which measure named backends: the binary's backends,
    or status 2 naming those of names it was built without."""
    obj, _, why = list_json(parscale)
    if obj is None:
        fail(prog, why)
    found = ask_backends(prog, parscale, obj)
    missing = [n for n in names if n not in found]
    if missing:
        gone = absent(obj)
        fail(prog, "%s has no %s backend (%s); this study needs %s"
             % (parscale, ", ".join(missing),
                "; ".join(gone.get(n, "built without it?") for n in missing), ", ".join(names)))
    return found


def ask_backends(prog, parscale, obj=None):
    """The binary's backends, or status 2 naming why they are unknown; obj,
    when given, is its `list --json` already parsed (not run again)."""
    if obj is None:
        obj, _, why = list_json(parscale)
        if obj is None:
            fail(prog, why)
    found = backends(obj)
    if found is None:
        fail(prog, "%s list --json does not describe its backends (mpi, threads, "
             "baseline); rebuild it" % parscale)
    return found
