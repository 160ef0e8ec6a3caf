#!/usr/bin/env python3
"""The report as a reader sees it: rendered by headless Chromium.

    browser_check.py OUTDIR            the fixture's report, checked (the test)
    browser_check.py OUTDIR --page P   any report.html, checked the same way

Makes the fixture's report (embedded and --linked), opens each page in
headless Chromium with a checker script added, and reads what the checker
wrote into the DOM (--dump-dom): the summary table comes first and, in a
1280x1000 window, it and the heatmap are above the fold; every image decodes
(naturalWidth > 0); every contents link lands on a visible element (folded
detail opens); no literal ** and no unfilled format text remains.  Then the
same checks on three broken copies (an image that does not decode, a ** left
in the text, a contents link to nowhere), each of which must be caught, and
a 1280x1000 screenshot into OUTDIR.

Last, `parscale run --export-markdown` (with PARSCALE set): its Markdown
made into HTML as a GitHub-style renderer reads it (a table is a header,
an alignment row and rows of as many cells), opened in Chromium, and its
one table held to the JSON export's configurations, row for row.

Exit 0 when all holds, 1 when not, 77 (skipped) when there is no Chromium.
"""
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from helpers import make_fixture, run_script  # noqa: E402

SKIP = 77
WINDOW = (1280, 1000)
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# No network here: without these Chromium waits on lookups and updates.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars", "--window-size=%d,%d" % WINDOW]

# Runs after the page has loaded (every image fetched and decoded or failed)
# and writes its findings into the DOM as JSON.  The checker opens no folded
# section itself: it closes them all and follows each link as a click would
# (the browser, or the page's script, must open the one the link leads into).
CHECKER = r"""
<script>
window.addEventListener('load', function () {
  var problems = [], info = {};
  var H = window.innerHeight;
  info.viewport = [window.innerWidth, H];
  var first = document.querySelector('table');
  if (!first || first.id !== 'summary-table')
    problems.push('the first table is not the summary table (' + (first ? first.id || 'no id' : 'none') + ')');
  var h2 = document.querySelector('h2');
  if (!h2 || h2.id !== 'summary')
    problems.push('the first section is not the summary (' + (h2 ? h2.textContent : 'none') + ')');
  var heat = document.querySelector('#summary-heatmap img');
  if (!heat) problems.push('no summary heatmap');
  [['summary table', first], ['heatmap', heat]].forEach(function (p) {
    if (!p[1]) return;
    var r = p[1].getBoundingClientRect();
    info[p[0]] = [Math.round(r.top), Math.round(r.bottom)];
    if (r.bottom > H + 1 || r.height <= 0)
      problems.push(p[0] + ' is not above the fold: bottom at ' + Math.round(r.bottom) + ' of ' + H);
  });
  var imgs = document.querySelectorAll('img');
  info.images = imgs.length;
  imgs.forEach(function (im) {
    if (!im.complete || im.naturalWidth === 0)
      problems.push('image does not decode: ' + (im.alt || im.src.slice(0, 60)));
  });
  var links = document.querySelectorAll('nav.toc a');
  info.toc_links = links.length;
  if (links.length === 0) problems.push('no contents links');
  links.forEach(function (a) {
    var id = decodeURIComponent((a.getAttribute('href') || '').replace(/^#/, ''));
    var el = document.getElementById(id);
    if (!el) { problems.push('contents link to nothing: #' + id); return; }
    document.querySelectorAll('details').forEach(function (d) { d.open = false; });
    location.hash = '#' + id;
    if (typeof psOpen === 'function') psOpen();
    if (el.getClientRects().length === 0)
      problems.push('contents link lands on a hidden element: #' + id);
  });
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  var body = document.body.cloneNode(true);
  body.querySelectorAll('script,style').forEach(function (s) { s.remove(); });
  var text = body.textContent;
  var star = '*' + '*';
  if (text.indexOf(star) >= 0) {
    var i = text.indexOf(star);
    problems.push('literal ' + star + ' in the text: "' + text.slice(Math.max(0, i - 30), i + 30) + '"');
  }
  var tmpl = text.match(/%[-+#0]*\d*(?:\.\d+)?[sdgfr]\b|%\(\w+\)|\{\{|\}\}|\$\{/);
  if (tmpl) problems.push('unfilled template text: ' + tmpl[0]);
  info.bytes = document.documentElement.outerHTML.length;
  var pre = document.createElement('pre');
  pre.id = 'ps-check';
  pre.textContent = JSON.stringify({problems: problems, info: info});
  document.body.appendChild(pre);
});
</script>
"""


