#!/usr/bin/env python3
"""scripts/abi-ci.sh on two real header sets: Linux 6.12 from Debian's
linux-source (headers_install run by the script on the cached source slice)
against the committed 6.12 manifest, and the project's own versions. Checks
exit codes, the printed findings and the JUnit XML (parsed, not grepped).
Usage: abi_ci_test.py SOURCE_ROOT UAPIKIT_GEN KERNEL_SOURCE_SLICE"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

root, gen, kernel_tree = sys.argv[1:4]
script = os.path.join(root, "scripts", "abi-ci.sh")
failures = []


def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(*args):
    return subprocess.run(["bash", script, "--gen", gen, *args], capture_output=True, text=True)


def junit(path):
    suites = ET.parse(path).getroot()
    cases = suites.findall("./testsuite/testcase")
    return suites, cases


with tempfile.TemporaryDirectory() as tmp:
    # 1. A kernel tree: headers_install, scan, diff against its own baseline.
    xml1 = os.path.join(tmp, "kernel.xml")
    r = run("--baseline", os.path.join(root, "abi", "linux-6.12", "manifest.json"), "--kernel-tree", kernel_tree,
            "--target", "x86_64-linux-gnu", "--target", "i386-linux-gnu", "--work", os.path.join(tmp, "w1"),
            "--junit", xml1)
    check("6.12 tree against the 6.12 baseline exits 0: " + r.stderr.strip().splitlines()[-1], r.returncode == 0)
    check("no findings printed", r.stdout == "")
    suites, cases = junit(xml1)
    check("JUnit for an unchanged ABI has no test failures", suites.get("failures") == "0" and not cases)

    # 2. The project's versions: the AMD kvmfd patch breaks existing callers.
    xml2 = os.path.join(tmp, "amd.xml")
    r = run("--baseline", "amd-viommu-v2", "--new", "amd-viommu-kvmfd-v2", "--junit", xml2)
    check("amd-viommu-v2 -> amd-viommu-kvmfd-v2 exits 12", r.returncode == 12)
    check("the moved field is printed", "iommu_viommu_amd.reserved: field moved" in r.stdout)
    suites, cases = junit(xml2)
    failed = [c for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    check("one JUnit failure, named after the finding",
          len(failed) == 1 and failed[0].get("name") == "field-moved: iommu_viommu_amd.reserved")
    check("the warning is a skipped test case", len(skipped) == 1)

    # 3. A compatible extension: exit 4, no failures.
    xml3 = os.path.join(tmp, "kvm.xml")
    r = run("--baseline", "linux-7.1", "--new", "kvm-vm-fd-v2", "--junit", xml3)
    suites, cases = junit(xml3)
    check("linux-7.1 -> kvm-vm-fd-v2 exits 4 with no JUnit failure",
          r.returncode == 4 and suites.get("failures") == "0" and len(cases) >= 1)

    # 4. Bad usage.
    r = run("--baseline", "linux-7.1")
    check("no new side: exit 2 and a one-line reason", r.returncode == 2 and r.stderr.count("\n") == 1)

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
