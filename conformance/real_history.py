#!/usr/bin/env python3
"""uapikit-gen diff on real kernel history: Debian's Linux 6.1 and 6.12
headers_install trees (scripts/kernel-headers.sh --version 6.1, and 6.12).

  reduced    a handful of real headers whose 6.1 -> 6.12 changes exercise the
             rules of docs/abi-rules.md, for x86_64 and i386; every finding is
             written out below with where it comes from in the headers.
  identity   a full scan of 6.12 (every linux/*.h, 7 targets) diffed against
             itself, and every shipped ABI version against itself: no finding,
             exit 0.
  full       the 539 linux/*.h both trees have, 7 targets: the incompatible
             findings and the per-severity counts must be exactly those of the
             table in docs/peer-comparison.md.

Usage: real_history.py MODE --gen UAPIKIT_GEN --history DIR --headers DIR
  [--doc docs/peer-comparison.md] [--abi-dir abi]
  --history holds linux-6.1's <arch>/include trees, --headers linux-6.12's.
Exit status 0 when everything agrees.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

TARGETS = ["x86_64-linux-gnu", "i386-linux-gnu", "aarch64-linux-gnu", "arm-linux-gnueabihf",
           "riscv64-linux-gnu", "powerpc64le-linux-gnu", "s390x-linux-gnu"]

failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else "\n     " + detail))
    if not ok:
        failures.append(what)


def scan(gen, tree, headers, targets, out):
    argv = [gen, "scan", *headers, "-I", os.path.join(tree, "{arch}", "include"), "--keep-going", "-o", out]
    for t in targets:
        argv += ["--target", t]
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("uapikit-gen scan failed (%d): %s" % (r.returncode, r.stderr[-2000:]))


def diff(gen, old, new, fmt="json"):
    r = subprocess.run([gen, "diff", old, new, "--format", fmt], capture_output=True, text=True)
    if r.returncode not in (0, 4, 8, 12):
        sys.exit("uapikit-gen diff failed (%d): %s" % (r.returncode, r.stderr))
    return r.returncode, (json.loads(r.stdout) if fmt == "json" else r.stdout)


def name_of(f):
    """RECORD[.FIELD] as diff prints it; an unnamed enum's constant by its name."""
    if "field" not in f:
        return f["record"]
    return f["field"] if f["record"].startswith("@enum:") else f["record"] + "." + f["field"]


def common_headers(old_tree, new_tree):
    def listing(tree):
        return {"linux/" + h for h in os.listdir(os.path.join(tree, "x86", "include", "linux")) if h.endswith(".h")}
    return sorted(listing(old_tree) & listing(new_tree))


# ---- --reduced ----------------------------------------------------------------

REDUCED_HEADERS = ["linux/stat.h", "linux/ptp_clock.h", "linux/nbd.h", "linux/vbox_vmmdev_types.h",
                   "linux/timex.h", "linux/fscrypt.h", "linux/hw_breakpoint.h", "linux/mei.h", "linux/version.h",
                   "linux/rseq.h", "linux/vdpa.h", "linux/pcitest.h", "linux/can.h", "linux/can/raw.h"]

B = "x86_64-linux-gnu i386-linux-gnu"
X = "x86_64-linux-gnu"
I = "i386-linux-gnu"

