#!/usr/bin/env python3
"""Scans every include/linux/*.h of one target's headers_install tree with
uapikit-gen (one header per translation unit, --keep-going) and checks the
resulting manifest against clang's own layout dump with layout_accuracy, and
every integer macro against clang (and gcc on x86) with macro_accuracy.

Usage: real_header_accuracy.py --gen UAPIKIT_GEN --headers DIR --target TRIPLE
  DIR holds <arch>/include trees (scripts/kernel-headers.sh output).
Exit status 0 when every record, field offset, compile failure and macro agrees.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layout_accuracy  # noqa: E402
import macro_accuracy  # noqa: E402

ARCH = {
    "x86_64-linux-gnu": "x86", "i386-linux-gnu": "x86", "aarch64-linux-gnu": "arm64",
    "arm-linux-gnueabihf": "arm", "riscv64-linux-gnu": "riscv",
    "powerpc64le-linux-gnu": "powerpc", "s390x-linux-gnu": "s390",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gen", required=True)
    ap.add_argument("--headers", required=True)
    ap.add_argument("--target", required=True, choices=sorted(ARCH))
    ap.add_argument("--clang", default="clang-19")
    ap.add_argument("-j", "--jobs", type=int, default=1)
    a = ap.parse_args()

    tree = os.path.join(a.headers, ARCH[a.target], "include")
    headers = sorted("linux/" + f for f in os.listdir(os.path.join(tree, "linux")) if f.endswith(".h"))
    with tempfile.TemporaryDirectory() as tmp:
        manifest = os.path.join(tmp, "manifest.json")
        scan = subprocess.run([a.gen, "scan", *headers, "-I", tree, "--target", a.target,
                               "--keep-going", "-j", str(a.jobs), "-o", manifest],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if scan.returncode != 0:
            print(scan.stderr, file=sys.stderr)
            print(f"uapikit-gen scan failed with status {scan.returncode}")
            return 1
        print(f"{a.target}: scanned {len(headers)} headers from {tree}")
        with open(manifest) as f:
            m = json.load(f)
        cwd = os.getcwd()
        # The macro checks ride on the layout check's second compile of
        # each header, so each header is compiled twice, not three times.
        plan = macro_accuracy.TargetPlan(a.target, m["targets"][a.target], a.clang, a.jobs, cwd)
        layout, _, _, errors = layout_accuracy.check_manifest(m, a.clang, a.jobs, cwd, extra=plan.extra())
        problems = plan.judge(errors, macro_accuracy.find_gcc())
        macro_accuracy.report(plan, problems)
        return 1 if layout or problems else 0


if __name__ == "__main__":
    sys.exit(main())
