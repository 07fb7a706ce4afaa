#!/usr/bin/env python3
"""Cross-check the integer macros of a uapikit manifest against the compilers.

For every header a manifest lists for a target, the header is preprocessed
on its own (`#include <hdr>` on stdin, the scanner's clang arguments, -dD),
which lists every #define with the file it comes from. Every object-like
macro of a file below the -I folders that is in force at the end of the
translation unit is a candidate, checked in the first header (input order)
whose translation unit has that definition in force, as scan does. A second
compile, of the header followed by one check per candidate, then asks the
compiler:

  * a macro the manifest lists with a value: `_Static_assert((M) == V)` and
    its sign hold (clang; and gcc for x86_64 and i386 when it is installed);
    for a request macro, the target's own _IOC_DIR/_IOC_TYPE/_IOC_NR/
    _IOC_SIZE give the manifest's decoding;
  * a macro the manifest lists with an error: `enum { x = (M) };` fails;
  * a macro the manifest leaves out: `enum { x = (M) };` fails too (it is a
    string, a float, a type, a statement or does not evaluate); a candidate
    that evaluates but is missing is an omission.

Nothing here reads uapikit's code: the candidates come from the
preprocessor, the verdicts from the compilers. Python standard library only.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clang_batch  # noqa: E402
from layout_accuracy import include_dirs, rel_to_includes  # noqa: E402

_MARKER = re.compile(r'^# (\d+) "(.*)"')
_DEFINE = re.compile(r"^#define ([A-Za-z_]\w*)(\(?)(.*)$")
_UNDEF = re.compile(r"^#undef ([A-Za-z_]\w*)")
_DIAG = re.compile(r"^<stdin>:(\d+):\d+: (?:fatal )?error: (.*)$")

# gcc for the targets it builds for without a cross compiler.
GCC_FLAGS = {"x86_64-linux-gnu": ["-m64"], "i386-linux-gnu": ["-m32"]}

DIR_VALUE = {"none": "_IOC_NONE", "read": "_IOC_READ", "write": "_IOC_WRITE",
             "read_write": "(_IOC_READ|_IOC_WRITE)"}


def dir_check(name, direction):
    """The target's _IOC_DIR() of the macro, as the manifest's direction."""
    if direction == "invalid":
        return " && ".join("_IOC_DIR(%s) != %s" % (name, v) for v in DIR_VALUE.values())
    return "_IOC_DIR(%s) == %s" % (name, DIR_VALUE[direction])


def in_force(preprocessed, inc, cwd):
    """{name: (file, body)} for the object-like macros of uapi files that are
    defined at the end of the translation unit, and the uapi files it read."""
    current = None
    macros, files = {}, set()
    for line in preprocessed.splitlines():
        m = _MARKER.match(line)
        if m:
            current = rel_to_includes(m.group(2), inc, cwd)
            if current:
                files.add(current)
            continue
        m = _DEFINE.match(line)
        if m:
            name, paren, body = m.groups()
            if current and not paren:
                macros[name] = (current, body.strip())
            else:
                macros.pop(name, None)  # function-like, builtin or command line
            continue
        m = _UNDEF.match(line)
        if m:
            macros.pop(m.group(1), None)
    return macros, files


def literal(value):
    """A C literal of exactly this manifest value."""
    if value < 0:
        return "(-0x%xLL - 1)" % (-value - 1)
    return "0x%xULL" % value


def check_lines(checks):
    """One line of C per check; returns (text, {line: (kind, name)}), lines
    numbered from 1 within the text."""
    lines, where = [], {}
    for kind, name, entry in checks:
        where[len(lines) + 1] = (kind, name)
        if kind == "value":
            v = entry["value"]
            text = "_Static_assert((%s) == %s && (((%s) < 0) == %d), \"%s\");" % (
                name, literal(v), name, 1 if v < 0 else 0, name)
            io = entry.get("ioctl")
            if io:
                text += (" _Static_assert(_IOC_TYPE(%s) == %d && _IOC_NR(%s) == %d && _IOC_SIZE(%s) == %d"
                         " && %s, \"%s ioctl\");" % (
                             name, io["type"], name, io["nr"], name, io["size"], dir_check(name, io["dir"]), name))
            lines.append(text)
        else:
            lines.append("enum { __macro_accuracy_%d = (%s) };" % (len(lines) + 1, name))
    return "".join(ln + "\n" for ln in lines), where


def compile_errors(cmd, source, cwd):
    """{line: first error} of compiling `source` (stdin) with `cmd`."""
    p = subprocess.run(cmd + ["-fsyntax-only", "-ferror-limit=0", "-"], input=source, cwd=cwd,
                       capture_output=True, text=True, errors="replace")
    lines = {}
    for ln in p.stderr.splitlines():
        m = _DIAG.match(ln)
        if m:
            lines.setdefault(int(m.group(1)), m.group(2))
    return lines


def preprocess(clang, clang_args, headers, cwd, jobs):
    """[(exit status, -E -dD output)] of each header alone."""
    done = clang_batch.compile_all(clang, clang_args + ["-E", "-dD"], ["#include <%s>\n" % h for h in headers],
                                   cwd, "preprocess", jobs)
    return [(p.returncode, p.stdout) for p in done]


class TargetPlan:
    """The candidates of one target, decided from the preprocessor alone."""

    def __init__(self, triple, target, clang, jobs, cwd):
        self.triple, self.target, self.cwd = triple, target, cwd
        self.clang_args = target["clang_args"]
        inc = include_dirs(self.clang_args, cwd)
        failed = {e["header"] for e in target.get("errors") or []}
        self.headers = [h for h in target["headers"] if h not in failed]
        reported = {(m["name"], m["file"]): m for m in target["macros"]}
        pre = preprocess(clang, self.clang_args, self.headers, cwd, jobs)
        self.problems, self.checks = [], {}
        self.counts = {"value": 0, "error": 0, "absent": 0}
        seen = set()
        for header, (rc, text) in zip(self.headers, pre):
            if rc:
                self.problems.append((header, "-", "does not preprocess alone, but the manifest has no error for it"))
                continue
            macros, _ = in_force(text, inc, cwd)
            checks = []
            for name, (file, body) in sorted(macros.items()):
                if (name, file) in seen or not body:
                    continue
                seen.add((name, file))
                entry = reported.get((name, file))
                kind = "absent" if entry is None else "value" if "value" in entry else "error"
                checks.append((kind, name, entry))
                self.counts[kind] += 1
            self.checks[header] = checks
        # Every macro the manifest lists must be one of the candidates.
        for (name, file) in sorted(reported):
            if (name, file) not in seen:
                self.problems.append((file, name, "in the manifest, but no translation unit has it defined there at the end"))

    def extra(self):
        """{(triple, header): check text} to append to a compile of the header."""
        return {(self.triple, h): check_lines(c)[0] for h, c in self.checks.items()}

    def judge(self, errors_by_header, gcc):
        """Problems, given the clang errors on the check lines of each header."""
        problems = list(self.problems)
        self.gcc_checked = 0
        for header, checks in self.checks.items():
            errors = errors_by_header.get((self.triple, header))
            if errors is None:
                problems.append((header, "-", "the checks were not compiled (the header failed in clang)"))
                continue
            _, where = check_lines(checks)
            for line, (kind, name) in sorted(where.items()):
                failed = line in errors
                if kind == "value" and failed:
                    problems.append((header, name, "clang disagrees with the manifest: " + errors[line]))
                elif kind == "error" and not failed:
                    problems.append((header, name, "the manifest says it does not evaluate, clang evaluates it"))
                elif kind == "absent" and not failed:
                    problems.append((header, name, "evaluates in clang, but the manifest leaves it out"))
            if gcc and self.triple in GCC_FLAGS:
                problems += self.gcc_check(gcc, header, [c for c in checks if c[0] == "value"])
        return problems

    def gcc_check(self, gcc, header, values):
        text, where = check_lines(values)
        cmd = [gcc] + GCC_FLAGS[self.triple] + ["-x", "c", "-std=gnu11", "-nostdinc"]
        cmd += ["-I" + d for d in include_dirs(self.clang_args, self.cwd)]
        errors = compile_errors(cmd, "#include <%s>\n" % header + text, self.cwd)
        self.gcc_checked += len(values)
        out = []
        for line, message in sorted(errors.items()):
            if line - 1 not in where:
                out.append((header, "-", "gcc cannot compile the header with the checks: line %d: %s" % (line, message)))
            else:
                out.append((header, where[line - 1][1], "gcc disagrees with the manifest: " + message))
        return out

    def summary_line(self, problems):
        return ("%s: macros of %d headers: %d with the compiler's value (%d also by gcc), %d reported as not "
                "evaluating, %d not integers (left out), %d problems"
                % (self.triple, len(self.headers), self.counts["value"], self.gcc_checked, self.counts["error"],
                   self.counts["absent"], len(problems)))


def check_manifest(manifest, clang, gcc, jobs, cwd, out=sys.stdout):
    """Stand-alone: compiles the checks itself (one compile per header)."""
    total = 0
    for triple, target in sorted(manifest["targets"].items()):
        plan = TargetPlan(triple, target, clang, jobs, cwd)

        def compile_checks(header):
            text = "#include <%s>\n" % header + check_lines(plan.checks[header])[0]
            errors = compile_errors([clang] + plan.clang_args, text, cwd)
            return (triple, header), {line - 1: e for line, e in errors.items()}

        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            errors = dict(pool.map(compile_checks, list(plan.checks)))
        problems = plan.judge(errors, gcc)
        report(plan, problems, out)
        total += len(problems)
    return total


def report(plan, problems, out=sys.stdout):
    for header, name, what in problems:
        print("%s %s %s: %s" % (plan.triple, header, name, what), file=out)
    print(plan.summary_line(problems), file=out)


def find_gcc():
    return shutil.which("gcc")


# --------------------------------------------------------------------------
# Self-test: a hand-written manifest for a small header, right and wrong
# --------------------------------------------------------------------------

SELFTEST_HEADER = r"""
#ifndef ST_MACROS_H
#define ST_MACROS_H
enum { st_e = 5 };
#define ST_ONE 1
#define ST_NEG (-2)
#define ST_BIG 0xffffffffffffffffULL
#define ST_SELF st_e
#define ST_TEXT "text"
#define ST_BAD undeclared_function(1)
#define ST_TYPE unsigned int
#define _IOC_NRSHIFT 0
#define _IOC_TYPESHIFT 8
#define _IOC_SIZESHIFT 16
#define _IOC_DIRSHIFT 30
#define _IOC_NONE 0U
#define _IOC_WRITE 1U
#define _IOC_READ 2U
#define _IOC_DIR(nr) (((nr) >> _IOC_DIRSHIFT) & 3)
#define _IOC_TYPE(nr) (((nr) >> _IOC_TYPESHIFT) & 0xff)
#define _IOC_NR(nr) (((nr) >> _IOC_NRSHIFT) & 0xff)
#define _IOC_SIZE(nr) (((nr) >> _IOC_SIZESHIFT) & 0x3fff)
#define ST_IOCTL ((1U << 30) | (8 << 16) | (0x3b << 8) | 0x90)
#endif
"""


def self_test(clang):
    import copy
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "inc", "linux"))
        with open(os.path.join(tmp, "inc", "linux", "st.h"), "w") as f:
            f.write(SELFTEST_HEADER)
        args = ["-x", "c", "-std=gnu11", "--target=x86_64-linux-gnu", "-nostdlibinc", "-I", "inc"]

        def macro(name, **kw):
            return dict(name=name, file="linux/st.h", line=1, column=9, **kw)

        right = [macro("ST_ONE", value=1), macro("ST_NEG", value=-2), macro("ST_BIG", value=2**64 - 1),
                 macro("ST_SELF", value=5), macro("ST_BAD", error="call to undeclared function"),
                 macro("ST_IOCTL", value=0x40083b90, ioctl={"dir": "write", "type": 0x3b, "nr": 0x90, "size": 8})]
        for n, v in [("_IOC_NRSHIFT", 0), ("_IOC_TYPESHIFT", 8), ("_IOC_SIZESHIFT", 16), ("_IOC_DIRSHIFT", 30),
                     ("_IOC_NONE", 0), ("_IOC_WRITE", 1), ("_IOC_READ", 2)]:
            right.append(macro(n, value=v))
        manifest = {"targets": {"x86_64-linux-gnu": {"clang_args": args, "headers": ["linux/st.h"], "errors": [],
                                                     "macros": right}}}
        def swap(i, drop, **put):
            def mutate(m):
                m[i].pop(drop)
                m[i].update(put)
                return m
            return mutate

        def set_ioctl_dir(m):
            m[5]["ioctl"]["dir"] = "read"
            return m

        cases = {
            "right": (lambda m: m, 0),
            "wrong value": (swap(0, "value", value=2), 1),
            "wrong sign": (swap(1, "value", value=2**64 - 2), 1),
            "evaluating macro left out": (lambda m: m[1:], 1),
            "error for a macro that evaluates": (swap(0, "value", error="x"), 1),
            "value for a macro that does not evaluate": (swap(4, "error", value=1), 1),
            "wrong ioctl decoding": (set_ioctl_dir, 1),
            "macro no translation unit has": (lambda m: m + [macro("ST_GONE", value=3)], 1),
        }
        ok = True
        for what, (mutate, expected) in cases.items():
            m = copy.deepcopy(manifest)
            t = m["targets"]["x86_64-linux-gnu"]
            t["macros"] = mutate(t["macros"])
            sink = open(os.devnull, "w")
            n = check_manifest(m, clang, None, 1, tmp, out=sink)
            good = (n == 0) if expected == 0 else (n >= expected)
            print(("ok   " if good else "FAIL ") + "%s: %d problem(s)" % (what, n))
            ok = ok and good
        return ok


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--self-test", action="store_true", required=True)
    ap.add_argument("--clang", default="clang-19")
    a = ap.parse_args()
    sys.exit(0 if self_test(a.clang) else 1)
