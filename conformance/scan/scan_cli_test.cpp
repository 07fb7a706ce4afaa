// uapikit-gen scan, driven as a user would: layout of a fixture header
// against hand-computed values and the test compiler's own offsetof, macro
// and ioctl decoding, determinism, and bad input.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>

#include "linux/uapikit_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

std::string gen() { return required_env("UAPIKIT_GEN"); }
std::string fixtures() { return required_env("UAPIKIT_FIXTURES"); }

// A fresh, empty scratch folder per call.
fs::path scratch(const std::string& name) { return uapikit::testing::scratch_dir("scan-test", name); }

json scan_fixture(const std::vector<std::string>& targets, const fs::path& out) {
    std::vector<std::string> argv = {gen(), "scan", "linux/uapikit_fixture.h", "-I", fixtures(), "-o", out.string()};
    for (const auto& t : targets) argv.insert(argv.end(), {"--target", t});
    auto r = run_command(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(read_file(out.string()));
}

const json* find_named(const json& list, const std::string& name) {
    for (const auto& item : list)
        if (item["name"] == name) return &item;
    return nullptr;
}

const json& record(const json& target, const std::string& name) {
    const json* r = find_named(target["records"], name);
    INFO("record " << name);
    REQUIRE(r != nullptr);
    return *r;
}

std::uint64_t offset_bits(const json& rec, const std::string& field) {
    const json* f = find_named(rec["fields"], field);
    INFO("field " << field);
    REQUIRE(f != nullptr);
    return (*f)["offset_bits"].get<std::uint64_t>();
}

const json& macro(const json& target, const std::string& name) {
    const json* m = find_named(target["macros"], name);
    INFO("macro " << name);
    REQUIRE(m != nullptr);
    return *m;
}

bool files_in(const fs::path& dir) { return fs::directory_iterator(dir) != fs::directory_iterator(); }

}  // namespace

TEST_CASE("x86_64 layout of the fixture equals the test compiler's layout") {
#if defined(__x86_64__)
    json m = scan_fixture({"x86_64-linux-gnu"}, scratch("host") / "m.json");
    const json& t = m["targets"]["x86_64-linux-gnu"];
    const json& plain = record(t, "fx_plain_u64");
    CHECK(plain["size"] == sizeof(fx_plain_u64));
    CHECK(plain["align"] == alignof(fx_plain_u64));
    CHECK(offset_bits(plain, "value") == 8 * offsetof(fx_plain_u64, value));
    const json& aligned = record(t, "fx_aligned");
    CHECK(aligned["size"] == sizeof(fx_aligned));
    CHECK(offset_bits(aligned, "ptr") == 8 * offsetof(fx_aligned, ptr));
    const json& tail = record(t, "fx_tail");
    CHECK(tail["size"] == sizeof(fx_tail));
    CHECK(offset_bits(tail, "fd") == 8 * offsetof(fx_tail, fd));
    const json& anon = record(t, "fx_anon");
    CHECK(anon["size"] == sizeof(fx_anon));
    CHECK(offset_bits(anon, "named") == 8 * offsetof(fx_anon, named));
    CHECK(offset_bits(anon, "flex") == 8 * offsetof(fx_anon, flex));
    CHECK(record(t, "fx_anon::@union(word)")["size"] == sizeof(fx_anon::bytes));
    CHECK(record(t, "fx_typedefed_t")["size"] == sizeof(fx_typedefed_t));
    CHECK(macro(t, "FX_CMD_RW")["value"] == static_cast<std::uint64_t>(FX_CMD_RW));
#else
    MESSAGE("host is not x86_64: compiler cross-check skipped, hand-computed cases still run");
#endif
}

TEST_CASE("plain __u64 lays out differently on i386 and x86_64 (hand-computed)") {
    json m = scan_fixture({"x86_64-linux-gnu", "i386-linux-gnu"}, scratch("plain") / "m.json");
    const json& x64 = record(m["targets"]["x86_64-linux-gnu"], "fx_plain_u64");
    const json& x32 = record(m["targets"]["i386-linux-gnu"], "fx_plain_u64");
    // x86_64: u32 at 0, 4 bytes of padding, u64 at 8: 16 bytes, align 8.
    CHECK(x64["size"] == 16);
    CHECK(x64["align"] == 8);
    CHECK(offset_bits(x64, "value") == 64);
    CHECK(x64["holes"] == json::array({{{"offset", 4}, {"size", 4}}}));
    // i386 aligns a plain 64-bit integer in a struct to 4: no padding.
    CHECK(x32["size"] == 12);
    CHECK(x32["align"] == 4);
    CHECK(offset_bits(x32, "value") == 32);
    CHECK(x32["holes"].empty());
    // __aligned_u64 forces 8 on both.
    for (const char* triple : {"x86_64-linux-gnu", "i386-linux-gnu"}) {
        const json& a = record(m["targets"][triple], "fx_aligned");
        CHECK(a["size"] == 16);
        CHECK(a["align"] == 8);
        CHECK(offset_bits(a, "ptr") == 64);
    }
}

