#!/usr/bin/env bash
# The documentation against the code: docs/csv-schema.md documents every CSV
# column of harness/csv_columns.h and the binary writes exactly that header
# (and `parscale schema --json` lists exactly those columns);
# every relative link in the README and docs/ resolves (file and #anchor);
# every docs/ page is linked from the README; every path of this repository
# the pages name exists; and the README stays short.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
cols=$(grep -o 'PS_COL([a-z_0-9]*, *[A-Z]*, *"' "$top/harness/csv_columns.h" | sed 's/PS_COL(//; s/,.*//')
[ "$(printf '%s\n' $cols | wc -l)" -ge 14 ] && pass || fail "could not read the columns"
for c in $cols; do
  grep -q "^| \`$c\` |" "$top/docs/csv-schema.md" && pass \
    || fail "docs/csv-schema.md does not document column $c"
done
"$PARSCALE" run -k null -b seq -s test -r 1 --warmup 0 -q --csv "$WORK/h.csv" >/dev/null 2>&1
[ "$(head -n 1 "$WORK/h.csv")" = "$(printf '%s\n' $cols | paste -sd,)" ] && pass \
  || fail "the header written differs from csv_columns.h"
json_cols=$("$PARSCALE" schema --json | python3 -c 'import json, sys
print(",".join(c["name"] for c in json.load(sys.stdin)["columns"]))')
[ "$json_cols" = "$(printf '%s\n' $cols | paste -sd,)" ] && pass \
  || fail "parscale schema --json lists other columns than csv_columns.h"

lines=$(wc -l < "$top/README.md")
[ "$lines" -le 300 ] && pass || fail "README.md has $lines lines; keep it within 300 (move detail to docs/)"

# Pages the README links before they are written; take a page off this list
# when it lands, so that its links are checked too.
PENDING=""

out=$(python3 - "$top" "$PENDING" <<'PY'
import os, re, sys
top, pending = sys.argv[1], set(sys.argv[2].split())
pages = ["README.md", "results/README.md", "scripts/studies/README.md"] + \
    sorted("docs/" + f for f in os.listdir(os.path.join(top, "docs")) if f.endswith(".md"))
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
SPAN = re.compile(r"`([^`\n]+)`")
ROOTS = ("CMakeLists.txt", "kernels/", "harness/", "scripts/", "results/", "tests/",
         "docs/", "examples/", ".ci/")

def slugs(path):
    """GitHub's heading anchors of a Markdown file."""
    seen, out, fence = {}, set(), False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        if fence or not re.match(r"#{1,6} ", line):
            continue
        s = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        n = seen.get(s, 0)
        seen[s] = n + 1
        out.add(s if n == 0 else "%s-%d" % (s, n))
    return out

def repo_paths(text):
    """Paths of this repository named in code spans and code blocks."""
    words = [w for span in SPAN.findall(text) for w in span.split()]
    fence = False
    for line in text.splitlines():
        if line.startswith("```"):
            fence = not fence
        elif fence:
            words += line.split()
    for w in words:
        w = w.strip("'\"(),;:")
        if w.startswith(ROOTS) and not re.search(r"[<>*|$]|HOST|DATE|NAME|\.\.\.", w):
            yield w

linked = set()
for page in pages:
    text = open(os.path.join(top, page), encoding="utf-8").read()
    here = os.path.dirname(page)
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        rel = os.path.normpath(os.path.join(here, path)) if path else page
        if page == "README.md":
            linked.add(rel)
        if rel in pending:
            continue
        full = os.path.join(top, rel)
        if not os.path.exists(full):
            print("%s: link to %s: no such file" % (page, target))
        elif anchor and rel.endswith(".md") and anchor not in slugs(full):
            print("%s: link to %s: no heading #%s in %s" % (page, target, anchor, rel))
    for p in repo_paths(text):
        if not os.path.exists(os.path.join(top, p.rstrip("/"))):
            print("%s: names %s, which is not in the repository" % (page, p))
for page in pages:
    if page.startswith("docs/") and page not in linked:
        print("README.md: does not link %s" % page)
print("checked %d pages" % len(pages))
PY
)
printf '%s\n' "$out" | grep -q '^checked [0-9]* pages$' && pass || fail "the link check did not run"
while IFS= read -r line; do
  case "$line" in checked*) ;; *) fail "$line" ;; esac
done <<< "$out"
finish