# (kind, name, severity, targets): every finding of the reduced run. Each
# comment says what in the two headers makes it so.
REDUCED_EXPECTED = [
    # stat.h: struct statx's "__u64 __spare3[12]" became stx_subvol, two
    # __u32 atomic-write units, a __u32 segment count, "__u32 __spare1[1]"
    # and "__u64 __spare3[9]": reserved bytes put to use, nothing moved.
    # __spare1 is itself reserved: it keeps bytes for later, no finding.
    ("reserved-repurposed", "statx.stx_subvol", "warning", B),
    ("reserved-repurposed", "statx.stx_atomic_write_unit_min", "warning", B),
    ("reserved-repurposed", "statx.stx_atomic_write_unit_max", "warning", B),
    ("reserved-repurposed", "statx.stx_atomic_write_segments_max", "warning", B),
    # statx is 4-byte aligned on i386 and the new stx_subvol is a plain __u64.
    ("unaligned-64bit-field", "statx.stx_subvol", "warning", I),
    ("new-constant", "STATX_ATTR_WRITE_ATOMIC", "compatible", B),
    ("new-constant", "STATX_MNT_ID_UNIQUE", "compatible", B),
    ("new-constant", "STATX_SUBVOL", "compatible", B),
    ("new-constant", "STATX_WRITE_ATOMIC", "compatible", B),
    # ptp_clock.h: "int rsv[12]" -> "int max_phase_adj; int rsv[11]", and
    # "unsigned int rsv[3]" -> "__kernel_clockid_t clockid; unsigned int rsv[2]".
    ("reserved-repurposed", "ptp_clock_caps.max_phase_adj", "warning", B),
    ("reserved-repurposed", "ptp_sys_offset_extended.clockid", "warning", B),
    # PTP_EXTTS_VALID_FLAGS gains PTP_EXT_OFFSET (1 << 4): 0xf -> 0x1f.
    ("mask-changed", "PTP_EXTTS_VALID_FLAGS", "compatible", B),
    ("new-constant", "PTP_EXTTS_EVENT_VALID", "compatible", B),
    ("new-constant", "PTP_EXT_OFFSET", "compatible", B),
    ("new-command", "PTP_MASK_CLEAR_ALL", "compatible", B),
    ("new-command", "PTP_MASK_EN_SINGLE", "compatible", B),
    # nbd.h: "char handle[8]" became "union { __be64 cookie; char handle[8]; }"
    # in nbd_request and nbd_reply: a new name for the same bytes. nbd_reply
    # had only chars and __be32s, so on x86_64 its alignment goes 4 -> 8; on
    # i386 a __be64 is 4-byte aligned, so unaligned-64bit-field fires there.
    # nbd_reply is 16 bytes with handle at 8 on both targets, and each union
    # 8 bytes: they differ only in alignment (4 vs 8), which is no
    # compat-layout-differs.
    ("union-member-added", "nbd_reply.cookie", "compatible", B),
    ("union-member-added", "nbd_request.cookie", "compatible", B),
    ("alignment-changed", "nbd_reply", "warning", X),
    ("unaligned-64bit-field", "nbd_reply::@union(cookie).cookie", "warning", I),
    ("unaligned-64bit-field", "nbd_request::@union(cookie).cookie", "warning", I),
    ("new-constant", "NBD_CMD_WRITE_ZEROES", "compatible", B),
    ("new-constant", "NBD_CMD_FLAG_NO_HOLE", "compatible", B),
    ("new-constant", "NBD_FLAG_ROTATIONAL", "compatible", B),
    ("new-constant", "NBD_FLAG_SEND_WRITE_ZEROES", "compatible", B),
    # vbox_vmmdev_types.h: "__u64 pages[1]" became "union { __u64 unused;
    # __DECLARE_FLEX_ARRAY(__u64, pages); }": same size, pages now flexible.
    # The union (8 bytes) and its struct around pages (0 bytes) differ
    # between i386 and x86_64 only in alignment: no compat-layout-differs.
    ("union-member-added", "vmmdev_hgcm_pagelist.unused", "compatible", B),
    ("flexible-array", "vmmdev_hgcm_pagelist.pages", "compatible", B),
    ("unaligned-64bit-field", "vmmdev_hgcm_pagelist::@union(unused).unused", "warning", I),
    # fscrypt.h: "__u8 __reserved[4]" -> "__u8 log2_data_unit_size; __u8
    # __reserved[3]"; the Speck modes (values 7 and 8) are gone and SM4 took
    # their values.
    ("reserved-repurposed", "fscrypt_policy_v2.log2_data_unit_size", "warning", B),
    ("macro-removed", "FS_ENCRYPTION_MODE_SPECK128_256_CTS", "incompatible", B),
    ("macro-removed", "FS_ENCRYPTION_MODE_SPECK128_256_XTS", "incompatible", B),
    ("new-constant", "FSCRYPT_MODE_SM4_CTS", "compatible", B),
    ("new-constant", "FSCRYPT_MODE_SM4_XTS", "compatible", B),
    # hw_breakpoint.h: enum bp_type_idx is no longer in the uapi header.
    ("enum-constant-removed", "bp_type_idx.TYPE_DATA", "incompatible", B),
    ("enum-constant-removed", "bp_type_idx.TYPE_INST", "incompatible", B),
    ("enum-constant-removed", "bp_type_idx.TYPE_MAX", "incompatible", B),
    # mei.h brings mei_uuid.h: "typedef struct { __u8 b[16]; } guid_t" is now
    # uuid_le, the same 16 bytes; the members that use it follow.
    ("struct-renamed", "guid_t", "warning", B),
    ("field-type-renamed", "mei_connect_client_data.in_client_uuid", "compatible", B),
    ("field-type-renamed", "mei_connect_client_vtag.in_client_uuid", "compatible", B),
    # version.h: 6.1.192 -> 6.12.117 or later (the sublevel goes down).
    ("version-changed", "LINUX_VERSION_CODE", "compatible", B),
    ("version-changed", "LINUX_VERSION_PATCHLEVEL", "compatible", B),
    ("version-changed", "LINUX_VERSION_SUBLEVEL", "compatible", B),
    # rseq.h: node_id and mm_cid fill what was tail padding of the 32-byte
    # aligned struct rseq, end[] marks its end; 4 bytes of padding remain.
    ("field-added-in-padding", "rseq.node_id", "warning", B),
    ("field-added-in-padding", "rseq.mm_cid", "warning", B),
    ("flexible-array", "rseq.end", "compatible", B),
    ("implicit-padding", "rseq", "warning", B),
    # vdpa.h: VDPA_ATTR_VDPA_DEV_SUPPORTED_FEATURES (21) is gone and the new
    # block-device attributes start at 21; the sentinel VDPA_ATTR_MAX moves.
    ("enum-constant-removed", "vdpa_attr.VDPA_ATTR_VDPA_DEV_SUPPORTED_FEATURES", "incompatible", B),
    ("sentinel-changed", "vdpa_attr.VDPA_ATTR_MAX", "compatible", B),
] + [("new-constant", "vdpa_attr.VDPA_ATTR_DEV_BLK_" + n, "compatible", B) for n in (
    "CFG_ALIGN_OFFSET", "CFG_BLK_SIZE", "CFG_CAPACITY", "CFG_DISCARD_SEC_ALIGN", "CFG_MAX_DISCARD_SEC",
    "CFG_MAX_DISCARD_SEG", "CFG_MAX_WRITE_ZEROES_SEC", "CFG_MAX_WRITE_ZEROES_SEG", "CFG_MIN_IO_SIZE",
    "CFG_NUM_QUEUES", "CFG_OPT_IO_SIZE", "CFG_PHY_BLK_EXP", "CFG_SEG_MAX", "CFG_SIZE_MAX", "FLUSH",
    "READ_ONLY")] + [
    ("new-constant", "vdpa_command.VDPA_CMD_DEV_ATTR_SET", "compatible", B),
    # asm-generic/bitsperlong.h (reached through the headers above) gained it.
    ("new-constant", "__BITS_PER_LONG_LONG", "compatible", B),
    # pcitest.h: PCITEST_LEGACY_IRQ is now "#define PCITEST_LEGACY_IRQ
    # PCITEST_INTX_IRQ", an alias of the new name: nothing to report for it.
    # Neither evaluates, as pcitest.h uses _IO without <linux/ioctl.h>, so the
    # new name is a new macro userspace cannot evaluate.
    ("macro-not-evaluable", "PCITEST_INTX_IRQ", "warning", B),
    # can.h: "#define CAN_RAW_FILTER_MAX 512" moved to can/raw.h, which can.h
    # does not include; both are scanned, so it is a move, not a removal.
    ("moved-to-header", "CAN_RAW_FILTER_MAX", "warning", B),
    # can.h gained the CAN XL VCID field macros; can/raw.h the VCID socket
    # option (a new constant of its unnamed enum), its struct and its flags.
    ("new-constant", "CANXL_VCID_OFFSET", "compatible", B),
    ("new-constant", "CANXL_VCID_VAL_MASK", "compatible", B),
    ("new-constant", "CANXL_VCID_MASK", "compatible", B),
    ("new-constant", "CAN_RAW_XL_VCID_OPTS", "compatible", B),
    ("new-struct", "can_raw_vcid_options", "compatible", B),
    ("new-constant", "CAN_RAW_XL_VCID_TX_SET", "compatible", B),
    ("new-constant", "CAN_RAW_XL_VCID_TX_PASS", "compatible", B),
    ("new-constant", "CAN_RAW_XL_VCID_RX_FILTER", "compatible", B),
    # timex.h: unchanged, with its unnamed "int :32;" bitfields: nothing.
]


