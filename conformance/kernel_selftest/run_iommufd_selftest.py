#!/usr/bin/env python3
"""Runs the kernel's own iommufd selftest (Linux 6.12
tools/testing/selftests/iommu/iommufd.c, built unmodified by
scripts/kernel-selftest.sh) against the fake through libuapikit-preload.so,
and prints one line with its counts.

The tests that must run are the binary's own list (`iommufd -l`), not what
the run happened to print: a run that dies partway, or a test that never
reports, fails. Every listed test must report "ok" (a SKIP is not a pass),
except those that need hugetlb pages when the machine has too few free
(less than the 128 MiB the largest of them maps): they mmap() with
MAP_HUGETLB in their own set-up, which fails before the fake is asked
anything. Those are listed below by name with the reason, and each one's
own output must show that mmap failing; on a machine with enough hugetlb
pages they must pass too.

The selftest expects to run as root with every capability ("This requires
root", iommufd.c global_options). The fake's kernel takes the
capabilities from the process, and processes on a machine like these CI
containers may lack CAP_SYS_RESOURCE; UAPIKIT_FAKE_CAPS tells the fake
host to grant it, as the machine the selftest is written for would.

Usage: run_iommufd_selftest.py --build SCRIPT --cache DIR --preload LIB
                               [--timeout SECONDS] [--log FILE]
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import time

# Tests whose own code maps memory with MAP_HUGETLB (and fails when the
# machine has no hugetlb pages). Names are "fixture.variant.test".
# Each with the reason and the message its failed mmap() leaves in that
# test's own output.
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

# The harness's TAP lines (tools/testing/selftests/kselftest_harness.h,
# __run_test): "#  RUN           NAME ..." when a test starts, then
# "ok N NAME" or "not ok N NAME" with an optional "# SKIP ..." when it ends.
RUN = re.compile(r"^#\s+RUN\s+(\S+) \.\.\.$")
RESULT = re.compile(r"^(ok|not ok) \d+ (\S+)(.*)$")


# The most hugetlb memory one test maps: the 128 MiB buffer of
# iommufd_dirty_tracking.domain_dirty128M_huge.
HUGETLB_NEEDED = 128 << 20


def meminfo(key):
    """A /proc/meminfo value (pages, or kB for sizes); 0 when unreadable."""
    try:
        for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == key:
                return int(value.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def hugetlb_pages():
    return meminfo("HugePages_Free")


def hugetlb_page_bytes():
    return (meminfo("Hugepagesize") or 2048) * 1024


def needs_hugetlb(name):
    for i, (pattern, _, _) in enumerate(HUGETLB):
        if pattern.fullmatch(name):
            return i
    return None


def listed_tests(listing):
    """The full names the harness runs, from its `-l` output
    (kselftest_harness.h test_harness_list_tests): per fixture, rows of
    "%-20s %-25s %s" with the fixture's name on its first row only, its
    variants down the second column and its tests down the third; a
    separator line between fixtures. Every variant runs every test; a
    fixture without variants runs its tests as FIXTURE.TEST."""
    fixtures = []  # (fixture, [variants], [tests])
    for line in listing.splitlines():
        if line.startswith("# FIXTURE") or line.startswith("----"):
            continue
        fields = []
        at = 0
        for width in (20, 25):
            chunk = line[at:at + width]
            if not chunk.strip():
                fields.append("")
                at += width + 1
            else:
                # Left-aligned: the name starts here and may be longer than its column.
                name = line[at:].split()[0]
                fields.append(name)
                at += max(width, len(name)) + 1
        fields.append(line[at:].strip())
        fixture, variant, test = fields
        if fixture:
            fixtures.append((fixture, [], []))
        if not fixtures:
            raise ValueError(f"a row before the first fixture: {line!r}")
        if variant:
            fixtures[-1][1].append(variant)
        if test:
            fixtures[-1][2].append(test)
    names = []
    for fixture, variants, tests in fixtures:
        for variant in variants or [None]:
            for test in tests:
                names.append(".".join(p for p in (fixture, variant, test) if p))
    return names


def parse_run(output):
    """{name: (status, skipped, the test's own output)} from a run whose
    stdout and stderr went to one pipe: the harness flushes both before it
    forks a test, so what the test prints sits between its RUN and result
    lines."""
    results = {}
    current, lines = None, []
    for line in output.splitlines():
        m = RUN.match(line)
        if m:
            current, lines = m.group(1), []
            continue
        m = RESULT.match(line)
        if m:
            status, name, rest = m.groups()
            own = "\n".join(lines) if name == current else ""
            results.setdefault(name, []).append((status, "# SKIP" in rest, own))
            current, lines = None, []
            continue
        if current:
            lines.append(line)
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    p.add_argument("--build", required=True, help="scripts/kernel-selftest.sh")
    p.add_argument("--cache", required=True, help="cache root for the binary")
    p.add_argument("--preload", required=True, help="libuapikit-preload.so")
    p.add_argument("--timeout", type=float, default=840,
                   help="seconds for the build and the run together; keep it below the "
                        "test harness's own limit so that a hung run still reports (default 840)")
    p.add_argument("--hugetlb-pages", type=int, default=None,
                   help="free hugetlb pages (default: HugePages_Free of /proc/meminfo); with fewer than "
                        "128 MiB of them, a test that fails at its MAP_HUGETLB mmap() is excused")
    p.add_argument("--log", help="write the selftest's whole output here")
    args = p.parse_args()
    deadline = time.monotonic() + args.timeout

    def left():
        return max(1.0, deadline - time.monotonic())

    try:
        built = subprocess.run(["bash", args.build, args.cache], capture_output=True, text=True, timeout=left())
    except subprocess.TimeoutExpired:
        print(f"iommufd selftest: not built within {args.timeout:.0f} s")
        return 1
    if built.returncode != 0:
        sys.stderr.write(built.stderr)
        print("iommufd selftest: could not be built")
        return 1
    binary = built.stdout.strip().splitlines()[-1]

    # The list goes to stderr; the harness exits KSFT_SKIP (4) after it.
    listing = subprocess.run([binary, "-l"], capture_output=True, text=True, timeout=left())
    expected = listed_tests(listing.stderr)
    if not expected or len(set(expected)) != len(expected):
        sys.stdout.write(listing.stderr[-4000:])
        print(f"iommufd selftest: `{binary} -l` gave {len(expected)} names "
              f"({len(set(expected))} distinct); cannot check the run")
        return 1

    env = dict(os.environ, LD_PRELOAD=args.preload, UAPIKIT_FAKE_CAPS="sys_resource ipc_lock")
    # The harness forks per test and prints TAP; its own exit status is
    # non-zero as soon as one test fails, so the lines decide. stderr
    # joins stdout so that each test's messages stay with it.
    died = None
    try:
        run = subprocess.run([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=left())
        output = run.stdout
        if run.returncode < 0:
            died = f"killed by signal {-run.returncode}"
    except subprocess.TimeoutExpired as e:
        out = e.output or b""
        output = out.decode(errors="replace") if isinstance(out, bytes) else out
        died = f"still running after the {args.timeout:.0f} s budget; stopped"
    if args.log:
        pathlib.Path(args.log).write_text(output)

    results = parse_run(output)
    free_pages = hugetlb_pages() if args.hugetlb_pages is None else args.hugetlb_pages
    have_hugetlb = free_pages * hugetlb_page_bytes() >= HUGETLB_NEEDED
    passed, skipped, failed, excused = [], [], [], []  # failed: (name, why)
    for name in expected:
        got = results.get(name)
        if not got:
            failed.append((name, "no result: the run never reported it"))
            continue
        if len(got) > 1:
            failed.append((name, f"reported {len(got)} times"))
            continue
        status, skip, own = got[0]
        if status == "ok" and not skip:
            passed.append(name)
        elif status == "ok":
            skipped.append(name)  # a skip is not a pass
        else:
            rule = None if have_hugetlb else needs_hugetlb(name)
            if rule is None:
                failed.append((name, "not ok"))
            elif HUGETLB[rule][2].search(own):
                excused.append((name, rule))
            else:
                failed.append((name, "not ok, and not at its MAP_HUGETLB mmap()"))
    for name in sorted(set(results) - set(expected)):
        failed.append((name, "ran but is not in the binary's list"))
    # The harness's TAP plan ("1..N") counts the tests it is about to run:
    # it must agree with the list.
    plan = re.search(r"^1\.\.(\d+)$", output, re.M)
    if not plan or int(plan.group(1)) != len(expected):
        failed.append(("(the run)", f"its TAP plan is {plan.group(0) if plan else 'missing'}, "
                                    f"the list has {len(expected)} tests"))

    total = len(expected)
    hugetlb_note = ("the machine has the hugetlb pages they need, so the tests that map them ran too"
                    if have_hugetlb else
                    f"{len(excused)} not run to the end: they need hugetlb pages this machine lacks")
    print(f"iommufd selftest (Linux 6.12) on the fake: {len(passed)} of {total} passed "
          f"(all {total} that `iommufd -l` lists), {len(failed)} failed, {len(skipped)} skipped, {hugetlb_note}")
    if died:
        print(f"  the run did not finish: {died}")
    for name, rule in excused:
        print(f"  needs hugetlb: {name} ({HUGETLB[rule][1]})")
    for name, why in failed + [(n, "skipped") for n in skipped]:
        print(f"  FAILED: {name}: {why}")
        for _, _, own in results.get(name, []):
            for line in own.splitlines()[-20:]:
                print(f"    {line}")
    if died:
        sys.stdout.write(output[-4000:])
    return 1 if failed or skipped or died or len(passed) + len(excused) != total else 0


if __name__ == "__main__":
    sys.exit(main())
