"""Two runs compared, configuration by configuration, or one run judged
against reference values (docs/compare.md).

    scripts/compare BASE NEW [--ignore KEYS] [--match KEYS]
                    [--base-filter K=V] [--new-filter K=V]
                    [--alpha 0.05] [--threshold 5%] [--md | --json] [--out DIR]
    scripts/compare --references FILE RUN [--machine NAME] [--md | --json]
    scripts/compare --make-references FILE RUN [--machine NAME] [--tolerance 10%]
                    [--ci-width 5%]
    scripts/compare --ab BASE_CMD NEW_CMD [options] -- RUN_ARGS     (ab.py)

The comparison itself is comparison.py, its charts render/compare_charts.py,
--references and --make-references references.py.

BASE, NEW and RUN are parscale CSVs or directories holding results.csv.
A configuration's repetitions on the two sides are compared by the
Mann-Whitney U test and the Hodges-Lehmann ratio with its exact interval
(stats.py); the verdict is `slower` or `faster` only when the difference is
both significant (p < alpha) and larger than the threshold; the threshold
is widened to the drift of a control configuration both runs share (Drift).
References are matched on the CPU fingerprint of the metadata.

Exit status: 0 nothing slower (or every reference met), 1 something slower
(or a reference missed), 2 bad input (nothing written).
"""
import argparse
import json
import sys

from .. import version
from .. import safeio
from ..analysis import DataError
from ..common import fail, guarded
from ..comparison import (ALPHA, DEFAULT_KEYS, EXTRA_KEYS, THRESHOLD, compare_paths,
                          fraction, markdown, parse_control, text)
from ..comparison import write_atomic  # noqa: F401  (compare.write_atomic, as before)
from ..render.compare_charts import make_charts
from . import references


def _keys_arg(values):
    """Repeated, comma-separated --ignore/--match values as one list."""
    return [k.strip() for v in values for k in v.split(",") if k.strip()]


def _run(args):
    """Everything that can fail on bad input, then the output; the status."""
    alpha = fraction("--alpha", args.alpha, 1e-12, 1.0)
    ci_width = fraction("--ci-width", args.ci_width, 1e-6, 1.0) if args.ci_width else None
    threshold = fraction("--threshold", args.threshold, 0.0, 10.0)
    tolerance = fraction("--tolerance", args.tolerance, 0.0, 10.0)
    if args.make_references:
        return references.make_command(args, tolerance, ci_width)
    if args.references:
        return references.check_command(args)
    if len(args.files) != 2:
        raise DataError("expected BASE and NEW (each a CSV or a results directory), "
                        "got %d argument(s)" % len(args.files))
    if args.machine:
        raise DataError("--machine applies to --references and --make-references only")
    if args.out is not None:
        safeio.out_dir(args.out, error=DataError, create=False)
    controls = None
    if args.control:
        controls = () if args.control == ["none"] else \
            tuple(kv for c in args.control for kv in parse_control(c))
    c = compare_paths(args.files[0], args.files[1], _keys_arg(args.match),
                      _keys_arg(args.ignore), args.base_filter, args.new_filter,
                      alpha, threshold, controls=controls)
    if args.json:
        sys.stdout.write(json.dumps(c.as_json(), indent=1) + "\n")
    elif args.md:
        sys.stdout.write(markdown(c))
    else:
        sys.stdout.write(text(c))
    if args.out is not None:
        made = make_charts(c, args.out)
        print("compare: %d chart(s) (x png/svg/pdf) in %s" % (len(made), args.out),
              file=sys.stderr)
    return c.status()


