"""The CSV schema, as the binary states it (`parscale schema --json`).

C is the one place the columns, their types, the backends and their
speedup baseline, and the stop reasons are written down; this module reads
what the binary says of them instead of keeping copies, so the writer and
the scripts cannot drift apart.  The schema is, in order:

  load(path): that JSON file;
  $PARSCALE_SCHEMA: a JSON file (a parscale-schema.json kept with a CSV);
  the binary (locate.py: --parscale, $PARSCALE, build/parscale, PATH): the
      parscale-schema.json the build writes beside it, else what
      `parscale schema --json` prints;
  where no binary is found, the metadata of a CSV being read (load(csv=)):
      every run's header carries the same facts (csv_schema), so a CSV and
      its .meta.jsonl copied alone to a machine without parscale still say
      what their columns are.
"""
import json
import os
import subprocess

from . import locate, safeio

FILE_NAME = "parscale-schema.json"
TYPES = ("integer", "real", "boolean", "text")

_cache = {}
_chosen = []  # the binary a script resolved (binary.find_parscale), if any
_csvs = []    # the CSVs read so far (load(csv=)): their metadata, the last resort
META_MAX_BYTES = 256 << 20


class SchemaError(Exception):
    """No schema found, or the one found cannot be read."""


class Schema:
    """The ordered columns, their types and descriptions; the backends in
    the binary's order and which is the speedup baseline; the stop reasons."""

    def __init__(self, name, columns, docs, types, backends=(), baseline=None,
                 stop_reasons=(), path="<schema>"):
        self.name = name
        self.columns = list(columns)
        self.docs = dict(docs)
        self.types = dict(types)
        self.backends = list(backends)
        self.baseline = baseline
        self.stop_reasons = list(stop_reasons)
        self.path = path

    def __contains__(self, column):
        return column in self.docs

    def __repr__(self):
        return "Schema(%r, %d columns)" % (self.name, len(self.columns))

    def of_type(self, kind):
        """The columns whose fields hold kind (one of TYPES)."""
        return frozenset(c for c in self.columns if self.types[c] == kind)

    def backend_rank(self, backend):
        """Where backend sorts: the binary's backends in its order, then any
        other (the cpython-* rows the scripts write, a newer binary's) after
        them, in name order; never dropped."""
        if backend in self.backends:
            return (self.backends.index(backend), "")
        return (len(self.backends), str(backend))


def parse(obj, path="<json>"):
    """A Schema from the parsed JSON of `parscale schema --json`."""
    def bad(what):
        return SchemaError("%s: not a parscale schema: %s" % (path, what))
    if not isinstance(obj, dict):
        raise bad("not a JSON object")
    cols = obj.get("columns")
    if not isinstance(cols, list) or not cols:
        raise bad("no \"columns\" list")
    names, docs, types = [], {}, {}
    for i, c in enumerate(cols):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not c["name"]:
            raise bad("column %d has no name" % (i + 1))
        if c.get("type") not in TYPES:
            raise bad("column '%s' has type %r, expected one of %s"
                      % (c["name"], c.get("type"), ", ".join(TYPES)))
        names.append(c["name"])
        docs[c["name"]] = str(c.get("doc") or "")
        types[c["name"]] = c["type"]
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise bad("column(s) listed twice: %s" % ", ".join(dup))
    backends = [b.get("name") for b in obj.get("backends") or [] if isinstance(b, dict)]
    if not all(isinstance(b, str) and b for b in backends):
        raise bad("a backend has no name")
    base = obj.get("baseline")
    if base is not None and base not in backends:
        raise bad("baseline '%s' is not one of its backends" % base)
    reasons = [r.get("name") for r in obj.get("stop_reasons") or [] if isinstance(r, dict)]
    return Schema(str(obj.get("schema") or "parscale-csv"), names, docs, types, backends,
                  base, reasons, str(path))


def use_binary(path):
    """Makes the binary a script resolved (binary.find_parscale, honouring
    its --parscale) the one the schema is read from."""
    _chosen[:] = [str(path)]


