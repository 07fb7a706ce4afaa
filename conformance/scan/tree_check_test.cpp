// scan refuses a headers_install tree whose asm/ headers are another
// architecture's: such a tree compiles for the wrong target and would give
// wrong layouts without a word. Checked on the real Linux 6.12 trees, with
// the kernel ARCH of each target as `make headers_install` names it (the
// mapping in README), and with copies whose marker file is removed, so the
// evaluated check (__BITS_PER_LONG, _IOC_* layout, __NR_read) has to catch
// them on its own.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

fs::path tree(const std::string& arch) { return fs::path(required_env("UAPIKIT_KERNEL_HEADERS")) / arch / "include"; }

fs::path scratch() { return uapikit::testing::scratch_dir("tree-check"); }

// scan of linux/iommufd.h for `target` with `include` as the one -I folder.
uapikit::testing::CommandResult scan(const fs::path& include, const std::string& target, const fs::path& out) {
    return run_command({required_env("UAPIKIT_GEN"), "scan", "linux/iommufd.h", "-I", include.string(), "--target", target,
                        "-o", out.string()});
}

// A copy of `arch`'s tree without `marker`.
fs::path copy_without(const fs::path& dir, const std::string& arch, const std::string& marker) {
    fs::path copy = dir / (arch + "-unmarked");
    fs::remove_all(copy);
    fs::copy(tree(arch), copy, fs::copy_options::recursive);
    REQUIRE(fs::remove(copy / marker));
    return copy;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("tree check: one architecture's tree for another target is refused, and nothing is written") {
    fs::path dir = scratch();
    fs::path out = dir / "m.json";
    struct Case {
        const char* arch;
        const char* target;
        const char* needs;
    };
    for (const Case& c : {Case{"x86", "aarch64-linux-gnu", "arm64"}, Case{"x86", "arm-linux-gnueabihf", "arm"},
                          Case{"arm64", "riscv64-linux-gnu", "riscv"}, Case{"powerpc", "s390x-linux-gnu", "s390"},
                          Case{"s390", "x86_64-linux-gnu", "x86"}}) {
        auto r = scan(tree(c.arch), c.target, out);
        INFO(c.arch << " for " << c.target << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(has(r.err, std::string("holds the asm/ headers of ARCH ") + c.arch));
        CHECK(has(r.err, std::string("not those of ARCH ") + c.needs));
        CHECK(has(r.err, "{arch}"));
        CHECK_FALSE(fs::exists(out));
    }
    fs::remove_all(dir);
}

TEST_CASE("tree check: without marker files, the evaluated values still give a foreign tree away") {
    fs::path dir = scratch();
    fs::path out = dir / "m.json";
    // x86's asm/ for 32-bit arm: __BITS_PER_LONG is 32 either way, but x86's
    // unistd.h picks its x32 table for an ILP32 target that is not i386,
    // where read is 0 plus the x32 bit (arm EABI: 3).
    auto arm = scan(copy_without(dir, "x86", "asm/bootparam.h"), "arm-linux-gnueabihf", out);
    INFO(arm.err);
    CHECK(arm.exit_code == 2);
    CHECK(has(arm.err, "__NR_read = 1073741824"));
    CHECK(has(arm.err, "(expected 3)"));
    // powerpc's asm/ for s390x: its bitsperlong.h tests __powerpc64__ only.
    auto s390 = scan(copy_without(dir, "powerpc", "asm/epapr_hcalls.h"), "s390x-linux-gnu", out);
    INFO(s390.err);
    CHECK(s390.exit_code == 2);
    CHECK(has(s390.err, "__BITS_PER_LONG = 32"));
    // arm64's asm/ for powerpc64le: the 13-bit size field is missing.
    auto ppc = scan(copy_without(dir, "arm64", "asm/sve_context.h"), "powerpc64le-linux-gnu", out);
    INFO(ppc.err);
    CHECK(ppc.exit_code == 2);
    CHECK(has(ppc.err, "_IOC_SIZEBITS = 14"));
    CHECK_FALSE(fs::exists(out));
    fs::remove_all(dir);
}

TEST_CASE("tree check: every target with its own architecture's tree passes") {
    fs::path dir = scratch();
    fs::path out = dir / "m.json";
    for (const char* target : {"x86_64-linux-gnu", "i386-linux-gnu", "aarch64-linux-gnu", "arm-linux-gnueabihf",
                               "riscv64-linux-gnu", "powerpc64le-linux-gnu", "s390x-linux-gnu"}) {
        auto r = run_command({required_env("UAPIKIT_GEN"), "scan", "linux/iommufd.h", "-I",
                              required_env("UAPIKIT_KERNEL_HEADERS") + "/{arch}/include", "--target", target, "-o",
                              out.string()});
        INFO(target << ": " << r.err);
        CHECK(r.exit_code == 0);
    }
    fs::remove_all(dir);
}