TEST_CASE("tail padding, bitfields and anonymous members") {
    json m = scan_fixture({"i386-linux-gnu"}, scratch("holes") / "m.json");
    const json& t = m["targets"]["i386-linux-gnu"];
    // fd ends at 12; the aligned u64 rounds the size up to 16.
    CHECK(record(t, "fx_tail")["holes"] == json::array({{{"offset", 12}, {"size", 4}}}));

    // lo: bits 0-3, unnamed: 4-7, hi: 8-15, tag: byte 2; byte 3 is padding.
    const json& bits = record(t, "fx_bits");
    CHECK(bits["size"] == 4);
    CHECK(bits["fields"].size() == 4);
    CHECK(bits["fields"][0]["bit_width"] == 4);
    CHECK(bits["fields"][1]["name"] == "");
    CHECK(bits["fields"][1]["offset_bits"] == 4);
    CHECK(offset_bits(bits, "hi") == 8);
    CHECK(offset_bits(bits, "tag") == 16);
    CHECK(bits["holes"] == json::array({{{"offset", 3}, {"size", 1}}}));

    // kind 0-3, the anonymous union (8 bytes, align 4) 4-11, named 12-15,
    // flex at 16 taking no space: 16 bytes, no padding.
    const json& anon = record(t, "fx_anon");
    CHECK(anon["size"] == 16);
    REQUIRE(anon["fields"].size() == 4);
    CHECK(anon["fields"][1]["anonymous"] == true);
    CHECK(anon["fields"][1]["offset_bits"] == 32);
    CHECK(anon["fields"][1]["type"] == "union fx_anon::@union(word)");
    CHECK(anon["fields"][2]["type"] == "struct fx_anon::named");
    CHECK(anon["fields"][3]["flexible"] == true);
    CHECK(anon["holes"].empty());
    CHECK(record(t, "fx_anon::named")["size"] == 4);
    CHECK(record(t, "fx_anon::@union(word)")["kind"] == "union");
}

TEST_CASE("enums keep their values and unnamed enums get a stable name") {
    json m = scan_fixture({"x86_64-linux-gnu"}, scratch("enums") / "m.json");
    const json& t = m["targets"]["x86_64-linux-gnu"];
    const json* flags = find_named(t["enums"], "fx_flags");
    REQUIRE(flags);
    CHECK((*flags)["underlying"] == "unsigned int");
    CHECK((*flags)["constants"][2]["value"] == 2147483648u);
    const json* anon = find_named(t["enums"], "@enum:FX_ANON_FIRST");
    REQUIRE(anon);
    CHECK((*anon)["constants"][0]["value"] == -2);
    CHECK((*anon)["constants"][1]["value"] == -1);
}

