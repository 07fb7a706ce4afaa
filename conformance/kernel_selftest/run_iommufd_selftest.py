#!/usr/bin/env python3
"""Runs the kernel's own iommufd selftest (Linux 6.12
tools/testing/selftests/iommu/iommufd.c, built unmodified by
scripts/kernel-selftest.sh) against the fake through libuapikit-preload.so,
and prints one line with its counts.

Every test must pass, except those that need hugetlb pages when the
machine has none (/proc/sys/vm/nr_hugepages is 0): they mmap() with
MAP_HUGETLB in their own set-up, which fails before the fake is asked
anything. Those are listed below by name with the reason, and the run's
output must show that mmap failing for each; on a machine with hugetlb
pages they must pass too.

The selftest expects to run as root with every capability ("This requires
root", iommufd.c global_options). The fake's kernel takes the
capabilities from the process, and processes on a machine like these CI
containers may lack CAP_SYS_RESOURCE; UAPIKIT_FAKE_CAPS tells the fake
host to grant it, as the machine the selftest is written for would.

Usage: run_iommufd_selftest.py --build SCRIPT --cache DIR --preload LIB
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys

# Tests whose own code maps memory with MAP_HUGETLB (and fails when the
# machine has no hugetlb pages). Names are "fixture.variant.test".
# Each with the reason and the message its failed mmap() leaves in the
# output (one per test).
HUGETLB = [
    (re.compile(r"iommufd_ioas\.[a-z_]+\.access_domain_destory"),
     "mmap(MAP_HUGETLB) of 2 huge pages in the test",
     re.compile(r":access_domain_destory:Expected MAP_FAILED")),
    (re.compile(r"iommufd_mock_domain\.(one_domain|two_domains)_hugepage\.(basic|all_aligns|all_aligns_copy)"),
     "mmap(self->mmap_flags) with MAP_HUGETLB in the test",
     re.compile(r":(basic|all_aligns|all_aligns_copy):Expected MAP_FAILED")),
    (re.compile(r"iommufd_dirty_tracking\.domain_dirty(64M|128M)_huge\.[a-z_]+"),
     "mmap(MAP_HUGETLB | MAP_FIXED) in FIXTURE_SETUP",
     re.compile(r"iommufd_dirty_tracking_setup: Assertion `vrc == self->buffer' failed")),
    (re.compile(r"vfio_compat_mock_domain\.Ver1v[02]\.huge_map"),
     "mmap(MAP_HUGETLB) of 2 huge pages in the test",
     re.compile(r":huge_map:Expected MAP_FAILED")),
]

RESULT = re.compile(r"^(ok|not ok) \d+ (\S+)(.*)$")


def hugetlb_pages():
    try:
        return int(pathlib.Path("/proc/sys/vm/nr_hugepages").read_text())
    except (OSError, ValueError):
        return 0


def needs_hugetlb(name):
    for i, (pattern, reason, _) in enumerate(HUGETLB):
        if pattern.fullmatch(name):
            return i
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", required=True, help="scripts/kernel-selftest.sh")
    p.add_argument("--cache", required=True, help="cache root for the binary")
    p.add_argument("--preload", required=True, help="libuapikit-preload.so")
    p.add_argument("--log", help="write the selftest's whole output here")
    args = p.parse_args()

    built = subprocess.run(["bash", args.build, args.cache], capture_output=True, text=True)
    if built.returncode != 0:
        sys.stderr.write(built.stderr)
        print("iommufd selftest: could not be built")
        return 1
    binary = built.stdout.strip().splitlines()[-1]

    env = dict(os.environ, LD_PRELOAD=args.preload, UAPIKIT_FAKE_CAPS="sys_resource ipc_lock")
    # The harness forks per test and prints TAP; its own exit status is
    # non-zero as soon as one test fails, so the lines decide.
    run = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=1500)
    if args.log:
        pathlib.Path(args.log).write_text(run.stdout + run.stderr)

    passed, skipped, failed, excused = [], [], [], []
    have_hugetlb = hugetlb_pages() > 0
    for line in run.stdout.splitlines():
        m = RESULT.match(line)
        if not m:
            continue
        status, name, rest = m.groups()
        if status == "ok":
            (skipped if "# SKIP" in rest else passed).append(name)
            continue
        rule = None if have_hugetlb else needs_hugetlb(name)
        (excused if rule is not None else failed).append((name, rule))

    # An excused test must have failed at its mmap(), nowhere else: the
    # output holds one such message per excused test of each kind.
    output = run.stdout + run.stderr
    for i, (_, reason, evidence) in enumerate(HUGETLB):
        names = [n for n, r in excused if r == i]
        if len(evidence.findall(output)) < len(names):
            failed += [(n, None) for n in names]
            excused = [(n, r) for n, r in excused if r != i]

    total = len(passed) + len(skipped) + len(failed) + len(excused)
    print(f"iommufd selftest (Linux 6.12) on the fake: {len(passed)} of {total} passed, "
          f"{len(failed)} failed, {len(skipped)} skipped, "
          f"{len(excused)} not run to the end: they need hugetlb pages this machine lacks")
    for name, rule in excused:
        print(f"  needs hugetlb: {name} ({HUGETLB[rule][1]})")
    for name, _ in failed:
        print(f"  FAILED: {name}")
        # The harness prints each failed expectation as FILE:LINE:TEST:...
        short = name.rsplit(".", 1)[-1]
        for line in output.splitlines():
            if f":{short}:" in line:
                print(f"    {line}")
    if total == 0:
        sys.stdout.write(run.stdout[-4000:] + run.stderr[-4000:])
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