def reduced(a):
    with tempfile.TemporaryDirectory() as tmp:
        old, new = os.path.join(tmp, "old.json"), os.path.join(tmp, "new.json")
        targets = ["x86_64-linux-gnu", "i386-linux-gnu"]
        scan(a.gen, a.history, REDUCED_HEADERS, targets, old)
        scan(a.gen, a.headers, REDUCED_HEADERS, targets, new)
        rc, out = diff(a.gen, old, new)
    got = sorted((f["kind"], name_of(f), f["severity"], " ".join(f["targets"])) for f in out["findings"])
    want = sorted(REDUCED_EXPECTED)
    missing = [w for w in want if w not in got]
    extra = [g for g in got if g not in want]
    check("reduced 6.1 -> 6.12: every finding is the expected one", not missing and not extra,
          "missing: %s\n     unexpected: %s" % (missing, extra))
    check("reduced 6.1 -> 6.12: exit 12 (the removals are real breaks)", rc == 12, "exit %d" % rc)


# ---- --identity ------------------------------------------------------------------

def identity(a):
    with tempfile.TemporaryDirectory() as tmp:
        full = os.path.join(tmp, "full-6.12.json")
        headers = sorted("linux/" + h for h in os.listdir(os.path.join(a.headers, "x86", "include", "linux"))
                         if h.endswith(".h"))
        scan(a.gen, a.headers, headers, TARGETS, full)
        rc, out = diff(a.gen, full, full, fmt="text")
        check("full 6.12 scan (%d linux/*.h, 7 targets) diffed against itself: exit 0, no output" % len(headers),
              rc == 0 and out == "", "exit %d, %s" % (rc, out[:500]))
    env = dict(os.environ, UAPIKIT_ABI_DIR=a.abi_dir)
    versions = [v for v in sorted(os.listdir(a.abi_dir)) if os.path.isfile(os.path.join(a.abi_dir, v, "version.json"))]
    for v in versions:
        r = subprocess.run([a.gen, "diff", v, v], capture_output=True, text=True, env=env)
        check("shipped version %s diffed against itself: exit 0, no output" % v, r.returncode == 0 and r.stdout == "",
              "exit %d, %s" % (r.returncode, r.stdout[:500] + r.stderr[:500]))