TEST_CASE("macros: values, ioctl decoding, errors, and what is left out") {
    json m = scan_fixture({"x86_64-linux-gnu"}, scratch("macros") / "m.json");
    const json& t = m["targets"]["x86_64-linux-gnu"];
    // _IO(';', 0x80): type 0x3b, nr 0x80, no size, no direction.
    const json& none = macro(t, "FX_CMD_NONE");
    CHECK(none["value"] == 0x3b80);
    CHECK(none["ioctl"] == json{{"dir", "none"}, {"type", 0x3b}, {"nr", 0x80}, {"size", 0}});
    // _IOWR(';', 0x81, 16-byte struct): 3 << 30 | 16 << 16 | 0x3b << 8 | 0x81.
    const json& rw = macro(t, "FX_CMD_RW");
    CHECK(rw["value"] == 0xC0103B81u);
    CHECK(rw["ioctl"]["dir"] == "read_write");
    CHECK(rw["ioctl"]["size"] == 16);
    CHECK(macro(t, "FX_ALIAS")["ioctl"]["nr"] == 0x80);
    CHECK(macro(t, "FX_NEGATIVE")["value"] == -7);
    const json& bit = macro(t, "FX_USES_BIT");
    CHECK_FALSE(bit.contains("value"));
    CHECK(bit["error"].get<std::string>().find("BIT") != std::string::npos);
    CHECK(macro(t, "FX_OCTAL")["value"] == 493);  // 0755
    CHECK(macro(t, "FX_BIG_HEX")["value"] == 18446744073709551615ull);
    CHECK(find_named(t["macros"], "FX_GONE") == nullptr);  // #undef'd by the end
    CHECK(find_named(t["macros"], "FX_STRING") == nullptr);
    CHECK(find_named(t["macros"], "FX_TYPE_ALIAS") == nullptr);
    CHECK(find_named(t["macros"], "UAPIKIT_FIXTURE_H") == nullptr);  // empty include guard
    // Evaluated, but not integers: not integer macros, so not listed.
    CHECK(find_named(t["macros"], "FX_FLOAT") == nullptr);
    CHECK(find_named(t["macros"], "FX_POINTER") == nullptr);
    CHECK(find_named(t["macros"], "FX_STRING_ALIAS") == nullptr);
    // Values beyond int keep their sign and width.
    CHECK(macro(t, "FX_WIDE_NEGATIVE")["value"] == -5000000000LL);
    CHECK(macro(t, "FX_ALL_ONES_32")["value"] == 4294967295u);
    CHECK(macro(t, "FX_STRUCT_SIZE")["value"] == 32);  // fx_aligned is 16 bytes (FX_CMD_RW's size)
    // Plain literals, whether the reader splits the text or asks clang.
    CHECK(macro(t, "FX_SPACED_HEX")["value"] == 16);
    CHECK(macro(t, "FX_SUFFIXED")["value"] == 4096);
    CHECK(macro(t, "FX_COMMENTED")["value"] == 12);
    CHECK(macro(t, "FX_CONTINUED")["value"] == 32);
    // Declarations are tagged with the file that declares them.
    CHECK(macro(t, "_IOC_NRBITS")["file"] == "asm/fixture_ioctl.h");
    CHECK(record(t, "fx_tail")["file"] == "linux/uapikit_fixture.h");
}

TEST_CASE("the same inputs give a byte-identical manifest, whatever the parallelism") {
    fs::path dir = scratch("determinism");
    std::vector<std::string> base = {gen(), "scan", "linux/uapikit_fixture.h", "-I", fixtures(),
                                     "--target", "x86_64-linux-gnu", "--target", "s390x-linux-gnu",
                                     "--target", "arm-linux-gnueabihf"};
    auto with = [&](const std::string& jobs, const std::string& out) {
        auto argv = base;
        argv.insert(argv.end(), {"-j", jobs, "-o", (dir / out).string()});
        REQUIRE(run_command(argv).exit_code == 0);
        return read_file((dir / out).string());
    };
    std::string a = with("1", "a.json"), b = with("2", "b.json"), c = with("4", "c.json");
    CHECK(!a.empty());
    CHECK(a == b);
    CHECK(a == c);
    // Only clang_args echoes the -I folder given; the ABI data itself
    // carries no machine-specific path.
    json m = json::parse(a);
    for (auto& [triple, target] : m["targets"].items()) {
        CHECK(target["header_files"] == json::array({fixtures() + "/linux/uapikit_fixture.h"}));
        target.erase("clang_args");
        target.erase("header_files");
    }
    CHECK(m.dump().find(fs::absolute(fixtures()).string()) == std::string::npos);
}

TEST_CASE("a header or a target named twice is scanned and recorded once") {
    fs::path dir = scratch("repeated");
    auto once = run_command({gen(), "scan", "linux/uapikit_fixture.h", "-I", fixtures(), "--target", "x86_64-linux-gnu",
                             "-o", (dir / "once.json").string()});
    auto twice = run_command({gen(), "scan", "linux/uapikit_fixture.h", "linux/uapikit_fixture.h", "-I", fixtures(),
                              "--target", "x86_64-linux-gnu", "--target", "x86_64-linux-gnu", "-o",
                              (dir / "twice.json").string()});
    REQUIRE(once.exit_code == 0);
    REQUIRE(twice.exit_code == 0);
    json m = json::parse(read_file((dir / "twice.json").string()));
    CHECK(m["targets"].size() == 1);
    CHECK(m["targets"]["x86_64-linux-gnu"]["headers"] == json::array({"linux/uapikit_fixture.h"}));
    CHECK(read_file((dir / "twice.json").string()) == read_file((dir / "once.json").string()));
}

