#!/usr/bin/env python3
"""Prints the table of the fake's semantic cases for docs/fake-semantics.md,
from the case names in conformance/fake/*_test.cpp. A case name is

    area: what happens -> ERRNO [source]

where "-> ERRNO" may appear more than once (or not at all: the call
succeeds) and the source in brackets is one of

    [6.12 FILE]       Linux 6.12 source (Debian's linux-source-6.12)
    [mainline FILE]   the mainline kernel, for what came after 6.12
    [proposal NAME]   a proposal's patch thread (NAME in PROPOSALS below)
    [doc]             Documentation/userspace-api/iommufd.rst
    [fake]            the fake's own choice, listed under Deviations

FILE is a kernel path, or a bare file name: of drivers/iommu/iommufd/
unless FILES below says where it lives; "uapi" is
include/uapi/linux/iommufd.h.

With --check FILE, exits 1 when FILE does not contain the table. With
--write FILE, replaces the table at the end of FILE (from its header line
to the end) with the current one."""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The name, then the end of the call or a doctest decorator (`"..." * doctest::skip(...)`).
CASE = re.compile(r'(?:FAKE_CASE|TEST_CASE)\(\s*"([^"]+)"\s*[*)]')
NAME = re.compile(r"(?P<what>.*?) \[(?P<source>[^\]]+)\]$")
ERRNO = re.compile(r" -> (E[A-Z0-9]+)")
# The table's first line, where --write starts replacing.
HEADER = "| case | errno | expectation from |"

# Where the bare file names of the tags live in the kernel tree.
FILES = {
    "uapi": "include/uapi/linux/iommufd.h",
    "kvm_main.c": "virt/kvm/kvm_main.c",
    "guest_memfd.c": "virt/kvm/guest_memfd.c",
    "device_cdev.c": "drivers/vfio/device_cdev.c",
    "vfio_main.c": "drivers/vfio/vfio_main.c",
    "iommufd.c": "drivers/vfio/iommufd.c",
    "arm-smmu-v3-iommufd.c": "drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-iommufd.c",
    "iommu.c": "drivers/iommu/iommu.c",
}

# The proposals the kit ships, by their patch thread.
PROPOSALS = {
    "kvm-vm-fd": '"[PATCH v2 1/3] iommufd/viommu: Allow associating a KVM VM fd with a vIOMMU", '
                 "Aneesh Kumar K.V (Arm), 2026-03-09",
    "amd-kvmfd": '"[PATCH v2 17/26] iommu/amd: Pass KVM FD from userspace when initializing vIOMMU", '
                 "Suravee Suthikulpanit, 2026-05-28",
    "tsm-map": '"[RFC PATCH v1 10/38] iommufd/vdevice: Add TSM map ioctl", Aneesh Kumar K.V (Arm), 2025-07-28',
    "pkvm": '"[PATCH v3 14/29] KVM: arm64: iommu: Introduce IOMMU driver infrastructure", '
            "Mostafa Saleh, 2025-07-28",
}


def cite(source, where):
    """The text of a [source] tag; exits on one the grammar does not know."""
    if source == "doc":
        return "Documentation/userspace-api/iommufd.rst"
    if source == "fake":
        return "the fake's choice (see Deviations)"
    kind, _, ref = source.partition(" ")
    if kind == "proposal" and ref in PROPOSALS:
        return PROPOSALS[ref]
    if kind in ("6.12", "mainline") and ref:
        path = ref if "/" in ref else FILES.get(ref, "drivers/iommu/iommufd/" + ref)
        return ("Linux 6.12 " if kind == "6.12" else "mainline Linux ") + path
    raise SystemExit(f"{where}: unknown source [{source}]")


def rows():
    for path in sorted((ROOT / "conformance" / "fake").glob("*_test.cpp")):
        for name in CASE.findall(path.read_text()):
            m = NAME.match(name)
            if not m:
                raise SystemExit(f"{path.name}: case name without [source]: {name}")
            errnos = ERRNO.findall(m["what"])
            yield m["what"].replace("|", "\\|"), ", ".join(errnos) or "success", cite(m["source"], path.name)


def table():
    lines = [HEADER, "|---|---|---|"]
    lines += [f"| {w} | {e} | {s} |" for w, e, s in rows()]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", metavar="FILE", type=pathlib.Path, help="exit 1 when FILE does not contain the table")
    mode.add_argument("--write", metavar="FILE", type=pathlib.Path, help="replace the table at the end of FILE")
    args = parser.parse_args()
    if args.check:
        if table() not in args.check.read_text():
            print(f"{args.check} is out of date: run scripts/fake_semantics_table.py --write {args.check}")
            return 1
        print(f"{len(list(rows()))} cases listed")
    elif args.write:
        text = args.write.read_text()
        at = text.find(HEADER)
        if at < 0:
            print(f"{args.write}: no line starting the table ({HEADER})", file=sys.stderr)
            return 2
        args.write.write_text(text[:at] + table())
        print(f"{args.write}: {len(list(rows()))} cases written")
    else:
        sys.stdout.write(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