def find_browser():
    env = os.environ.get("CHROMIUM")
    if env:
        return env if shutil.which(env) else None
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium(browser, args, profile_root):
    """One headless Chromium run with a fresh profile; its stdout."""
    profile = tempfile.mkdtemp(prefix="profile-", dir=profile_root)
    try:
        r = subprocess.run([browser] + FLAGS + ["--user-data-dir=" + profile] + args,
                           capture_output=True, text=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return r


def check(browser, page, work):
    """The checker's (problems, info) for one page (a copy is checked)."""
    page = Path(page)
    copy = page.with_name("check-" + page.name)
    text = page.read_text(encoding="utf-8")
    copy.write_text(text.replace("</body>", CHECKER + "</body>"), encoding="utf-8")
    r = chromium(browser, ["--virtual-time-budget=20000", "--dump-dom", copy.as_uri()], work)
    copy.unlink()
    m = re.search(r'<pre id="ps-check">(.*?)</pre>', r.stdout, re.S)
    if not m:
        return ["Chromium wrote no check result (status %d): %s"
                % (r.returncode, r.stderr.strip()[-400:])], {}
    found = json.loads(html.unescape(m.group(1)))
    return found["problems"], found["info"]


def broken_copies(page, work):
    """(name, path, what the checker must report) for each negative control."""
    text = Path(page).read_text(encoding="utf-8")
    out = []
    img = re.search(r'(<figure><img alt="[^"]*" src=")([^"]+)(")', text)
    if img:
        bad = text[:img.start(2)] + "data:image/png;base64,iVBORw0KGgoAAAA" + text[img.end(2):]
        out.append(("broken image", bad, "image does not decode"))
    para = text.index('<p class="legend">')
    out.append(("stray **", text[:para] + "<p>left **bold** here</p>" + text[para:],
                "literal **"))
    toc = re.search(r'<nav class="toc"[^>]*>.*?<a href="#([^"]+)"', text, re.S)
    if toc:
        out.append(("link to nowhere", text[:toc.start(1)] + "nowhere" + text[toc.end(1):],
                    "contents link to nothing"))
    paths = []
    for name, body, expect in out:
        p = Path(work) / ("broken-%s.html" % re.sub(r"\W+", "-", name).strip("-"))
        p.write_text(body, encoding="utf-8")
        paths.append((name, p, expect))
    return paths


def markdown_page(md):
    """The exported Markdown as HTML, read as a GitHub-style renderer reads
    it: headings, paragraphs with `code` and \* escapes, and pipe tables
    (header, alignment row, rows of as many cells, or it is not a table)."""
    def inline(t):
        t = html.escape(t).replace("\\*", "*")
        return re.sub(r"`([^`]*)`", r"<code>\1</code>", t)

    def cells(line):
        return [c.strip() for c in line.strip().strip("|").split("|")]

    out, lines, i = [], md.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|") and i + 1 < len(lines) and \
                re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[i + 1].strip()):
            head = cells(line)
            if len(cells(lines[i + 1])) != len(head):
                raise ValueError("alignment row of %d cells under a header of %d"
                                 % (len(cells(lines[i + 1])), len(head)))
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                row = cells(lines[i])
                if len(row) != len(head):
                    raise ValueError("table row of %d cells under a header of %d: %s"
                                     % (len(row), len(head), lines[i]))
                rows.append(row)
                i += 1
            out.append("<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table>" % (
                "".join("<th>%s</th>" % inline(c) for c in head),
                "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % inline(c) for c in r)
                        for r in rows)))
            continue
        m = re.match(r"(#+) (.*)", line)
        if m:
            out.append("<h%d>%s</h%d>" % (len(m.group(1)), inline(m.group(2)), len(m.group(1))))
        elif line.strip():
            out.append("<p>%s</p>" % inline(line))
        i += 1
    return "<!doctype html><html><body>%s</body></html>" % "\n".join(out)


EXPORT_CHECK = r"""
<script>
window.addEventListener('load', function () {
  var t = document.querySelectorAll('table'), rows = [];
  if (t.length === 1)
    t[0].querySelectorAll('tbody tr').forEach(function (tr) {
      var c = tr.querySelectorAll('td');
      rows.push([c[0].textContent, c[2].textContent, c[3].textContent, c.length,
                 tr.getBoundingClientRect().height > 0]);
    });
  var pre = document.createElement('pre');
  pre.id = 'ps-check';
  pre.textContent = JSON.stringify({tables: t.length, rows: rows,
                                    head: t.length ? t[0].querySelectorAll('th').length : 0});
  document.body.appendChild(pre);
});
</script>
"""


