"""Numbers printed with their intervals, rounded together: the point and
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