TEST_CASE("options take one value each: headers may follow -I, -D and --target, as with a compiler") {
    // `scan -I DIR linux/x.h -o m.json` is how cc's options read; each of the
    // repeatable options takes exactly its one value.
    fs::path dir = scratch("option-order");
    auto first = run_command({gen(), "scan", "linux/uapikit_fixture.h", "-I", fixtures(), "--target", "x86_64-linux-gnu",
                              "-o", (dir / "first.json").string()});
    auto last = run_command({gen(), "scan", "-I", fixtures(), "-D", "UAPIKIT_UNUSED=1", "--target", "x86_64-linux-gnu",
                             "linux/uapikit_fixture.h", "-o", (dir / "last.json").string()});
    INFO(last.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(last.exit_code == 0);
    json m = json::parse(read_file((dir / "last.json").string()));
    CHECK(m["targets"]["x86_64-linux-gnu"]["headers"] == json::array({"linux/uapikit_fixture.h"}));
}

TEST_CASE("bad input: exit 2, a clear error, and nothing written") {
    fs::path dir = scratch("bad");
    fs::path out = dir / "m.json";
    struct Case {
        const char* what;
        std::vector<std::string> args;
        const char* expected;
    };
    std::vector<Case> cases = {
        {"missing header", {"linux/no_such_header.h", "-I", fixtures()}, "uapikit-gen: error: header 'linux/no_such_header.h' not found"},
        {"header with errors", {"linux/uapikit_broken.h", "-I", fixtures()}, "uapikit_broken.h:4:2: error: unknown type name 'undefined_type_t'"},
        {"unknown target", {"linux/uapikit_fixture.h", "-I", fixtures(), "--target", "mips-linux-gnu"}, "uapikit-gen: error: unknown target 'mips-linux-gnu'"},
        {"missing include folder", {"linux/uapikit_fixture.h", "-I", (dir / "nope").string()}, "does not exist"},
        {"no header", {}, "uapikit-gen: error:"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.what);
        std::vector<std::string> argv = {gen(), "scan"};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        argv.insert(argv.end(), {"-o", out.string()});
        auto r = run_command(argv);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(c.expected) != std::string::npos);
        CHECK_FALSE(files_in(dir));
    }
    // Unwritable output: fails before scanning, leaves nothing.
    auto r = run_command({gen(), "scan", "linux/uapikit_fixture.h", "-I", fixtures(), "-o", (dir / "missing-dir" / "m.json").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("cannot write") != std::string::npos);
    CHECK_FALSE(files_in(dir));
}

TEST_CASE("a failed scan keeps an existing manifest intact") {
    fs::path dir = scratch("keep");
    fs::path out = dir / "m.json";
    REQUIRE(run_command({gen(), "scan", "linux/uapikit_fixture.h", "-I", fixtures(), "-o", out.string()}).exit_code == 0);
    std::string before = read_file(out.string());
    auto r = run_command({gen(), "scan", "linux/uapikit_broken.h", "-I", fixtures(), "-o", out.string()});
    CHECK(r.exit_code == 2);
    CHECK(read_file(out.string()) == before);
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
}

TEST_CASE("--keep-going lists headers that do not compile and scans the rest") {
    fs::path out = scratch("keep-going") / "m.json";
    auto r = run_command({gen(), "scan", "linux/uapikit_broken.h", "linux/uapikit_fixture.h", "-I", fixtures(),
                          "--keep-going", "-o", out.string()});
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("warning") != std::string::npos);
    json m = json::parse(read_file(out.string()));
    const json& t = m["targets"]["x86_64-linux-gnu"];
    REQUIRE(t["errors"].size() == 1);
    CHECK(t["errors"][0]["header"] == "linux/uapikit_broken.h");
    CHECK(t["errors"][0]["message"].get<std::string>().find(":4:2: error: unknown type name") != std::string::npos);
    CHECK(find_named(t["records"], "fx_broken") == nullptr);
    CHECK(find_named(t["records"], "fx_tail") != nullptr);
    CHECK(m["uapikit_manifest"] == 1);
}

TEST_CASE("--help and --version") {
    auto help = run_command({gen(), "scan", "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--target") != std::string::npos);
    CHECK(help.out.find("{arch}") != std::string::npos);
    auto version = run_command({gen(), "--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out.find("uapikit-gen ") == 0);
    auto none = run_command({gen()});
    CHECK(none.exit_code == 2);
}

TEST_CASE("progress: quiet when stderr is not a terminal, a counter when it is") {
    fs::path dir = scratch("progress");
    std::string out = (dir / "m.json").string();
    auto quiet = run_command({gen(), "scan", "linux/uapikit_fixture.h", "-I", fixtures(), "-o", out});
    REQUIRE(quiet.exit_code == 0);
    CHECK(quiet.err.empty());
    // script(1) gives the command a terminal.
    std::string command = gen() + " scan linux/uapikit_fixture.h -I " + fixtures() + " -o " + out;
    auto tty = run_command({"script", "-qec", command, "/dev/null"});
    REQUIRE(tty.exit_code == 0);
    CHECK(tty.out.find("uapikit-gen scan: parses: 1/1") != std::string::npos);
}
