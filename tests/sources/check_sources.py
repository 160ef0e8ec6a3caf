#!/usr/bin/env python3
"""check_sources.py SOURCE_DIR -- the C sources of harness/ and kernels/
held to three rules of structure:

  (a) no include cycle: a module (x.c, x.h and x.c.in are the module x)
      never reaches itself through #include "..." lines;
  (b) no header includes the header of a higher layer (LAYERS below);
  (c) a function named after a module is defined in that module: ps_NAME
      and ps_NAME_* belong to NAME.c (or to the files PREFIXES gives NAME;
      the longest matching prefix decides).  Names whose prefix is no
      module (ps_fail, ps_now) are free.

Then the same checks run on copies of the tree, each with one violation
added, and every one of them must be reported: a check that cannot fail
fails.  Exit 0 when the tree is clean, 1 otherwise, with one line per
problem.  Python 3 standard library only.
"""
import fnmatch
import os
import re
import shutil
import sys
import tempfile

# The layers, lowest first.  A header may include headers of its own layer
# or below.  A module is placed by the first pattern it matches; kernels/
# is one layer whatever its files are called, so that a kernel stays one
# file and a backend (backend_NAME.c) needs no entry here.
LAYERS = [
    ("kernels", "the contract (kernel.h), its helpers and the kernels",
     ["kernels/*"]),
    ("util", "leaves: errors, parsing, clocks, signals, files, threads, "
             "the launcher's environment, OpenMP's wait policy, the watchdog",
     ["util", "timer", "interrupt", "infile", "launch_env", "threads",
      "wait_policy", "watchdog"]),
    ("stats/csv", "facts and records: statistics, the stopping rule, "
                  "disturbance, the CSV, the machine, the hosts, kernel "
                  "lookups, the GIL and the event loop",
     ["stats", "stopping", "disturb", "csv_columns", "csv", "cpu_ident",
      "sysinfo", "hosts", "kernel_lib", "kernel_registry", "gil", "evloop"]),
    ("backends", "the backend contract, its registry, the backends and what "
                 "they share (OpenMP teams, MPI, placement)",
     ["backend", "backend_*", "omp_team", "mpi_env", "placement"]),
    ("plan", "the options and the plan built from them",
     ["options", "check_args", "calibrate", "plan", "plan_agree",
      "plan_limits"]),
    ("measure", "the measuring loop and the reporters",
     ["measure", "report", "report_*"]),
    ("runner", "one run: facts, reporters, the loop", ["runner"]),
    ("cli", "the subcommands and main()", ["cli", "main"]),
]

# Prefixes that are not a file's name, and the files that own them: a
# file's short name, or a layer's contract whose functions live in more
# than one file.  One line of reason each.
PREFIXES = {
    "run": (["runner"], "runner.c's one entry point is the verb ps_run"),
    "mpi": (["mpi_env"], "every MPI call of the harness is mpi_env's"),
    "launch": (["launch_env"], "the launcher's environment"),
    "loop": (["evloop"], "the event loop's functions are ps_loop_*"),
    "limits": (["plan_limits"], "the plan's limits"),
    "warnings": (["report_warnings"], "the warnings reporters carry"),
    "report": (["report_console"],
               "report.h is the reporters' shared header; the console "
               "defines the speedup the others print"),
    "backend": (["backend_registry"],
                "backend.h is the contract; functions over all backends "
                "are the registry's"),
    "kernel": (["kernel_util", "kernel_lib", "kernel_registry",
                "backend_common"],
               "kernel.h is the contract: its helpers (kernel_util), "
               "loaded and built-in kernels (kernel_lib, kernel_registry), "
               "and ps_kernel_span, which kernel.h names for the backends"),
}

SUFFIXES = (".c.in", ".c", ".h")
INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"', re.M)
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')
DEFINITION = re.compile(r"^([A-Za-z_][\w \t*]*?)\b(ps_\w+)[ \t]*\(", re.M)


def split_name(name):
    for suf in SUFFIXES:
        if name.endswith(suf):
            return name[: -len(suf)], suf
    return None, None


def load(root):
    """{path: (module, suffix, text)} for every C file of harness/, kernels/."""
    files = {}
    for d in ("harness", "kernels"):
        for name in sorted(os.listdir(os.path.join(root, d))):
            mod, suf = split_name(name)
            if mod is None:
                continue
            with open(os.path.join(root, d, name), encoding="utf-8") as f:
                files[d + "/" + name] = (mod, suf, f.read())
    return files


