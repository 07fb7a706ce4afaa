#!/usr/bin/env python3
"""scripts/abi-ci.sh run the way a CI job runs it, on real header sets:
Linux 6.12 from Debian's linux-source (headers_install run by the script on
the cached source slice) against the committed 6.12 manifest, the project's
own versions, a throwaway git repository made from the same slice (git
mode), and bad command lines. Checks exit codes, printed findings, the
JUnit XML (parsed, not grepped) and what the script leaves on disk.

Usage: abi_ci_test.py SOURCE_ROOT UAPIKIT_GEN KERNEL_SOURCE_SLICE KERNEL_HEADERS [TEST...]
TEST: a class (KernelTree) or Class.test_name; default: all of them. The
meson suite runs the classes as separate tests: each headers_install of the
real tree costs tens of seconds on a machine where fork and exec are slow,
and one test of all of them came within a sixth of its timeout.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

ROOT, GEN, SLICE, HEADERS = (os.path.abspath(p) for p in sys.argv[1:5])
SCRIPT = os.path.join(ROOT, "scripts", "abi-ci.sh")
MANIFEST_612 = os.path.join(ROOT, "abi", "linux-6.12", "manifest.json")


def run(*args, cwd=None, env=None):
    return subprocess.run(["bash", SCRIPT, "--gen", GEN, *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})})


def junit(path):
    suites = ET.parse(path).getroot()
    return suites, suites.findall("./testsuite"), suites.findall("./testsuite/testcase")


def read_text(path):
    with open(path) as f:
        return f.read()


def write_text(path, text):
    with open(path, "w") as f:
        f.write(text)


def tree_listing(top):
    return sorted(os.path.relpath(os.path.join(d, f), top) for d, _, files in os.walk(top) for f in files)


class Versions(unittest.TestCase):
    """The project's own versions: no headers_install, only the diff."""

    def test_incompatible_change_one_junit_case_per_finding_and_target(self):
        with tempfile.TemporaryDirectory() as tmp:
            xml = os.path.join(tmp, "amd.xml")
            r = run("--baseline", "amd-viommu-v2", "--new", "amd-viommu-kvmfd-v2", "--junit", xml)
            self.assertEqual(r.returncode, 12, r.stderr)
            self.assertIn("iommu_viommu_amd.reserved: field moved", r.stdout)
            suites, [suite], cases = junit(xml)
            # The AMD kvmfd patch moves `reserved` 8 -> 12 on all seven targets.
            failed = [c for c in cases if c.find("failure") is not None]
            self.assertEqual(len(failed), 7)
            self.assertTrue(all(c.get("name").startswith("field-moved: iommu_viommu_amd.reserved [") for c in failed))
            names = [c.get("name") for c in cases]
            self.assertEqual(len(names), len(set(names)), "test case names must be unique")
            self.assertIn("field-moved: iommu_viommu_amd.reserved [i386-linux-gnu]", names)
            self.assertEqual(suite.get("name"), "uapikit ABI: amd-viommu-v2 -> amd-viommu-kvmfd-v2")
            self.assertEqual(int(suites.get("failures")), 7)

    def test_compatible_extension_exits_4_without_failures(self):
        with tempfile.TemporaryDirectory() as tmp:
            xml = os.path.join(tmp, "kvm.xml")
            r = run("--baseline", "linux-7.1", "--new", "kvm-vm-fd-v2", "--junit", xml)
            self.assertEqual(r.returncode, 4, r.stderr)
            suites, _, cases = junit(xml)
            self.assertEqual(suites.get("failures"), "0")
            self.assertGreaterEqual(len(cases), 1)

    def test_junit_suite_name_can_be_set(self):
        with tempfile.TemporaryDirectory() as tmp:
            xml = os.path.join(tmp, "n.xml")
            run("--baseline", "linux-7.1", "--new", "kvm-vm-fd-v2", "--junit", xml, "--junit-suite", "iommufd ABI")
            _, [suite], _ = junit(xml)
            self.assertEqual(suite.get("name"), "iommufd ABI")


