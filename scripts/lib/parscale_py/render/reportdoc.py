"""The report's document model, written once and rendered twice: Markdown
(report.md) and one HTML page (report.html).

Text in paragraphs, list items and table cells is a small Markdown subset:
`code`, **bold** and [links](#anchor); both renderers understand it, so the
HTML never shows a raw marker.  Blocks that only HTML can fold (a kernel's
detail, a long list of configurations) are folded there with <details>;
Markdown shows the detail in place and moves long lists to an appendix.

Charts go into the page in one of two ways: embedded (the default: one
self-contained file; each chart as whichever is smaller of its SVG,
minified, and its PNG reduced to a 64-colour palette) or linked (the page
refers to the SVG files beside it).
"""
import base64
import html
import io
import re
import urllib.parse
from pathlib import Path

from ..numfmt import md_table

CSS = """
body{font-family:system-ui,sans-serif;max-width:78em;margin:1em auto;padding:0 1em;color:#111;
 line-height:1.4}
h1{font-size:1.5em;margin:.3em 0}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0 1em}
td,th{border:1px solid #bbb;padding:.2em .45em;font-size:.88em;vertical-align:top}
th{background:#eee}td.r{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:.5em 0}img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:.85em;color:#444}code{background:#f4f4f4;padding:0 .15em}
.lead{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
.lead figure{flex:1 1 20em;max-width:29em;margin:0}
table.summary{margin:0}table.summary td,table.summary th{font-size:.82em}
table.summary td{font-variant-numeric:tabular-nums;white-space:nowrap;text-align:right}
table.summary th[scope=row]{text-align:left}
table.summary small{color:#333}
.mk{font-size:1.05em}
.legend{font-size:.85em;color:#333;margin:.2em 0}
.figs{display:flex;flex-wrap:wrap;gap:.8em}.figs figure{flex:1 1 26em;max-width:40em}
details{margin:.4em 0}details>summary{cursor:pointer}
details.kernel{border:1px solid #ddd;border-radius:4px;padding:.2em .8em}
details.kernel>summary h3{display:inline;font-size:1.15em}
.toc ul{margin:.2em 0}.toc li{margin:.1em 0}
.top{font-size:.85em}.muted{color:#555;font-size:.9em}
a.jump{position:fixed;top:.5em;right:.8em;background:#fff;border:1px solid #bbb;
 padding:.1em .5em;font-size:.85em;text-decoration:none}
@media print{a.jump{display:none}}
"""

# Opens the <details> around the element a link leads to, so a link into
# folded detail lands on something visible.
SCRIPT = """
function psOpen(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;
var e=document.getElementById(id);
for(var d=e;d;d=d.parentElement){if(d.tagName==='DETAILS')d.open=true;}
if(e)e.scrollIntoView();}
window.addEventListener('hashchange',psOpen);window.addEventListener('load',psOpen);
"""

_INLINE = re.compile(r"`([^`]*)`|\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)\s]+)\)")


def inline_html(text):
    """The Markdown subset as HTML; everything else escaped."""
    text = str(text)
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append("<code>%s</code>" % html.escape(m.group(1)))
        elif m.group(2) is not None:
            out.append("<strong>%s</strong>" % inline_html(m.group(2)))
        else:
            out.append('<a href="%s">%s</a>' % (html.escape(m.group(4), quote=True),
                                                inline_html(m.group(3))))
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def relpath(path, base):
    try:
        return Path(path).resolve().relative_to(Path(base).resolve()).as_posix()
    except ValueError:
        import os
        return Path(os.path.relpath(Path(path).resolve(), Path(base).resolve())).as_posix()


class Rich:
    """A table cell that renders differently: Markdown text, HTML, a class
    ("row" makes it the row's header) and a style."""

    def __init__(self, md, html_text, cls=None, style=None):
        self.md, self.html, self.cls, self.style = md, html_text, cls, style

    def __str__(self):
        return self.md


