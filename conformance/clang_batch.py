"""Many small clang compiles through one frontend process.

The accuracy checks compile every header of a tree on its own, two or three
times per target: about 1,700 compiles of a few milliseconds each. Through
clang's driver each one is a new process that loads libLLVM and libclang-cpp
first, and on a machine where exec is slow that start-up costs more than the
compile (0.1 to 0.25 s against a few ms). The frontend, `clang -cc1`, takes
any number of input files and compiles them one after another, each with a
new preprocessor, AST and diagnostics printer (clang's
CompilerInstance::ExecuteAction), so one process can do a few hundred.

What one process shares between its inputs is the diagnostics engine, and
that matters in two ways, both handled here:
  * after a fatal error (a missing #include, or the error limit) it prints
    nothing more, so the inputs after one that had a fatal error are compiled
    again in a new process;
  * its error count runs across inputs, so an input that hits the error limit
    may only have done so because of the inputs before it; an input with a
    fatal error that was not the first of its process is compiled again as
    the first of the next one.

Each input gets a few lines in front of its own text: a `#warning` that marks
where its diagnostics start (forced to a warning with a pragma, whatever -W
flags are given, and popped again), an empty record whose layout dump marks
where its dump starts (layout mode only), and `#line 1`, so that the input's
own text is numbered from 1 as it would be alone. The input's file name is
written back as `<stdin>` in what it printed, so callers see exactly the
output of `clang ARGS -` with the text on stdin. If the markers do not come
out as expected (a `-w` in the arguments, say), the inputs are compiled one
driver process each instead: slower, never different.

Python 3 standard library only.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import shlex
import subprocess
import tempfile
from typing import NamedTuple

# How many inputs one frontend process takes. Larger batches start fewer
# processes; smaller ones lose less when a fatal error forces a restart and
# spread better over workers.
BATCH = 96

_MARK = "uapikit-batch-input"
_MARK_RE = re.compile(r"^(.*?):\d+:\d+: warning: " + _MARK + r" (\d+) \[-W#warnings\]$")
# A diagnostic starts its line, with or without a location ("too many errors
# emitted" has none); the source lines clang quotes under it start with blanks.
_FATAL = re.compile(r"^(?:[^ ].*?: )?fatal error: ")
_ERROR = re.compile(r"^(?:[^ ].*?: )?(?:fatal )?error: ")
_GENERATED = re.compile(r"^\d+ (?:warnings?|errors?)(?: and \d+ errors?)? generated\.$")
_LAYOUT_MARK = "__uapikit_batch_input"
# Where an input's part of stdout begins, per mode. "ast" and "preprocess"
# need nothing added: clang starts each input's AST dump with its
# TranslationUnitDecl and each preprocessed input with a line marker naming it.
MODES = ("ast", "layout", "preprocess")


class Result(NamedTuple):
    """What `clang ARGS -` would have given for one input: exit status 1 when
    it printed an error, else 0."""
    returncode: int
    stdout: str
    stderr: str


def _prefix(n, mode):
    lines = ["#pragma clang diagnostic push",
             '#pragma clang diagnostic warning "-W#warnings"',
             "#warning %s %d" % (_MARK, n),
             "#pragma clang diagnostic pop"]
    if mode == "layout":
        lines.append("struct %s { char c; }; typedef char %s_size[sizeof(struct %s)];"
                     % (_LAYOUT_MARK, _LAYOUT_MARK, _LAYOUT_MARK))
    lines.append("#line 1")
    return "\n".join(lines) + "\n"


def frontend_command(clang, args, cwd, probe):
    """The `clang -cc1` command the driver would run for `args` on `probe`,
    without the input, its name, an output file, or -disable-free (which
    would keep every input's AST in memory until the process ends)."""
    p = subprocess.run([clang, "-###"] + args + [probe], cwd=cwd, capture_output=True, text=True)
    jobs = [ln for ln in p.stderr.splitlines() if ln.startswith(' "') and '"-cc1"' in ln]
    if p.returncode or len(jobs) != 1:
        return None
    cmd = shlex.split(jobs[0])
    if cmd[-1] != probe:
        return None
    out, skip = [], False
    for a in cmd[:-1]:
        if skip:
            skip = False
        elif a in ("-main-file-name", "-o"):
            skip = True
        elif a != "-disable-free":
            out.append(a)
    return out


def _one(clang, args, source, cwd):
    """One input through the driver, on stdin: the way the inputs are
    compiled when batching cannot be used."""
    p = subprocess.run([clang] + args + ["-"], input=source, cwd=cwd, capture_output=True,
                       text=True, errors="replace")
    return Result(p.returncode, p.stdout, _without_count(p.stderr))


def _without_count(stderr):
    """clang's closing "N errors generated." is left out: in one process for
    many inputs it counts them all."""
    return "".join(ln for ln in stderr.splitlines(keepends=True) if not _GENERATED.match(ln.rstrip("\n")))


def _stderr_parts(text, names):
    """{input index: its diagnostics}, from the marker lines; the marker's own
    source lines and the closing count are left out."""
    parts, cur, in_mark = {}, None, False
    for ln in text.splitlines(keepends=True):
        m = _MARK_RE.match(ln.rstrip("\n"))
        if m and int(m.group(2)) in names and m.group(1) == names[int(m.group(2))]:
            cur, in_mark = int(m.group(2)), True
            parts[cur] = []
            continue
        if in_mark and ln.startswith(" "):
            continue  # the marker's source line and caret
        in_mark = False
        if cur is not None and not _GENERATED.match(ln.rstrip("\n")):
            parts[cur].append(ln)
    return {k: "".join(v) for k, v in parts.items()}


def _stdout_parts(text, names, mode):
    """[(where a part's marker begins, where its own output begins)] for each
    input whose output starts in `text`, in input order."""
    if mode == "layout":
        key, head = "| struct %s\n" % _LAYOUT_MARK, "\n*** Dumping AST Record Layout\n"
        parts, pos = [], text.find(key)
        while pos != -1:
            end = text.index("]\n", pos) + 2
            parts.append((text.rfind(head, 0, pos), end))
            pos = text.find(key, end)
        return parts
    if mode == "ast":
        keys = ["TranslationUnitDecl "] * len(names)
    else:
        keys = ['# 1 "%s"\n' % names[n] for n in sorted(names)]
    parts, pos = [], 0
    for key in keys:
        pos = text.find(key, pos)
        while pos > 0 and text[pos - 1] != "\n":
            pos = text.find(key, pos + 1)
        if pos == -1:
            break
        parts.append((pos, pos))
        pos += len(key)
    return parts


def _drop_prefix_lines(text, name):
    """-E output without what the prefix added: the lines between the end of
    clang's predefines and the line marker that `#line 1` leaves."""
    back = '# 1 "%s" 2\n' % name
    start = text.find(back)
    end = text.find('# 1 "%s"\n' % name, start)
    if start == -1 or end == -1:
        return text
    return text[:start + len(back)] + text[end + len('# 1 "%s"\n' % name):]


def _run_batch(cmd, sources, first, cwd, tmp, mode):
    """Compiles sources[first:first + BATCH] in one frontend process. Returns
    {index: Result} for the inputs, from `first` on, whose output is
    complete (the caller goes on from the first index it lacks), or None
    when the markers did not come out."""
    idx = list(range(first, min(len(sources), first + BATCH)))
    names = {}
    for n in idx:
        names[n] = os.path.join(tmp, "in%05d.c" % n)
        with open(names[n], "w") as f:
            f.write(_prefix(n, mode) + sources[n])
    p = subprocess.run(cmd + [names[n] for n in idx], cwd=cwd, capture_output=True,
                       text=True, errors="replace")
    errs = _stderr_parts(p.stderr, names)
    parts = _stdout_parts(p.stdout, names, mode)
    done = {}
    for k, n in enumerate(idx):
        err = errs.get(n)
        if err is None or p.returncode < 0:
            break  # not reached (after another input's fatal error), or clang died
        fatal = any(_FATAL.match(ln) for ln in err.splitlines())
        if fatal and n != first:
            break  # compile it again as the first input of a process
        if k < len(parts):
            end = parts[k + 1][0] if k + 1 < len(parts) else len(p.stdout)
            out = p.stdout[parts[k][1]:end]
        elif fatal:
            out = ""
        else:
            return None
        if mode == "preprocess":
            out = _drop_prefix_lines(out, names[n])
        rc = 1 if any(_ERROR.match(ln) for ln in err.splitlines()) else 0
        done[n] = Result(rc, out.replace(names[n], "<stdin>"), err.replace(names[n], "<stdin>"))
        if fatal:
            break
    return done or None


def compile_all(clang, args, sources, cwd, mode, jobs=1, stats=None):
    """[Result] for each text in `sources`, in order, as `clang ARGS -` with
    that text on stdin would give. `mode` says what `args` make clang print
    on stdout: "ast" (-ast-dump), "layout" (-fdump-record-layouts) or
    "preprocess" (-E); other arguments leave nothing to split the output
    by, and get one driver process per input. `stats`, a
    dict, counts the frontend processes ("batches") and driver runs
    ("single") it took."""
    assert mode in MODES
    stats = {} if stats is None else stats
    stats.setdefault("batches", 0)
    stats.setdefault("single", 0)
    jobs = max(1, jobs)
    results = [None] * len(sources)
    with tempfile.TemporaryDirectory(prefix="uapikit-clang-batch-") as tmp:
        probe = os.path.join(tmp, "probe.c")
        open(probe, "w").close()
        cmd = frontend_command(clang, args, cwd, probe)

        def work(w):
            # Worker w takes every jobs-th input, so that its batches are full.
            share = list(range(w, len(sources), jobs))
            sub = [sources[i] for i in share]
            own, i, batching = [None] * len(sub), 0, cmd is not None
            folder = os.path.join(tmp, "w%d" % w)
            os.makedirs(folder)
            while i < len(sub):
                done = None
                if batching:
                    stats["batches"] += 1
                    done = _run_batch(cmd, sub, i, cwd, folder, mode)
                if done is None:
                    stats["single"] += 1
                    batching = False  # markers missing: one driver process each from here
                    own[i] = _one(clang, args, sub[i], cwd)
                    i += 1
                    continue
                for n, r in done.items():
                    own[n] = r
                i = max(done) + 1
            for j, r in zip(share, own):
                results[j] = r

        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(work, range(jobs)))
    return results