# ---- --full ------------------------------------------------------------------------

def documented(doc):
    """(summary line, {(kind, name)}) from the table in docs/peer-comparison.md."""
    text = open(doc).read()
    block = re.search(r"<!-- history-6\.1-6\.12: begin -->(.*?)<!-- history-6\.1-6\.12: end -->", text, re.S)
    if not block:
        sys.exit("%s: no history-6.1-6.12 block" % doc)
    summary = re.search(r"^Summary: (.*)$", block.group(1), re.M).group(1).strip()
    pairs = set()
    for row in block.group(1).splitlines():
        if not row.startswith("| `"):
            continue
        cell = row.split("|")[1]
        for part in cell.split(";"):
            m = re.match(r"\s*`([a-z0-9-]+)`:(.*)", part)
            if m:
                for name in re.findall(r"`([^`]+)`", m.group(2)):
                    pairs.add((m.group(1), name))
    return summary, pairs


def full(a):
    summary, pairs = documented(a.doc)
    with tempfile.TemporaryDirectory() as tmp:
        old, new = os.path.join(tmp, "linux-6.1.json"), os.path.join(tmp, "linux-6.12.json")
        headers = common_headers(a.history, a.headers)
        scan(a.gen, a.history, headers, TARGETS, old)
        scan(a.gen, a.headers, headers, TARGETS, new)
        rc, out = diff(a.gen, old, new)
        _, text = diff(a.gen, old, new, fmt="text")
    got = {(f["kind"], name_of(f)) for f in out["findings"] if f["severity"] == "incompatible"}
    print("%d headers both trees have; %s" % (len(headers), text.strip().splitlines()[-1]))
    # The counts per kind, as docs/peer-comparison.md lists them.
    by_kind = collections.Counter((f["severity"], f["kind"]) for f in out["findings"])
    for severity in ("incompatible", "warning", "compatible"):
        kinds = sorted(((n, k) for (s, k), n in by_kind.items() if s == severity), key=lambda x: (-x[0], x[1]))
        print("  %s: %s" % (severity, ", ".join("%s %d" % (k, n) for n, k in kinds)))
    check("6.1 -> 6.12: exit 12", rc == 12, "exit %d" % rc)
    check("6.1 -> 6.12: the incompatible findings are exactly the documented ones", got == pairs,
          "not documented: %s\n     documented, not found: %s" % (sorted(got - pairs), sorted(pairs - got)))
    check("6.1 -> 6.12: the counts per severity are the documented ones",
          text.strip().splitlines()[-1] == summary, "run: %s; doc: %s" % (text.strip().splitlines()[-1], summary))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["reduced", "identity", "full"])
    ap.add_argument("--gen", required=True)
    ap.add_argument("--history", required=True, help="the linux-6.1 trees (<arch>/include)")
    ap.add_argument("--headers", required=True, help="the linux-6.12 trees (<arch>/include)")
    ap.add_argument("--doc", default="docs/peer-comparison.md")
    ap.add_argument("--abi-dir", default="abi")
    a = ap.parse_args()
    for tree in (a.history, a.headers):
        if not os.path.isdir(os.path.join(tree, "x86", "include")):
            sys.exit("%s has no x86/include: run scripts/kernel-headers.sh (--version 6.1)" % tree)
    {"reduced": reduced, "identity": identity, "full": full}[a.mode](a)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
