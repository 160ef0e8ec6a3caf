"""The scripts read the CSV schema from the binary (`parscale schema
--json`, installed beside it as parscale-schema.json): the JSON against the
CSV the binary writes, and the Python side's facts against the JSON."""
import csv
import json
import os
import subprocess
import unittest
from unittest import mock

from helpers import TempDirCase
from parscale_py import analysis, locate, schema


def binary():
    path, why = locate.find()
    if path is None:
        raise unittest.SkipTest(why)
    return path


def schema_json(exe):
    out = subprocess.run([exe, "schema", "--json"], capture_output=True, text=True,
                         timeout=60, check=True)
    return json.loads(out.stdout)


class AgainstTheWriter(TempDirCase):
    """What the JSON says against rows the binary writes: the seq, gil and
    async backends between them (async on io, which waits) fill the shared, the GIL's and the event
    loop's columns."""

    @classmethod
    def setUpClass(cls):
        cls.exe = binary()
        cls.doc = schema_json(cls.exe)

    def rows(self):
        out = self.tmp / "w.csv"
        for b, k in (("seq", "pi"), ("gil", "pi"), ("async", "io")):
            r = subprocess.run([self.exe, "run", "-k", k, "-b", b, "-w", "1,2", "-s", "test",
                                "-r", "2", "--warmup", "0", "-q", "--csv", str(out)],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, newline="") as fh:
            return list(csv.reader(fh))

    def test_columns_and_types_are_what_the_binary_writes(self):
        rows = self.rows()
        cols = [c["name"] for c in self.doc["columns"]]
        self.assertEqual(rows[0], cols)
        types = {c["name"]: c["type"] for c in self.doc["columns"]}
        seen = set()
        for row in rows[1:]:
            for col, text in zip(cols, row):
                if text == "":
                    continue
                seen.add(col)
                t = types[col]
                if t == "integer":
                    self.assertRegex(text, r"^-?\d+$", "%s: %r" % (col, text))
                elif t == "real":
                    float(text)
                elif t == "boolean":
                    self.assertIn(text, ("true", "false"), col)
        # every typed column was seen at least once with a value
        for col, t in types.items():
            if t != "text" and col not in ("check_interval", "steal"):
                self.assertIn(col, seen, "no row filled %s (%s)" % (col, t))

    def test_backends_and_baseline_are_the_registry(self):
        listed = json.loads(subprocess.run([self.exe, "list", "--json"], capture_output=True,
                                           text=True, timeout=60, check=True).stdout)
        self.assertEqual(self.doc["backends"], listed["backends"])
        base = [b["name"] for b in listed["backends"] if b["baseline"]]
        self.assertEqual([self.doc["baseline"]], base)

    def test_stop_reasons_include_those_the_exports_carry(self):
        names = [r["name"] for r in self.doc["stop_reasons"]]
        for n in ("reps", "ci", "max-reps", "max-time", "interrupted"):
            self.assertIn(n, names)

    def test_installed_copy_is_the_binarys_output(self):
        beside = os.path.join(os.path.dirname(self.exe), schema.FILE_NAME)
        if not os.path.isfile(beside):
            self.skipTest("no %s beside %s" % (schema.FILE_NAME, self.exe))
        with open(beside) as fh:
            self.assertEqual(json.load(fh), self.doc)


class PythonSide(unittest.TestCase):
    """The scripts' facts are the JSON's: nothing of their own."""

    def test_load_is_the_json(self):
        doc = schema_json(binary())
        s = schema.load()
        self.assertEqual(s.name, doc["schema"])
        self.assertEqual(s.columns, [c["name"] for c in doc["columns"]])
        self.assertEqual(s.types, {c["name"]: c["type"] for c in doc["columns"]})
        self.assertEqual(s.docs, {c["name"]: c["doc"] for c in doc["columns"]})
        self.assertEqual(s.backends, [b["name"] for b in doc["backends"]])
        self.assertEqual(s.baseline, doc["baseline"])
        self.assertEqual(analysis.baseline(), doc["baseline"])
        self.assertEqual(s.stop_reasons, [r["name"] for r in doc["stop_reasons"]])
        for c in doc["columns"]:
            self.assertEqual(analysis.kind(c["name"]), c["type"])
        ranks = [analysis.backend_rank(b["name"]) for b in doc["backends"]]
        self.assertEqual(ranks, sorted(ranks))
        self.assertLess(analysis.backend_rank(doc["backends"][-1]["name"]),
                        analysis.backend_rank("cpython-threads"))

    def test_the_binary_is_asked_without_the_installed_copy(self):
        exe = binary()
        with mock.patch.object(schema, "FILE_NAME", "no-such-file.json"):
            s = schema.load(parscale=exe)
        self.assertEqual(s.columns, schema.load().columns)
        self.assertIn("schema --json", s.path)