def main(argv=None):
    """The command line: parse, then _run under the bad-input guard; --ab
    (before any --) is the A/B session of ab.py, --references and
    --make-references are references.py's."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--ab" in (argv[:argv.index("--")] if "--" in argv else argv):
        from . import ab
        return ab.main(argv)
    ap = argparse.ArgumentParser(
        prog="compare",
        description="Compare two parscale runs configuration by configuration (exit 1 when "
        "something is slower), or judge one run against reference values. For a "
        "regression check, prefer --ab BASE_CMD NEW_CMD -- RUN_ARGS: it runs both "
        "interleaved in one session, so that the machine's drift hits both alike; two "
        "separate runs can only be told apart beyond the drift between them.",
        epilog="Keys matched by default: %s. Exit status: 0 nothing slower / every "
        "reference met, 1 something slower / a reference missed, 2 bad input. "
        "Details: docs/compare.md." % ", ".join(DEFAULT_KEYS))
    ap.add_argument("files", nargs="*", metavar="BASE NEW",
                    help="two CSVs or results directories (one RUN with --references "
                    "or --make-references)")
    ap.add_argument("--ignore", action="append", default=[], metavar="KEY[,KEY]",
                    help="do not match on these keys (e.g. gil_model, switch_interval, "
                    "size); relaxing gil_model relaxes its own settings too")
    ap.add_argument("--match", action="append", default=[], metavar="KEY[,KEY]",
                    help="also match on these (%s)" % ", ".join(EXTRA_KEYS))
    ap.add_argument("--base-filter", action="append", default=[], metavar="KEY=VALUE",
                    help="use only BASE rows where KEY is VALUE (repeatable); a key the "
                    "two filters pin to different values is not matched on")
    ap.add_argument("--new-filter", action="append", default=[], metavar="KEY=VALUE",
                    help="use only NEW (or RUN) rows where KEY is VALUE (repeatable)")
    ap.add_argument("--alpha", default=str(ALPHA),
                    help="significance level of the U test (default %g)" % ALPHA)
    ap.add_argument("--threshold", default="%g%%" % (100 * THRESHOLD),
                    help="smallest change that counts, e.g. 5%% or 0.05 (default 5%%)")
    out = ap.add_mutually_exclusive_group()
    out.add_argument("--md", action="store_true", help="Markdown instead of the table")
    out.add_argument("--json", action="store_true", help="JSON instead of the table")
    ap.add_argument("--out", help="directory for the charts (ratios; speedup curves)")
    ap.add_argument("--references", metavar="FILE",
                    help="judge RUN against this reference file")
    ap.add_argument("--make-references", metavar="FILE",
                    help="write (or update) FILE with RUN's values for its machine")
    ap.add_argument("--machine", help="the reference machine's name (default: found by "
                    "CPU fingerprint and core count; when making: the host name)")
    ap.add_argument("--ab", nargs=2, metavar=("BASE_CMD", "NEW_CMD"),
                    help="measure two parscale commands (\"build/parscale\", \"new/parscale "
                    "--gil-model old\") in one session of interleaved trials of random "
                    "order, then `-- RUN_ARGS`; judged on the paired per-trial ratios. The "
                    "way to check for a regression. Its options: --ci-width (default 5%%), "
                    "--max-time (default 45s), --max-trials, --launcher \"mpirun -np 4\", "
                    "--seed, --threshold, --alpha, --md, --json, --csv FILE (every trial)")
    ap.add_argument("--control", action="append", default=[], metavar="KEY=V[,KEY=V]",
                    help="configurations whose code did not change between the runs "
                    "(repeatable; default kernel=null; 'none': no control): their change "
                    "is the machine's drift, and the threshold is widened to it")
    ap.add_argument("--references-strict", action="store_true",
                    help="with --references: a run none of the file's machines matches "
                    "(by CPU fingerprint), or a machine without a fingerprint, is bad "
                    "input (2) instead of a warning")
    ap.add_argument("--ci-width", metavar="W",
                    help="--make-references: refuse configurations whose median's 95%%%% "
                    "interval is wider than W of it (default %g%%%%); --ab: add trials "
                    "until every ratio's interval is this narrow (default %g%%%%)"
                    % (100 * references.REF_CI_WIDTH, 100 * references.REF_CI_WIDTH))
    ap.add_argument("--tolerance", default="%g%%" % (100 * references.TOLERANCE),
                    help="allowed change either way when making references "
                    "(default %g%%%%)" % (100 * references.TOLERANCE))
    ap.error = lambda msg: fail("compare", msg + " (see --help)")     # one line, status 2
    version.add_option(ap)
    args = ap.parse_args(argv)
    if args.references and args.make_references:
        ap.error("--references and --make-references exclude each other")
    return guarded("compare", _run, args)


if __name__ == "__main__":
    sys.exit(main())
