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

Which headers scan accepts is checked too, against sources of its own: the
565 linux/*.h of the 6.12 x86 tree minus those that need a C library, which
are (a) every header whose #include chain reaches a header the tree does not
have (asked of clang's preprocessor: `clang -MM -MG`, conditions honoured),
and (b) the headers listed in USES_LIBC_UNINCLUDED, which use a C library
name without including it (each also in the kernel's own list of headers
that do not compile alone). That is 45, so scan must accept exactly 520 on
x86_64; on another target, those less the headers its tree lacks.

Usage: all_headers_bindings.py --gen GEN --headers DIR --include DIR --cache DIR
Exit status 0 when every compile passes and every layout agrees.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bindings_check as bc  # noqa: E402

NAMESPACE = "linux_6_12"

# Linux 6.12 usr/include/Makefile, no-header-test: the linux/ headers the
# kernel's own header test (which compiles each one with the C library
# present) skips because they do not compile alone.
KERNEL_NO_HEADER_TEST = {
    "linux/am437x-vpfe.h", "linux/coda.h", "linux/cyclades.h", "linux/errqueue.h", "linux/ivtv.h", "linux/matroxfb.h",
    "linux/omap3isp.h", "linux/omapfb.h", "linux/patchkey.h", "linux/phonet.h", "linux/sctp.h", "linux/sysctl.h",
    "linux/v4l2-mediabus.h", "linux/v4l2-subdev.h", "linux/videodev2.h", "linux/vm_sockets.h"}

# Headers that need the C library without including it (read in the 6.12
# tree), so no #include chain shows it.
USES_LIBC_UNINCLUDED = {
    "linux/coda.h": "int64_t in struct coda_timespec; <sys/types.h> only on NetBSD, DJGPP and Cygwin",
    "linux/errqueue.h": "struct timespec (<time.h>) in struct scm_timestamping",
    "linux/omapfb.h": "size_t (<stddef.h> is not included)",
    "linux/patchkey.h": "#error unless included through the C library's <sys/soundcard.h>",
    "linux/phonet.h": "sizeof(struct sockaddr) (<sys/socket.h>)",
    "linux/sctp.h": "MSG_FIN (<sys/socket.h>)",
    "linux/sysctl.h": "size_t (<stddef.h> is not included)",
}

# Headers every C implementation has, freestanding ones too (C11 4p6):
# clang brings its own, so they are not the C library's.
FREESTANDING = {"float.h", "iso646.h", "limits.h", "stdalign.h", "stdarg.h", "stdbool.h", "stddef.h", "stdint.h",
                "stdnoreturn.h"}

EXPECTED_X86_HEADERS, EXPECTED_X86_ACCEPTED = 565, 520


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
        return headers, json.load(f), header, key


def includes_outside_tree(a, headers, work, key):
    """{header: the first header its #include chain reaches that the x86 tree
    lacks}, from clang's preprocessor (-MM -MG lists a missing header as a
    dependency instead of failing). Cached in `work` under the scan key."""
    cache = os.path.join(work, "libc-includes.json")
    key = key + bc.compiler_identity(a.clang)
    if os.path.exists(cache):
        with open(cache) as f:
            stored = json.load(f)
        if stored.get("key") == key:
            return stored["missing"]
    root = os.path.join(a.headers, "x86", "include")

    def one(header):
        r = bc.run([a.clang, "-x", "c", "--target=x86_64-linux-gnu", "-ffreestanding", "-nostdlibinc", "-I", ".", "-MM",
                    "-MG", header], cwd=root)
        deps = r.stdout.split(":", 1)[1].replace("\\\n", " ").split() if ":" in r.stdout else []
        outside = [d for d in deps if not os.path.isabs(d) and not os.path.exists(os.path.join(root, d))
                   and d not in FREESTANDING]
        return header, outside[0] if outside else None

    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        missing = {h: m for h, m in pool.map(one, headers) if m}
    with open(cache, "w") as f:
        json.dump({"key": key, "missing": missing}, f)
    return missing


def check_accepted(a, headers, manifest, work, key):
    """Scan's rejections against the headers that need a C library (see the
    module's comment); returns the number of failures."""
    failed = 0
    if len(headers) != EXPECTED_X86_HEADERS:
        print("FAIL the 6.12 x86 tree has %d linux/*.h, not %d" % (len(headers), EXPECTED_X86_HEADERS))
        failed += 1
    stray = set(USES_LIBC_UNINCLUDED) - KERNEL_NO_HEADER_TEST
    if stray:
        print("FAIL not in the kernel's no-header-test list: %s" % ", ".join(sorted(stray)))
        failed += 1
    outside = includes_outside_tree(a, headers, work, key)
    need_libc = set(outside) | set(USES_LIBC_UNINCLUDED)
    for triple, (arch, _) in bc.TARGETS.items():
        arch_dir = os.path.join(a.headers, arch, "include")
        absent = {h for h in headers if not os.path.exists(os.path.join(arch_dir, h))}
        expected = need_libc | absent
        rejected = {e["header"] for e in manifest["targets"][triple]["errors"]}
        for h in sorted(rejected - expected):
            message = next(e["message"] for e in manifest["targets"][triple]["errors"] if e["header"] == h)
            print("FAIL %s: scan rejects %s, which needs no C library: %s" % (triple, h, message.splitlines()[0]))
            failed += 1
        for h in sorted(expected - rejected):
            why = outside.get(h) or USES_LIBC_UNINCLUDED.get(h) or "absent from the %s tree" % arch
            print("FAIL %s: scan accepts %s, which needs the C library (%s)" % (triple, h, why))
            failed += 1
        if triple == "x86_64-linux-gnu" and len(headers) - len(rejected) != EXPECTED_X86_ACCEPTED:
            print("FAIL x86_64: scan accepts %d headers, not %d" % (len(headers) - len(rejected), EXPECTED_X86_ACCEPTED))
            failed += 1
    print("%d linux/*.h need a C library (%d by an #include, %d by a name alone); on x86_64 scan accepts the other %d" %
          (len(need_libc), len(outside), len(need_libc - set(outside)), len(headers) - len(need_libc)))
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a = bc.parse_arguments(ap)
    start = time.time()
    work = os.path.join(a.cache, "all-6.12")
    os.makedirs(work, exist_ok=True)
    headers, manifest, header, key = scan_and_emit(a, work)
    failed = check_accepted(a, headers, manifest, work, key)
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

    records, bitfields, cached = 0, 0, 0
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
