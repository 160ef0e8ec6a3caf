"""One way to find the parscale binary for every script that runs it:
--parscale, then $PARSCALE, then build/parscale in the checkout, then PATH;
the old $PARSCALE_BIN still works and says it is deprecated.  And the
backends' properties read from `list --json`."""
import contextlib
import io
import json
import os
import stat
import unittest
from unittest import mock

from helpers import TempDirCase
from parscale_py import binary, locate, schema


class Find(TempDirCase):
    def exe(self, name):
        p = self.tmp / name
        p.write_text("#!/bin/sh\n")
        p.chmod(p.stat().st_mode | stat.S_IXUSR)
        return str(p)

    def find(self, explicit=None, env=None, default=None):
        err = io.StringIO()
        with mock.patch.object(locate, "DEFAULT", self.tmp / "no-such-default"
                               if default is None else default), \
                mock.patch.object(schema, "_chosen", []), \
                mock.patch.dict(os.environ, {"PATH": str(self.tmp / "empty")}), \
                contextlib.redirect_stderr(err):
            try:
                return binary.find_parscale("t", explicit, environ=env or {}), err.getvalue()
            except SystemExit as e:
                return e.code, err.getvalue()

    def test_order(self):
        a, b, c, d = (self.exe(n) for n in ("a", "b", "c", "d"))
        self.assertEqual(self.find(a, {"PARSCALE": b, "PARSCALE_BIN": c}, d)[0], a)
        self.assertEqual(self.find(None, {"PARSCALE": b, "PARSCALE_BIN": c}, d)[0], b)
        self.assertEqual(self.find(None, {}, d)[0], d)

    def test_old_variable_works_and_says_so(self):
        c = self.exe("c")
        path, err = self.find(None, {"PARSCALE_BIN": c})
        self.assertEqual(path, c)
        self.assertIn("$PARSCALE_BIN is deprecated; set $PARSCALE", err)
        path, err = self.find(None, {"PARSCALE": c, "PARSCALE_BIN": c})
        self.assertEqual(err, "")

    def test_path_last(self):
        (self.tmp / "empty").mkdir()
        on_path = self.tmp / "empty" / "parscale"
        on_path.write_text("#!/bin/sh\n")
        on_path.chmod(0o755)
        self.assertEqual(self.find()[0], str(on_path))

    def test_a_named_binary_that_is_not_there_is_refused(self):
        d = self.exe("d")
        code, err = self.find(str(self.tmp / "missing"), {}, d)
        self.assertEqual(code, 2)
        self.assertIn("--parscale %s: not an executable file" % (self.tmp / "missing"), err)
        code, err = self.find(None, {"PARSCALE": str(self.tmp / "gone")}, d)
        self.assertEqual(code, 2)
        self.assertIn("$PARSCALE", err)
        code, err = self.find()
        self.assertEqual(code, 2)
        self.assertIn("no parscale binary", err)


class Backends(TempDirCase):
    def fake(self, names, absent=()):
        p = self.tmp / "fake"
        listing = {"kernels": [], "backends": [
            {"name": n, "mpi": False, "threads": True, "baseline": False} for n in names],
            "absent": [{"name": n, "why": why} for n, why in absent]}
        p.write_text("#!/bin/sh\ncat <<'E'\n%s\nE\n" % json.dumps(listing))
        p.chmod(0o755)
        return str(p)

    def test_a_study_refuses_a_build_without_its_backends(self):
        exe = self.fake(["seq", "gil"])
        self.assertEqual(list(binary.require("t", exe, ("seq", "gil"))), ["seq", "gil"])
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as e:
            binary.require("t", exe, ("seq", "gil", "omp"))
        self.assertEqual(e.exception.code, 2)
        self.assertIn("has no omp backend", err.getvalue())

    def test_a_backend_left_out_is_refused_with_the_reason(self):
        exe = self.fake(["seq", "gil"], [("mpi", "it was turned off: -DPARSCALE_MPI=OFF")])
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as e:
            binary.require("t", exe, ("seq", "mpi"))
        self.assertEqual(e.exception.code, 2)
        self.assertIn("has no mpi backend (it was turned off: -DPARSCALE_MPI=OFF)",
                      err.getvalue())
        obj = {"absent": [{"name": "mpi", "why": "turned off"}]}
        self.assertEqual(binary.unknown_message("backend", ["bogus", "mpi"], ["seq"], obj),
                         "unknown backend(s): bogus; mpi (not in this build: turned off) "
                         "(this parscale has: seq)")
        # kernels are never "left out"; an older listing says nothing of absence
        self.assertEqual(binary.unknown_message("kernel", ["mpi"], ["pi"], obj),
                         "unknown kernel(s): mpi (this parscale has: pi)")
        self.assertEqual(binary.unknown_message("backend", ["mpi"], ["seq"], {}),
                         "unknown backend(s): mpi (this parscale has: seq)")

    def test_the_binary_says_what_it_leaves_out(self):
        # CTest names the binary under test; by hand, build/parscale
        obj, _, why = binary.list_json(os.environ.get("PARSCALE") or str(binary.DEFAULT))
        self.assertIsNotNone(obj, why)
        gone = binary.absent(obj)
        for name in ("omp", "mpi", "hybrid"):
            self.assertNotEqual(name in gone, name in binary.backends(obj), name)

    def test_properties(self):
        obj = {"backends": [{"name": "s", "mpi": False, "threads": False, "baseline": True},
                            {"name": "h", "mpi": True, "threads": True, "baseline": False}]}
        self.assertEqual(list(binary.backends(obj)), ["s", "h"])
        self.assertTrue(binary.backends(obj)["h"]["mpi"])
        self.assertTrue(binary.backends(obj)["s"]["baseline"])

    def test_an_older_listing_is_not_guessed_at(self):
        self.assertIsNone(binary.backends({"backends": [{"name": "seq"}]}))
        self.assertIsNone(binary.backends({"kernels": []}))


if __name__ == "__main__":
    unittest.main()
