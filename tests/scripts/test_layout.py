"""The Python sources' rooms, read from the sources alone (ast, nothing
imported): every import of every module of scripts/lib, at the top or
inside a function, resolved to the module it names.

    parscale_py            the library (its top-level modules): imports the library only
    parscale_py.render     charts, the report document, the summary: library and render
    parscale_py.cpython    what runs on the interpreter under study: library and cpython
    parscale_py.commands   one module per user command: library, render, cpython and
                           other commands
    parscale_studies       the project's own studies: anything

No module of parscale_py imports parscale_studies, and no modules import
each other, directly or round a longer loop.  Every launcher in scripts/
and scripts/studies/ starts a module that exists and runs as a script.
"""
import ast
import re
import shutil
import tempfile
import unittest
from pathlib import Path

from helpers import REPO, SCRIPTS

LIB = SCRIPTS / "lib"
PACKAGES = ("parscale_py", "parscale_studies")
ALLOWED = {
    "library": {"library"},
    "render": {"library", "render"},
    "cpython": {"library", "cpython"},
    "commands": {"library", "render", "cpython", "commands"},
    "studies": {"library", "render", "cpython", "commands", "studies"},
}


def module_name(path, lib=LIB):
    parts = list(path.relative_to(lib).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(lib=LIB):
    """{dotted name: path} of every module of the packages."""
    out = {}
    for pkg in PACKAGES:
        for p in sorted((lib / pkg).rglob("*.py")):
            out[module_name(p, lib)] = p
    return out


def room(name):
    parts = name.split(".")
    if parts[0] == "parscale_studies":
        return "studies"
    if len(parts) > 1 and parts[1] in ("commands", "render", "cpython"):
        return parts[1]
    return "library"


def imports(name, path, known):
    """The known modules that module `name` (at path) imports: (target, line)."""
    is_pkg = path.name == "__init__.py"
    package = name.split(".") if is_pkg else name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in known:
                    out.append((a.name, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            for a in node.names:
                sub = "%s.%s" % (mod, a.name)
                if sub in known:
                    out.append((sub, node.lineno))
                elif mod in known:
                    out.append((mod, node.lineno))
    return out


def graph(lib=LIB):
    known = modules(lib)
    return {n: imports(n, p, known) for n, p in known.items()}, known


def cycles(edges):
    """The strongly connected components of more than one module (or one
    importing itself): each an import cycle (Tarjan's algorithm)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w, _ in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or any(t == v for t, _ in edges.get(v, ())):
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def violations(edges):
    """'a imports b (line n): render may import library, render only' for
    every import against its room's rule."""
    out = []
    for src, targets in sorted(edges.items()):
        for dst, line in targets:
            if room(dst) not in ALLOWED[room(src)]:
                out.append("%s imports %s (line %d): %s may import %s only" % (
                    src, dst, line, room(src), ", ".join(sorted(ALLOWED[room(src)]))))
    return out


LAUNCH = re.compile(r"parscale_launch\s+(?:--bare\s+|--cpython\s+)?([\w.]+)")


class Layout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.edges, cls.known = graph()

    def test_the_packages_are_found(self):
        for name in ("parscale_py.comparison", "parscale_py.render.plots",
                     "parscale_py.cpython.cpython_bench", "parscale_py.commands.sweep",
                     "parscale_studies.gil_real"):
            self.assertIn(name, self.known)

    def test_no_import_cycle(self):
        self.assertEqual(cycles(self.edges), [])

    def test_the_user_package_imports_no_study(self):
        bad = ["%s imports %s (line %d)" % (s, d, n) for s, ts in self.edges.items()
               if s.startswith("parscale_py") for d, n in ts
               if d.startswith("parscale_studies")]
        self.assertEqual(bad, [])

    def test_each_room_imports_what_its_rule_allows(self):
        self.assertEqual(violations(self.edges), [])

    def test_every_launcher_starts_a_module_that_runs_as_a_script(self):
        launchers = [p for d in (SCRIPTS, SCRIPTS / "studies") for p in sorted(d.iterdir())
                     if p.is_file() and not p.suffix]
        started = 0
        for p in launchers:
            for mod in LAUNCH.findall(p.read_text(encoding="utf-8")):
                self.assertIn(mod, self.known, "%s starts %s" % (p.relative_to(REPO), mod))
                src = self.known[mod].read_text(encoding="utf-8")
                self.assertIn('if __name__ == "__main__":', src, mod)
                started += 1
        self.assertGreaterEqual(started, 15)


class TheCheckSeesAViolation(unittest.TestCase):
    """The checks against a made-up tree: they must fail where a rule is broken."""

    def tree(self, files):
        root = Path(tempfile.mkdtemp(prefix="parscale-layout-"))
        self.addCleanup(shutil.rmtree, root, True)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        return graph(root)[0]

    def test_a_cycle_a_study_and_a_room_broken(self):
        edges = self.tree({
            "parscale_py/__init__.py": "",
            "parscale_py/stats.py": "from . import schema\n",
            "parscale_py/schema.py": "def f():\n    from .render import plots\n",
            "parscale_py/render/__init__.py": "",
            "parscale_py/render/plots.py": "from .. import stats\nfrom ..commands import sweep\n",
            "parscale_py/commands/__init__.py": "",
            "parscale_py/commands/sweep.py": "from parscale_studies import gil_real\n",
            "parscale_studies/__init__.py": "",
            "parscale_studies/gil_real.py": "from parscale_py import stats\n",
        })
        self.assertEqual(cycles(edges), [["parscale_py.commands.sweep",
                                          "parscale_py.render.plots", "parscale_py.schema",
                                          "parscale_py.stats", "parscale_studies.gil_real"]])
        self.assertEqual(violations(edges), [
            "parscale_py.commands.sweep imports parscale_studies.gil_real (line 1): "
            "commands may import commands, cpython, library, render only",
            "parscale_py.render.plots imports parscale_py.commands.sweep (line 2): "
            "render may import library, render only",
            "parscale_py.schema imports parscale_py.render.plots (line 2): "
            "library may import library only"])


if __name__ == "__main__":
    unittest.main()
