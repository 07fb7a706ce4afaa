"""Shared steps of the binding checks (all_headers_bindings.py and
binding_crosscheck.py): scan and emit with uapikit-gen, compile with a
cache keyed by everything the compile reads, and read clang's record layout
dumps back as flat lists of members.

A compile is cached as an empty file named after the SHA-256 of the
compiler's identity, its arguments and the text of every input file; a
fresh machine compiles once, later runs only hash. Python standard library
only.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import layout_accuracy  # noqa: E402  (the record layout dump's offset syntax)

TARGETS = {
    # triple: (kernel ARCH, the C library's folder under /usr)
    "x86_64-linux-gnu": ("x86", "x86_64-linux-gnu"),
    "i386-linux-gnu": ("x86", "i686-linux-gnu"),
    "aarch64-linux-gnu": ("arm64", "aarch64-linux-gnu"),
    "arm-linux-gnueabihf": ("arm", "arm-linux-gnueabihf"),
    "riscv64-linux-gnu": ("riscv", "riscv64-linux-gnu"),
    "powerpc64le-linux-gnu": ("powerpc", "powerpc64le-linux-gnu"),
    "s390x-linux-gnu": ("s390", "s390x-linux-gnu"),
}

CXX_KEYWORDS = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
    "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
    "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default",
    "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false",
    "float", "for", "friend", "goto", "if", "import", "inline", "int", "long", "module", "mutable",
    "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private",
    "protected", "public", "register", "reinterpret_cast", "requires", "return", "short", "signed", "sizeof",
    "static", "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local", "throw",
    "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void",
    "volatile", "wchar_t", "while", "xor", "xor_eq"}


def parse_arguments(ap, folders=()):
    """The options both suites take (the generator, the header trees, uapikit's
    include/ folder, the cache, the compilers, the jobs), then ap's own; every
    folder option is made absolute."""
    ap.add_argument("--gen", required=True)
    ap.add_argument("--headers", required=True, help="folder of <arch>/include headers_install trees")
    ap.add_argument("--include", required=True, help="uapikit's include/ folder")
    ap.add_argument("--cache", required=True)
    ap.add_argument("--clang", default="clang++-19")
    ap.add_argument("--gxx", default="g++")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    a = ap.parse_args()
    for attr in ("gen", "headers", "include", "cache") + tuple(folders):
        setattr(a, attr, os.path.abspath(getattr(a, attr)))
    return a


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def libc_dirs(cache):
    """Per-triple folders named as scan's {triple} expects, pointing at the
    C library headers Debian's libc6-dev-*-cross packages install."""
    root = os.path.join(cache, "libc")
    for triple, (_, gnu) in TARGETS.items():
        d = os.path.join(root, triple)
        os.makedirs(d, exist_ok=True)
        link = os.path.join(d, "include")
        target = "/usr/%s/include" % gnu
        if not os.path.isdir(target):
            raise SystemExit("missing %s: run scripts/setup.sh (libc6-dev-*-cross)" % target)
        if not os.path.islink(link):
            os.symlink(target, link)
    return os.path.join(root, "{triple}", "include")


def scan(gen, headers, include_dirs, out, keep_going=False, jobs=2):
    cmd = [gen, "scan", *headers]
    for d in include_dirs:
        cmd += ["-I", d]
    for t in TARGETS:
        cmd += ["--target", t]
    if keep_going:
        cmd.append("--keep-going")
    cmd += ["-j", str(jobs), "-o", out]
    r = run(cmd)
    if r.returncode != 0:
        raise SystemExit("scan failed (%d):\n%s" % (r.returncode, r.stderr))
    with open(out) as f:
        return json.load(f)


def emit(gen, manifest_file, out, namespace, all_files=False):
    cmd = [gen, "emit", manifest_file, "-o", out, "--namespace", namespace]
    if all_files:
        cmd.append("--all-files")
    r = run(cmd)
    if r.returncode != 0:
        raise SystemExit("emit failed (%d):\n%s" % (r.returncode, r.stderr))


def compiler_identity(cxx):
    return run([cxx, "--version"]).stdout


def cache_key(cxx, args, files):
    h = hashlib.sha256()
    h.update(compiler_identity(cxx).encode())
    h.update("\0".join(args).encode())
    for path in files:
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


class Compile:
    """One compiler run. `dump` asks clang for record layout dumps, which
    are then returned (not cached: the caller checks them right away)."""

    def __init__(self, label, cxx, args, inputs, dump=False):
        self.label, self.cxx, self.args, self.inputs, self.dump = label, cxx, args, inputs, dump


