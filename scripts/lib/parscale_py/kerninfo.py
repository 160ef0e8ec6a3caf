"""What each kernel does per index (flops, bytes), for the roofline.

The numbers live in the kernels' tables (kernels/*.c); the scripts ask the
binary (`parscale list --json`) instead of keeping a second copy.  The sweep
saves that answer as kernels.json beside the CSV, so charts can be made
later, elsewhere, without the binary.
"""
import json
import os
import subprocess
from pathlib import Path

KERNELS_JSON = "kernels.json"


def parse(text):
    """Accepts a list of kernel objects, or an object holding one under
    "kernels"; returns {name: object}."""
    obj = json.loads(text)
    if isinstance(obj, dict):
        obj = obj.get("kernels", [])
    if not isinstance(obj, list):
        raise ValueError("expected a JSON list of kernels")
    out = {}
    for k in obj:
        if isinstance(k, dict) and k.get("name"):
            out[str(k["name"])] = k
    return out


def backends_from(text):
    """Backend names when `parscale list --json` lists them, else None."""
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if isinstance(obj, dict) and isinstance(obj.get("backends"), list):
        return [b["name"] if isinstance(b, dict) else str(b) for b in obj["backends"]]
    return None


def from_binary(parscale):
    """Runs `parscale list --json`; (text, None) or (None, why not)."""
    try:
        out = subprocess.run([str(parscale), "list", "--json"], capture_output=True,
                             text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "cannot run %s list --json: %s" % (parscale, e)
    if out.returncode != 0:
        return None, "%s list --json failed (status %d): %s" % (
            parscale, out.returncode, out.stderr.strip().splitlines()[-1:] or "")
    try:
        parse(out.stdout)
    except ValueError as e:
        return None, "%s list --json printed no kernel list (%s)" % (parscale, e)
    return out.stdout, None


def find(csv_path, kernels_json=None, parscale=None):
    """The kernel table from, in order: an explicit kernels.json, the binary
    (--parscale or $PARSCALE), kernels.json beside the CSV.
    Returns ({name: obj}, source) or ({}, why none)."""
    tried = []
    if kernels_json:
        try:
            return parse(Path(kernels_json).read_text(encoding="utf-8")), str(kernels_json)
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
            return parse(beside.read_text(encoding="utf-8")), str(beside)
        except (OSError, ValueError) as e:
            tried.append("%s: %s" % (beside, e))
    else:
        tried.append("no %s beside the CSV and no --parscale binary" % KERNELS_JSON)
    return {}, "; ".join(tried)