class KernelTree(unittest.TestCase):
    """headers_install on a real 6.12 tree, as a kernel CI job runs it."""

    def test_unchanged_tree_relative_work_folder_stable_suite(self):
        before = tree_listing(SLICE)
        with tempfile.TemporaryDirectory() as tmp:
            xml = os.path.join(tmp, "kernel.xml")
            # A relative --work must land in the current folder, not inside
            # the kernel tree (make -C changes directory).
            r = run("--baseline", MANIFEST_612, "--kernel-tree", SLICE, "--target", "x86_64-linux-gnu",
                    "--target", "i386-linux-gnu", "--work", "w", "--junit", xml, cwd=tmp)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, "")
            self.assertTrue(os.path.isdir(os.path.join(tmp, "w", "headers", "x86", "include", "linux")))
            suites, [suite], cases = junit(xml)
            self.assertEqual(suites.get("failures"), "0")
            self.assertEqual(cases, [])
            self.assertEqual(suite.get("name"), "uapikit ABI: linux-6.12 -> kernel tree")
            self.assertNotIn(tmp, suite.get("name"))
        self.assertEqual(tree_listing(SLICE), before, "the kernel tree under test was written to")

    def test_default_work_folder_is_removed(self):
        # The folder and its removal are the same in every mode; installed
        # headers (--headers-dir) spare this case a headers_install of its own.
        with tempfile.TemporaryDirectory() as tmp:
            r = run("--baseline", MANIFEST_612, "--headers-dir", HEADERS, "--header", "linux/iommufd.h", "--target",
                    "x86_64-linux-gnu", env={"TMPDIR": tmp})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(os.listdir(tmp), [], "the temporary work folder was left behind")

    def test_headers_install_seeds_then_runs_in_parallel_with_the_same_trees(self):
        # A `make` first on PATH records when each headers_install starts
        # and ends, then runs the real one. The first ARCH runs alone and
        # seeds the others, which then run at once.
        with tempfile.TemporaryDirectory() as tmp:
            bindir = os.path.join(tmp, "bin")
            os.mkdir(bindir)
            log = os.path.join(tmp, "make.log")
            real_make = shutil.which("make")
            with open(os.path.join(bindir, "make"), "w") as f:
                f.write(f"#!/bin/sh\necho start $(date +%s.%N) >>{log}\nsleep 1\n{real_make} \"$@\"; s=$?\n"
                        f"echo end $(date +%s.%N) >>{log}\nexit $s\n")
            os.chmod(os.path.join(bindir, "make"), 0o755)
            work = os.path.join(tmp, "w")
            r = run("--baseline", MANIFEST_612, "--kernel-tree", SLICE, "--target", "x86_64-linux-gnu",
                    "--target", "aarch64-linux-gnu", "--target", "arm-linux-gnueabihf", "-j", "2", "--work", work,
                    env={"PATH": bindir + ":" + os.environ["PATH"]})
            self.assertEqual(r.returncode, 0, r.stderr)
            events = [line.split() for line in read_text(log).splitlines()]
            starts = sorted(float(t) for e, t in events if e == "start")
            ends = sorted(float(t) for e, t in events if e == "end")
            self.assertEqual(len(starts), 3)
            self.assertGreaterEqual(starts[1], ends[0], "a seeded headers_install started before the seed was made")
            self.assertLess(starts[2], ends[1], "the seeded headers_install runs did not overlap")
            # arm sorts first, so it is the seed; arm exports neither
            # linux/kvm.h nor linux/a.out.h, which the seeded x86 build must
            # then make itself. Its tree against a plain headers_install.
            plain = os.path.join(tmp, "plain")
            subprocess.run([real_make, "-s", "-C", SLICE, "ARCH=x86", "O=" + os.path.join(tmp, "plain-build"),
                            "headers_install", "INSTALL_HDR_PATH=" + plain], check=True, capture_output=True)
            seeded = os.path.join(work, "headers", "x86")
            self.assertFalse(os.path.exists(os.path.join(work, "headers", "arm", "include", "linux", "kvm.h")))
            self.assertTrue(os.path.exists(os.path.join(seeded, "include", "linux", "kvm.h")))
            self.assertEqual(tree_listing(seeded), tree_listing(plain))
            for name in tree_listing(plain):
                with open(os.path.join(plain, name), "rb") as a, open(os.path.join(seeded, name), "rb") as b:
                    self.assertEqual(a.read(), b.read(), name)

    def test_header_narrows_the_new_scan_against_a_whole_tree_baseline(self):
        # The baseline: every linux/ header of the 6.12 x86 tree but
        # linux/iommufd.h, as a tree from before iommufd (6.1). The check: the
        # 6.12 tree, narrowed to linux/kvm.h. What the baseline has from
        # headers that scan never read (asm/mman.h through linux/mman.h) is not
        # compared, so nothing changed. Without abi-ci's --narrowed, diff
        # called such declarations removed. The options use the joined
        # spellings (--header=H, -j1). Narrowed to linux/iommufd.h, which the
        # baseline never scanned, the check would compare nothing: refused.
        include = os.path.join(HEADERS, "x86", "include")
        headers = sorted(os.path.join("linux", f) for f in os.listdir(os.path.join(include, "linux"))
                         if f.endswith(".h") and f != "iommufd.h")
        with tempfile.TemporaryDirectory() as tmp:
            whole = os.path.join(tmp, "whole.json")
            scan = subprocess.run([GEN, "scan", *headers, "-I", os.path.join(HEADERS, "{arch}", "include"),
                                   "--target", "x86_64-linux-gnu", "--keep-going", "-o", whole],
                                  capture_output=True, text=True)
            self.assertEqual(scan.returncode, 0, scan.stderr)
            r = run("--baseline", whole, "--headers-dir", HEADERS, "--header=linux/kvm.h",
                    "--target=x86_64-linux-gnu", "-j1")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertNotIn("removed", r.stdout)
            self.assertIn("not compared", r.stdout)
            unscanned = run("--baseline", whole, "--headers-dir", HEADERS, "--header=linux/iommufd.h",
                            "--target=x86_64-linux-gnu")
            self.assertEqual(unscanned.returncode, 2, unscanned.stdout + unscanned.stderr)
            self.assertIn("--header linux/iommufd.h: not one of the %d header(s) the baseline scanned" % len(headers),
                          unscanned.stderr)
            self.assertEqual(unscanned.stdout, "")

    def test_a_header_that_no_longer_compiles_is_an_incompatible_finding_at_its_error(self):
        # The new tree's linux/iommufd.h ends in an unterminated struct: it
        # compiled in the baseline and does not now. That is a break, found
        # at the header's own line (not the work folder's copy).
        with tempfile.TemporaryDirectory() as tmp:
            tree = os.path.join(tmp, "hd", "x86", "include")
            shutil.copytree(os.path.join(HEADERS, "x86", "include"), tree)
            with open(os.path.join(tree, "linux", "iommufd.h"), "a") as f:
                f.write("\nstruct broken {\n")
            xml = os.path.join(tmp, "broken.xml")
            r = run("--baseline", MANIFEST_612, "--headers-dir", os.path.join(tmp, "hd"), "--target",
                    "x86_64-linux-gnu", "--junit", xml)
            self.assertIn(r.returncode, (8, 12), r.stdout + r.stderr)
            self.assertIn("incompatible: linux/iommufd.h: compiled on its own before and does not now", r.stdout)
            # What it includes (asm-generic/ioctl.h's _IOC_* macros) was not
            # read either, so it was not removed: the break is the one finding.
            self.assertIn("\n1 finding: 1 incompatible, 0 warnings, 0 compatible\n", r.stdout)
            self.assertNotIn("removed", r.stdout)
            self.assertNotIn(tmp, r.stdout)
            _, _, cases = junit(xml)
            failed = [c.get("name") for c in cases if c.find("failure") is not None]
            self.assertIn("header-no-longer-compiles: linux/iommufd.h [x86_64-linux-gnu]", failed)

    def test_a_header_the_new_tree_lost_is_removed_not_a_failed_scan(self):
        # The baseline scanned linux/iommufd.h; the new tree has no such file.
        with tempfile.TemporaryDirectory() as tmp:
            tree = os.path.join(tmp, "hd", "x86", "include")
            shutil.copytree(os.path.join(HEADERS, "x86", "include"), tree)
            os.remove(os.path.join(tree, "linux", "iommufd.h"))
            r = run("--baseline", MANIFEST_612, "--headers-dir", os.path.join(tmp, "hd"), "--target", "x86_64-linux-gnu")
            self.assertIn(r.returncode, (8, 12), r.stdout + r.stderr)
            self.assertIn("iommu_ioas_alloc: removed", r.stdout)
            self.assertIn("new: 1 header/target pair(s) not in that tree: linux/iommufd.h [x86_64-linux-gnu]\n", r.stderr)

    def test_a_header_in_neither_tree_is_a_usage_error(self):
        # Against a manifest, a misspelt header is one the baseline did not
        # scan, refused before any scan (git mode's typo: GitMode below).
        r = run("--baseline", MANIFEST_612, "--headers-dir", HEADERS, "--header", "linux/iommufd.h", "--header",
                "linux/iommufdd.h", "--target", "x86_64-linux-gnu")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("--header linux/iommufdd.h: not one of the 1 header(s) the baseline scanned", r.stderr)