def run_compiles(compiles, cache, jobs):
    """Runs the compiles not yet cached. Returns {label: (ok, stderr, dump,
    cached)}; cached ones report (True, "", None, True)."""
    os.makedirs(os.path.join(cache, "ok"), exist_ok=True)

    def one(c):
        key = cache_key(c.cxx, c.args + (["dump"] if c.dump else []), c.inputs)
        stamp = os.path.join(cache, "ok", key)
        if os.path.exists(stamp):
            return c.label, (True, "", None, True)
        args = c.args + (["-Xclang", "-fdump-record-layouts"] if c.dump else [])
        r = run([c.cxx, *args])
        ok = r.returncode == 0
        return c.label, (ok, r.stderr, r.stdout if c.dump else None, False)

    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for label, res in pool.map(one, compiles):
            results[label] = res
    return results


def mark_ok(c, cache):
    key = cache_key(c.cxx, c.args + (["dump"] if c.dump else []), c.inputs)
    open(os.path.join(cache, "ok", key), "w").close()


# ---------------------------------------------------------------------------
# Record layout dumps, flattened
# ---------------------------------------------------------------------------

_MARK = "*** Dumping AST Record Layout"
_ROW = re.compile(r"^\s*(\S*) \| (.*)$")


def flatten_dump(text):
    """{qualname: {"size", "align", "rows": [(offset_bits, width|None, name)]}}
    for every record clang dumped. Rows are every member at every depth, in
    order, with absolute offsets (the dump's own numbers). Members of
    uapikit's own helper types (named padding, the empty-struct marker) are
    left out, with everything nested in them."""
    out = {}
    for chunk in text.split(_MARK)[1:]:
        lines = [ln for ln in chunk.split("\n") if ln.strip()]
        head = _ROW.match(lines[0]).group(2)
        rows, size, align, skip_below = [], None, None, None
        trailer = ""
        for ln in lines[1:]:
            m = _ROW.match(ln)
            if not m:
                trailer += " " + ln.strip()
                continue
            off, body = m.groups()
            if off == "":
                trailer += " " + body.strip()
                continue
            indent = len(body) - len(body.lstrip(" "))
            if skip_below is not None:
                if indent > skip_below:
                    continue
                skip_below = None
            typ, name = layout_accuracy._split_type_name(body.strip() + (" " if body.endswith(" ") else ""))
            if name.startswith("uapikit_padding_at_") or name == "uapikit_empty":
                skip_below = indent
                continue
            bit, width, exact = layout_accuracy._parse_offset(off)
            rows.append((bit if exact else bit // 8 * 8, width, name))
        kv = dict(re.findall(r"(\w+)=(\d+)", trailer))
        size, align = int(kv["sizeof"]), int(kv["align"])
        kind, _, qual = head.partition(" ")
        out[qual] = {"kind": kind, "size": size, "align": align, "rows": rows}
    return out


# Unnamed records have names with parentheses ("ec_nesting::@union(word)");
# an array or pointer spelling matches too but names no record.
_RECORD_REF = re.compile(r"^(?:const |volatile )*(struct|union) (.+)$")


def flatten_manifest(abi):
    """Like flatten_dump, from a manifest target: every member at every
    depth, recursing into members of record type (not into arrays, as
    clang's dump does not)."""
    records = {r["name"]: r for r in abi["records"]}
    typedefs = set(records)

    def rows_of(name, base, out):
        for f in records[name]["fields"]:
            off = base + f["offset_bits"]
            width = f.get("bit_width")
            out.append((off if width != 0 else off // 8 * 8, width, f["name"]))
            m = _RECORD_REF.match(f["canonical_type"].strip())
            ref = m.group(2).strip() if m else (f["canonical_type"] if f["canonical_type"] in typedefs else None)
            if ref in records and not f.get("flexible"):
                rows_of(ref, off, out)

    out = {}
    for name, r in records.items():
        rows = []
        rows_of(name, 0, rows)
        out[name] = {"kind": r["kind"], "size": r["size"], "align": r["align"], "rows": rows}
    return out


def same_rows(ours, theirs):
    """Rows compare by offset, width and name; a member renamed with a
    trailing underscore (a C++ keyword) matches its C name."""
    if len(ours) != len(theirs):
        return False
    for (o1, w1, n1), (o2, w2, n2) in zip(ours, theirs):
        if o1 != o2 or (w1 or 0) != (w2 or 0):
            return False
        if n1 != n2 and not (n1.endswith("_") and n1[:-1] == n2):
            return False
    return True


def first_difference(ours, theirs):
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if not same_rows([a], [b]):
            return "row %d: %r vs %r" % (i, a, b)
    return "%d rows vs %d" % (len(ours), len(theirs))
