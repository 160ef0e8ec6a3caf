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
