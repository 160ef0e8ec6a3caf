"""Shared by the scripts' tests: paths, the fixture built from the schema at
test time, and running the scripts as a user would."""
import importlib.util
import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
FIXTURES = REPO / "tests" / "fixtures"


def fixture_module():
    spec = importlib.util.spec_from_file_location("make_fixture", FIXTURES / "make_fixture.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_fixture(dest):
    """Writes small.csv (+ .meta.jsonl, kernels.json) into dest; its path."""
    return fixture_module().write(dest)


def real_schema_json():
    """What the real binary says of its schema (`parscale schema --json`),
    as JSON text: for the stand-in binaries, which must state it too."""
    from parscale_py import locate
    exe, why = locate.find()
    if exe is None:
        raise unittest.SkipTest(why)
    return subprocess.run([exe, "schema", "--json"], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()


def fake_parscale(path, listing, run_status=None):
    """Writes a stand-in binary at path: `schema --json` the real schema,
    anything else listing as JSON (`list --json`), or, with run_status,
    only list --json so, and a refusal with that status for the rest."""
    import json
    text = "#!/bin/sh\nif [ \"$1 $2\" = 'schema --json' ]; then\ncat <<'E'\n%s\nE\nexit 0; fi\n" \
        % real_schema_json()
    if run_status is None:
        text += "cat <<'E'\n%s\nE\n" % json.dumps(listing)
    else:
        text += ("if [ \"$1 $2\" = 'list --json' ]; then\ncat <<'E'\n%s\nE\nexit 0; fi\n"
                 "echo 'fake: run' >&2; exit %d\n" % (json.dumps(listing), run_status))
    Path(path).write_text(text)
    Path(path).chmod(0o755)
    return path


def run_script(name, *args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([str(SCRIPTS / name)] + [str(a) for a in args], capture_output=True,
                          text=True, env=e, timeout=600)


class TempDirCase(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="parscale-test-"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
