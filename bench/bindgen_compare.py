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
     of its asserted numbers hold there. uapikit's checks are the static_asserts
     of its one header, a block per target: the header is compiled here for
     each target (clang++ 19, C++20, -Wall -Wextra -Werror, as the test
     suite's all_headers_bindings.py does, whose cached result is reused when
     the header is the same), and a header counts for a target when it was
     accepted there and none of its asserts failed;
  3. how many request numbers (_IO/_IOR/_IOW/_IOWR macros) each keeps;
  4. why scan turned down the headers it did: each needs a C library, which
     uapikit's checks are run without (all_headers_bindings.py's
     classification: an #include chain reaching a C library header, or a C
     library name used without an include); any other reason is counted apart.

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
import all_headers_bindings as ahb  # noqa: E402
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


_FAILED_ASSERT = re.compile(r"error: static assertion failed(?: due to requirement '[^\n]*')?: ([^\n]+)")


def header_of(file):
    """The linux/*.h a declaration belongs to (its asm/ part counts for it)."""
    return "linux/" + file[len("asm/"):] if file.startswith("asm/") else file


def uapikit_holds(a, manifest, binding, headers):
    """{triple: headers whose static_asserts all hold there}: the emitted
    header compiled for each target; a failed assert names its record,
    enum constant or macro, whose header then does not count."""
    include = os.path.join(ROOT, "include")
    cache = os.path.join(ROOT, "build", "bindings-cache")
    tested = os.path.join(cache, "all-6.12", "uapikit", "linux_6_12.hpp")
    def body(path):  # the text but the banner, which names the files it was made from and into
        with open(path) as f:
            return f.read().split("\n", 2)[2]

    if os.path.exists(tested) and body(tested) == body(binding):
        binding = tested  # the test suite's compile of the same header: same arguments, cached
    common = ["-ffreestanding", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-I", include, "-include", binding,
              "-x", "c++", "/dev/null"]
    compiles = [bc.Compile("clang++ %s c++20" % t, a.clang, ["--target=" + t, "-std=c++20", "-nostdlibinc"] + common,
                           [binding, os.path.join(include, "uapikit", "raw_support.hpp")], dump=True)
                for t in bc.TARGETS]
    results = bc.run_compiles(compiles, cache, a.jobs)
    holds, notes = {}, []
    for c, t in zip(compiles, bc.TARGETS):
        ok, err, _, _ = results[c.label]
        abi = manifest["targets"][t]
        accepted = set(headers) - {e["header"] for e in abi["errors"]}
        if ok:
            holds[t] = len(accepted)
            continue
        owner = {r["name"]: header_of(r["file"]) for r in abi["records"]}
        owner.update({k["name"]: header_of(e["file"]) for e in abi["enums"] for k in e["constants"]})
        owner.update({m["name"]: header_of(m["file"]) for m in abi["macros"]})
        failed = set()
        errors = [ln for ln in err.splitlines() if "error:" in ln]
        for ln in errors:
            m = _FAILED_ASSERT.search(ln)
            name = re.split(r"[.:]", m.group(1))[0] if m else None
            if name not in owner:
                failed = None  # not an assert uapikit wrote: nothing is known to hold
                notes.append("%s: %s" % (t, ln.strip()))
                break
            failed.add(owner[name])
        holds[t] = 0 if failed is None else len(accepted - failed)
    return holds, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gen", default=os.path.join(ROOT, "build", "gcc", "generator", "uapikit-gen"))
    ap.add_argument("--headers", default=os.path.join(ROOT, "build", "cache", "linux-6.12"))
    ap.add_argument("--clang", default="clang++-19")
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

    start = time.time()
    uapikit_ok, notes = uapikit_holds(a, manifest, binding, headers)
    compile_seconds = time.time() - start
    with open(os.path.join(a.headers, "x86", ".uapikit-stamp")) as f:
        stamp = f.read()
    outside = ahb.includes_outside_tree(a, headers, out, stamp)
    by_include = scan_failed & set(outside)
    by_name = (scan_failed & set(ahb.USES_LIBC_UNINCLUDED)) - by_include
    other = scan_failed - by_include - by_name

    accepted = len(headers) - len(scan_failed)
    made = sum(done.values())
    print("| | bindgen 0.60 (x86_64) | uapikit (one header, 7 targets) |")
    print("|---|---|---|")
    print("| linux/*.h turned into bindings (of %d; scan turns down %d: %d include a C library header, "
          "%d use a C library name, %d other) | %d | %d |" %
          (len(headers), len(scan_failed), len(by_include), len(by_name), len(other), made, accepted))
    for t in targets:
        print("| layout checks hold on %s | %d headers | %d (static_asserts compiled there) |" %
              (t, bindgen_holds[t], uapikit_ok[t]))
    print("| request numbers (_IO... macros) kept, of %d | %d | %d |" % (ioctl_total, ioctl_bindgen, ioctl_uapikit))
    print("| time | %.1f s (one target) | scan %.1f s + emit %.1f s (seven targets) |" %
          (bindgen_seconds, scan_seconds, emit_seconds))
    print("\nuapikit's header compiled for the seven targets in %.1f s (cached compiles count 0)." % compile_seconds)
    for n in notes:
        print("note: not an assert of uapikit's: %s" % n)
    for h in sorted(other):
        message = next(e["message"] for e in x86["errors"] if e["header"] == h)
        print("note: scan turns down %s for another reason: %s" % (h, message.splitlines()[0]))
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"headers": len(headers), "bindgen_made": made, "uapikit_made": accepted, "bindgen_holds": bindgen_holds,
                   "uapikit_holds": uapikit_ok, "scan_rejects": {"include_c_library": sorted(by_include),
                                                                "use_c_library_name": sorted(by_name),
                                                                "other": sorted(other)},
                   "bindgen_failed": sorted(h for h, ok in done.items() if not ok),
                   "ioctl_total": ioctl_total, "ioctl_bindgen": ioctl_bindgen, "ioctl_uapikit": ioctl_uapikit,
                   "bindgen_seconds": bindgen_seconds, "scan_seconds": scan_seconds, "emit_seconds": emit_seconds}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
