// scan on the forms it once got wrong, each a small input with its answer
// from the test compiler or worked out by hand: macros built on offsetof,
// __alignof__ and _Alignof, "#define X X" over an enum constant, a request
// built through a wrapper on a continuation line, alignment carried by a
// typedef, an argument too large for the size field, header names that
// exist in the current folder, and an error at the end of a file.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <fstream>

#include "linux/uapikit_accuracy.h"

namespace fs = std::filesystem;
using nlohmann::json;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

std::string gen() { return required_env("UAPIKIT_GEN"); }
std::string fixtures() { return required_env("UAPIKIT_FIXTURES"); }

fs::path scratch(const std::string& name) { return uapikit::testing::scratch_dir("accuracy-test", name); }

const json& target_of(const json& manifest) { return manifest["targets"]["x86_64-linux-gnu"]; }

const json& scanned() {
    static json manifest = [] {
        fs::path out = scratch("fixture") / "m.json";
        auto r = run_command({gen(), "scan", "linux/uapikit_accuracy.h", "-I", fixtures(), "-o", out.string()});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return json::parse(read_file(out.string()));
    }();
    return manifest;
}

const json& named(const json& list, const std::string& name) {
    for (const auto& item : list)
        if (item["name"] == name) return item;
    FAIL("no entry named " << name);
    static json none;
    return none;
}

}  // namespace

TEST_CASE("macros built on offsetof, __builtin_offsetof, __alignof__ and a member's address have the compiler's value") {
    const json& macros = target_of(scanned())["macros"];
    CHECK(named(macros, "FXA_NAME_OFFSET")["value"] == offsetof(struct fxa_dirent, name));
    CHECK(named(macros, "FXA_BUILTIN_OFFSET")["value"] == offsetof(struct fxa_dirent, namelen));
    CHECK(named(macros, "FXA_ALIGN")["value"] == alignof(struct fxa_dirent));
    CHECK(named(macros, "FXA_MEMBER_ADDRESS")["value"] == offsetof(struct fxa_dirent, namelen));
}

TEST_CASE("#define X X over an enum constant is listed with the constant's value, as is #define M (M - 1)") {
    const json& macros = target_of(scanned())["macros"];
    CHECK(named(macros, "FXA_SELF")["value"] == 7);
    CHECK(named(macros, "FXA_COUNT")["value"] == 8);
}

TEST_CASE("a request whose value starts on a continuation line, built through a wrapper, is decoded") {
    const json& m = named(target_of(scanned())["macros"], "FXA_CMD");
    // _IOWR(';', 0x20, struct fxa_dirent), generic encoding: read|write (3) << 30.
    std::uint64_t expected = (3ull << 30) | (sizeof(struct fxa_dirent) << 16) | (';' << 8) | 0x20;
    CHECK(m["value"] == expected);
    REQUIRE(m.contains("ioctl"));
    CHECK(m["ioctl"]["dir"] == "read_write");
    CHECK(m["ioctl"]["nr"] == 0x20);
    CHECK(m["ioctl"]["size"] == sizeof(struct fxa_dirent));
}

TEST_CASE("a record named by its typedef has the typedef's alignment") {
    const json& r = named(target_of(scanned())["records"], "fxa_aligned16_t");
    CHECK(r["align"] == alignof(fxa_aligned16_t));
    CHECK(r["align"] == 16);
    CHECK(r["size"] == sizeof(fxa_aligned16_t));
}

TEST_CASE("a macro built on C11's _Alignof has the compiler's value") {
    // _Alignof(fxa_aligned16_t): the typedef's aligned(16).
    const json& m = named(target_of(scanned())["macros"], "FXA_C11_ALIGN");
    CHECK(m["value"] == alignof(fxa_aligned16_t));
    CHECK(m["value"] == 16);
}

