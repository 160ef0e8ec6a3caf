"""What each kernel does per index (flops, bytes), for the roofline.

The numbers live in the kernels' tables (kernels/*.c); the scripts ask the
binary (`parscale list --json`) instead of keeping a second copy.  The sweep
saves that answer as kernels.json beside the CSV, so charts can be made
later, elsewhere, without the binary.
"""
import os
from pathlib import Path

from . import safeio
from .binary import list_json

KERNELS_JSON = "kernels.json"


def parse(text):
    """Accepts a list of kernel objects, or an object holding one under
    "kernels"; returns {name: object}."""
    obj = safeio.loads_json(text, "the kernel table")
    if isinstance(obj, dict):
        obj = obj.get("kernels", [])
    if not isinstance(obj, list):
        raise ValueError("expected a JSON list of kernels")
    out = {}
    for k in obj:
        if isinstance(k, dict) and k.get("name"):
            out[str(k["name"])] = k
    return out


def from_binary(parscale):
    """Runs `parscale list --json`; (text, None) or (None, why not)."""
    obj, text, why = list_json(parscale)
    if obj is None:
        return None, why
    try:
        parse(text)
    except ValueError as e:
        return None, "%s list --json printed no kernel list (%s)" % (parscale, e)
    return text, None


def find(csv_path, kernels_json=None, parscale=None):
    """The kernel table from, in order: an explicit kernels.json, the binary
    (--parscale or $PARSCALE), kernels.json beside the CSV.
    Returns ({name: obj}, source) or ({}, why none)."""
    tried = []
    if kernels_json:
        try:
            return parse(safeio.read_input(kernels_json, "kernels JSON", error=ValueError)
                         .decode("utf-8")), str(kernels_json)
        except (OSError, ValueError) as e:
            tried.append("%s: %s" % (kernels_json, e))
    binary = parscale or os.environ.get("PARSCALE")
    if binary:
        text, why = from_binary(binary)
        if text:
            return parse(text), "%s list --json" % binary
        tried.append(why)
    beside = Path(csv_path).resolve().parent / KERNELS_JSON
    if beside.exists():
        try:
            return parse(safeio.read_input(beside, "kernels JSON", error=ValueError)
                         .decode("utf-8")), str(beside)
        except (OSError, ValueError) as e:
            tried.append("%s: %s" % (beside, e))
    else:
        tried.append("no %s beside the CSV and no --parscale binary" % KERNELS_JSON)
    return {}, "; ".join(tried)
