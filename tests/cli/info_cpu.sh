#!/usr/bin/env bash
# The CPU's identity in `parscale info` and in a run's metadata: what
# /proc/cpuinfo says (vendor, family, model, stepping, flags), and a
# fingerprint that is the same on every call and does not follow the
# moving "cpu MHz" reading.
. "$(dirname "$0")/lib.sh"
PY=$(command -v python3)

"$PARSCALE" info --json > "$WORK/a.json" || fail "info --json failed"
"$PARSCALE" info --json > "$WORK/b.json" || fail "info --json failed (second call)"
"$PARSCALE" info > "$WORK/info.txt" || fail "info failed"
"$PARSCALE" run -k null -b seq -s test -r 1 --warmup 0 -q --csv "$WORK/r.csv" >/dev/null \
  || fail "the run failed"

out=$("$PY" - "$WORK" <<'PYEOF'
import json, re, sys
w = sys.argv[1]
a = json.load(open(w + "/a.json")); b = json.load(open(w + "/b.json"))
meta = json.loads(open(w + "/r.csv.meta.jsonl").readline())
info = open(w + "/info.txt").read()
cpuinfo = open("/proc/cpuinfo").read().split("\n\n")[0]
def field(key):
    m = re.search(r"^%s\s*:\s*(.*)$" % re.escape(key), cpuinfo, re.M)
    return m.group(1).strip() if m else None
bad = []
def check(cond, what):
    if not cond:
        bad.append(what)
for k in ("cpu_vendor", "cpu_family", "cpu_model_id", "cpu_stepping", "isa", "base_mhz",
          "max_mhz", "cpuinfo_mhz", "hypervisor", "fingerprint"):
    check(k in a and k in meta, "%s missing from info --json or the metadata" % k)
check(re.fullmatch(r"[0-9a-f]{16}", a.get("fingerprint", "")), "fingerprint %r is not 16 hex digits" % a.get("fingerprint"))
check(a["fingerprint"] == b["fingerprint"] == meta["fingerprint"], "fingerprint differs between calls")
check("fingerprint " + a["fingerprint"] in info, "info's text does not show the fingerprint")
if field("vendor_id") is not None:
    check(a["cpu_vendor"] == field("vendor_id"), "vendor %r, cpuinfo %r" % (a["cpu_vendor"], field("vendor_id")))
    check(a["cpu_family"] == int(field("cpu family")), "family")
    check(a["cpu_model_id"] == int(field("model")), "model")
    check(a["cpu_stepping"] == int(field("stepping")), "stepping")
    flags = set((field("flags") or "").split())
    isa = a["isa"].split()
    check(all(f in flags for f in isa), "isa %s not all in cpuinfo flags" % isa)
    for f in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl"):
        check((f in flags) == (f in isa), "flag %s: cpuinfo %s, isa %s" % (f, f in flags, f in isa))
    check(("hypervisor" in flags) == bool(a["hypervisor"]), "hypervisor flag vs %r" % a["hypervisor"])
print("\n".join(bad) if bad else "ok")
PYEOF
)
[ "$out" = ok ] && pass || fail "$out"
finish