def _read_file(path):
    try:
        st = os.stat(path)
        key = ("file", str(path), st.st_mtime_ns, st.st_size)
        if key not in _cache:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            try:
                _cache[key] = parse(json.loads(text), path)
            except ValueError as e:
                raise SchemaError("%s: not a parscale schema: %s" % (path, e)) from None
        return _cache[key]
    except OSError as e:
        raise SchemaError("cannot read the CSV schema %s: %s" % (path, e.strerror or e)) from None


def _ask_binary(exe):
    st = os.stat(exe)
    key = ("binary", exe, st.st_mtime_ns, st.st_size)
    if key not in _cache:
        try:
            out = subprocess.run([exe, "schema", "--json"], capture_output=True, text=True,
                                 timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SchemaError("cannot run %s schema --json: %s" % (exe, e)) from None
        if out.returncode != 0:
            last = (out.stderr.strip().splitlines() or [""])[-1]
            raise SchemaError("%s schema --json failed (status %d): %s; a parscale older "
                              "than the schema command? rebuild it"
                              % (exe, out.returncode, last))
        try:
            _cache[key] = parse(json.loads(out.stdout), "%s schema --json" % exe)
        except ValueError as e:
            raise SchemaError("%s schema --json printed no JSON (%s)" % (exe, e)) from None
    return _cache[key]


def _from_meta(csv_path):
    """The schema the last run header in csv_path's metadata states
    (csv_schema), or None where there is none to read."""
    meta = str(csv_path) + ".meta.jsonl"
    key = None
    try:
        st = os.stat(meta)
        key = ("meta", meta, st.st_mtime_ns, st.st_size)
        if key in _cache:
            return _cache[key]
        data = safeio.read_input(meta, "metadata", META_MAX_BYTES, SchemaError)
    except (OSError, SchemaError):
        return None
    found = None
    for raw in data.split(b"\n"):
        if b'"csv_schema"' not in raw:
            continue
        try:
            obj = safeio.loads_json(raw.decode("utf-8"), "the line")
        except (ValueError, UnicodeDecodeError):
            continue        # analysis.read_meta reports such lines
        if isinstance(obj, dict) and "record" not in obj and \
                isinstance(obj.get("csv_schema"), dict):
            found = obj["csv_schema"]
    _cache[key] = parse(found, "%s (csv_schema)" % meta) if found is not None else None
    return _cache[key]


def load(path=None, parscale=None, environ=None, csv=None):
    """The schema: the JSON file path, else $PARSCALE_SCHEMA, else the
    binary's (parscale, else the one binary.find_parscale chose, else
    locate.find()), else what the metadata of csv (a path or a list of
    them; or of a CSV named before) states.  SchemaError naming what was looked for when none is."""
    env = os.environ if environ is None else environ
    for c in (csv if isinstance(csv, (list, tuple)) else [csv] if csv is not None else []):
        if str(c) not in _csvs:
            _csvs.append(str(c))
    if path:
        return _read_file(path)
    if env.get("PARSCALE_SCHEMA"):
        return _read_file(env["PARSCALE_SCHEMA"])
    if parscale:
        exe, why = locate.find(parscale, env)
    elif _chosen:
        exe, why = _chosen[0], None
    else:
        exe, why = locate.find(None, env)
    if exe is None:
        for c in reversed(_csvs):
            sch = _from_meta(c)
            if sch is not None:
                return sch
        raise SchemaError("no CSV schema: %s; the scripts read the schema from the binary "
                          "(%s beside it, or `parscale schema --json`), from a %s named "
                          "by $PARSCALE_SCHEMA, or from the csv_schema of the CSV's "
                          "metadata (written by parscale runs since the schema command)"
                          % (why, FILE_NAME, FILE_NAME))
    beside = os.path.join(os.path.dirname(exe), FILE_NAME)
    # the build rewrites it after every link: one older than the binary
    # was left by a build that failed to, and the binary itself decides
    if os.path.isfile(beside) and os.stat(beside).st_mtime_ns >= os.stat(exe).st_mtime_ns:
        return _read_file(beside)
    return _ask_binary(exe)
