"""The version every script's --version prints: the parscale binary's own
line (`parscale --version`: the build's PARSCALE_VERSION and git describe),
so that there is one source; without a built binary, the same two parts
read where the build reads them (CMakeLists.txt's project() version, git
describe of this checkout).

    python -m parscale_py.version      prints it (scripts/setup, scripts/test)
"""
import argparse
import os
import re
import subprocess
import sys

from . import binary


def _from_source():
    top = binary.REPO
    try:
        text = open(top / "CMakeLists.txt", encoding="utf-8").read()
        m = re.search(r"project\(\s*parscale\s+VERSION\s+([0-9][0-9.]*)", text)
        ver = m.group(1) if m else "unknown"
    except OSError:
        ver = "unknown"
    try:
        git = subprocess.run(["git", "-C", str(top), "describe", "--always", "--dirty",
                              "--tags"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             universal_newlines=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        git = ""
    return "parscale %s (%s; not built)" % (ver, git or "unknown")


def version_line(environ=None):
    """"parscale 0.1.0 (abc1234)" from the binary the scripts would run."""
    env = os.environ if environ is None else environ
    for cand in (env.get("PARSCALE"), str(binary.DEFAULT)):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            try:
                pr = subprocess.run([cand, "--version"], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, universal_newlines=True,
                                    timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                continue
            line = pr.stdout.strip()
            if pr.returncode == 0 and line.startswith("parscale "):
                return line
    return _from_source()


class _Version(argparse.Action):
    """--version: asks only when given (a script's start costs nothing)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kw):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        print("%s %s" % (parser.prog.rsplit("/", 1)[-1], version_line()))
        parser.exit(0)


def add_option(parser):
    """Adds --version to an argparse parser."""
    parser.add_argument("--version", action=_Version,
                        help="the version of parscale these scripts belong to")


if __name__ == "__main__":
    prog = sys.argv[1] if len(sys.argv) > 1 else "parscale"
    print("%s %s" % (prog, version_line()))
