"""Checks a --export-json file against docs/summary-schema.json: with the
jsonschema package where it is installed, and always with the small subset
of JSON Schema that file uses (type, const, enum, required, properties,
additionalProperties, items, minItems, maxItems), so that the check runs
on a machine without the package too.  Prints each violation; exits 1 on
any.

    python3 summary_schema.py SCHEMA EXPORT
"""
import json
import sys

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool,
         "null": type(None), "number": (int, float), "integer": int}


def type_ok(v, t):
    if isinstance(v, bool) and t in ("number", "integer"):
        return False
    return isinstance(v, TYPES[t])


def check(v, s, where, out):
    if "type" in s:
        ts = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(type_ok(v, t) for t in ts):
            out.append("%s: %r is not %s" % (where, v, "/".join(ts)))
            return
    if "const" in s and v != s["const"]:
        out.append("%s: %r is not %r" % (where, v, s["const"]))
    if "enum" in s and v not in s["enum"]:
        out.append("%s: %r is not one of %s" % (where, v, s["enum"]))
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                out.append("%s: %s missing" % (where, k))
        props = s.get("properties", {})
        for k, x in v.items():
            if k in props:
                check(x, props[k], "%s.%s" % (where, k), out)
            elif s.get("additionalProperties") is False:
                out.append("%s: %s is not in the schema" % (where, k))
    if isinstance(v, list):
        if len(v) < s.get("minItems", 0) or len(v) > s.get("maxItems", len(v)):
            out.append("%s: %d items" % (where, len(v)))
        for i, x in enumerate(v):
            if "items" in s:
                check(x, s["items"], "%s[%d]" % (where, i), out)


def main():
    schema = json.load(open(sys.argv[1]))
    doc = json.load(open(sys.argv[2]))
    out = []
    check(doc, schema, "$", out)
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    if jsonschema is not None:
        for e in jsonschema.Draft202012Validator(schema).iter_errors(doc):
            out.append("jsonschema: %s" % e.message)
    for line in out:
        print(line)
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
