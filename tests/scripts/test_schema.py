"""The scripts read the CSV columns from harness/csv_columns.h."""
import re
import unittest

from helpers import REPO
from parscale_py import schema


class RealHeader(unittest.TestCase):
    def test_matches_the_header_file(self):
        text = (REPO / "harness" / "csv_columns.h").read_text()
        s = schema.load()
        # Counted independently: one PS_COL(name, "doc") per line of the macro.
        names = re.findall(r'^\s*PS_COL\((\w+),', text, re.M)
        self.assertEqual(s.columns, names)
        self.assertTrue(s.name.startswith("parscale-csv"))
        for col in ("run_id", "kernel", "backend", "workers", "scaling", "size",
                    "seconds", "verified", "error", "oversubscribed"):
            self.assertIn(col, s.columns)


class Parsing(unittest.TestCase):
    def test_order_docs_and_escapes(self):
        s = schema.parse('#define PS_CSV_SCHEMA "x-1"\n#define PS_CSV_COLUMNS(PS_COL) \\\n'
                         '    PS_COL(b, "the \\"b\\" one") \\\n    PS_COL(a, "a, too")\n'
                         '#define PS_COL_ENUM(name, doc) PS_COL_##name,\n')
        self.assertEqual(s.columns, ["b", "a"])
        self.assertEqual(s.docs["b"], 'the "b" one')
        self.assertEqual(s.name, "x-1")

    def test_no_macro(self):
        with self.assertRaisesRegex(schema.SchemaError, "no '#define PS_CSV_COLUMNS'"):
            schema.parse("int x;\n")

    def test_duplicate_column(self):
        with self.assertRaisesRegex(schema.SchemaError, "listed twice: a"):
            schema.parse('#define PS_CSV_COLUMNS(PS_COL) \\\n PS_COL(a, "1") \\\n'
                         ' PS_COL(a, "2")\n')

    def test_missing_file(self):
        with self.assertRaisesRegex(schema.SchemaError, "cannot read the CSV schema"):
            schema.load("/nonexistent/csv_columns.h")


if __name__ == "__main__":
    unittest.main()
