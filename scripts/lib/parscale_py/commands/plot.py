"""scripts/plot: charts from a CSV alone (the charts themselves:
render/plots.py).

    scripts/plot CSV --out DIR [--parscale BIN | --kernels-json FILE]
                 [--format png,svg,pdf]
"""
import argparse
import sys

from .. import analysis, kerninfo, safeio, version
from ..analysis import DataError
from ..common import guarded
from ..render import formats, plots


def main(argv=None):
    ap = argparse.ArgumentParser(prog="plot", description="Charts (PNG, SVG, PDF) from a "
                                 "parscale CSV.")
    ap.add_argument("csv", help="results CSV written by parscale run")
    ap.add_argument("--out", required=True, help="directory for the charts")
    ap.add_argument("--parscale", help="the parscale binary, for the kernel table "
                    "(default $PARSCALE)")
    ap.add_argument("--kernels-json", help="the output of `parscale list --json`")
    ap.add_argument("--format", default=formats.FORMATS, metavar="LIST", type=formats.arg,
                    help="the formats to write, comma-separated, png among them "
                    "(default %(default)s)")
    version.add_option(ap)
    args = ap.parse_args(argv)
    guarded("plot", safeio.out_dir, args.out, "--out", DataError, False)
    a = guarded("plot", analysis.analyse, args.csv)
    kinfo, src = kerninfo.find(args.csv, args.kernels_json, args.parscale)
    made, _ = guarded("plot", plots.make_all, a, args.out, kinfo, src,
                      log=lambda m: print(m, file=sys.stderr), formats=args.format)
    print("plot: %d charts (x %s) in %s" % (len(made), "/".join(args.format), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
