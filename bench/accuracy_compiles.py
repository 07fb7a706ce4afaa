#!/usr/bin/env python3
"""Time the accuracy checks' compiles: clang's driver, one process per header
(the peer), against conformance/clang_batch.py, many headers to one
`clang -cc1`, on the same headers in the same run; and check that both give
the same results.

Usage: bench/accuracy_compiles.py --tree DIR [--target TRIPLE] [--limit N] [--jobs N]
  DIR is one headers_install tree (.../include); every linux/*.h in it (or
  the first N) is compiled three ways, as the checks do: -E -dD, -ast-dump,
  and -fdump-record-layouts.
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance"))
import clang_batch  # noqa: E402

MODES = [("preprocess", ["-E", "-dD"]),
         ("ast", ["-fsyntax-only", "-fno-color-diagnostics", "-Xclang", "-ast-dump"]),
         ("layout", ["-fsyntax-only", "-fno-color-diagnostics", "-Xclang", "-fdump-record-layouts",
                     "-ferror-limit=0"])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", required=True)
    ap.add_argument("--target", default="x86_64-linux-gnu")
    ap.add_argument("--clang", default="clang-19")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    headers = sorted("linux/" + f for f in os.listdir(os.path.join(a.tree, "linux")) if f.endswith(".h"))
    headers = headers[:a.limit] if a.limit else headers
    args = ["-x", "c", "-std=gnu11", "--target=" + a.target, "-nostdlibinc", "-I", a.tree]
    addr = re.compile(r"0x[0-9a-f]+")
    total = {"driver": 0.0, "batch": 0.0}
    for mode, flags in MODES:
        sources = ["#include <%s>\n" % h for h in headers]
        t0 = time.perf_counter()
        stats = {}
        batch = clang_batch.compile_all(a.clang, args + flags, sources, os.getcwd(), mode, a.jobs, stats)
        t1 = time.perf_counter()
        driver = [clang_batch._one(a.clang, args + flags, s, os.getcwd()) for s in sources]
        t2 = time.perf_counter()
        def seen(r):
            return r.returncode, addr.sub("", r.stdout), r.stderr
        differ = sum(1 for x, y in zip(driver, batch) if seen(x) != seen(y))
        total["driver"] += t2 - t1
        total["batch"] += t1 - t0
        print("%-10s %d headers: driver %.1f s (%.1f ms each), batch %.1f s (%.1f ms each, %d processes), "
              "%.1fx; %d results differ" % (mode, len(headers), t2 - t1, 1000 * (t2 - t1) / len(headers), t1 - t0,
                                            1000 * (t1 - t0) / len(headers), stats["batches"] + stats["single"],
                                            (t2 - t1) / (t1 - t0), differ))
    print("all three: driver %.1f s, batch %.1f s, %.1fx" % (total["driver"], total["batch"],
                                                              total["driver"] / total["batch"]))


if __name__ == "__main__":
    main()