# --------------------------------------------------------------------------
# Self-test: every result equals the driver's, one process per input
# --------------------------------------------------------------------------

_SELFTEST_HEADERS = {
    "ok.h": "struct ok { char c; int i; };\n#define OK_VALUE 3\n",
    "warns.h": "#warning the header's own warning\nstruct warns { short s; };\n",
    "quiet.h": "#pragma clang diagnostic ignored \"-Wpointer-arith\"\nstruct quiet { long l; };\n",
    "voidsize.h": "struct voidsize { char b[sizeof(void)]; };\n",
    "bad.h": "struct bad { int x; };\nint bad_value = undeclared_name;\n",
    "fatal.h": "#include <no/such/header.h>\nstruct fatal { int y; };\n",
    "many.h": "".join("int e%d = no_such_%d;\n" % (i, i) for i in range(15)) + "struct many { char m; };\n",
    "lines.h": "#line 100 \"elsewhere.h\"\nstruct lines { int l; };\nint lines_error = nope;\n",
}


def self_test(clang):
    ok = True
    with tempfile.TemporaryDirectory() as inc:
        for name, text in _SELFTEST_HEADERS.items():
            with open(os.path.join(inc, name), "w") as f:
                f.write(text)
        order = ["ok.h", "warns.h", "quiet.h", "voidsize.h", "bad.h", "fatal.h", "many.h", "ok.h",
                 "many.h", "lines.h", "fatal.h", "fatal.h", "voidsize.h", "ok.h"]
        base = ["-x", "c", "-std=gnu11", "-nostdlibinc", "-I", inc, "-fno-color-diagnostics", "-Wpointer-arith"]
        syntax = base + ["-fsyntax-only"]
        cases = [
            ("ast", syntax + ["-Xclang", "-ast-dump"], None, True),
            ("layout", syntax + ["-Xclang", "-fdump-record-layouts", "-ferror-limit=0"], "struct %s", True),
            ("layout", syntax + ["-Xclang", "-fdump-record-layouts"], "struct %s", True),
            ("preprocess", base + ["-E", "-dD"], None, True),
            ("layout", syntax + ["-w", "-Xclang", "-fdump-record-layouts"], "struct %s", False),
        ]
        hex_addr = re.compile(r"0x[0-9a-f]+")
        global BATCH
        saved = BATCH
        for mode, args, use, batched in cases:
            sources = []
            for h in order:
                src = "#include <%s>\n" % h
                if use:
                    src += "typedef char used[sizeof(%s) + 1];\n" % (use % h[:-2])
                sources.append(src)
            wants = []
            for src in sources:
                p = subprocess.run([clang] + args + ["-"], input=src, cwd=inc, capture_output=True,
                                   text=True, errors="replace")
                wants.append(Result(p.returncode, p.stdout, _without_count(p.stderr)))
            for size in (saved, 4):
                BATCH = size
                stats = {}
                got = compile_all(clang, args, sources, inc, mode, jobs=2, stats=stats)
                BATCH = saved
                label = "%s %s batch %d" % (mode, " ".join(a for a in args if a.startswith("-W") or a in
                                                          ("-w", "-ferror-limit=0")), size)
                if batched and not stats["batches"] or stats["batches"] + stats["single"] >= len(sources) * batched:
                    if batched:
                        ok = False
                        print("FAIL %s: %s, for %d inputs" % (label, stats, len(sources)))
                if not batched and stats["single"] != len(sources):
                    ok = False
                    print("FAIL %s: markers hidden by -w, yet %s" % (label, stats))
                for h, want, r in zip(order, wants, got):
                    want_out, r_out = want.stdout, r.stdout
                    if mode == "ast":
                        want_out, r_out = hex_addr.sub("0x", want_out), hex_addr.sub("0x", r_out)
                    for what, a, b in (("exit status", want.returncode, r.returncode),
                                       ("stdout", want_out, r_out), ("stderr", want.stderr, r.stderr)):
                        if a != b:
                            ok = False
                            print("FAIL %s, %s: %s differs:\n--- driver\n%s\n--- batch\n%s" % (label, h, what, a, b))
            print("ok   %s: %d inputs, %s" % (mode, len(sources), stats))
    return ok


if __name__ == "__main__":
    import sys
    if sys.argv[1:2] != ["--self-test"]:
        sys.exit("usage: clang_batch.py --self-test [CLANG]  (a module; see its comment)")
    sys.exit(0 if self_test(sys.argv[2] if len(sys.argv) > 2 else "clang-19") else 1)
