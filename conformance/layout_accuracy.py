#!/usr/bin/env python3
"""Cross-check the record layouts in a uapikit manifest against clang.

Every header listed for a target is compiled on its own (as `#include <hdr>`
fed on stdin, so include resolution is exactly the scanner's) with the
scanner's clang arguments, in two passes:

 1. `-fsyntax-only -Xclang -ast-dump`: did it compile, what is the first
    error, and which records / typedefs does the translation unit define
    (with source locations, which the layout dump lacks for named records);
 2. the same header followed by one `sizeof` use per file-scope record (named
    records directly, anonymous ones through their typedef), compiled with
    `-fsyntax-only -Xclang -fdump-record-layouts`, which makes clang print
    the layout of every record it lays out - i.e. of all of them.

Why not the single-pass `-fdump-record-layouts-complete`?  In clang-19 it
computes (and caches!) a record's layout in completeDefinition(), before
attributes written after the closing brace are applied: for
`struct P { char a; int b; } __attribute__((packed));` it dumps size 8 and,
worse, the whole TU then sees sizeof(struct P) == 8 (so e.g. the size
assertions in linux/vbox_vmmdev_types.h fail).  See llvm-project PR 206820.

Both outputs are parsed here, independently of uapikit, and compared:
  * every record clang lays out in a file below one of the -I directories
    must be in the manifest with the same kind, size, alignment and the same
    direct members at the same bit offsets (and bit widths);
  * every manifest record must show up in at least one header's dump;
  * a header fails to compile in clang iff the manifest lists it in
    `errors`, and the first error line agrees (path prefix ignored).

Python 3 standard library only.  --help for the CLI; --self-test exercises
the parsers and the comparison on built-in snippets.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import sys
import tempfile
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clang_batch  # noqa: E402

COMMON_FLAGS = ["-fsyntax-only", "-fno-color-diagnostics"]
AST_FLAGS = COMMON_FLAGS + ["-Xclang", "-ast-dump"]
LAYOUT_FLAGS = COMMON_FLAGS + ["-Xclang", "-fdump-record-layouts"]

# --------------------------------------------------------------------------
# Layout dump parser
# --------------------------------------------------------------------------
#
# clang-19 prints one block per record whenever it computes a layout (so a
# nested record comes before the record containing it):
#
#   *** Dumping AST Record Layout
#            0 | struct outer
#            0 |   int a
#        4:0-2 |   unsigned int bits       <- byte:firstbit-lastbit
#          8:- |   int                     <- zero-width bit-field (no bits)
#           12 |   union outer::(anonymous at /inc/x.h:5:2)    <- anon member
#           12 |     int u1                <- nested members, absolute offsets
#           16 |   struct outer::(unnamed at /inc/x.h:7:3) named
#           24 |   char[] flex
#              | [sizeof=24, align=4]
#
# An unnamed record's own header line reads "(unnamed at FILE:L:C)" - or
# "(anonymous at ...)" for an anonymous struct/union member - where the
# location is the presumed (i.e. macro-expansion) location of the
# struct/union keyword, qualified by the nearest *named* enclosing record
# only.  Named records are printed unqualified (C scoping), without location.
# An unnamed record named by a typedef ("typedef struct {..} foo_t;") is
# printed as a bare "foo_t": kind and location must come from the AST.

MARKER = "*** Dumping AST Record Layout"
_IDENT = re.compile(r"^[A-Za-z_]\w*$")
_ROW = re.compile(r"^\s*(\S*) \| (.*)$")
_ANON = re.compile(r"\((?:unnamed|anonymous) at (.+):(\d+):(\d+)\)$")
_OFF_PLAIN = re.compile(r"^(\d+)$")
_OFF_BITS = re.compile(r"^(\d+):(\d+)-(\d+)$")
_OFF_ZERO = re.compile(r"^(\d+):-$")
_KV = re.compile(r"(\w+)=(\d+)")


class DumpParseError(Exception):
    pass


def _parse_offset(text):
    """Return (bit_offset, bit_width, exact).

    bit_width is None for ordinary members.  For zero-width bit-fields clang
    prints only the byte, so the offset is byte*8 and exact is False."""
    m = _OFF_PLAIN.match(text)
    if m:
        return int(m.group(1)) * 8, None, True
    m = _OFF_BITS.match(text)
    if m:
        byte, first, last = (int(g) for g in m.groups())
        return byte * 8 + first, last - first + 1, True
    m = _OFF_ZERO.match(text)
    if m:
        return int(m.group(1)) * 8, 0, False
    raise DumpParseError("unrecognised offset column %r" % text)


def _split_type_name(body):
    """'unsigned int x' -> ('unsigned int', 'x'); 'int ' -> ('int', '')."""
    if body.endswith(" "):
        return body[:-1], ""
    if " " not in body:
        raise DumpParseError("member line without a name: %r" % body)
    typ, name = body.rsplit(" ", 1)
    return typ, name


def parse_layout_dump(text):
    """Parse the layout part of clang's output into a list of dicts:

    {kind, qualname, anon_loc: (path, line, col) | None, size, align,
     extra: {key: int}, fields: [{type, name, offset_bits, bit_width,
     exact}]}   -- fields are the *direct* members only."""
    records = []
    for chunk in text.split(MARKER)[1:]:
        lines = [ln for ln in chunk.split("\n") if ln.strip()]
        if not lines:
            raise DumpParseError("empty layout block")
        m = _ROW.match(lines[0])
        if not m or m.group(1) != "0":
            raise DumpParseError("bad record header line %r" % lines[0])
        head = m.group(2)
        kind, _, qualname = head.partition(" ")
        if kind not in ("struct", "union", "class"):
            # an unnamed record that got a typedef name for linkage is
            # printed as just that name, without kind or location
            if not _IDENT.match(head):
                raise DumpParseError("unrecognised record header %r" % head)
            kind, qualname = None, head
        am = _ANON.search(qualname)
        anon_loc = (am.group(1), int(am.group(2)), int(am.group(3))) if am else None
        rec = {"kind": kind, "qualname": qualname, "anon_loc": anon_loc,
               "fields": [], "extra": {}}
        trailer = None
        for ln in lines[1:]:
            m = _ROW.match(ln)
            if not m:
                if trailer is not None:       # C++-style multi-line trailer
                    trailer += " " + ln.strip()
                    continue
                raise DumpParseError("unparsable layout line %r" % ln)
            off, body = m.groups()
            if off == "" and body.lstrip().startswith("["):
                trailer = body.strip()
                continue
            if trailer is not None:
                trailer += " " + body.strip()
                continue
            indent = len(body) - len(body.lstrip(" "))
            if indent % 2 or indent == 0:
                raise DumpParseError("odd indentation in %r" % ln)
            if indent != 2:
                continue                      # member of a nested record
            typ, name = _split_type_name(body[2:])
            bit, width, exact = _parse_offset(off)
            rec["fields"].append({"type": typ, "name": name, "offset_bits": bit,
                                  "bit_width": width, "exact": exact})
        if trailer is None:
            raise DumpParseError("record %r has no [sizeof=..] trailer" % head)
        kv = {k: int(v) for k, v in _KV.findall(trailer)}
        if "sizeof" not in kv or "align" not in kv:
            raise DumpParseError("bad trailer %r" % trailer)
        rec["size"] = kv.pop("sizeof")
        rec["align"] = kv.pop("align")
        rec["extra"] = kv
        records.append(rec)
    return records


# --------------------------------------------------------------------------
# AST dump parser (only RecordDecl definitions and their locations)
# --------------------------------------------------------------------------
#
# The text AST dump abbreviates every printed location relative to the
# previous one ("FILE:L:C", "line:L:C" or "col:C"), so all locations have to
# be replayed in output order.  Locations are spelling locations; pasted
# tokens live in the pseudo file "<scratch space>".

_NODE = re.compile(r"^([ |`-]*)([A-Za-z_]\w*) 0x[0-9a-f]+")
_PTR_PREFIX = re.compile(r" (?:parent|prev) 0x[0-9a-f]+")
_LOC_LINE = re.compile(r"line:(\d+):(\d+)")
_LOC_COL = re.compile(r"col:(\d+)")
_LOC_FULL = re.compile(r"(.+?):(\d+):(\d+)(?=[,> ]|$)")


class _LocState:
    __slots__ = ("file", "line")

    def __init__(self):
        self.file = None
        self.line = None

    def read(self, s, i):
        """Parse one location token at s[i:]; return ((file, line, col)|None, end)."""
        if s.startswith("<invalid sloc>", i):
            return None, i + len("<invalid sloc>")
        m = _LOC_LINE.match(s, i)
        if m:
            self.line = int(m.group(1))
            return (self.file, self.line, int(m.group(2))), m.end()
        m = _LOC_COL.match(s, i)
        if m:
            return (self.file, self.line, int(m.group(1))), m.end()
        m = _LOC_FULL.match(s, i)
        if m:
            self.file, self.line = m.group(1), int(m.group(2))
            return (self.file, self.line, int(m.group(3))), m.end()
        raise DumpParseError("unparsable AST location at %r" % s[i:i + 60])


def parse_ast(text):
    """Extract what the checker needs from a text AST dump.

    Returns {"records": [...], "typedefs": [...]}: records are RecordDecl
    definitions {addr, kind, name, loc, begin, local} (loc = spelling
    location of the declaration, begin = start of its source range, local =
    declared inside a function); typedefs are file-scope TypedefDecls
    {name, records: [addresses of records named in the aliased type]}."""
    st = _LocState()
    records, typedefs = [], []
    stack = []  # (depth, node kind)
    cur_typedef = None
    for line in text.split("\n"):
        m = _NODE.match(line)
        if not m:
            continue
        depth = len(m.group(1)) // 2
        kind = m.group(2)
        i = m.end()
        while True:
            pm = _PTR_PREFIX.match(line, i)
            if not pm:
                break
            i = pm.end()
        begin = loc = None
        if line.startswith(" <", i):
            i += 2
            begin, i = st.read(line, i)
            if line.startswith(", ", i):
                _, i = st.read(line, i + 2)
            if not line.startswith(">", i):
                raise DumpParseError("unterminated source range in %r" % line)
            i += 1
            if kind.endswith("Decl") and line.startswith(" ", i):
                loc, i = st.read(line, i + 1)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if cur_typedef is not None and depth <= cur_typedef[0]:
            cur_typedef = None
        if kind == "RecordDecl":
            words = line[i:].split()
            if "definition" in words:
                rkind, name = None, ""
                for w_i, w in enumerate(words):
                    if w in ("struct", "union", "class"):
                        rkind = w
                        nxt = words[w_i + 1] if w_i + 1 < len(words) else ""
                        name = "" if nxt == "definition" else nxt
                        break
                local = any(k == "FunctionDecl" for _, k in stack)
                addr = line[m.end(2) + 1:].split(" ", 1)[0]
                records.append({"addr": addr, "kind": rkind, "name": name,
                                "loc": loc, "begin": begin, "local": local})
        elif kind == "TypedefDecl" and depth == 1:
            head = line[i:].split(" '", 1)[0].split()
            if head and "implicit" not in head:
                cur_typedef = (depth, {"name": head[-1], "records": []})
                typedefs.append(cur_typedef[1])
        elif kind == "Record" and cur_typedef is not None:
            cur_typedef[1]["records"].append(line[m.end(2) + 1:].split(" ", 1)[0])
        stack.append((depth, kind))
    return {"records": records, "typedefs": typedefs}


_ERR = re.compile(r"^(.*?):(\d+):(\d+): (?:fatal )?error: (.*)$")


def first_error(stderr):
    for ln in stderr.splitlines():
        if _ERR.match(ln):
            return ln
    for ln in stderr.splitlines():
        if "error:" in ln:
            return ln
    return None


# --------------------------------------------------------------------------
# Include-directory handling
# --------------------------------------------------------------------------

_INC_FLAGS = ("-I", "-isystem", "-idirafter", "-iquote", "--include-directory")


def include_dirs(clang_args, cwd):
    dirs = []
    it = iter(range(len(clang_args)))
    for i in it:
        a = clang_args[i]
        val = None
        for f in _INC_FLAGS:
            if a == f and i + 1 < len(clang_args):
                val = clang_args[i + 1]
                next(it, None)
                break
            if a.startswith(f + "=") and f.startswith("--"):
                val = a[len(f) + 1:]
                break
            if a.startswith(f) and a != f and not f.startswith("--"):
                val = a[len(f):]
                break
        if val is not None:
            dirs.append(os.path.normpath(os.path.join(cwd, val)))
    return dirs


def rel_to_includes(path, inc_dirs, cwd):
    """Map a path as printed by clang to the include-relative name, or None
    if it is not below any include directory (clang builtin headers,
    <stdin>, <scratch space>, ...)."""
    if not path or path.startswith("<"):
        return None
    p = os.path.normpath(os.path.join(cwd, path))
    best = None
    for d in inc_dirs:
        if p.startswith(d.rstrip("/") + "/"):
            if best is None or len(d) > len(best):
                best = d
    if best is None:
        rp = os.path.realpath(p)
        for d in inc_dirs:
            rd = os.path.realpath(d)
            if rp.startswith(rd + "/"):
                return os.path.relpath(rp, rd)
        return None
    return os.path.relpath(p, best)


# --------------------------------------------------------------------------
# Worker: compile one header and reduce clang's output to compact records
# --------------------------------------------------------------------------

def force_layout_source(header, ast):
    """Main file for pass 2: the header plus one sizeof per record that can
    be named at file scope.  Anonymous records nested in a named one are laid
    out with it; file-scope anonymous records are reached via typedefs."""
    lines = ["#include <%s>" % header]
    n = 0
    anon = set()
    for r in ast["records"]:
        if r["local"]:
            continue
        if r["name"]:
            lines.append("typedef char __uapikit_layout_%d[sizeof(%s %s) + 1];"
                         % (n, r["kind"], r["name"]))
            n += 1
        else:
            anon.add(r["addr"])
    for td in ast["typedefs"]:
        if any(a in anon for a in td["records"]):
            lines.append("typedef char __uapikit_layout_%d[sizeof(%s) + 1];" % (n, td["name"]))
            n += 1
    return "\n".join(lines) + "\n"


def run_headers(clang, clang_args, headers, cwd, extras=None, jobs=1):
    """Compile each header (both passes); return one small dict per header.

    `extras[i]` is appended to header i's second pass (macro_accuracy's
    checks ride on that compile); the errors on its lines come back in
    res["extra_errors"], keyed by line number within the extra text (from 1).
    The compiles of each pass go through clang_batch, many to a process."""
    inc = include_dirs(clang_args, cwd)
    extras = extras or [""] * len(headers)
    out = [{"rc": 0, "error": None, "records": [], "problems": [], "local": 0} for _ in headers]
    try:
        first = clang_batch.compile_all(clang, clang_args + AST_FLAGS,
                                        ["#include <%s>\n" % h for h in headers], cwd, "ast", jobs)
    except OSError as e:
        for res in out:
            res.update(rc=-1, error="cannot run %s: %s" % (clang, e))
        return out
    second = []  # (index, AST, layout source) of the headers that go on
    for i, (res, p1) in enumerate(zip(out, first)):
        res["rc"] = p1.returncode
        if p1.returncode:
            res["error"] = first_error(p1.stderr) or (
                p1.stderr.strip().splitlines() or ["clang exit %d" % p1.returncode])[-1]
            continue
        try:
            ast = parse_ast(p1.stdout)
        except DumpParseError as e:
            res["problems"].append(("AST dump parse", str(e)))
            continue
        second.append((i, ast, force_layout_source(headers[i], ast)))
    layouts = clang_batch.compile_all(clang, clang_args + LAYOUT_FLAGS + ["-ferror-limit=0"],
                                      [src + extras[i] for i, _, src in second], cwd, "layout", jobs)
    for (i, ast, src), p2 in zip(second, layouts):
        second_pass(out[i], ast, src.count("\n"), p2, inc, cwd)
    return out


def second_pass(res, ast, own_lines, p2, inc, cwd):
    """Fill `res` from the layout pass of a header whose AST is `ast`; its own
    source (before the extra text) has `own_lines` lines."""
    res["extra_errors"] = {}
    own_error = None
    for ln in p2.stderr.splitlines():
        m = _ERR.match(ln)
        if not m or m.group(1) != "<stdin>":
            own_error = own_error or (ln if m else None)
            continue
        line = int(m.group(2))
        if line > own_lines:
            res["extra_errors"].setdefault(line - own_lines, m.group(4))
        else:
            own_error = own_error or ln
    if own_error or (p2.returncode and not res["extra_errors"]):
        res["problems"].append(("layout pass", own_error or first_error(p2.stderr) or "exit %d" % p2.returncode))
        return
    try:
        lay = parse_layout_dump(p2.stdout)
    except DumpParseError as e:
        res["problems"].append(("layout dump parse", str(e)))
        return
    res["records"], res["local"], missing = reduce_records(lay, ast, inc, cwd)
    res["local_locs"] = [(rel_to_includes(a["loc"][0], inc, cwd), a["loc"][1], a["loc"][2])
                         for a in ast["records"] if a["local"] and a["loc"]]
    for what in missing:
        res["problems"].append(("no layout obtained", what))


def run_header(clang, clang_args, header, cwd, extra=""):
    """run_headers for one header."""
    return run_headers(clang, clang_args, [header], cwd, [extra])[0]


def am_start(qualname):
    return _ANON.search(qualname).start()


def reduce_records(lay, ast, inc, cwd):
    """Attach include-relative locations and drop records outside the -I
    directories.  Returns (records, number of function-local records,
    descriptions of records clang defined but did not lay out)."""
    by_name = defaultdict(list)
    missing = []
    for a in ast["records"]:
        if a["name"]:
            by_name[a["name"]].append(a)
    by_addr = {a["addr"]: a for a in ast["records"]}
    typedef_rec = {}
    for td in ast["typedefs"]:
        for addr in td["records"]:
            a = by_addr.get(addr)
            if a and not a["name"]:
                typedef_rec.setdefault(td["name"], a)
                break
    # Types declared inside (inline) function bodies are not part of the
    # uapi ABI; the scanner does not look into function bodies.
    local_locs = {tuple(a["loc"]) for a in ast["records"] if a["local"] and a["loc"]}
    out = []
    dumped_names = set()
    dumped_anon = 0
    for r in lay:
        qualname = r["qualname"]
        kind = r["kind"]
        if kind is None:
            # "typedef struct { ... } name;": kind and location from the AST
            dumped_anon += 1
            a = typedef_rec.get(qualname)
            if a is None or not a["loc"]:
                missing.append("typedef %s: record not found in the AST" % qualname)
                continue
            rel = rel_to_includes(a["loc"][0], inc, cwd)
            if rel is None:
                continue
            kind, name, loc, loc_exact = a["kind"], "", (rel,) + tuple(a["loc"][1:]), True
            qualname = "(unnamed, typedef %s, at %s:%d:%d)" % ((qualname,) + loc)
        elif r["anon_loc"]:
            dumped_anon += 1
            path, line, col = r["anon_loc"]
            if (path, line, col) in local_locs:
                continue
            rel = rel_to_includes(path, inc, cwd)
            if rel is None:
                continue
            name = ""
            loc = (rel, line, col)
            loc_exact = True
            # show the include-relative file instead of clang's full path
            qualname = qualname[:am_start(qualname)] + "(unnamed at %s:%d:%d)" % loc
        else:
            name = qualname.split("::")[-1]
            dumped_names.add(name)
            cands = [c for c in by_name.get(name, []) if not c["local"]]
            if not cands:
                continue          # implicit builtin such as __va_list_tag
            a = cands[0]
            loc = None
            loc_exact = False
            if a["loc"] and a["loc"][0] and not a["loc"][0].startswith("<"):
                rel = rel_to_includes(a["loc"][0], inc, cwd)
                if rel is None:
                    continue
                loc = (rel, a["loc"][1], a["loc"][2])
                loc_exact = True
            else:
                # name made by token pasting: decide scope by range start
                b = a["begin"]
                rel = rel_to_includes(b[0], inc, cwd) if b else None
                if rel is None:
                    continue
                loc = (rel, None, None)
        fields = tuple((f["name"], f["type"], f["offset_bits"], f["bit_width"],
                        f["exact"]) for f in r["fields"])
        out.append((kind, name, qualname, loc, loc_exact,
                    r["size"], r["align"], fields))
    local = 0
    ast_anon = 0
    for a in ast["records"]:
        if a["local"]:
            local += 1
        elif a["name"]:
            if a["name"] not in dumped_names and a["loc"] and \
                    rel_to_includes(a["loc"][0], inc, cwd) is not None:
                missing.append("%s %s" % (a["kind"], a["name"]))
        else:
            ast_anon += 1
    if dumped_anon < ast_anon:
        missing.append("%d of %d unnamed records" % (ast_anon - dumped_anon, ast_anon))
    return out, local, missing


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------

def rec_label(m):
    return m.get("name") or "%s@%s:%s:%s" % (m.get("kind"), m.get("file"),
                                             m.get("line"), m.get("column"))


def compare_record(m, c):
    """Differences between manifest record m and clang record tuple c, as a
    list of (what, manifest_value, clang_value)."""
    kind, name, qualname, loc, loc_exact, size, align, fields = c
    diffs = []
    if m.get("kind") != kind:
        diffs.append(("kind", m.get("kind"), kind))
    if name and m.get("name") != name:
        diffs.append(("name", m.get("name"), name))
    if loc and m.get("file") != loc[0]:
        diffs.append(("file", m.get("file"), loc[0]))
    elif loc and loc_exact and (m.get("line"), m.get("column")) != (loc[1], loc[2]):
        diffs.append(("location", "%s:%s" % (m.get("line"), m.get("column")),
                      "%s:%s" % (loc[1], loc[2])))
    if m.get("size") != size:
        diffs.append(("size", m.get("size"), size))
    if m.get("align") != align:
        diffs.append(("align", m.get("align"), align))
    mf = m.get("fields") or []
    if len(mf) != len(fields):
        diffs.append(("field count", "%d [%s]" % (len(mf), ",".join(f.get("name", "?") for f in mf)),
                      "%d [%s]" % (len(fields), ",".join(f[0] for f in fields))))
    for idx, (f, cf) in enumerate(zip(mf, fields)):
        cname, ctype, cbit, cwidth, cexact = cf
        label = "field#%d %s" % (idx, cname or f.get("name") or "<anon>")
        mname = f.get("name")
        if cname:
            if mname != cname:
                diffs.append((label + " name", mname, cname))
        elif mname and _IDENT.match(mname):
            diffs.append((label + " name", mname, "<unnamed>"))
        mbit = f.get("offset_bits")
        if cexact:
            if mbit != cbit:
                diffs.append((label + " offset_bits", mbit, cbit))
        elif not isinstance(mbit, int) or mbit // 8 != cbit // 8:
            diffs.append((label + " offset_bits (byte)", mbit, "%d..%d" % (cbit, cbit + 7)))
        mw = f.get("bit_width")
        if mw != cwidth and not (mw is None and cwidth is None):
            diffs.append((label + " bit_width", mw, cwidth))
        if ctype.endswith("[]") and not f.get("flexible"):
            diffs.append((label + " flexible", f.get("flexible", False), True))
    return diffs


class TargetChecker:
    def __init__(self, triple, tdata):
        self.triple = triple
        self.records = tdata.get("records") or []
        self.errors = {e["header"]: e.get("message", "") for e in tdata.get("errors") or []}
        self.by_name = defaultdict(list)
        self.by_loc = defaultdict(list)
        for i, r in enumerate(self.records):
            if r.get("name"):
                self.by_name[r["name"]].append(i)
            self.by_loc[(r.get("file"), r.get("line"), r.get("column"))].append(i)
        self.seen = set()
        self.compared_fields = {}
        self.cache = {}
        self.headers = 0
        self.local_seen = 0
        self.failures_agreed = 0
        self.failures_total = 0
        self.local_records = set()   # manifest indices of function-local records
        self.problems = {}     # key -> [header, record, what, mval, cval, {headers}]

    # -- reporting helpers -------------------------------------------------
    def problem(self, header, record, what, mval, cval):
        """Record one difference; the same difference seen in several
        headers is reported once, under the first header."""
        key = (record, what, str(mval), str(cval))
        p = self.problems.get(key)
        if p is None:
            self.problems[key] = [header, record, what, mval, cval, {header}]
        else:
            p[5].add(header)
            if header < p[0]:
                p[0] = header

    # -- matching ------------------------------------------------------------
    def candidates(self, c):
        kind, name, qualname, loc, loc_exact, *_ = c
        if name:
            cand = self.by_name.get(name, [])
            if loc and len(cand) > 1:
                same = [i for i in cand if self.records[i].get("file") == loc[0]]
                cand = same or cand
            if not cand and loc and loc_exact:
                cand = self.by_loc.get(loc, [])
            return cand
        return [i for i in self.by_loc.get(loc, [])
                if self.records[i].get("kind") == kind] or self.by_loc.get(loc, [])

    def diff_cached(self, i, c):
        key = (i, c)
        d = self.cache.get(key)
        if d is None:
            d = compare_record(self.records[i], c)
            self.cache[key] = d
        return d

    def check_header(self, header, res, seen_only=False):
        for loc in res.get("local_locs", ()):
            self.local_records.update(self.by_loc.get(loc, ()))
        used = set()
        groups = defaultdict(list)
        for c in res["records"]:
            if c[1]:
                self.match_one(header, c, used, seen_only)
            else:
                groups[(c[3], c[0])].append(c)
        for (loc, kind), cs in groups.items():
            for c in cs:
                self.match_one(header, c, used, seen_only, group_size=len(cs))

    def match_one(self, header, c, used, seen_only, group_size=1):
        kind, name, qualname, loc, loc_exact, *_ = c
        cand = self.candidates(c)
        label = name or "%s %s" % (kind, qualname)
        if not cand:
            if not seen_only:
                where = "%s:%s:%s" % loc if loc else "?"
                self.problem(header, label, "record",
                             "absent", "present at %s" % where)
            return
        free = [i for i in cand if i not in used]
        exact = [i for i in free if not self.diff_cached(i, c)]
        if exact:
            i = exact[0]
        elif seen_only:
            return
        elif free:
            i = free[0]
        else:
            if not name:
                self.problem(header, label, "records at %s:%s:%s" % loc,
                             len(cand), group_size)
            i = cand[0]
        used.add(i)
        self.seen.add(i)
        if seen_only:
            return
        self.compared_fields[i] = len(c[7])
        for what, mv, cv in self.diff_cached(i, c):
            self.problem(header, rec_label(self.records[i]), what, mv, cv)

    def check_errors(self, header, res):
        merr = self.errors.get(header)
        failed = res["rc"] != 0
        if failed:
            self.failures_total += 1
        if failed and merr is None:
            self.problem(header, "-", "compile", "ok", res["error"])
            return False
        if not failed and merr is not None:
            self.problem(header, "-", "compile", merr, "ok")
            return False
        if failed:
            if error_key(merr) == error_key(res["error"]) and same_path_tail(merr, res["error"]):
                self.failures_agreed += 1
            else:
                self.problem(header, "-", "first error", merr, res["error"])
        return True

    def finish(self):
        for i, r in enumerate(self.records):
            if i not in self.seen and i not in self.local_records:
                self.problem("-", rec_label(r), "record", "present (%s:%s)" % (
                    r.get("file"), r.get("line")), "absent from every header's dump")


def error_key(msg):
    m = _ERR.match(msg or "")
    if not m:
        return (msg or "").strip()
    return (int(m.group(2)), int(m.group(3)), m.group(4).strip())


def same_path_tail(a, b):
    ma, mb = _ERR.match(a or ""), _ERR.match(b or "")
    if not ma or not mb:
        return True
    pa, pb = os.path.normpath(ma.group(1)), os.path.normpath(mb.group(1))
    ta, tb = pa.split(os.sep), pb.split(os.sep)
    n = min(len(ta), len(tb), 2)    # compare "dir/file.h" tails
    return ta[-n:] == tb[-n:]


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

def check_manifest(manifest, clang, jobs, cwd, out=sys.stdout, extra=None):
    """`extra` maps (target, header) to text appended to that header's second
    pass; the errors on it are returned per (target, header) as the fourth
    value."""
    extra = extra or {}
    extra_errors = {}
    if manifest.get("uapikit_manifest") != 1:
        raise SystemExit("layout_accuracy: not a uapikit manifest (version %r)"
                         % manifest.get("uapikit_manifest"))
    targets = manifest.get("targets") or {}
    checkers = {t: TargetChecker(t, d) for t, d in targets.items()}
    fatal = []
    for t, d in sorted(targets.items()):
        hdrs = list(d.get("headers") or [])
        # a header listed only under `errors` must still be shown to fail
        hdrs += [e["header"] for e in d.get("errors") or [] if e["header"] not in hdrs]
        results = run_headers(clang, d["clang_args"], hdrs, cwd, [extra.get((t, h), "") for h in hdrs], jobs)
        ck = checkers[t]
        for h, res in zip(hdrs, results):
            if "extra_errors" in res:
                extra_errors[(t, h)] = res["extra_errors"]
            ck.headers += 1
            if res["rc"] == -1:
                fatal.append(res["error"])
                continue
            for what, detail in res["problems"]:
                ck.problem(h, "-", what, "-", detail)
            ck.local_seen += res["local"]
            consistent = ck.check_errors(h, res)
            ck.check_header(h, res, seen_only=(res["rc"] != 0 or not consistent))
    if fatal:
        raise SystemExit("layout_accuracy: " + fatal[0])
    lines = []
    summary = {}
    total = 0
    for t in sorted(checkers):
        ck = checkers[t]
        ck.finish()
        for header, record, what, mv, cv, hdrs in sorted(
                ck.problems.values(), key=lambda p: (p[0], p[1], p[2])):
            more = " (+%d more headers)" % (len(hdrs) - 1) if len(hdrs) > 1 else ""
            lines.append("%s %s %s %s: manifest %s, clang %s%s"
                         % (t, header, record, what, mv, cv, more))
        s = {"headers": ck.headers, "records": len(ck.compared_fields),
             "fields": sum(ck.compared_fields.values()),
             "compile_failures": ck.failures_total,
             "compile_failures_agreed": ck.failures_agreed,
             "function_local_records_seen": ck.local_seen,
             "function_local_manifest_records_unverified": len(ck.local_records - ck.seen),
             "mismatches": len(ck.problems)}
        summary[t] = s
        total += len(ck.problems)
    for ln in lines:
        print(ln, file=out)
    for t, s in summary.items():
        print("%s: headers compared %d, records compared %d, fields compared %d, "
              "compile failures agreed %d/%d, mismatches %d"
              % (t, s["headers"], s["records"], s["fields"],
                 s["compile_failures_agreed"], s["compile_failures"], s["mismatches"]),
              file=out)
    return total, lines, summary, extra_errors


# --------------------------------------------------------------------------
# Self-test
# --------------------------------------------------------------------------

SELFTEST_HEADER = r"""
#define GROUP(NAME, MEMBERS...) union { struct { MEMBERS }; struct { MEMBERS } NAME; }
#define FLEX(T, N) struct { struct { } __empty_ ## N; T N[]; }
struct st_pair { char a; int b; };
struct st_ll { int a; unsigned long long b; };
struct st_bits { unsigned char a:3, b:7; unsigned int c:12; int :0; char d; };
struct st_anon {
	short s;
	union { int i; char c; };
	struct st_nested { char x; long long y; } n;
	struct { char p; } named;
	GROUP(g, int u; int v;);
	unsigned char flex[];
};
struct __attribute__((packed)) st_packed { char a; int b; short c; };
struct st_trailing_packed { char a; int b; } __attribute__((packed));
struct st_trailing_aligned { int a; } __attribute__((aligned(16)));
struct st_uses_trailing { char c; struct st_trailing_packed p; };
union st_flex_union { int k; FLEX(char, bytes); };
typedef struct { char t; double d; } st_typedef;
static inline int st_func(void) { struct st_local { int z; } l = { 1 }; return l.z; }
"""

SELFTEST_BAD = "struct st_bad { undefined_type x; };\n"


def _selftest_expect():
    """Hand-computed expectations: record -> (size, align, [(field, bit)])."""
    common = {
        "st_pair": (8, 4, [("a", 0), ("b", 32)]),
        # a:3 at bit 0; b:7 does not fit in the rest of byte 0 -> bit 8;
        # c:12 still fits in the first 32-bit unit -> bit 15; ':0' closes
        # that unit -> bit 32, and d follows at byte 4
        "st_bits": (8, 4, [("a", 0), ("b", 8), ("c", 15), ("", 32), ("d", 32)]),
        "st_packed": (7, 1, [("a", 0), ("b", 8), ("c", 40)]),
        # attributes after the closing brace must be honoured (this is what
        # -fdump-record-layouts-complete gets wrong in clang-19)
        "st_trailing_packed": (5, 1, [("a", 0), ("b", 8)]),
        "st_trailing_aligned": (16, 16, [("a", 0)]),
        "st_uses_trailing": (6, 1, [("c", 0), ("p", 8)]),
        "st_flex_union": (4, 4, [("k", 0), ("", 0)]),
    }
    x64 = dict(common)
    x64["st_ll"] = (16, 8, [("a", 0), ("b", 64)])
    x64["st_nested"] = (16, 8, [("x", 0), ("y", 64)])
    x64["st_anon"] = (40, 8, [("s", 0), ("", 32), ("n", 64), ("named", 192),
                              ("", 224), ("flex", 288)])
    i386 = dict(common)
    # i386 SysV: long long / double are 4-byte aligned inside structs
    i386["st_ll"] = (12, 4, [("a", 0), ("b", 32)])
    i386["st_nested"] = (12, 4, [("x", 0), ("y", 32)])
    i386["st_anon"] = (32, 4, [("s", 0), ("", 32), ("n", 64), ("named", 160),
                               ("", 192), ("flex", 256)])
    return {"x86_64-linux-gnu": x64, "i386-linux-gnu": i386}


def manifest_from_dump(res_records):
    """Build manifest records the way a correct scanner would (used to
    exercise the comparison end to end)."""
    recs = []
    for kind, name, qualname, loc, loc_exact, size, align, fields in res_records:
        recs.append({
            "name": name or "@anon%d" % len(recs), "kind": kind,
            "file": loc[0], "line": loc[1], "column": loc[2],
            "size": size, "align": align,
            "fields": [dict({"name": n, "type": t, "offset_bits": b},
                            **({"bit_width": w} if w is not None else {}),
                            **({"flexible": True} if t.endswith("[]") else {}))
                       for n, t, b, w, e in fields],
            "holes": []})
    return recs


def self_test(clang):
    ok = True

    def check(cond, msg):
        nonlocal ok
        if not cond:
            ok = False
            print("FAIL: " + msg)

    # 1. parsers on canned text (independent of the installed clang)
    canned = """