TEST_CASE("an argument too large for the size field: decoded as the target's macros do, its size kept, and linted") {
    const json& m = named(target_of(scanned())["macros"], "FXA_HUGE");
    // 16384 << 16 is bit 30: it lands in the direction bits, so the size
    // field reads 0 and read|write (3) stays 3.
    CHECK(m["value"] == ((3ull << 30) | (';' << 8) | 0x21));
    CHECK(m["ioctl"]["size"] == 0);
    CHECK(m["ioctl"]["argument_size"] == sizeof(struct fxa_huge));
    fs::path manifest = scratch("lint") / "m.json";
    std::ofstream(manifest) << scanned().dump();
    auto r = run_command({gen(), "check", manifest.string()});
    CHECK(r.exit_code == 4);
    CHECK(r.out.find("FXA_HUGE: the argument is 16384 bytes, more than this target's size field holds") != std::string::npos);
}

TEST_CASE("two commands on one number are linted; an alias of one of them is not a second command") {
    fs::path manifest = scratch("reuse") / "m.json";
    std::ofstream(manifest) << scanned().dump();
    auto r = run_command({gen(), "check", manifest.string(), "--format", "json"});
    json out = json::parse(r.out);
    std::vector<std::string> reused;
    for (const auto& f : out["findings"])
        if (f["kind"] == "ioctl-number-reused") reused.push_back(f["record"].get<std::string>() + "/" + f["old"].get<std::string>());
    CHECK(reused == std::vector<std::string>{"FXA_SECOND/FXA_FIRST"});
}

TEST_CASE("an include-style name is read through -I even when the current folder has a file of that name") {
    fs::path here = scratch("cwd");
    fs::create_directories(here / "linux");
    std::ofstream(here / "linux" / "uapikit_accuracy.h") << "struct from_the_current_folder { int x; };\n";
    fs::path out = here / "m.json";
    auto r = run_command({"env", "-C", here.string(), gen(), "scan", "linux/uapikit_accuracy.h", "-I", fixtures(), "-o",
                          out.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json m = json::parse(read_file(out.string()));
    const json& t = target_of(m);
    bool wrong = false, right = false;
    for (const auto& rec : t["records"]) {
        wrong = wrong || rec["name"] == "from_the_current_folder";
        right = right || rec["name"] == "fxa_dirent";
    }
    CHECK(right);
    CHECK_FALSE(wrong);
    // The manifest says which file was read: the -I folder as given.
    CHECK(t["header_files"] == json::array({fixtures() + "/linux/uapikit_accuracy.h"}));

    // Given as a path, the file in the current folder is read.
    auto local = run_command({"env", "-C", here.string(), gen(), "scan", "./linux/uapikit_accuracy.h", "-o", out.string()});
    INFO(local.err);
    REQUIRE(local.exit_code == 0);
    json lm = json::parse(read_file(out.string()));
    CHECK(target_of(lm)["header_files"] == json::array({"linux/uapikit_accuracy.h"}));
    CHECK(target_of(lm)["records"][0]["name"] == "from_the_current_folder");

    // Without -I the include-style name is not looked up in the current
    // folder: exit 2, with the hint, and nothing written.
    fs::remove(out);
    auto missing = run_command({"env", "-C", here.string(), gen(), "scan", "linux/uapikit_accuracy.h", "-o", out.string()});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("give its path as ./linux/uapikit_accuracy.h") != std::string::npos);
    CHECK_FALSE(fs::exists(out));
}

TEST_CASE("an error at the end of a header is located where clang puts it in that header") {
    fs::path out = scratch("eof") / "m.json";
    auto r = run_command({gen(), "scan", "linux/uapikit_unterminated.h", "-I", fixtures(), "-o", out.string()});
    CHECK(r.exit_code == 2);
    // The file ends after "\tint a;" on line 4 (tab = column 1, ';' = 7):
    // the brace is missing at column 8 of that line.
    CHECK(r.err.find("linux/uapikit_unterminated.h:4:8: error: expected '}'") != std::string::npos);
    CHECK_FALSE(fs::exists(out));
}