def layer_of(path, mod):
    for i, (_, _, patterns) in enumerate(LAYERS):
        for p in patterns:
            if "/" in p and fnmatch.fnmatch(path, p):
                return i
            if "/" not in p and path.startswith("harness/") and fnmatch.fnmatch(mod, p):
                return i
    return None


def check(root):
    files = load(root)
    problems = []
    modules = {}
    for path, (mod, _, _) in files.items():
        d = path.split("/")[0]
        if modules.setdefault(mod, d) != d:
            problems.append("%s: module %s is in both harness/ and kernels/" % (path, mod))
    graph = {m: set() for m in modules}
    for path, (mod, suf, text) in files.items():
        for inc in INCLUDE.findall(text):
            target, tsuf = split_name(os.path.basename(inc))
            if tsuf != ".h" or target not in modules:
                problems.append('%s: includes "%s", no header of harness/ or kernels/'
                                % (path, inc))
                continue
            if target == mod:
                continue
            graph[mod].add(target)
            if suf == ".h":  # (b)
                lm, lt = layer_of(path, mod), layer_of(
                    "%s/%s.h" % (modules[target], target), target)
                if lm is not None and lt is not None and lt > lm:
                    problems.append('%s: includes "%s", a header of a higher layer '
                                    "(%s above %s)" % (path, inc, LAYERS[lt][0],
                                                       LAYERS[lm][0]))
    for path, (mod, _, _) in files.items():
        if layer_of(path, mod) is None:
            problems.append("%s: module %s is in no layer of check_sources.py's "
                            "LAYERS" % (path, mod))
    # (a): a depth-first walk; a grey module met again closes a cycle
    state, stack, cycles = {}, [], set()

    def walk(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                cyc = stack[stack.index(t):] + [t]
                key = frozenset(cyc)
                if key not in cycles:
                    cycles.add(key)
                    problems.append("include cycle: " + " -> ".join(cyc))
            elif t not in state:
                walk(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            walk(m)
    # (c)
    owners = {m: [m] for m in modules}
    for prefix, (files_, _) in PREFIXES.items():
        owners[prefix] = files_
    for path, (mod, suf, text) in files.items():
        if suf == ".h":
            continue
        code = STRING.sub('""', COMMENT.sub(" ", text))
        for m in DEFINITION.finditer(code):
            head, fn = m.group(1), m.group(2)
            if re.search(r"\b(static|typedef|extern|return)\b", head):
                continue
            # a definition: the parameter list is followed by a body
            depth, i = 0, m.end() - 1
            while i < len(code):
                depth += {"(": 1, ")": -1}.get(code[i], 0)
                i += 1
                if depth == 0:
                    break
            if not code[i:].lstrip().startswith("{"):
                continue
            name = fn[3:]
            keys = [k for k in owners if name == k or name.startswith(k + "_")]
            if not keys:
                continue
            key = max(keys, key=len)
            if mod not in owners[key]:
                problems.append("%s: defines %s, whose prefix ps_%s belongs to %s"
                                % (path, fn, key, ", ".join(o + ".c" for o in owners[key])))
    return problems


# One violation of each rule, added to a copy of the tree: (file, text
# appended, what the report must mention).
MUTATIONS = [
    ("harness/util.h", '\n#include "runner.h"\n', "include cycle"),
    ("harness/timer.h", '\n#include "plan.h"\n', "higher layer"),
    ("harness/sysinfo.c", "\nint ps_hosts_extra(void);\nint ps_hosts_extra(void)\n"
     "{\n    return 0;\n}\n", "ps_hosts_extra"),
    ("harness/options.c", "\nvoid ps_run_extra(void);\nvoid ps_run_extra(void)\n{\n}\n",
     "ps_run_extra"),
]


def self_test(root):
    failures = []
    for path, extra, expect in MUTATIONS:
        tmp = tempfile.mkdtemp(prefix="check_sources.")
        try:
            for d in ("harness", "kernels"):
                shutil.copytree(os.path.join(root, d), os.path.join(tmp, d))
            with open(os.path.join(tmp, path), "a", encoding="utf-8") as f:
                f.write(extra)
            found = [p for p in check(tmp) if expect in p]
            if not found:
                failures.append("self-test: %s with %r added was not reported (%s)"
                                % (path, extra.strip(), expect))
        finally:
            shutil.rmtree(tmp)
    return failures


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: check_sources.py SOURCE_DIR\n")
        return 2
    root = argv[1]
    problems = check(root) + self_test(root)
    for p in problems:
        print(p)
    if not problems:
        print("sources: no include cycle, no header above its layer, every "
              "module's prefix in its module (and each rule caught its "
              "violation)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
