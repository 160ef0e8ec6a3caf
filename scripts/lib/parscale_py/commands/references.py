"""scripts/compare --references FILE RUN and --make-references FILE RUN:
one run judged against reference values, or reference values made from a
run (docs/compare.md).  References are matched on the CPU fingerprint of
the metadata and never applied to another CPU.

Exit status: 0 every reference met, 1 a reference missed, 2 bad input
(nothing written).
"""
import datetime
import json
import sys
from collections import OrderedDict
from pathlib import Path

from .. import analysis, safeio, stats
from .. import schema as schema_mod
from ..analysis import DataError
from ..comparison import (DEFAULT_KEYS, EXIT_OK, EXIT_SLOWER, Side, _fmt_table, _list,
                          _order_cfg, config_key, disturbed, key_dict, label, parse_filter,
                          varying, write_atomic)
from ..numfmt import fnum, md_table

TOLERANCE = 0.10
REF_FORMAT = "parscale-references-1"
# What --make-references accepts: a configuration whose median's interval is
# wider than this share of it is too noisy to guard anything.  Its median and
# interval come from its undisturbed repetitions, as every statistic does; a
# configuration more than this share of whose repetitions were disturbed is
# refused all the same: what was left of it was measured in a busy stretch.
REF_CI_WIDTH = 0.05
REF_DISTURBED_SHARE = 0.25


def _speedups(side):
    """{config key: speedup} from the analysis's seq bases."""
    rows = [i for k in side.groups for i in side.groups[k]]
    a = analysis.Analysis(side.table, side.path, rows)
    by_row = {}
    for p in a.points:
        for i in p.idx:
            by_row[i] = p
    out = {}
    for k, rows in side.groups.items():
        pts = {id(by_row[i]) for i in rows}
        p = by_row[rows[0]]
        if len(pts) == 1 and p.speedup is not None:
            out[k] = p.speedup
    return out