class Sources(TempDirCase):
    def test_a_file_named_by_the_environment(self):
        doc = {"schema": "x-1", "columns": [{"name": "b", "type": "integer", "doc": "the b"},
                                            {"name": "a", "type": "text", "doc": ""}],
               "backends": [{"name": "one"}], "baseline": "one", "stop_reasons": []}
        p = self.tmp / "s.json"
        p.write_text(json.dumps(doc))
        s = schema.load(environ={"PARSCALE_SCHEMA": str(p)})
        self.assertEqual((s.name, s.columns, s.types["b"], s.baseline),
                         ("x-1", ["b", "a"], "integer", "one"))

    def test_none_found_names_what_is_missing(self):
        with mock.patch.object(locate, "DEFAULT", self.tmp / "none"), \
                mock.patch.object(schema, "_chosen", []):
            with self.assertRaisesRegex(schema.SchemaError,
                                        r"no CSV schema: no parscale binary.*"
                                        r"parscale-schema\.json.*\$PARSCALE_SCHEMA"):
                schema.load(environ={"PATH": str(self.tmp)})

    def test_the_csvs_metadata_where_no_binary_is(self):
        # every run's header states the facts schema --json does (without
        # run's options); a CSV and its metadata then need no binary
        exe = binary()
        out = self.tmp / "r.csv"
        r = subprocess.run([exe, "run", "-k", "pi", "-b", "seq", "-s", "test", "-r", "2",
                            "--warmup", "0", "-q", "--csv", str(out)],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        header = json.loads(open(str(out) + ".meta.jsonl").readline())
        whole = schema_json(exe)
        del whole["run_options"]
        self.assertEqual(header["csv_schema"], whole)
        with mock.patch.object(locate, "DEFAULT", self.tmp / "none"), \
                mock.patch.object(schema, "_chosen", []), mock.patch.object(schema, "_csvs", []):
            env = {"PATH": str(self.tmp)}
            s = schema.load(environ=env, csv=out)
            self.assertEqual(s.columns, [c["name"] for c in whole["columns"]])
            self.assertEqual(s.baseline, whole["baseline"])
            self.assertEqual(schema.load(environ=env).columns, s.columns)  # remembered
            # metadata without it (a run before the schema command): none found
            bare = self.tmp / "bare.csv"
            bare.write_text(out.read_text())
            (self.tmp / "bare.csv.meta.jsonl").write_text('{"run_id": "x"}\n')
            schema._csvs[:] = []
            with self.assertRaisesRegex(schema.SchemaError, "no CSV schema.*csv_schema"):
                schema.load(environ=env, csv=bare)

    def test_malformed(self):
        for doc, msg in (([], "not a JSON object"), ({}, "no \"columns\" list"),
                         ({"columns": [{"name": "a", "type": "float"}]}, "type 'float'"),
                         ({"columns": [{"name": "a", "type": "text"}] * 2}, "listed twice: a"),
                         ({"columns": [{"name": "a", "type": "text"}], "backends": [],
                           "baseline": "seq"}, "baseline 'seq' is not one of")):
            with self.assertRaisesRegex(schema.SchemaError, msg):
                schema.parse(doc)

    def test_missing_file(self):
        with self.assertRaisesRegex(schema.SchemaError, "cannot read the CSV schema"):
            schema.load("/nonexistent/parscale-schema.json")


if __name__ == "__main__":
    unittest.main()