class Doc:
    """Blocks in order; markdown() and html() render them."""

    def __init__(self):
        self.blocks = []

    def h(self, level, text, anchor=None):
        self.blocks.append(("h", level, text, anchor))

    def p(self, text, cls=None):
        self.blocks.append(("p", text, cls))

    def ul(self, items):
        if items:
            self.blocks.append(("ul", list(items)))

    def table(self, header, rows, align=None, anchor=None, cls=None):
        self.blocks.append(("table", header, rows, align or ["l"] * len(header), anchor, cls))

    def img(self, caption, path, anchor=None):
        self.blocks.append(("img", caption, Path(path), anchor))

    def figs(self, items):
        """Charts side by side: [(caption, png path)]."""
        if items:
            self.blocks.append(("figs", [(c, Path(p)) for c, p in items]))

    def lead(self):
        """Starts the side-by-side summary (table and heatmap); end_lead ends it."""
        self.blocks.append(("lead",))

    def end_lead(self):
        self.blocks.append(("end_lead",))

    def fold(self, anchor, title, note=""):
        """A kernel's detail: folded in HTML, a heading in Markdown."""
        self.blocks.append(("fold", anchor, title, note))

    def end_fold(self):
        self.blocks.append(("end_fold",))

    def warnings(self, items):
        """[(title, text, anchor, [configurations])]: a short list; the
        configurations go behind <details> (HTML) or to the appendix (Markdown)."""
        self.blocks.append(("warnings", list(items)))

    def toc(self, entries):
        """[(depth, text, anchor)]"""
        self.blocks.append(("toc", list(entries)))

    def top(self):
        self.blocks.append(("top",))

    def appendix(self):
        """Where Markdown puts the long lists of the warnings."""
        self.blocks.append(("appendix",))

    # ---- Markdown ------------------------------------------------------------

    def markdown(self, base):
        out, lists = [], []
        for b in self.blocks:
            kind = b[0]
            if kind == "h":
                if b[3]:
                    out.append('<a id="%s"></a>\n' % b[3])
                out.append("#" * b[1] + " " + b[2])
            elif kind == "p":
                out.append(b[1])
            elif kind == "ul":
                out.append("\n".join("- " + str(i) for i in b[1]))
            elif kind == "table":
                _, header, rows, align, anchor, _ = b
                if anchor:
                    out.append('<a id="%s"></a>\n' % anchor)
                out.append("\n".join(md_table(header, rows, align)))
            elif kind == "img":
                out.append("![%s](%s)" % (b[1], relpath(b[2], base)))
            elif kind == "figs":
                out.append("\n".join("![%s](%s)" % (c, relpath(p, base)) for c, p in b[1]))
            elif kind == "fold":
                out.append('<a id="%s"></a>\n\n### %s' % (b[1], b[2]))
                if b[3]:
                    out += ["", b[3]]
            elif kind == "warnings":
                items = []
                for title, text, anchor, configs in b[1]:
                    item = "- **%s**: %s" % (title, text)
                    if configs:
                        item += " The %d configuration%s: [appendix](#%s)." % (
                            len(configs), "" if len(configs) == 1 else "s", anchor)
                        lists.append((title, anchor, configs))
                    items.append(item)
                out.append("\n".join(items))
            elif kind == "toc":
                out.append("\n".join("%s- [%s](#%s)" % ("  " * d, t, a) for d, t, a in b[1]))
            elif kind == "top":
                out.append("[\u2191 top](#top)")
            elif kind == "appendix" and lists:
                out.append('<a id="appendix"></a>\n\n## Appendix: the configurations behind '
                           'the warnings\n')
                for title, anchor, configs in lists:
                    out.append('<a id="%s"></a>\n\n### %s\n' % (anchor, title))
                    out.append("\n".join("- " + c for c in configs) + "\n")
                out.append("[\u2191 top](#top)")
            else:
                continue
            out.append("")
        return "\n".join(out)

    # ---- HTML ----------------------------------------------------------------

    def html(self, title, images):
        """images: an Images, which says how each chart goes into the page."""
        out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
               '<meta name="viewport" content="width=device-width, initial-scale=1">',
               "<title>%s</title><style>%s</style><script>%s</script></head><body>"
               % (html.escape(title), CSS, SCRIPT),
               '<a class="jump" href="#contents">contents</a>']
        for b in self.blocks:
            kind = b[0]
            if kind == "h":
                ident = ' id="%s"' % b[3] if b[3] else ""
                out.append("<h%d%s>%s</h%d>" % (b[1], ident, inline_html(b[2]), b[1]))
            elif kind == "p":
                cls = ' class="%s"' % b[2] if b[2] else ""
                out.append("<p%s>%s</p>" % (cls, inline_html(b[1])))
            elif kind == "ul":
                out.append("<ul>" + "".join("<li>%s</li>" % inline_html(i) for i in b[1])
                           + "</ul>")
            elif kind == "table":
                out.append(_html_table(*b[1:]))
            elif kind == "img":
                out.append(images.figure(b[1], b[2], b[3]))
            elif kind == "figs":
                out.append('<div class="figs">' + "".join(images.figure(c, p)
                                                         for c, p in b[1]) + "</div>")
            elif kind == "lead":
                out.append('<div class="lead">')
            elif kind == "end_lead":
                out.append("</div>")
            elif kind == "fold":
                out.append('<details class="kernel" id="%s"><summary><h3>%s</h3> %s</summary>'
                           % (b[1], inline_html(b[2]),
                              '<span class="muted">%s</span>' % inline_html(b[3])
                              if b[3] else ""))
            elif kind == "end_fold":
                out.append("</details>")
            elif kind == "warnings":
                items = []
                for title, text, anchor, configs in b[1]:
                    li = "<li id=\"%s\"><strong>%s</strong>: %s" % (
                        anchor, inline_html(title), inline_html(text))
                    if configs:
                        li += ("<details><summary>the %d configuration%s</summary><ul>%s</ul>"
                               "</details>" % (len(configs), "" if len(configs) == 1 else "s",
                                               "".join("<li>%s</li>" % inline_html(c)
                                                       for c in configs)))
                    items.append(li + "</li>")
                out.append("<ul>" + "".join(items) + "</ul>")
            elif kind == "toc":
                out.append('<nav class="toc" aria-label="contents">' + _html_toc(b[1]) + "</nav>")
            elif kind == "top":
                out.append('<p class="top"><a href="#top">\u2191 top</a></p>')
        out.append("</body></html>")
        return "\n".join(out) + "\n"