*** Dumping AST Record Layout
         0 | struct o
     0:0-2 |   int x
       4:- |   int 
     4:3-7 |   unsigned int y
         8 |   union o::(anonymous at /i/a b/x.h:2:44) 
         8 |     int u1
        12 |   int (*)(int) fp
        16 |   char[] flex
           | [sizeof=16, align=8]
"""
    r = parse_layout_dump(canned)
    check(len(r) == 1 and r[0]["size"] == 16 and r[0]["align"] == 8, "canned trailer")
    got = [(f["name"], f["offset_bits"], f["bit_width"]) for f in r[0]["fields"]]
    check(got == [("x", 0, 3), ("", 32, 0), ("y", 35, 5), ("", 64, None),
                  ("fp", 96, None), ("flex", 128, None)], "canned fields %r" % got)
    check(r[0]["fields"][1]["exact"] is False, "zero-width bit-field offset is byte-exact only")
    ast = parse_ast(
        "TranslationUnitDecl 0x1 <<invalid sloc>> <invalid sloc>\n"
        "|-RecordDecl 0x2 </i/x.h:3:1, line:9:1> line:3:8 struct outer definition\n"
        "| |-RecordDecl 0x3 <line:1:31, col:84> col:31 union definition\n"
        "| `-RecordDecl 0x4 <line:2:5, col:9> <scratch space>:4:1 struct p_t definition\n"
        "|-RecordDecl 0xa </i/x.h:12:9, line:14:1> line:12:9 struct definition\n"
        "|-TypedefDecl 0xb <col:1, line:14:3> col:3 referenced anon_t 'struct anon_t':'anon_t'\n"
        "| `-ElaboratedType 0xc 'struct anon_t' sugar\n"
        "|   `-RecordType 0xd 'anon_t'\n"
        "|     `-Record 0xa ''\n"
        "`-FunctionDecl 0x5 <line:20:1, line:22:1> line:20:19 f 'int (void)'\n"
        "  `-CompoundStmt 0x6 <col:27, line:22:1>\n"
        "    `-DeclStmt 0x7 <line:21:2, col:30>\n"
        "      `-RecordDecl 0x8 prev 0x9 <col:2, col:25> col:9 struct loc definition\n")
    check([(a["name"], a["loc"], a["local"]) for a in ast["records"]] == [
        ("outer", ("/i/x.h", 3, 8), False), ("", ("/i/x.h", 1, 31), False),
        ("p_t", ("<scratch space>", 4, 1), False), ("", ("/i/x.h", 12, 9), False),
        ("loc", ("/i/x.h", 21, 9), True)],
        "canned AST records %r" % ast["records"])
    check(ast["typedefs"] == [{"name": "anon_t", "records": ["0xa"]}],
          "canned AST typedefs %r" % ast["typedefs"])

    # 2. real clang output against hand-computed layouts
    if not shutil.which(clang):
        print("FAIL: %s not found" % clang)
        return False
    expect = _selftest_expect()
    with tempfile.TemporaryDirectory() as tmp:
        inc = os.path.join(tmp, "inc")
        os.makedirs(os.path.join(inc, "uapi"))
        with open(os.path.join(inc, "uapi", "selftest.h"), "w") as f:
            f.write(SELFTEST_HEADER)
        with open(os.path.join(inc, "uapi", "bad.h"), "w") as f:
            f.write(SELFTEST_BAD)
        manifest = {"uapikit_manifest": 1, "targets": {}}
        for triple, exp in expect.items():
            args = ["-x", "c", "-std=gnu11", "--target=" + triple, "-nostdlibinc", "-I", inc]
            res = run_header(clang, args, "uapi/selftest.h", tmp)
            check(res["rc"] == 0 and not res["problems"],
                  "%s: compile/parse failed: %s %s" % (triple, res["error"], res["problems"]))
            named = {c[1]: c for c in res["records"] if c[1]}
            for rname, (size, align, flds) in exp.items():
                c = named.get(rname)
                if c is None:
                    check(False, "%s: record %s not found in dump" % (triple, rname))
                    continue
                got = (c[5], c[6], [(f[0], f[2]) for f in c[7]])
                check(got == (size, align, flds), "%s %s: expected %r, parsed %r"
                      % (triple, rname, (size, align, flds), got))
            anon = [c for c in res["records"] if not c[1]]
            # GROUP: union + 2 structs (same location!), FLEX: 2 structs,
            # the anonymous union, the 'named' member's struct, the typedef
            check(len(anon) == 8, "%s: expected 8 unnamed records, got %d" % (triple, len(anon)))
            check(sum(1 for c in anon if c[0] == "struct" and c[3][1] == 12) == 2,
                  "%s: two structs expected at the GROUP expansion" % triple)
            check("st_local" not in named and res["local"] == 1,
                  "%s: function-local record handling" % triple)
            check(all(c[3][0] == "uapi/selftest.h" for c in res["records"]),
                  "%s: include-relative file names" % triple)
            bad = run_header(clang, args, "uapi/bad.h", tmp)
            check(bad["rc"] != 0 and "undefined_type" in (bad["error"] or ""),
                  "%s: expected failure for bad.h, got %r" % (triple, bad["error"]))
            tdata = {"clang_args": args, "headers": ["uapi/selftest.h", "uapi/bad.h"],
                     "errors": [{"header": "uapi/bad.h",
                                 "message": "some/where/else/uapi/bad.h" +
                                 (bad["error"] or "")[(bad["error"] or ":1:").index(":1:"):]}],
                     "records": manifest_from_dump(res["records"]),
                     "enums": [], "macros": []}
            manifest["targets"][triple] = tdata

        # 3. the full comparison: a faithful manifest must pass ...
        sink = open(os.devnull, "w")
        n, lines, summ, _ = check_manifest(manifest, clang, 2, tmp, out=sink)
        check(n == 0, "faithful manifest reported mismatches: %r" % lines)
        s = summ["x86_64-linux-gnu"]
        check(s["compile_failures_agreed"] == 1 and s["records"] > 10,
              "summary looks wrong: %r" % s)
        # ... and every injected defect must be reported
        bad_m = copy.deepcopy(manifest)
        t = bad_m["targets"]["x86_64-linux-gnu"]
        recs = {r["name"]: r for r in t["records"]}
        recs["st_ll"]["fields"][1]["offset_bits"] = 32          # i386 layout
        recs["st_pair"]["size"] = 12
        recs["st_bits"]["fields"][2]["bit_width"] = 11
        recs["st_trailing_packed"]["align"] = 4
        t["records"].remove(recs["st_packed"])
        t["records"].append({"name": "ghost", "kind": "struct", "file": "uapi/selftest.h",
                             "line": 1, "column": 1, "size": 1, "align": 1,
                             "fields": []})
        t["errors"] = []
        n, lines, _, _ = check_manifest(bad_m, clang, 2, tmp, out=sink)
        want = ["st_ll field#1 b offset_bits: manifest 32, clang 64",
                "st_pair size: manifest 12, clang 8",
                "st_bits field#2 c bit_width: manifest 11, clang 12",
                "st_trailing_packed align: manifest 4, clang 1",
                "st_packed record: manifest absent",
                "ghost record: manifest present",
                "uapi/bad.h - compile: manifest ok"]
        for w in want:
            check(any(w in ln for ln in lines), "injected defect not reported: %r" % w)
        check(n == len(want), "expected %d mismatches, got %d: %r" % (len(want), n, lines))
        sink.close()
    print("self-test %s" % ("passed" if ok else "FAILED"))
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Verify uapikit manifest record layouts against clang's own "
                    "record-layout dump.")
    ap.add_argument("--manifest", help="manifest JSON produced by `uapikit-gen scan`")
    ap.add_argument("--clang", default="clang-19", help="clang binary (default: clang-19)")
    ap.add_argument("-j", "--jobs", type=int, default=2,
                    help="headers compiled in parallel (default: 2)")
    ap.add_argument("--report", metavar="FILE",
                    help="also write the mismatch lines and per-target summaries as JSON")
    ap.add_argument("--cwd", default=".",
                    help="directory clang runs in; relative -I paths in the manifest "
                         "are resolved against it (default: current directory)")
    ap.add_argument("--self-test", action="store_true",
                    help="test the dump parsers and the comparison, then exit")
    a = ap.parse_args(argv)
    if a.self_test:
        return 0 if self_test(a.clang) else 1
    if not a.manifest:
        ap.error("--manifest is required (or use --self-test)")
    if not shutil.which(a.clang):
        print("layout_accuracy: %s not found" % a.clang, file=sys.stderr)
        return 2
    with open(a.manifest) as f:
        manifest = json.load(f)
    n, lines, summary, _ = check_manifest(manifest, a.clang, max(1, a.jobs),
                                       os.path.abspath(a.cwd))
    if a.report:
        with open(a.report, "w") as f:
            json.dump({"mismatches": lines, "summary": summary}, f, indent=1)
            f.write("\n")
    return 1 if n else 0


if __name__ == "__main__":
    sys.exit(main())
