"""How numbers, times and tables are printed, for every table, chart label
and line of the user commands.

Times go through `seconds` alone: a value in seconds with its unit.  Plain
numbers through `fnum`; Markdown tables through `md_table`.

Numbers printed with their intervals, rounded together: the point and
both ends get one number of decimals (enough for `digits` significant
digits of the point, and of the largest), the lower end rounded down, the upper end up and
the point to the nearest, so a point inside its interval is printed inside
it, never "1.01x [0.92, 1]".  Every report sentence and cell that shows a
point with its interval goes through here.
"""
import math
from decimal import Decimal, ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN


def _places(v, digits):
    return digits - 1 - int(math.floor(math.log10(abs(v))))


def _decimals(values, digits, point=None):
    """Decimals for `digits` significant digits of the point (of the
    largest value when there is no point), and no fewer than the largest
    needs; at most 3 more than that, however small the point."""
    known = [abs(v) for v in values if v is not None and math.isfinite(v) and v != 0]
    wide = max(0, _places(max(known), digits)) if known else 0
    if point is None or not math.isfinite(point) or point == 0:
        return wide
    return max(wide, min(max(0, _places(point, digits)), wide + 3))


def _fmt(v, places, rounding):
    if v is None or not math.isfinite(v):
        return "?"
    q = Decimal(repr(float(v))).quantize(Decimal(1).scaleb(-places), rounding=rounding)
    if q == 0:
        q = abs(q)   # no "-0.00"
    return "{:f}".format(q)


def with_interval(point, lo, hi, digits=3):
    """(point, lo, hi) as text, rounded together (see the module)."""
    places = _decimals([point, lo, hi], digits, point)
    return (_fmt(point, places, ROUND_HALF_EVEN), _fmt(lo, places, ROUND_FLOOR),
            _fmt(hi, places, ROUND_CEILING))


def interval(lo, hi, digits=3, point=None):
    """"[lo, hi]" rounded outward at the decimals the point (if given) and
    both ends share."""
    places = _decimals([point, lo, hi], digits, point)
    return "[%s, %s]" % (_fmt(lo, places, ROUND_FLOOR), _fmt(hi, places, ROUND_CEILING))


def point_and_interval(point, lo, hi, digits=3, sep=" "):
    """"1.01 [0.92, 1.02]"."""
    p, a, b = with_interval(point, lo, hi, digits)
    return "%s%s[%s, %s]" % (p, sep, a, b)


# ---- times, plain numbers and tables ----------------------------------------

UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0,
         "days": 86400.0}
_SHORT = ((1.0, "s"), (1e-3, "ms"), (1e-6, "us"))          # below: ns
_SPAN = ((36 * 3600.0, "days", 0), (90 * 60.0, "h", 1), (90.0, "min", 0))   # below: s


def seconds(v, digits=4, unit=None, places=None, span=False):
    """Seconds as text with their unit, "-" for None: the one formatter of
    times.

    The unit is `unit` when given; else the largest of s, ms and us that
    |v| reaches (ns below a microsecond): "210 ms", "4.2 us".  With span (how
    long a session lasted, how far apart two runs are) it is s up to 90 s,
    min up to 90 min, h up to 36 h, then days, in whole units (hours to one
    decimal): "40 s", "4 min", "2.5 h", "3 days".
    The figure has `digits` significant digits, or `places` decimals when
    given ("12.34 ms" with unit="ms", places=2)."""
    if v is None:
        return "-"
    if unit is None and span:
        unit, p = next(((u, p) for lim, u, p in _SPAN if v >= lim), ("s", 0))
        places = p if places is None else places
    elif unit is None:
        unit = next((u for lim, u in _SHORT if abs(v) >= lim), "ns")
    x = v / UNITS[unit]
    if places is not None:
        return "%.*f %s" % (places, x, unit)
    return "%.*g %s" % (digits, x, unit)


def fnum(v, digits=4):
    """A plain number to `digits` significant digits; "-" for None."""
    if v is None:
        return "-"
    if v == 0:
        return "0"
    return "%.*g" % (digits, v)


def md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(header, rows, align):
    """A table as Markdown lines; align: "r" for a right-aligned column."""
    return ["| " + " | ".join(md_cell(h) for h in header) + " |",
            "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"] + \
        ["| " + " | ".join(md_cell(c) for c in r) + " |" for r in rows]