class GitMode(unittest.TestCase):
    """--git-base on a throwaway git repository made from the 6.12 slice: one
    commit only extends a size-field struct, the next breaks a struct."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.repo = os.path.join(cls.tmp.name, "linux")
        shutil.copytree(SLICE, cls.repo, symlinks=True)

        def git(*args):
            subprocess.run(["git", "-C", cls.repo, "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True,
                           capture_output=True)

        def edit(path, old, new):
            full = os.path.join(cls.repo, path)
            text = read_text(full)
            assert old in text, (path, old)
            write_text(full, text.replace(old, new, 1))

        git("init", "-q")
        git("add", "-A")
        git("commit", "-qm", "base")
        # iommu_vfio_ioas {size, ioas_id, op, __reserved}: 12 bytes; iommufd
        # takes its length from `size`, so growth at the tail is compatible.
        edit("include/uapi/linux/iommufd.h", "\t__u16 op;\n\t__u16 __reserved;\n};",
             "\t__u16 op;\n\t__u16 __reserved;\n\t__u32 extension;\n};")
        git("commit", "-qam", "extend")
        # struct vfio_iommu_type1_dma_unmap: widening `flags` moves every
        # later field: a break for existing callers.
        edit("include/uapi/linux/vfio.h", "struct vfio_iommu_type1_dma_unmap {\n\t__u32\targsz;\n\t__u32\tflags;",
             "struct vfio_iommu_type1_dma_unmap {\n\t__u32\targsz;\n\t__u64\tflags;")
        git("commit", "-qam", "break")
        # One cache for the class: a revision's headers_install runs once.
        cls.cache = os.path.join(cls.tmp.name, "cache")

    def run_git(self, *args):
        return run("--cache", self.cache, *args)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_a_cached_tree_is_the_installed_one(self):
        # Base and head are the same revision: the base is installed and kept,
        # the head comes from the cache, and the two trees must be the same.
        work = os.path.join(self.tmp.name, "same")
        r = self.run_git("--git-base", "HEAD~2", "--git-head", "HEAD~2", "--kernel-tree", self.repo, "--header",
                         "linux/iommufd.h", "--target", "x86_64-linux-gnu", "--work", work)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("exporting HEAD~2", r.stderr)
        self.assertIn("headers of HEAD~2 (", r.stderr)
        self.assertEqual(r.stderr.count("make ARCH="), 1, r.stderr)
        base, head = (os.path.join(work, side + "-headers", "x86") for side in ("base", "head"))
        self.assertEqual(tree_listing(head), tree_listing(base))
        self.assertGreater(len(tree_listing(base)), 500)
        for name in tree_listing(base):
            with open(os.path.join(base, name), "rb") as a, open(os.path.join(head, name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)
        # A cached tree changed by hand (a header lost) is not trusted: the
        # revision is installed again, and the run's trees are whole.
        [tree] = os.listdir(os.path.join(self.cache, "headers-2"))
        os.remove(os.path.join(self.cache, "headers-2", tree, "x86", "include", "linux", "vfio.h"))
        work = os.path.join(self.tmp.name, "same-again")
        r = self.run_git("--git-base", "HEAD~2", "--git-head", "HEAD~2", "--kernel-tree", self.repo, "--header",
                         "linux/iommufd.h", "--target", "x86_64-linux-gnu", "--work", work)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("were changed since they were kept: installing again", r.stderr)
        self.assertEqual(r.stderr.count("make ARCH="), 1, r.stderr)
        for side in ("base", "head"):
            self.assertTrue(os.path.exists(os.path.join(work, side + "-headers", "x86", "include", "linux", "vfio.h")))

    def test_the_new_side_starts_from_the_base_and_ends_as_a_plain_install(self):
        # HEAD~2 -> HEAD changed linux/iommufd.h and linux/vfio.h only, so
        # HEAD's headers_install starts from HEAD~2's build: from a copy of
        # the class's cache when an earlier case kept HEAD~2 there, else
        # installed here. HEAD is taken out of the copy, so it is installed.
        # What a plain headers_install of HEAD writes: HEAD~2's tree, but
        # for the two changed headers, which are what kbuild's command for
        # each (scripts/headers_install.sh SRC DST) makes of HEAD's sources
        # (the clean working tree).
        with tempfile.TemporaryDirectory() as tmp:
            work, cache = os.path.join(tmp, "w"), os.path.join(tmp, "cache")
            if os.path.isdir(self.cache):
                shutil.copytree(self.cache, cache, symlinks=True)
            head_tree = subprocess.run(["git", "-C", self.repo, "rev-parse", "HEAD^{tree}"], check=True,
                                       capture_output=True, text=True).stdout.strip()
            shutil.rmtree(os.path.join(cache, "headers-2", head_tree), ignore_errors=True)
            r = run("--cache", cache, "--git-base", "HEAD~2", "--git-head", "HEAD", "--kernel-tree", self.repo,
                    "--header", "linux/vfio.h", "--target", "x86_64-linux-gnu", "--work", work)
            self.assertIn(r.returncode, (8, 12), r.stdout + r.stderr)
            self.assertIn("headers_install of HEAD starts from HEAD~2's: 2 uapi header(s) changed", r.stderr)
            base_cached = ": headers of HEAD~2 (" in r.stderr
            self.assertEqual(r.stderr.count("make ARCH="), 1 if base_cached else 2, r.stderr)
            base, seeded = (os.path.join(work, side + "-headers", "x86") for side in ("base", "head"))
            self.assertEqual(tree_listing(seeded), tree_listing(base))
            # The script runs scripts/unifdef, kbuild's host program, from
            # the build folder: built here from the tree's source.
            os.mkdir(os.path.join(tmp, "scripts"))
            subprocess.run([shutil.which("gcc") or "clang-19", "-O2", "-o", os.path.join(tmp, "scripts", "unifdef"),
                            os.path.join(self.repo, "scripts", "unifdef.c")], check=True, capture_output=True)
            changed = {os.path.join("include", "linux", h): h for h in ("iommufd.h", "vfio.h")}
            for name in tree_listing(base):
                if name in changed:
                    made = os.path.join(tmp, changed[name])
                    subprocess.run(["sh", os.path.join(self.repo, "scripts", "headers_install.sh"),
                                    os.path.join(self.repo, "include", "uapi", "linux", changed[name]), made],
                                   check=True, capture_output=True, cwd=tmp)
                    expected = made
                else:
                    expected = os.path.join(base, name)
                with open(expected, "rb") as a, open(os.path.join(seeded, name), "rb") as b:
                    self.assertEqual(a.read(), b.read(), name)
            self.assertIn("__u32 extension;", read_text(os.path.join(seeded, "include", "linux", "iommufd.h")))
            self.assertNotIn("__u32 extension;", read_text(os.path.join(base, "include", "linux", "iommufd.h")))

    def test_extension_only_is_compatible(self):
        xml = os.path.join(self.tmp.name, "extend.xml")
        r = self.run_git("--git-base", "HEAD~2", "--git-head", "HEAD~1", "--kernel-tree", self.repo, "--header",
                "linux/iommufd.h", "--target", "x86_64-linux-gnu", "--target", "i386-linux-gnu", "--junit", xml)
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("iommu_vfio_ioas", r.stdout)
        suites, [suite], _ = junit(xml)
        self.assertEqual(suites.get("failures"), "0")
        self.assertEqual(suite.get("name"), "uapikit ABI: HEAD~2 -> HEAD~1")

    def test_breaking_commit_is_incompatible_with_every_header_scanned(self):
        xml = os.path.join(self.tmp.name, "break.xml")
        r = self.run_git("--git-base", "HEAD~1", "--git-head", "HEAD", "--kernel-tree", self.repo, "--target",
                "x86_64-linux-gnu", "--junit", xml)
        self.assertIn(r.returncode, (8, 12), r.stdout + r.stderr)
        self.assertIn("vfio_iommu_type1_dma_unmap", r.stdout)
        _, _, cases = junit(xml)
        failed = [c.get("name") for c in cases if c.find("failure") is not None]
        self.assertTrue(any("vfio_iommu_type1_dma_unmap" in n for n in failed), failed)

    def test_a_change_that_breaks_a_header_fails_in_git_mode(self):
        # Uncommitted: a type the header does not define. In HEAD it compiled.
        path = os.path.join(self.repo, "include/uapi/linux/iommufd.h")
        original = read_text(path)
        try:
            write_text(path, original.replace("struct iommu_ioas_alloc {\n", "struct iommu_ioas_alloc {\n\tfoo_t bar;\n", 1))
            r = self.run_git("--git-base", "HEAD", "--kernel-tree", self.repo, "--target", "x86_64-linux-gnu")
            self.assertIn(r.returncode, (8, 12), r.stdout + r.stderr)
            self.assertIn("linux/iommufd.h", r.stdout)
            self.assertIn("header-no-longer-compiles", r.stdout)
            self.assertIn("unknown type name 'foo_t'", r.stdout)
            # Found in a headers_install that started from HEAD's: the
            # changed header was made again.
            self.assertIn("headers_install of the working tree starts from HEAD's: 1 uapi header(s) changed", r.stderr)
            # The same edit in a file git is told to skip (assume-unchanged):
            # git diff no longer lists it, so the working tree is installed
            # from scratch, and the break is still found.
            subprocess.run(["git", "-C", self.repo, "update-index", "--assume-unchanged",
                            "include/uapi/linux/iommufd.h"], check=True)
            hidden = self.run_git("--git-base", "HEAD", "--kernel-tree", self.repo, "--target", "x86_64-linux-gnu",
                                  "--header", "linux/iommufd.h")
            self.assertIn(hidden.returncode, (8, 12), hidden.stdout + hidden.stderr)
            self.assertIn("unknown type name 'foo_t'", hidden.stdout)
            self.assertIn("git is told not to look at changes to include/uapi/linux/iommufd.h (assume-unchanged or "
                          "skip-worktree): the working tree's headers_install starts from scratch", hidden.stderr)
            typo = self.run_git("--git-base", "HEAD", "--kernel-tree", self.repo, "--target", "x86_64-linux-gnu",
                                "--header",
                       "linux/nonexist.h")
            self.assertEqual(typo.returncode, 2, typo.stdout + typo.stderr)
            self.assertIn("--header linux/nonexist.h: in neither tree", typo.stderr)
        finally:
            subprocess.run(["git", "-C", self.repo, "update-index", "--no-assume-unchanged",
                            "include/uapi/linux/iommufd.h"], check=True)
            write_text(path, original)

    def test_working_tree_is_the_default_head(self):
        # Uncommitted: undo the break in the working tree only.
        path = os.path.join(self.repo, "include/uapi/linux/vfio.h")
        original = read_text(path)
        script = os.path.join(self.repo, "scripts", "headers_install.sh")
        script_text = read_text(script)
        try:
            write_text(path, original.replace("\t__u64\tflags;", "\t__u32\tflags;", 1))
            # A change to what processes the headers, not to a header: the
            # working tree's headers_install cannot start from the base's.
            write_text(script, script_text + "# a comment\n")
            r = self.run_git("--git-base", "HEAD~1", "--kernel-tree", self.repo, "--header", "linux/vfio.h", "--target",
                    "x86_64-linux-gnu")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("the new side changes scripts/headers_install.sh, not only uapi headers: its headers_install "
                          "starts from scratch", r.stderr)
        finally:
            write_text(path, original)
            write_text(script, script_text)

    def test_a_removed_header_breaks_and_a_new_header_is_new(self):
        # In the working tree only: linux/vfio_ccw.h goes (nothing else
        # includes it) and a header nobody had before comes.
        gone = os.path.join(self.repo, "include/uapi/linux/vfio_ccw.h")
        fresh = os.path.join(self.repo, "include/uapi/linux/uapikit_trial.h")
        original = read_text(gone)
        try:
            os.remove(gone)
            write_text(fresh, "#ifndef _UAPI_UAPIKIT_TRIAL_H\n#define _UAPI_UAPIKIT_TRIAL_H\n#include <linux/types.h>\n"
                              "struct uapikit_trial {\n\t__u32 size;\n\t__u32 flags;\n\t__u64 data;\n};\n#endif\n")
            xml = os.path.join(self.tmp.name, "headers.xml")
            r = self.run_git("--git-base", "HEAD", "--kernel-tree", self.repo, "--target", "x86_64-linux-gnu",
                             "--junit", xml)
            self.assertIn(r.returncode, (8, 12), r.stdout + r.stderr)
            _, _, cases = junit(xml)
            failed = [c.get("name") for c in cases if c.find("failure") is not None]
            self.assertTrue(any("ccw_io_region" in n for n in failed), failed)
            self.assertIn("uapikit_trial", r.stdout)
            self.assertNotIn("not compared", r.stdout)
        finally:
            write_text(gone, original)
            os.remove(fresh)


class Usage(unittest.TestCase):
    def test_missing_option_value_is_a_usage_error(self):
        r = run("--new", "linux-7.1", "--baseline")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--baseline needs a value", r.stderr)
        self.assertNotIn("unbound variable", r.stderr)

    def test_a_bad_baseline_or_junit_path_is_refused_before_any_work(self):
        r = run("--baseline", "nope.json", "--new", "linux-7.1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--baseline nope.json: no such file", r.stderr)
        r = run("--baseline", "--headers-dir", HEADERS)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--baseline needs a value, not the option --headers-dir", r.stderr)
        r = run("--baseline", "linux-7.1", "--new", "kvm-vm-fd-v2", "--junit", "/nonexistent-dir/a.xml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot write --junit /nonexistent-dir/a.xml", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_a_kernel_tree_that_is_not_one_is_named_before_headers_install(self):
        # headers_install output given as a source tree: no Makefile there.
        r = run("--baseline", MANIFEST_612, "--kernel-tree", HEADERS, "--target", "x86_64-linux-gnu")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("'%s' is not a kernel source tree" % os.path.realpath(HEADERS), r.stderr)
        self.assertIn("use --headers-dir", r.stderr)
        self.assertNotIn("No rule to make target", r.stderr)

    def test_cache_outside_git_mode_is_a_usage_error(self):
        r = run("--baseline", "linux-7.1", "--new", "proposed", "--cache", "/tmp/never-made")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("--cache keeps the trees of git revisions: it needs --git-base", r.stderr)
        self.assertFalse(os.path.exists("/tmp/never-made"))

    def test_a_cache_that_is_a_file_is_named_as_such(self):
        with tempfile.NamedTemporaryFile() as f:
            r = run("--git-base", "HEAD", "--kernel-tree", ROOT, "--cache", f.name)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("exists and is not a folder", r.stderr)

    def test_a_cache_inside_the_kernel_tree_is_warned_about(self):
        # An unknown revision stops the run right after the warning.
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["git", "init", "-q", tmp], check=True)
            inside = os.path.join(tmp, "abi-cache")
            r = run("--git-base", "no-such-rev", "--kernel-tree", tmp, "--cache", inside)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("warning: the cache folder '%s' is inside the kernel tree" % os.path.realpath(inside), r.stderr)
            self.assertIn("unknown git revision 'no-such-rev'", r.stderr)
            outside = os.path.join(tmp + "-cache")
            r = run("--git-base", "no-such-rev", "--kernel-tree", tmp, "--cache", outside)
            shutil.rmtree(outside, ignore_errors=True)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertNotIn("inside the kernel tree", r.stderr)

    def test_joined_option_values(self):
        r = run("--baseline=linux-7.1", "--new=kvm-vm-fd-v2", "--jobs=1")
        self.assertEqual(r.returncode, 4, r.stderr)
        r = run("--baseline", "linux-7.1", "--new", "kvm-vm-fd-v2", "-j0")  # 0: one per CPU, as scan's
        self.assertEqual(r.returncode, 4, r.stderr)
        r = run("--baseline", "linux-7.1", "--new", "kvm-vm-fd-v2", "-jx")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--jobs takes a number (0: one per CPU), not 'x'", r.stderr)
        r = run("--baseline", "linux-7.1", "--new", "kvm-vm-fd-v2", "--header", "linux/iommufd.h")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--new is not scanned", r.stderr)
        r = run("--help=yes")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--help takes no value", r.stderr)

    def test_help_is_usage_only(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith("Usage:"))
        self.assertNotIn("set -", r.stdout)
        self.assertIn("--git-base", r.stdout)

    def test_a_gen_that_is_not_a_program_is_named(self):
        for gen in ("/nonexistent/uapikit-gen", ROOT):
            r = subprocess.run(["bash", SCRIPT, "--gen", gen, "--baseline", "linux-6.12", "--new", "linux-7.1"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(f"--gen {gen}: not an executable file", r.stderr)

    def test_unknown_baseline_version_lists_the_known_ones(self):
        r = run("--baseline", "linux-6.21", "--new", "linux-7.1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown ABI version 'linux-6.21'", r.stderr)
        self.assertIn("linux-6.12", r.stderr)

    def test_no_new_side(self):
        r = run("--baseline", "linux-7.1")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)


if __name__ == "__main__":
    # The report goes to stdout, where scripts/summarize_tests.py counts it.
    unittest.main(argv=[sys.argv[0], *sys.argv[5:]], testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
