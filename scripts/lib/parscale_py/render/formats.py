"""The chart formats every command writes, and the check of a --format
value: here, without matplotlib, so that a command can parse its options
(scripts/sweep --no-charts, say) on a machine that cannot draw."""
import argparse

from ..analysis import DataError

FORMATS = ("png", "svg", "pdf")


def check_formats(formats):
    """The formats asked for, in order and each once, png among them (the
    one pages show); a DataError names any other."""
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise DataError("unknown chart format %s: choose from %s"
                        % (", ".join(map(repr, bad)) or "(none given)", ", ".join(FORMATS)))
    if "png" not in formats:
        raise DataError("the chart formats must include png (reports and summaries show it)")
    return tuple(["png"] + [f for f in dict.fromkeys(formats) if f != "png"])


def arg(text):
    """--format's value as argparse takes it: the formats, checked."""
    try:
        return check_formats(text.split(","))
    except DataError as e:
        raise argparse.ArgumentTypeError(str(e))