def check_export(browser, work):
    """--export-markdown rendered: [problems] (none when it holds)."""
    exe = os.environ.get("PARSCALE")
    if not exe or not os.access(exe, os.X_OK):
        return ["no parscale binary in $PARSCALE for the export check"]
    md, js = work / "export.md", work / "export.json"
    r = subprocess.run([exe, "run", "-k", "pi", "-b", "seq,gil", "-w", "1,2", "-s", "test",
                        "-r", "6", "-q", "--export-markdown", str(md), "--export-json", str(js),
                        "--csv", str(work / "export.csv")], capture_output=True, text=True)
    if r.returncode != 0:
        return ["parscale run --export-markdown failed: %s" % r.stderr.strip()[-300:]]
    try:
        page_text = markdown_page(md.read_text(encoding="utf-8"))
    except ValueError as e:
        return ["the exported Markdown is no table: %s" % e]
    page = work / "export.html"
    page.write_text(page_text.replace("</body>", EXPORT_CHECK + "</body>"), encoding="utf-8")
    out = chromium(browser, ["--virtual-time-budget=5000", "--dump-dom", page.as_uri()], work)
    m = re.search(r'<pre id="ps-check">(.*?)</pre>', out.stdout, re.S)
    if not m:
        return ["Chromium wrote no result for the export (status %d)" % out.returncode]
    found = json.loads(html.unescape(m.group(1)))
    want = [[c["kernel"], c["backend"], str(c["workers"])]
            for c in json.loads(js.read_text())["configs"]]
    got = [row[:3] for row in found["rows"]]
    problems = []
    if found["tables"] != 1:
        problems.append("the export renders %d tables, not 1" % found["tables"])
    if sorted(got) != sorted(want):
        problems.append("the export's rows %s are not the JSON's configurations %s"
                        % (got, want))
    if any(row[3] != found["head"] or not row[4] for row in found["rows"]):
        problems.append("an export row has another cell count than its header, or no height")
    print("export page: %d rows of %d cells, as the JSON's %d configurations"
          % (len(got), found["head"], len(want)))
    return problems


def main(argv):
    args = list(argv)
    if not args:
        print("usage: browser_check.py OUTDIR [--page report.html]", file=sys.stderr)
        return 2
    out = Path(args[0]).resolve()
    browser = find_browser()
    if browser is None:
        print("SKIP: no Chromium (%s, or $CHROMIUM) on PATH; scripts/setup installs "
              "Debian's chromium" % ", ".join(BROWSERS))
        return SKIP
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    work = out / "work"
    work.mkdir()
    failures = []
    if "--page" in args:
        pages = [("given", Path(args[args.index("--page") + 1]).resolve())]
    else:
        csv = make_fixture(out / "in")
        for name, extra in (("embedded", []), ("linked", ["--linked"])):
            r = run_script("report", csv, "--out", out / name, *extra)
            if r.returncode != 0:
                print("FAIL: scripts/report %s: %s" % (" ".join(extra), r.stderr.strip()))
                return 1
        pages = [("embedded", out / "embedded" / "report.html"),
                 ("linked", out / "linked" / "report.html")]
    for name, page in pages:
        problems, info = check(browser, page, work)
        print("%s page (%s, %d bytes): %s" % (name, page, page.stat().st_size,
                                               json.dumps(info, sort_keys=True)))
        for p in problems:
            print("  FAIL: " + p)
        failures += ["%s: %s" % (name, p) for p in problems]
    # The negative controls: each break must be caught, or the check is blind.
    for name, path, expect in broken_copies(pages[0][1], work):
        problems, _ = check(browser, path, work)
        caught = [p for p in problems if p.startswith(expect)]
        print("control %-16s %s" % (name + ":", "caught (%s)" % caught[0] if caught
                                    else "NOT CAUGHT; the checker said %s" % problems))
        if not caught:
            failures.append("the check does not see a %s" % name)
    if "--page" not in args:
        for p in check_export(browser, work):
            print("  FAIL: " + p)
            failures.append("export: " + p)
        # the control: a row cut short is no table
        try:
            markdown_page("| a | b |\n|---|---|\n| 1 |\n")
            failures.append("the Markdown reader takes a row cut short")
        except ValueError:
            print("control short row:      caught")
    shot = out / "screenshot.png"
    chromium(browser, ["--screenshot=%s" % shot, pages[0][1].as_uri()], work)
    if not shot.exists() or shot.stat().st_size < 10000:
        failures.append("no screenshot at %s" % shot)
    else:
        print("screenshot: %s (%dx%d window)" % (shot, *WINDOW))
    shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("FAILED: %d problem(s)" % len(failures))
        return 1
    print("ok: the report renders, every image decodes, every contents link lands")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
