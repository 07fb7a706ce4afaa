#!/usr/bin/env python3
"""Checks run_iommufd_selftest.py's verdicts on runs whose outcome is known:
a stand-in for the selftest binary prints a listing in the kselftest
harness's `-l` format and a TAP run chosen by STUB_RUN, and the runner must
pass or fail it as stated. What each stand-in run prints follows
tools/testing/selftests/kselftest_harness.h (Linux 6.12): the `-l` rows,
the RUN and result lines, the messages of a failed expectation.

Usage: runner_check.py RUNNER"""
import os
import pathlib
import subprocess
import sys
import tempfile

# Two fixtures, one with variants (one of them the hugetlb one the runner
# excuses) and one without: 2 * 2 + 1 = 5 tests.
LISTING = (
    "# FIXTURE            VARIANT                   TEST\n"
    "global                                         \n"
    "--------------------------------------------------------------------------------\n"
    "iommufd                                        simple_close\n"
    "--------------------------------------------------------------------------------\n"
    "iommufd_mock_domain  one_domain                basic\n"
    "                     one_domain_hugepage       ro_unshare\n"
)
NAMES = ["iommufd.simple_close", "iommufd_mock_domain.one_domain.basic",
         "iommufd_mock_domain.one_domain.ro_unshare", "iommufd_mock_domain.one_domain_hugepage.basic",
         "iommufd_mock_domain.one_domain_hugepage.ro_unshare"]
HUGE = "iommufd_mock_domain.one_domain_hugepage.basic"
EVIDENCE = ("# tools/testing/selftests/iommu/iommufd.c:1553:basic:Expected MAP_FAILED (18446744073709551615)"
            " != buf (18446744073709551615)")

STUB = r'''#!/usr/bin/env python3
import os, signal, sys
listing, names, huge, evidence = {args}
if sys.argv[1:] == ["-l"]:
    sys.stderr.write(listing)
    sys.exit(4)
mode = os.environ["STUB_RUN"]
plan = len(names) + (1 if mode == "extra" else 0) - (1 if mode == "short-plan" else 0)
print("TAP version 13")
print(f"1..{{plan}}", flush=True)
run = names + (["iommufd.not_listed"] if mode == "extra" else [])
for n, name in enumerate(run, 1):
    print(f"#  RUN           {{name}} ...", flush=True)
    if mode == "crash" and n == 3:
        os.kill(os.getpid(), signal.SIGSEGV)
    if mode == "missing" and n == 3:
        continue
    if name == huge and mode != "huge-passes":
        if mode != "huge-elsewhere":
            sys.stderr.write(evidence + "\n")
        sys.stderr.flush()
        print(f"#          FAIL  {{name}}")
        print(f"not ok {{n}} {{name}}", flush=True)
        continue
    if mode == "fail" and n == 2:
        print(f"not ok {{n}} {{name}}", flush=True)
        continue
    skip = " # SKIP no device" if mode == "skip" and n == 2 else ""
    print(f"#            OK  {{name}}")
    print(f"ok {{n}} {{name}}{{skip}}", flush=True)
'''

# (STUB_RUN, free hugetlb pages the runner is told of, exit status it must
# give, text its output must hold)
CASES = [
    ("all", 0, 0, "4 of 5 passed"),                  # 4 pass, the hugetlb one excused
    ("all", 1, 0, "4 of 5 passed"),                  # one page is less than the 128 MiB needed
    ("all", 64, 1, "FAILED: " + HUGE + ": not ok"),  # 64 pages are enough: no excuse
    ("huge-passes", 0, 0, "5 of 5 passed"),
    ("crash", 0, 1, "no result: the run never reported it"),
    ("missing", 0, 1, "no result"),
    ("fail", 0, 1, "FAILED: iommufd_mock_domain.one_domain.basic: not ok"),
    ("skip", 0, 1, "FAILED: iommufd_mock_domain.one_domain.basic: skipped"),
    ("huge-elsewhere", 0, 1, "not at its MAP_HUGETLB mmap()"),
    ("extra", 0, 1, "ran but is not in the binary's list"),
    ("short-plan", 0, 1, "its TAP plan is 1..4"),
]


def main():
    runner = sys.argv[1]
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        stub = tmp / "iommufd"
        stub.write_text(STUB.format(args=repr((LISTING, NAMES, HUGE, EVIDENCE))))
        stub.chmod(0o755)
        build = tmp / "build.sh"
        build.write_text(f"#!/bin/bash\necho {stub}\n")
        for mode, pages, status, text in CASES:
            env = dict(os.environ, STUB_RUN=mode)
            env.pop("LD_PRELOAD", None)
            r = subprocess.run([sys.executable, runner, "--build", str(build), "--cache", str(tmp),
                                "--preload", "/nonexistent.so", "--timeout", "60", "--hugetlb-pages", str(pages)],
                               env=env, capture_output=True, text=True)
            ok = r.returncode == status and text in r.stdout
            print(f"{'ok  ' if ok else 'FAIL'} {mode}, {pages} hugetlb pages: exit {r.returncode} (want {status}), "
                  f"{'says' if text in r.stdout else 'does not say'} {text!r}")
            if not ok:
                sys.stdout.write(r.stdout + r.stderr)
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