def _html_table(header, rows, align, anchor, cls):
    attrs = (' id="%s"' % anchor if anchor else "") + (' class="%s"' % cls if cls else "")
    out = ["<table%s><thead><tr>" % attrs + "".join("<th>%s</th>" % inline_html(h)
                                                      for h in header) + "</tr></thead><tbody>"]
    for r in rows:
        cells = []
        for c, a in zip(r, align):
            if isinstance(c, Rich):
                tag = "th" if c.cls == "row" else "td"
                extra = ' scope="row"' if c.cls == "row" else (
                    ' class="%s"' % c.cls if c.cls else "")
                if c.style:
                    extra += ' style="%s"' % html.escape(c.style, quote=True)
                cells.append("<%s%s>%s</%s>" % (tag, extra, c.html, tag))
            else:
                cells.append("<td%s>%s</td>" % (' class="r"' if a == "r" else "",
                                                inline_html(str(c))))
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _html_toc(entries):
    out, depth = [], -1
    for d, text, anchor in entries:
        while depth < d:
            out.append("<ul>")
            depth += 1
        while depth > d:
            out.append("</li></ul>")
            depth -= 1
        if out and out[-1] != "<ul>":
            out.append("</li>")
        out.append('<li><a href="#%s">%s</a>' % (anchor, inline_html(text)))
    while depth >= 0:
        out.append("</li></ul>")
        depth -= 1
    return "".join(out)


# ---- charts in the page -------------------------------------------------------

class Images:
    """How charts go into the HTML: embedded (linked=False) or referenced
    relative to the page's directory (linked=True)."""

    def __init__(self, base, linked=False):
        self.base = Path(base)
        self.linked = linked
        self.bytes = 0          # what the embedded charts weigh in the page

    def figure(self, caption, png, anchor=None):
        ident = ' id="%s"' % anchor if anchor else ""
        return ('<figure%s><img alt="%s" src="%s"%s><figcaption>%s</figcaption></figure>'
                % (ident, html.escape(caption, quote=True), self.src(png),
                   ' loading="lazy"' if self.linked else "", html.escape(caption)))

    def src(self, png):
        png = Path(png)
        svg = png.with_suffix(".svg")
        if self.linked:
            return html.escape(relpath(svg if svg.exists() else png, self.base), quote=True)
        # The heatmap keeps its full palette: its colour scale would band.
        cands = [_png_uri(png, reduce=not png.name.startswith("summary-heatmap"))]
        if svg.exists():
            cands.append(_svg_uri(svg))
        best = min(cands, key=len)
        self.bytes += len(best)
        return html.escape(best, quote=True)


def _svg_uri(svg):
    """The SVG as a data: URI, minified: no metadata or comments, coordinates
    to 0.1 pt (below what a screen shows), no indentation."""
    text = svg.read_text(encoding="utf-8")
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"\d+\.\d{2,}", _short_number, text)
    text = re.sub(r">\s+<", "><", text)
    text = re.sub(r"\s*\n\s*", " ", text).strip()
    return "data:image/svg+xml," + urllib.parse.quote(text, safe=" /:=;,'()!*-._~<>?@[]{}+\"")


def _short_number(m):
    """Coordinates (10 and more) to one decimal; small numbers (glyph
    scales, line widths) keep four significant digits."""
    v = float(m.group(0))
    return ("%.1f" % v) if v >= 10 else ("%.4g" % v)


def _png_uri(png, reduce=True):
    """The PNG as a data: URI, reduced to a 64-colour palette when Pillow is
    there (charts have few colours; the reduction is not visible)."""
    data = png.read_bytes()
    if not reduce:
        return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    try:
        from PIL import Image
        with Image.open(io.BytesIO(data)) as im:
            buf = io.BytesIO()
            im.convert("RGB").quantize(64, method=Image.Quantize.MEDIANCUT).save(
                buf, "PNG", optimize=True)
            if buf.tell() < len(data):
                data = buf.getvalue()
    except (ImportError, OSError, ValueError):
        pass
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
