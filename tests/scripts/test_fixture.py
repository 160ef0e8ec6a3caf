"""The committed fixture is what make_fixture.py writes from today's schema:
when harness/csv_columns.h changes, this fails until the fixture is
regenerated (tests/fixtures/make_fixture.py)."""
import unittest

from helpers import FIXTURES, TempDirCase, make_fixture


class InSync(TempDirCase):
    def test_committed_fixture_matches_schema(self):
        fresh = make_fixture(self.tmp)
        for name in ("small.csv", "small.csv.meta.jsonl", "kernels.json"):
            self.assertEqual((self.tmp / name).read_text(), (FIXTURES / name).read_text(),
                             "tests/fixtures/%s is stale: run tests/fixtures/make_fixture.py"
                             % name)
        self.assertTrue(fresh.exists())


if __name__ == "__main__":
    unittest.main()
