#!/usr/bin/env python3
"""Bindings for all of Linux 6.12: every include/linux/*.h that scan accepts,
for the seven targets, emitted by `uapikit-gen emit --all-files` into one
header, must compile

  * with clang++ 19 for each target, as C++20 and as C++23, and
  * with g++ for x86_64 and -m32, as C++20 and as C++23,

with -Wall -Wextra -Werror and every static_assert the header carries (size,
alignment, offset and size of each field, enum and macro values). The C++20
clang compile also dumps clang's own C++ record layouts, which are compared
with scan's C layouts member by member at every depth: that is where
bitfields, which offsetof cannot name, are proven to sit where C puts them.

One header for all 520 is an honest split of 520 x 7 x 2 translation
units: 18 compiles in all. Compiles are cached under --cache, keyed by the
compiler and the text of every input (bindings_check.py).

Usage: all_headers_bindings.py --gen GEN --headers DIR --include DIR --cache DIR
Exit status 0 when every compile passes and every layout agrees.
"""

import argparse
import hashlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bindings_check as bc  # noqa: E402

NAMESPACE = "linux_6_12"


def scan_and_emit(a, work):
    """Scan and emit again only when uapikit-gen or the trees changed."""
    x86 = os.path.join(a.headers, "x86", "include", "linux")
    headers = sorted("linux/" + f for f in os.listdir(x86) if f.endswith(".h"))
    h = hashlib.sha256()
    with open(a.gen, "rb") as f:
        h.update(f.read())
    for arch in sorted({arch for arch, _ in bc.TARGETS.values()}):
        stamp = os.path.join(a.headers, arch, ".uapikit-stamp")
        if os.path.exists(stamp):
            with open(stamp, "rb") as f:
                h.update(f.read())
    h.update("\0".join(headers).encode())
    key = h.hexdigest()
    manifest, header = os.path.join(work, "manifest.json"), os.path.join(work, "uapikit", "linux_6_12.hpp")
    stamp = os.path.join(work, "scan.key")
    if not (os.path.exists(stamp) and open(stamp).read() == key and os.path.exists(header)):
        os.makedirs(os.path.dirname(header), exist_ok=True)
        bc.scan(a.gen, headers, [os.path.join(a.headers, "{arch}", "include")], manifest, keep_going=True, jobs=a.jobs)
        bc.emit(a.gen, manifest, header, NAMESPACE, all_files=True)
        with open(stamp, "w") as f:
            f.write(key)
    with open(manifest) as f:
        return headers, json.load(f), header


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a = bc.parse_arguments(ap)
    start = time.time()
    work = os.path.join(a.cache, "all-6.12")
    os.makedirs(work, exist_ok=True)
    headers, manifest, header = scan_and_emit(a, work)
    support = os.path.join(a.include, "uapikit", "raw_support.hpp")
    common = ["-ffreestanding", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-I", a.include, "-include", header,
              "-x", "c++", "/dev/null"]
    compiles = []
    for triple in bc.TARGETS:
        for std in ("c++20", "c++23"):
            compiles.append(bc.Compile("clang++ %s %s" % (triple, std), a.clang,
                                       ["--target=" + triple, "-std=" + std, "-nostdlibinc"] + common,
                                       [header, support], dump=std == "c++20"))
    for triple, flags in (("x86_64-linux-gnu", []), ("i386-linux-gnu", ["-m32"])):
        for std in ("c++20", "c++23"):
            compiles.append(bc.Compile("g++ %s %s" % (triple, std), a.gxx, flags + ["-std=" + std] + common,
                                       [header, support]))
    results = bc.run_compiles(compiles, a.cache, a.jobs)

    failed, records, bitfields, cached = 0, 0, 0, 0
    for c in compiles:
        ok, err, dump, was_cached = results[c.label]
        cached += was_cached
        if not ok:
            failed += 1
            print("FAIL %s:\n%s" % (c.label, "\n".join(err.splitlines()[:40])))
            continue
        if dump is None:
            if not was_cached:
                bc.mark_ok(c, a.cache)
            continue
        triple = c.label.split()[1]
        ours = bc.flatten_dump(dump)
        theirs = bc.flatten_manifest(manifest["targets"][triple])
        bad = 0
        for name, rec in theirs.items():
            if "::" in name or "@" in name:
                continue  # unnamed records are compared inside the records that hold them
            got = ours.get("uapikit::raw::%s::%s" % (NAMESPACE, name))
            if got is None:
                bad += 1
                print("FAIL %s: clang laid out no C++ record for %s" % (c.label, name))
                continue
            records += 1
            bitfields += sum(1 for r in rec["rows"] if r[1] is not None)
            if (got["size"], got["align"]) != (rec["size"], rec["align"]) or not bc.same_rows(got["rows"], rec["rows"]):
                bad += 1
                if bad <= 20:
                    print("FAIL %s: %s: C++ layout differs from C: %s" % (c.label, name,
                                                                          bc.first_difference(got["rows"], rec["rows"])))
        if bad:
            failed += 1
        else:
            bc.mark_ok(c, a.cache)
    accepted = {t: len(headers) - len(m["errors"]) for t, m in manifest["targets"].items()}
    print("%d linux/*.h headers; scan accepts %s; %d compiles (%d cached), %d failed; "
          "%d records and %d bitfield placements compared with C; %.1f s" %
          (len(headers), ", ".join("%d on %s" % (n, t) for t, n in accepted.items()), len(compiles), cached, failed,
           records, bitfields, time.time() - start))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
