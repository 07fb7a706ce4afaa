#!/usr/bin/env python3
"""uapikit's bindings against Debian's bindgen, on every linux/*.h of Linux 6.12, in one run.

For each header:
  * bindgen (0.60, with the libclang it was built for) writes Rust bindings for
    x86_64, as a user runs it, with its layout tests (the default);
  * uapikit emits C++ bindings for all seven targets from one scan.

It reports
  1. how many headers each tool turns into bindings;
  2. on how many of the seven targets each one's layout checks hold. bindgen's
     tests assert the sizes, alignments and field offsets of the target it ran
     for; each asserted number is compared with the compiler's layout on every
     target (uapikit's scan manifest), and a header counts for a target when all
     of its asserted numbers hold there. uapikit's checks hold on a target when
     its header compiles there (the static_asserts are the checks; the test
     suite's all_headers_bindings.py compiles it for all seven);
  3. how many request numbers (_IO/_IOR/_IOW/_IOWR macros) each keeps.

Usage: bench/bindgen_compare.py [--gen build/gcc/generator/uapikit-gen] [-j 2]
Writes under build/bench-bindgen/ and prints a table (Markdown).
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "conformance", "bindings"))
import bindings_check as bc  # noqa: E402

SIZE = re.compile(r"::std::mem::size_of::<(\w+)>\(\),\s*(\d+)usize")
ALIGN = re.compile(r"::std::mem::align_of::<(\w+)>\(\),\s*(\d+)usize")
OFFSET = re.compile(r"MaybeUninit::<(\w+)>::uninit\(\);\s*let ptr = uninit.as_ptr\(\);\s*"
                    r"::std::ptr::addr_of!\(\(\*ptr\)\.(\w+)\) as usize - ptr as usize\s*\},\s*(\d+)usize")
CONST = re.compile(r"^pub const (\w+):", re.M)


def bindgen(header, tree, out):
    env = dict(os.environ, LIBCLANG_PATH="/usr/lib/llvm-14/lib")
    r = subprocess.run(["bindgen", os.path.join(tree, header), "-o", out, "--", "-x", "c", "-std=gnu11",
                        "--target=x86_64-linux-gnu", "-nostdlibinc", "-I", tree],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    return r.returncode == 0 and os.path.exists(out)


def checks(rust):
    """bindgen's asserted numbers: [(record, what, value)]."""
    out = [(m.group(1), "size", int(m.group(2))) for m in SIZE.finditer(rust)]
    out += [(m.group(1), "align", int(m.group(2))) for m in ALIGN.finditer(rust)]
    out += [(m.group(1), "." + m.group(2), int(m.group(3))) for m in OFFSET.finditer(rust)]
    return out


def holds(asserted, abi):
    records = {r["name"]: r for r in abi["records"]}
    for record, what, value in asserted:
        r = records.get(record)
        if r is None:
            continue  # bindgen's names for unnamed types; not comparable
        if what == "size" and r["size"] != value:
            return False
        if what == "align" and r["align"] != value:
            return False
        if what.startswith("."):
            f = next((f for f in r["fields"] if f["name"] == what[1:]), None)
            if f is not None and f["offset_bits"] != value * 8:
                return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gen", default=os.path.join(ROOT, "build", "gcc", "generator", "uapikit-gen"))
    ap.add_argument("--headers", default=os.path.join(ROOT, "build", "cache", "linux-6.12"))
    ap.add_argument("-j", "--jobs", type=int, default=2)
    a = ap.parse_args()
    out = os.path.join(ROOT, "build", "bench-bindgen")
    os.makedirs(os.path.join(out, "rs"), exist_ok=True)
    tree = os.path.join(a.headers, "x86", "include")
    headers = sorted("linux/" + f for f in os.listdir(os.path.join(tree, "linux")) if f.endswith(".h"))

    start = time.time()
    manifest_file = os.path.join(out, "manifest.json")
    manifest = bc.scan(a.gen, headers, [os.path.join(a.headers, "{arch}", "include")], manifest_file, keep_going=True,
                       jobs=a.jobs)
    scan_seconds = time.time() - start
    start = time.time()
    binding = os.path.join(out, "linux_6_12.hpp")
    bc.emit(a.gen, manifest_file, binding, "linux_6_12", all_files=True)
    emit_seconds = time.time() - start
    with open(binding) as f:
        emitted = f.read()

    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        done = dict(zip(headers, pool.map(lambda h: bindgen(h, tree, os.path.join(out, "rs", h.replace("/", "_") + ".rs")),
                                           headers)))
    bindgen_seconds = time.time() - start

    x86 = manifest["targets"]["x86_64-linux-gnu"]
    scan_failed = {e["header"] for e in x86["errors"]}
    targets = list(bc.TARGETS)
    bindgen_holds = {t: 0 for t in targets}
    ioctl_total = ioctl_bindgen = ioctl_uapikit = 0
    by_file = {}
    for m in x86["macros"]:
        if m.get("ioctl"):
            by_file.setdefault(m["file"], []).append(m["name"])
    for h in headers:
        names = by_file.get(h, []) + by_file.get("asm/" + h[len("linux/"):], [])
        ioctl_total += len(names)
        ioctl_uapikit += sum(1 for n in names if re.search(r"inline constexpr unsigned long %s = " % re.escape(n), emitted))
        if not done[h]:
            continue
        with open(os.path.join(out, "rs", h.replace("/", "_") + ".rs")) as f:
            rust = f.read()
        consts = set(CONST.findall(rust))
        ioctl_bindgen += sum(1 for n in names if n in consts)
        asserted = checks(rust)
        for t in targets:
            if h in {e["header"] for e in manifest["targets"][t]["errors"]}:
                continue
            bindgen_holds[t] += holds(asserted, manifest["targets"][t])

    accepted = len(headers) - len(scan_failed)
    made = sum(done.values())
    print("| | bindgen 0.60 (x86_64) | uapikit (one header, 7 targets) |")
    print("|---|---|---|")
    print("| linux/*.h turned into bindings (of %d; %d need a libc) | %d | %d |" %
          (len(headers), len(scan_failed), made, accepted))
    for t in targets:
        ok = len(headers) - len(manifest["targets"][t]["errors"])
        print("| layout checks hold on %s | %d headers | %d (the header compiles there) |" % (t, bindgen_holds[t], ok))
    print("| request numbers (_IO... macros) kept, of %d | %d | %d |" % (ioctl_total, ioctl_bindgen, ioctl_uapikit))
    print("| time | %.1f s (one target) | scan %.1f s + emit %.1f s (seven targets) |" %
          (bindgen_seconds, scan_seconds, emit_seconds))
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"headers": len(headers), "bindgen_made": made, "uapikit_made": accepted, "bindgen_holds": bindgen_holds,
                   "ioctl_total": ioctl_total, "ioctl_bindgen": ioctl_bindgen, "ioctl_uapikit": ioctl_uapikit,
                   "bindgen_seconds": bindgen_seconds, "scan_seconds": scan_seconds, "emit_seconds": emit_seconds}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
