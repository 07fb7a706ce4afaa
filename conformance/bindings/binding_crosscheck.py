#!/usr/bin/env python3
"""The emitted C++ bindings against the original C header compiled as C++.

For each header (Linux 6.12's heaviest: vfio.h, kvm.h, perf_event.h, bpf.h,
io_uring.h, ethtool.h, videodev2.h; and the project's own fixture with one
case per construct), for each of the seven targets:

 1. scan the header alone and emit its bindings;
 2. write one translation unit that includes the bindings, takes every size,
    alignment, member offset, enum value and macro value of them, then
    includes the original header and takes the same of it, and
    static_asserts each pair equal. (Bindings first, original second: the
    "after" include order, so a kernel macro cannot touch the bindings' side);
 3. compile it with clang++ for the target as C++20 (with clang's record
    layout dump) and C++23, and with g++ for x86_64 and -m32;
 4. compare, in the dump, every record of the original with the bindings'
    record of the same name, member by member at every depth: bitfields
    included, which offsetof cannot name;
 5. on x86_64 (the host), build and run the same unit with a main() that
    sets each bitfield to all ones in a zeroed object of each kind and
    compares the bytes;
 6. on every target, without running: each named bitfield set to all ones
    in a constant object, once in C (the original header compiled as C, a
    designated initializer) and once in C++ (the bindings), each compiled to
    an object file for the target, and the bytes read back from the two
    objects compared (bitfield_bytes.py). This is C against C++, not the
    original-as-C++ of steps 2 to 5.

Nothing expected comes from uapikit: the manifest only lists the names to
compare; both values come from the compiler. Compiles are cached under
--cache (bindings_check.py). linux/videodev2.h includes <sys/time.h>: the
target's C library headers come from Debian's libc6-dev-*-cross packages.

Usage: binding_crosscheck.py --gen GEN --headers DIR --fixtures DIR --include DIR --cache DIR
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bindings_check as bc  # noqa: E402
import bitfield_bytes as bb  # noqa: E402

HEAVY = ["linux/vfio.h", "linux/kvm.h", "linux/perf_event.h", "linux/bpf.h", "linux/io_uring.h",
         "linux/ethtool.h", "linux/videodev2.h"]
FIXTURES = ["linux/uapikit_emit_cases.h"]

# A member's record type. Unnamed records have names with parentheses
# ("ec_nesting::@union(word)"); arrays and pointers match too, but their
# spelling is no record's name, which callers check.
_REF = re.compile(r"^(?:const |volatile )*(struct|union) (.+)$")


def in_scope(origin_file, headers):
    """The declarations emit writes without --all-files (analysis::in_scope)."""
    for h in headers:
        if origin_file == h:
            return True
        if h.startswith("linux/") and origin_file == "asm/" + h[len("linux/"):]:
            return True
    return False


def nameable(name):
    return name and "::" not in name and "@" not in name and name not in bc.CXX_KEYWORDS


def member_paths(records, name, base=0, prefix=""):
    """(path, offset_bits, field, holder) of the members reachable by name
    from a record: its own, and those of anonymous members, whose members C
    and C++ name directly; `holder` is the record that declares the member."""
    for f in records[name]["fields"]:
        off = base + f["offset_bits"]
        m = _REF.match(f["canonical_type"].strip())
        ref = m.group(2).strip() if m else None
        if f["name"] == "" and ref in records and f.get("bit_width") is None:
            yield from member_paths(records, ref, off, prefix)
            continue
        yield prefix + f["name"], off, f, name


def holds_empty_struct(records, name, seen=None):
    """C gives an empty struct size 0, C++ size 1: the original header
    compiled as C++ is not the C layout for a record that holds one (the
    kernel's __DECLARE_FLEX_ARRAY). Such records are left to the checks
    against scan's C layout (the bindings' own static_asserts and
    all_headers_bindings.py)."""
    r = records[name]
    if r["size"] == 0 and not r["fields"]:
        return True
    for f in r["fields"]:
        m = _REF.match(f["canonical_type"].strip())
        if m and m.group(2).strip() in records and holds_empty_struct(records, m.group(2).strip()):
            return True
    return False


def scoped_in_cxx(abi):
    """Enum constants of an enum declared inside a struct: file scope in C,
    the struct's scope in C++, so the original compiled as C++ does not
    have them at file scope."""
    used = {f["canonical_type"] for r in abi["records"] for f in r["fields"]}
    out = set()
    for e in abi["enums"]:
        if e["name"].startswith("@") and "enum " + e["name"] in used:
            out.update(c["name"] for c in e["constants"])
    return out


def named_bitfields(abi):
    """(kind, record, member path, field, siblings) of every named bitfield
    of the records the cross-check compares: the ones a program can set.
    `siblings` are the other named members of the anonymous record that
    declares it (none when the record itself does): a constant expression
    that sets a bitfield of a union's other alternative must set them all,
    or that alternative is not wholly initialized."""
    records = {r["name"]: r for r in abi["records"]}
    out = []
    for name, r in records.items():
        if not nameable(name) or not in_scope(r["file"], abi["headers"]) or holds_empty_struct(records, name):
            continue
        for path, _, f, holder in member_paths(records, name):
            if not f["name"] or any(part in bc.CXX_KEYWORDS for part in path.split(".")):
                continue
            if f.get("bit_width") and "const" not in f["canonical_type"]:
                siblings = [] if holder == name else [
                    g["name"] for g in records[holder]["fields"]
                    if g["name"] and g["name"] != f["name"] and g["name"] not in bc.CXX_KEYWORDS]
                out.append((r["kind"], name, path, f, siblings))
    return out


def unit(header, ns, binding, abi, with_main, scoped_names=None):
    """The translation unit for one target, and how many pairs it compares.
    `scoped_names` maps a record declared inside another (file scope in C,
    the holder's scope in C++) to its C++ name, as clang suggested it."""
    scoped_names = scoped_names or {}
    records = {r["name"]: r for r in abi["records"]}
    scoped = scoped_in_cxx(abi)
    enum_constants = [c["name"] for e in abi["enums"] if in_scope(e["file"], abi["headers"]) for c in e["constants"]
                      if c["name"] not in scoped]
    constant_names = set(c["name"] for e in abi["enums"] for c in e["constants"])
    ours, theirs, labels = [], [], []
    bit_checks = [(name, path) for _, name, path, _, _ in named_bitfields(abi)]
    q = "uapikit::raw::%s::" % ns
    for name, r in records.items():
        if not nameable(name) or not in_scope(r["file"], abi["headers"]) or holds_empty_struct(records, name):
            continue
        kind = r["kind"]
        cname = scoped_names.get(name, name)
        ours += ["sizeof(%s %s%s)" % (kind, q, name), "alignof(%s %s%s)" % (kind, q, name)]
        theirs += ["sizeof(%s)" % cname, "alignof(%s)" % cname]
        labels += [name + ": size", name + ": alignment"]
        for path, off, f, _ in member_paths(records, name):
            if not f["name"] or any(part in bc.CXX_KEYWORDS for part in path.split(".")):
                continue
            if f.get("bit_width") is not None:
                continue  # named_bitfields()
            if "." in path:
                continue  # named members of unnamed type: covered by the layout dump
            ours.append("__builtin_offsetof(%s %s%s, %s)" % (kind, q, name, path))
            theirs.append("__builtin_offsetof(%s, %s)" % (cname, path))
            labels.append("%s.%s: offset" % (name, path))
    for c in enum_constants:
        ours.append("(unsigned long long)%s%s" % (q, c))
        theirs.append("(unsigned long long)(%s)" % c)
        labels.append(c + ": value")
    # An ioctl number encodes sizeof its argument, which C++ reads differently
    # for a record holding an empty struct: such numbers are left out too.
    empty_sizes = {r["size"] for n, r in records.items() if holds_empty_struct(records, n)}
    for m in abi["macros"]:
        name = m["name"]
        if "value" not in m or not in_scope(m["file"], abi["headers"]) or name in bc.CXX_KEYWORDS or name in records:
            continue
        if "ioctl" in m and m["ioctl"]["size"] in empty_sizes:
            continue
        if name in constant_names:
            continue  # the enum constant of that name is compared above
        ours.append("(unsigned long long)%s%s" % (q, name))
        theirs.append("(unsigned long long)(%s)" % name)
        labels.append(name + ": macro value")
    lines = ["// Cross-check of <%s>: generated by binding_crosscheck.py." % header,
             '#include "%s"' % binding,
             "namespace uapikit_xc_ours {",
             "inline constexpr unsigned long long values[] = {"]
    lines += ["    %s," % e for e in ours] + ["    0};", "}  // namespace uapikit_xc_ours",
                                                "#define _Bool bool  // the original is C", "#include <%s>" % header,
                                                "inline constexpr unsigned long long uapikit_xc_theirs[] = {"]
    lines += ["    %s," % e for e in theirs] + ["    0};"]
    for i, label in enumerate(labels):
        lines.append('static_assert(uapikit_xc_ours::values[%d] == uapikit_xc_theirs[%d], "%s");' % (i, i, label))
    if with_main:
        lines += ["#include <cstdio>", "#include <cstring>",
                  "// Sets one bitfield to all ones in a zeroed object of each kind; the bytes must agree.",
                  "template <typename O, typename T, typename SetO, typename SetT>",
                  "int same_bits(const char* what, SetO set_ours, SetT set_theirs) {",
                  "    static_assert(sizeof(O) == sizeof(T));",
                  "    O o; T t;",
                  "    std::memset(static_cast<void*>(&o), 0, sizeof o);",
                  "    std::memset(static_cast<void*>(&t), 0, sizeof t);",
                  "    set_ours(o); set_theirs(t);",
                  "    if (std::memcmp(&o, &t, sizeof o) == 0) return 0;",
                  '    std::printf("bitfield %s: bytes differ\\n", what);',
                  "    return 1;", "}", "int main() {", "    int bad = 0;"]
        for name, path in bit_checks:
            kind = records[name]["kind"]
            ours_path = ".".join(p + "_" if p in bc.CXX_KEYWORDS else p for p in path.split("."))
            lines.append("    bad += same_bits<%s %s%s, %s>(\"%s.%s\", [](auto& x) { x.%s = static_cast<decltype(x.%s)>(~x.%s); },"
                         " [](auto& x) { x.%s = static_cast<decltype(x.%s)>(~x.%s); });" %
                         (kind, q, name, scoped_names.get(name, name), name, path, ours_path, ours_path, ours_path, path,
                          path, path))
        lines += ['    std::printf("%d bitfields compared\\n", ' + str(len(bit_checks)) + ");", "    return bad;", "}"]
    return "\n".join(lines) + "\n", len(labels), len(bit_checks)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", required=True, help="the project's fixture include folder")
    a = bc.parse_arguments(ap, folders=("fixtures",))
    start = time.time()
    libc = bc.libc_dirs(a.cache)
    tree = os.path.join(a.headers, "{arch}", "include")
    support = os.path.join(a.include, "uapikit", "raw_support.hpp")
    failed = pairs = bits = compiled = c_bits = 0
    for header in HEAVY + FIXTURES:
        stem = re.sub(r"\W", "_", header[len("linux/"):-2])
        work = os.path.join(a.cache, "crosscheck", stem)
        os.makedirs(work, exist_ok=True)
        includes = [a.fixtures] if header in FIXTURES else [tree, libc]
        manifest_file = os.path.join(work, "manifest.json")
        manifest = bc.scan(a.gen, [header], includes, manifest_file, keep_going=True, jobs=a.jobs)
        ns = "xc_" + stem
        binding = os.path.join(work, "binding.hpp")
        bc.emit(a.gen, manifest_file, binding, ns)
        compiles, runs, readbacks = [], [], []
        for triple, (arch, _) in bc.TARGETS.items():
            abi = manifest["targets"][triple]
            if abi["errors"]:
                # 32-bit arm has no linux/kvm.h: nothing to compare there.
                print("note: %s on %s: %s" % (header, triple, abi["errors"][0]["message"].splitlines()[0]))
                continue
            source = os.path.join(work, triple + ".cpp")
            inc = ["-I", a.include]
            for d in includes:
                inc += ["-I", d.replace("{arch}", arch).replace("{triple}", triple)]
            names = [r["name"] for r in abi["records"] if nameable(r["name"]) and in_scope(r["file"], abi["headers"])]
            scoped = learn_scoped_names(a.clang, triple, inc, header, names)
            text, n_pairs, n_bits = unit(header, ns, binding, abi, with_main=False, scoped_names=scoped)
            with open(source, "w") as f:
                f.write(text)
            pairs += n_pairs
            files = [binding, support, source]
            for std in ("c++20", "c++23"):
                compiles.append((triple, bc.Compile("%s clang++ %s %s" % (header, triple, std), a.clang,
                                                    ["--target=" + triple, "-std=" + std, "-nostdlibinc", "-ffreestanding",
                                                     "-fsyntax-only",
                                                     "-Wno-gnu-variable-sized-type-not-at-end"] + inc + [source],
                                                    files, dump=std == "c++20")))
            if triple in ("x86_64-linux-gnu", "i386-linux-gnu"):
                flags = ["-m32"] if triple == "i386-linux-gnu" else []
                for std in ("c++20", "c++23"):
                    compiles.append((triple, bc.Compile("%s g++ %s %s" % (header, triple, std), a.gxx,
                                                        flags + ["-std=" + std, "-ffreestanding", "-fsyntax-only", "-w"] +
                                                        inc + [source], files)))
            if triple == "x86_64-linux-gnu":
                program = os.path.join(work, "bits.cpp")
                text, _, n_bits = unit(header, ns, binding, abi, with_main=True, scoped_names=scoped)
                with open(program, "w") as f:
                    f.write(text)
                bits += n_bits
                runs.append((program, inc))
            checks = [bb.Check(kind, name, path, bb.ones(f), siblings)
                      for kind, name, path, f, siblings in named_bitfields(abi)]
            if checks:
                original = [os.path.join(d.replace("{arch}", arch).replace("{triple}", triple), header) for d in includes]
                readbacks.append((triple, checks, inc, [p for p in original if os.path.exists(p)]))
        results = bc.run_compiles([c for _, c in compiles], a.cache, a.jobs)
        failed += read_back_bitfields(a, header, work, binding, "uapikit::raw::%s::" % ns, readbacks)
        c_bits += sum(len(checks) for _, checks, _, _ in readbacks)
        for triple, c in compiles:
            ok, err, dump, cached = results[c.label]
            compiled += not cached
            if not ok:
                failed += 1
                print("FAIL %s:\n%s" % (c.label, "\n".join(err.splitlines()[:30])))
                continue
            if dump is not None:
                records = {r["name"]: r for r in manifest["targets"][triple]["records"]}
                skip = {n for n in records if holds_empty_struct(records, n)}
                bad = compare_dump(c.label, dump, ns, skip)
                if bad:
                    failed += 1
                    continue
            if not cached:
                bc.mark_ok(c, a.cache)
        for program, inc in runs:
            exe = program[:-4]
            build = bc.Compile(header + " host bitfield run", a.gxx, ["-std=c++20", "-w", "-O0"] + inc + [program, "-o", exe],
                               [program, binding, support])
            stamp = os.path.join(a.cache, "ok", bc.cache_key(build.cxx, build.args, build.inputs))
            if os.path.exists(stamp):
                continue
            r = bc.run([build.cxx, *build.args])
            if r.returncode != 0:
                failed += 1
                print("FAIL %s: host bitfield program does not build:\n%s" % (header, r.stderr[:3000]))
                continue
            r = bc.run([exe])
            if r.returncode != 0:
                failed += 1
                print("FAIL %s: %s" % (header, r.stdout))
                continue
            bc.mark_ok(build, a.cache)
    print("%d headers x 7 targets: %d values compared by static_assert, %d bitfields run on the host, "
          "%d bitfield placements read back from C and C++ objects (all targets), "
          "%d compiles run (others cached), %d failed; %.1f s" %
          (len(HEAVY + FIXTURES), pairs, bits, c_bits, compiled, failed, time.time() - start))
    if c_bits == 0:
        print("FAIL no bitfield was read back")
        failed += 1
    return 1 if failed else 0


def read_back_bitfields(a, header, work, binding, qualifier, readbacks):
    """Step 6: each named bitfield set to all ones in a constant object, in C
    (the original header compiled as C) and in C++ (the bindings), compiled
    for the target; the objects' bytes must be equal (bitfield_bytes.py)."""
    support = os.path.join(a.include, "uapikit", "raw_support.hpp")

    def one(job):
        triple, checks, inc, originals = job
        common = ["--target=" + triple, "-ffreestanding", "-nostdlibinc", "-w"] + inc
        try:
            theirs = bb.read_back(a.clang, ["-x", "c", "-std=gnu11"] + common, bb.c_source(header, checks),
                                  os.path.join(work, triple + ".bits.c"), originals, a.cache, len(checks))
            ours = bb.read_back(a.clang, ["-x", "c++", "-std=c++20"] + common, bb.cxx_source(binding, qualifier, checks),
                                os.path.join(work, triple + ".bits.cpp"), [binding, support], a.cache, len(checks))
        except (RuntimeError, ValueError) as e:
            print("FAIL %s %s bitfield readback:\n%s" % (header, triple, e))
            return 1
        return bb.compare("%s %s" % (header, triple), checks, theirs, ours)

    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        return sum(pool.map(one, readbacks))


_SUGGESTION = re.compile(r"unknown type name '(\w+)'; did you mean '([\w:]+)'")


def learn_scoped_names(clang, triple, inc, header, record_names):
    """C++ names of the records C declares inside another record: asked for
    sizeof of every record of the original, clang suggests them."""
    probe = "#define _Bool bool\n#include <%s>\n" % header
    probe += "".join("static_assert(sizeof(%s) > 0 || true);\n" % n for n in record_names)
    err = bc.run([clang, "--target=" + triple, "-std=c++20", "-nostdlibinc", "-ffreestanding", "-fsyntax-only",
                  "-ferror-limit=0"] + inc + ["-x", "c++", "-"], input=probe).stderr
    return dict(_SUGGESTION.findall(err))


def compare_dump(label, dump, ns, skip):
    """Every record of the original (global names) against the bindings'
    record of the same name, but those in `skip` (see holds_empty_struct)."""
    layouts = bc.flatten_dump(dump)
    prefix = "uapikit::raw::%s::" % ns
    bad = compared = 0
    for qual, theirs in layouts.items():
        if "::" in qual or "(" in qual or qual in skip:
            continue  # the bindings' own records, unnamed ones (compared inside their holders), skipped ones
        ours = layouts.get(prefix + qual)
        if ours is None:
            continue  # records the bindings do not define (outside the header's own files)
        compared += 1
        if (ours["size"], ours["align"]) != (theirs["size"], theirs["align"]) or not bc.same_rows(ours["rows"], theirs["rows"]):
            bad += 1
            if bad <= 10:
                print("FAIL %s: %s: %s" % (label, qual, bc.first_difference(ours["rows"], theirs["rows"])))
    if compared == 0:
        print("FAIL %s: no record compared in the layout dump" % label)
        return 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