def make_references(run_spec, path, machine=None, tolerance=TOLERANCE, filters=(),
                    metrics=("rate", "speedup"), ci_width=REF_CI_WIDTH):
    """Reference values from a run: for every verified, not oversubscribed
    configuration its median rate and (non-seq) speedup, with the tolerance;
    merged into the file at path under this machine's name, from its
    undisturbed repetitions.  A configuration more than REF_DISTURBED_SHARE
    of whose repetitions were disturbed, or whose median's interval is wider
    than ci_width of it, is refused.  Returns (document, machine name, entries,
    [refused: (label, why)])."""
    sch = schema_mod.load(csv=run_spec)
    side = Side(run_spec, [parse_filter(f, sch, "--new-filter") for f in filters],
                tuple(k for k in DEFAULT_KEYS if k in sch), "RUN", "--new-filter", sch)
    cpu, cores = side.machine()
    if not cpu or not cores:
        raise DataError("%s: the metadata (.meta.jsonl) names no CPU model and core count: "
                        "references need them to find the machine" % side.path)
    name = machine or (side.hosts[0] if len(side.hosts) == 1 and side.hosts[0] else
                       "%s %d cores" % (cpu, cores))
    fp = side.fingerprint()
    if isinstance(fp, list):
        raise DataError("%s was made on %d kinds of CPU (fingerprints %s): make references "
                        "from one host's rows (--new-filter host=NAME)"
                        % (side.path, len(fp), ", ".join(fp)))
    speed = _speedups(side) if "speedup" in metrics else {}
    refs, refused = [], []
    shown = varying(key_dict(k, side.keys) for k in side.groups)
    for k, rows in side.row_groups().items():
        ok = [r for r in rows if r["ok"]]
        if not ok or any(r.get("oversubscribed") for r in rows):
            continue
        name_k = label(key_dict(k, side.keys), shown)
        bad = [r for r in ok if disturbed(r)]
        if len(bad) > REF_DISTURBED_SHARE * len(ok):
            refused.append((name_k, "%d of %d repetitions disturbed" % (len(bad), len(ok))))
            continue
        ok = [r for r in ok if not disturbed(r)]
        width = stats.Summary([r["seconds"] for r in ok]).rel_width()
        if width is None or width > ci_width:
            refused.append((name_k, "interval %s > %g%%" % (
                "unknown" if width is None else "%.1f%%" % (100 * width), 100 * ci_width)))
            continue
        entry = OrderedDict([("config", OrderedDict(
            (kk, v) for kk, v in key_dict(k, side.keys).items() if v not in (None, "")))])
        rates = [r["rate"] for r in ok if r.get("rate") is not None]
        if "rate" in metrics and rates:
            entry["rate"] = OrderedDict([("expect", _round(stats.median(rates))),
                                         ("lower", -tolerance), ("upper", tolerance),
                                         ("unit", ok[0].get("rate_unit") or "")])
        if k in speed and k[side.keys.index("backend")] != analysis.baseline():
            entry["speedup"] = OrderedDict([("expect", _round(speed[k])),
                                            ("lower", -tolerance), ("upper", tolerance)])
        if len(entry) > 1:
            refs.append(entry)
    refs.sort(key=lambda e: _order_cfg(e["config"]))
    if not refs:
        raise DataError("%s: no verified, not oversubscribed, quiet configuration to make "
                        "references from%s" % (side.path, "; refused: " + _list(
                            "%s (%s)" % r for r in refused) if refused else ""))
    doc = _read_refs(path) if Path(path).exists() else OrderedDict(
        [("format", REF_FORMAT), ("machines", OrderedDict())])
    entry = OrderedDict([("cpu_model", cpu), ("cores", cores)])
    if fp:
        entry["fingerprint"] = fp
    entry.update(side.cpu_ident())
    doc["machines"][name] = OrderedDict(list(entry.items()) + [
        ("made_from", str(side.path)),
        ("made", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")),
        ("references", refs)])
    return doc, name, refs, refused


def dump_refs(doc):
    """A reference file as JSON with one line per reference, so that a diff
    of two versions shows which configurations changed."""
    out = ['{', ' "format": %s,' % json.dumps(doc["format"]), ' "machines": {']
    names = list(doc["machines"])
    for i, name in enumerate(names):
        m = doc["machines"][name]
        out.append('  %s: {' % json.dumps(name))
        for k, v in m.items():
            if k != "references":
                out.append('   %s: %s,' % (json.dumps(k), json.dumps(v)))
        refs = m.get("references", [])
        out.append('   "references": [')
        out += ['    %s%s' % (json.dumps(e), "," if j < len(refs) - 1 else "")
                for j, e in enumerate(refs)]
        out.append('   ]')
        out.append('  }' + ("," if i < len(names) - 1 else ""))
    out += [' }', '}']
    return "\n".join(out) + "\n"


def _round(v):
    """Six significant digits: what a reference value can mean."""
    return float("%.6g" % v)


def _read_refs(path):
    doc = safeio.read_json(path, "references", error=DataError,
                           object_pairs_hook=OrderedDict)
    if not isinstance(doc, dict) or doc.get("format") != REF_FORMAT:
        raise DataError("%s: not a parscale reference file (expected \"format\": \"%s\")"
                        % (path, REF_FORMAT))
    machines = doc.get("machines")
    if not isinstance(machines, dict) or not machines:
        raise DataError("%s: \"machines\" must be an object naming at least one machine"
                        % path)
    for name, m in machines.items():
        if not isinstance(m, dict) or not isinstance(m.get("references"), list):
            raise DataError("%s: machine '%s' has no \"references\" list" % (path, name))
        for i, e in enumerate(m["references"]):
            if not isinstance(e, dict) or not isinstance(e.get("config"), dict):
                raise DataError("%s: machine '%s', reference %d has no \"config\" object"
                                % (path, name, i + 1))
            for metric in ("rate", "speedup"):
                v = e.get(metric)
                if v is None:
                    continue
                if not isinstance(v, dict) or not isinstance(v.get("expect"), (int, float)) \
                        or v["expect"] <= 0:
                    raise DataError("%s: machine '%s', reference %d: %s needs a positive "
                                    "\"expect\"" % (path, name, i + 1, metric))
                for b in ("lower", "upper"):
                    if v.get(b) is not None and not isinstance(v.get(b), (int, float)):
                        raise DataError("%s: machine '%s', reference %d: %s.%s must be a "
                                        "number or null" % (path, name, i + 1, metric, b))
    return doc


def _blank(v):
    """None for an empty value, numbers as floats: how a file's value and a
    row's are compared."""
    if v is None or v == "":
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    return float(v)


class NoMachine(Exception):
    """No reference machine is this run's: the message says why."""


def _describe_machine(cpu, cores, fp, ident=None):
    """'AMD EPYC, 2 cores, fingerprint 0a1b... (AuthenticAMD 26/2/1, avx2 avx512f)'."""
    out = "%s, %s cores" % (cpu or "unknown CPU", cores or "?")
    out += ", fingerprint %s" % fp if fp else ", no fingerprint"
    ident = ident or {}
    bits = []
    if ident.get("cpu_vendor"):
        bits.append("%s %s/%s/%s" % (ident.get("cpu_vendor"), ident.get("cpu_family"),
                                     ident.get("cpu_model_id"), ident.get("cpu_stepping")))
    isa = [f for f in str(ident.get("isa") or "").split() if f.startswith(("avx", "amx"))]
    if isa:
        bits.append(" ".join(isa))
    return out + (" (%s)" % ", ".join(bits) if bits else "")


def pick_machine(doc, path, cpu, cores, name=None, fp=None, ident=None):
    """The reference machine and a warning (or None): named, else the one
    whose fingerprint and core count are this run's.  A machine without a
    fingerprint (a file made before parscale recorded one) is matched on CPU
    model and cores only, with a warning, since two CPUs may share a name.
    A named machine of another fingerprint is refused; NoMachine when no
    machine matches."""
    machines = doc["machines"]
    if isinstance(fp, list):
        raise DataError("the run was made on %d kinds of CPU (fingerprints %s): judge one "
                        "host's rows with --new-filter host=NAME" % (len(fp), ", ".join(fp)))
    unknown = ("machine '%%s' in %s has no fingerprint (made before parscale recorded "
               "one): matched on CPU model and cores only, which cannot tell two CPUs of "
               "one name apart; remake it with --make-references" % path)
    if name:
        if name not in machines:
            raise DataError("--machine %s: not in %s (it has: %s)"
                            % (name, path, ", ".join(machines)))
        theirs = machines[name].get("fingerprint")
        if fp and theirs and theirs != fp:
            raise DataError("--machine %s is another CPU: its references were made on %s, "
                            "this run on %s; references are never applied to another CPU"
                            % (name, _describe_machine(machines[name].get("cpu_model"),
                                                       machines[name].get("cores"), theirs,
                                                       machines[name]),
                               _describe_machine(cpu, cores, fp, ident)))
        return name, (unknown % name if not (fp and theirs) else None)
    if fp:
        hits = [n for n, m in machines.items()
                if m.get("fingerprint") == fp and m.get("cores") == cores]
        if hits:
            return hits[0], None
    hits = [n for n, m in machines.items() if not m.get("fingerprint") and
            m.get("cpu_model") == cpu and m.get("cores") == cores]
    if hits:
        return hits[0], unknown % hits[0]
    raise NoMachine("%s has no references for this machine (%s); it has: %s. References are "
                    "never applied to another CPU: make some on this machine with "
                    "--make-references, or name one with --machine" % (
                        path, _describe_machine(cpu, cores, fp, ident),
                        "; ".join("%s (%s)" % (n, _describe_machine(
                            m.get("cpu_model"), m.get("cores"), m.get("fingerprint"), m))
                                  for n, m in machines.items())))


class Check:
    """One reference value against the run."""

    def __init__(self, entry, metric, measured, shown=None):
        ref = entry[metric]
        self.cfg = entry["config"]
        self.label = label(self.cfg, shown)
        self.metric = metric
        self.unit = ref.get("unit", "") if metric == "rate" else "x"
        self.expect = float(ref["expect"])
        lo, hi = ref.get("lower"), ref.get("upper")
        self.lo = self.expect * (1.0 + lo) if lo is not None else None
        self.hi = self.expect * (1.0 + hi) if hi is not None else None
        self.measured = measured
        if measured is None:
            self.verdict = "not run"
        elif self.lo is not None and measured < self.lo:
            self.verdict = "below"
        elif self.hi is not None and measured > self.hi:
            self.verdict = "above"
        else:
            self.verdict = "ok"

    def as_json(self):
        return OrderedDict([("config", self.cfg), ("label", self.label),
                            ("metric", self.metric), ("unit", self.unit),
                            ("expect", self.expect), ("low", self.lo), ("high", self.hi),
                            ("measured", self.measured), ("verdict", self.verdict)])


class Judgement:
    """A run judged against one machine's references."""

    def __init__(self, path, doc, side, machine):
        self.path, self.side, self.machine = path, side, machine
        m = doc["machines"][machine]
        speed = None
        self.checks = []
        matched = 0
        # A key the reference leaves out must be empty in the run: the file
        # lists only the keys and settings a configuration has.
        cols = list(side.keys) + [k for e in m["references"] for k in e["config"]
                                  if k not in side.keys]
        groups = OrderedDict()
        for r in side.rows:
            if r["ok"]:
                groups.setdefault(tuple(_blank(r.get(k)) for k in cols), []).append(r)
        shown = varying(e["config"] for e in m["references"])
        for e in m["references"]:
            rows = groups.get(tuple(_blank(e["config"].get(k)) for k in cols), [])
            matched += bool(rows)
            for metric in ("rate", "speedup"):
                if metric not in e:
                    continue
                val = None
                if rows and metric == "rate":
                    val = stats.median([r["rate"] for r in rows if r.get("rate") is not None])
                elif rows:
                    if speed is None:
                        speed = _speedups(side)
                    val = speed.get(config_key(rows[0], side.keys))
                self.checks.append(Check(e, metric, val, shown))
        if not matched:
            raise DataError("no configuration of %s is among the %d references of '%s' in %s"
                            % (side.path, len(m["references"]), machine, path))

    def count(self, verdict):
        return sum(1 for c in self.checks if c.verdict == verdict)

    def status(self):
        return EXIT_SLOWER if self.count("below") or self.count("above") else EXIT_OK

    def rows(self):
        return [[c.label, c.metric, "%s %s" % (fnum(c.expect), c.unit),
                 "%s .. %s" % (fnum(c.lo) if c.lo is not None else "-",
                               fnum(c.hi) if c.hi is not None else "-"),
                 "-" if c.measured is None else "%s %s" % (fnum(c.measured), c.unit),
                 "-" if c.measured is None else "%+.1f%%" % (100 * (c.measured / c.expect - 1)),
                 c.verdict] for c in self.checks if c.verdict != "not run"]

    def not_run(self):
        """The line naming the reference configurations the run lacks."""
        missing = list(OrderedDict((c.label, 1) for c in self.checks
                                   if c.verdict == "not run"))
        if not missing:
            return None
        return "not in this run, not judged (%d configuration(s)): %s" % (
            len(missing), _list(missing, 8))

    def summary(self):
        return "%d ok, %d below, %d above, %d not run of %d reference values (machine '%s')" % (
            self.count("ok"), self.count("below"), self.count("above"),
            self.count("not run"), len(self.checks), self.machine)

    def as_json(self):
        return OrderedDict([("references", str(self.path)), ("run", str(self.side.path)),
                            ("machine", self.machine),
                            ("checks", [c.as_json() for c in self.checks]),
                            ("summary", OrderedDict((v, self.count(v)) for v in
                                                    ("ok", "below", "above", "not run"))),
                            ("exit", self.status())])


REF_HEADER = ["configuration", "metric", "expected", "allowed", "measured", "change",
              "verdict"]
REF_ALIGN = ["l", "l", "r", "r", "r", "r", "l"]


def judge(ref_path, run_spec, machine=None, filters=()):
    """Loads the reference file and the run (DataError for bad input) and
    judges it; (Judgement, warning or None).  NoMachine when none of the
    file's machines is this run's."""
    sch = schema_mod.load(csv=run_spec)
    doc = _read_refs(ref_path)
    side = Side(run_spec, [parse_filter(f, sch, "--new-filter") for f in filters],
                tuple(k for k in DEFAULT_KEYS if k in sch), "RUN", "--new-filter", sch)
    cpu, cores = side.machine()
    name, warning = pick_machine(doc, ref_path, cpu, cores, machine, side.fingerprint(),
                                 side.cpu_ident())
    return Judgement(ref_path, doc, side, name), warning



# ---- the command line's two modes ------------------------------------------

def make_command(args, tolerance, ci_width):
    """--make-references FILE RUN: writes FILE; the status."""
    if len(args.files) != 1:
        raise DataError("--make-references FILE takes one run: "
                        "scripts/compare --make-references FILE RUN")
    out = Path(args.make_references)
    if out.exists() and out.is_dir():
        raise DataError("--make-references %s: a directory, expected a file" % out)
    if not out.parent.is_dir():
        raise DataError("--make-references %s: no directory %s" % (out, out.parent))
    doc, name, refs, refused = make_references(args.files[0], out, args.machine,
                                               tolerance, args.new_filter,
                                               ci_width=ci_width or REF_CI_WIDTH)
    write_atomic(out, dump_refs(doc))
    m = doc["machines"][name]
    print("compare: %d reference configurations for machine '%s' (%s) in %s"
          % (len(refs), name, _describe_machine(m["cpu_model"], m["cores"],
                                                 m.get("fingerprint"), m), out))
    if refused:
        print("compare: refused %d configuration(s), too noisy to guard: %s"
              % (len(refused), _list(("%s (%s)" % r for r in refused), 20)),
              file=sys.stderr)
    if not m.get("fingerprint"):
        print("compare: warning: the run's metadata has no CPU fingerprint (an older "
              "parscale): this machine will be matched on CPU model and cores only",
              file=sys.stderr)
    return EXIT_OK


def check_command(args):
    """--references FILE RUN: the judgement printed; the status."""
    if len(args.files) != 1:
        raise DataError("--references FILE takes one run: "
                        "scripts/compare --references FILE RUN")
    if args.out or args.base_filter:
        raise DataError("--references: --out and --base-filter apply to two runs only")
    try:
        j, warning = judge(args.references, args.files[0], args.machine,
                           args.new_filter)
    except NoMachine as e:
        if args.references_strict:
            raise DataError(str(e)) from None
        print("compare: warning: %s; nothing judged" % e, file=sys.stderr)
        if args.json:
            print(json.dumps(OrderedDict([("references", args.references),
                                          ("run", args.files[0]), ("machine", None),
                                          ("warning", str(e)), ("checks", []),
                                          ("exit", EXIT_OK)]), indent=1))
        return EXIT_OK
    if warning and args.references_strict:
        raise DataError(warning + " (--references-strict)")
    if warning:
        print("compare: warning: " + warning, file=sys.stderr)
    if args.json:
        print(json.dumps(j.as_json(), indent=1))
    elif args.md:
        print("\n".join(["- references: %s, machine '%s'" % (j.path, j.machine),
                         "- run: " + j.side.describe(), ""] +
                        md_table(REF_HEADER, j.rows(), REF_ALIGN) +
                        ["", j.summary() + "."] +
                        (["", "- " + j.not_run()] if j.not_run() else [])))
    else:
        print("\n".join(["references: %s, machine '%s'" % (j.path, j.machine),
                         "run: " + j.side.describe(), ""] +
                        _fmt_table(REF_HEADER, j.rows(), REF_ALIGN) +
                        ["", j.summary()] +
                        (["note: " + j.not_run()] if j.not_run() else [])))
    return j.status()
