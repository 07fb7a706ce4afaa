// The generated C++ bindings against the generator: the committed header is
// what `uapikit-gen emit proposed` writes today (drift), every shipped
// version's bindings compile for all 7 targets as C++20 and C++23 without a
// cross libc, and what C++ cannot express exactly is refused, not guessed.
// (All of Linux 6.12, and the cross-check against the original headers, are
// all_headers_bindings.py and binding_crosscheck.py.) emit-calls refuses a
// description that leaves a command or a field undescribed.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

const char* const kTargets[] = {"x86_64-linux-gnu",  "i386-linux-gnu",        "aarch64-linux-gnu", "arm-linux-gnueabihf",
                                "riscv64-linux-gnu", "powerpc64le-linux-gnu", "s390x-linux-gnu"};

fs::path scratch(const std::string& name) { return uapikit::testing::scratch_dir("bindings", name); }

// Runs uapikit-gen with `cwd` as working directory, so the command line in
// the banner is the same as when the committed file was made.
uapikit::testing::CommandResult gen_in(const fs::path& cwd, std::vector<std::string> args) {
    fs::path previous = fs::current_path();
    fs::current_path(cwd);
    args.insert(args.begin(), required_env("UAPIKIT_GEN"));
    auto r = run_command(args);
    fs::current_path(previous);
    return r;
}

}  // namespace

TEST_CASE("every committed file in include/uapikit/generated is what its banner's command writes today") {
    // Each generated header names the command that made it; run it again in
    // a scratch folder that sees the kit's abi/ under the same name, and
    // compare byte for byte.
    fs::path dir = scratch("drift");
    fs::create_directories(dir / "include/uapikit/generated");
    fs::create_directory_symlink(fs::path(required_env("UAPIKIT_ABI_DIR")), dir / "abi");
    int files = 0;
    for (const auto& entry : fs::directory_iterator(required_env("UAPIKIT_INCLUDE") + "/uapikit/generated")) {
        std::string committed = read_file(entry.path().string());
        auto at = committed.find("// Command: uapikit-gen ");
        REQUIRE(at != std::string::npos);
        std::istringstream words(committed.substr(at + 24, committed.find('\n', at) - at - 24));
        std::vector<std::string> args;
        for (std::string w; words >> w;) args.push_back(w);
        INFO(entry.path().filename().string());
        CHECK(committed.find("Edit the generator") != std::string::npos);
        auto r = gen_in(dir, args);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        std::string output = args[std::find(args.begin(), args.end(), "-o") - args.begin() + 1];
        CHECK(output == "include/uapikit/generated/" + entry.path().filename().string());
        CHECK_MESSAGE(read_file((dir / output).string()) == committed, "stale: run the command in its banner");
        ++files;
    }
    CHECK(files == 6);  // raw and calls for proposed and mainline-2026, raw and calls for Linux 6.12's VFIO and KVM
}

TEST_CASE("every version's bindings compile for all 7 targets as C++20 and C++23, with no libc") {
    fs::path dir = scratch("versions");
    int compiled = 0, versions = 0;
    for (const auto& entry : fs::directory_iterator(required_env("UAPIKIT_ABI_DIR"))) {
        if (!fs::exists(entry.path() / "manifest.json")) continue;
        std::string version = entry.path().filename().string();
        ++versions;
        fs::path header = dir / "uapikit" / "generated" / (version + ".hpp");
        fs::create_directories(header.parent_path());
        auto r = gen_in(dir, {"emit", version, "-o", header.string(), "--abi-dir", required_env("UAPIKIT_ABI_DIR")});
        INFO(version << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        fs::path tu = dir / (version + ".cpp");
        std::ofstream(tu) << "#include <uapikit/generated/" << version << ".hpp>\n";
        auto targets = nlohmann::json::parse(read_file((entry.path() / "manifest.json").string()))["targets"];
        for (const char* target : kTargets) {
            if (!targets.contains(target)) continue;  // a version may leave targets out (no linux/kvm.h on 32-bit arm)
            for (const char* std_version : {"-std=c++20", "-std=c++23"}) {
                auto c = run_command({required_env("UAPIKIT_CLANGXX"), std::string("--target=") + target, std_version,
                                      "-ffreestanding", "-nostdlibinc", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                                      "-I", dir.string(), "-I", required_env("UAPIKIT_INCLUDE"), tu.string()});
                INFO(version << " for " << target << " " << std_version << ":\n" << c.err);
                CHECK(c.exit_code == 0);
                ++compiled;
            }
        }
    }
    CHECK(versions == 9);  // abi/README.md lists nine versions
    CHECK(compiled == (versions * 7 - 1) * 2);  // all seven targets, but 32-bit arm for linux-6.12-vfio-kvm
}

TEST_CASE("a manifest no C++ definition can match is refused; a hand-edited header fails its own asserts") {
    fs::path dir = scratch("tampered");
    std::string text = read_file(required_env("UAPIKIT_ABI_DIR") + "/proposed/manifest.json");
    // iommu_destroy is two __u32 (8 bytes); claim 12 on every target: no
    // packing or alignment gives two 4-byte members a 12-byte struct.
    std::string tampered = text;
    for (std::size_t at = tampered.find("{\"name\":\"iommu_destroy\""); at != std::string::npos;
         at = tampered.find("{\"name\":\"iommu_destroy\"", at + 1))
        tampered.replace(tampered.find("\"size\":8", at), 8, "\"size\":12");
    std::ofstream(dir / "tampered.json") << tampered;
    auto r = gen_in(dir, {"emit", "tampered.json", "-o", "tampered.hpp", "--namespace", "tampered"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("error: emit: iommu_destroy: no set of packed/aligned attributes gives its layout") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "tampered.hpp"));

    // The header's static_asserts hold it to the manifest: drop the
    // alignment of iommu_vdevice_alloc.virt_id by hand, and i386 (where a
    // plain 64-bit member is 4-byte aligned) no longer compiles.
    std::ofstream(dir / "good.json") << text;
    REQUIRE(gen_in(dir, {"emit", "good.json", "-o", "edited.hpp", "--namespace", "edited"}).exit_code == 0);
    std::string header = read_file((dir / "edited.hpp").string());
    auto at = header.find("struct iommu_vdevice_alloc {");
    REQUIRE(at != std::string::npos);
    auto aligned = header.find("alignas(8) uint64_t virt_id", at);
    REQUIRE(aligned != std::string::npos);
    header.erase(aligned, std::string("alignas(8) ").size());
    std::ofstream(dir / "edited.hpp") << header;
    auto c = run_command({required_env("UAPIKIT_CLANGXX"), "--target=i386-linux-gnu", "-std=c++20", "-ffreestanding",
                          "-nostdlibinc", "-fsyntax-only", "-I", required_env("UAPIKIT_INCLUDE"), "-include",
                          (dir / "edited.hpp").string(), "-x", "c++", "/dev/null"});
    CHECK(c.exit_code != 0);
    CHECK(c.err.find("iommu_vdevice_alloc: alignment") != std::string::npos);  // offsets stay, alignment 8 -> 4
}

TEST_CASE("a member C++ cannot declare (C11 _Atomic) is refused at its struct, and nothing is written") {
    fs::path dir = scratch("refused");
    auto scan = gen_in(dir, {"scan", "linux/uapikit_emit_refused.h", "-I", required_env("UAPIKIT_FIXTURES"), "-o", "r.json"});
    REQUIRE(scan.exit_code == 0);
    auto r = gen_in(dir, {"emit", "r.json", "-o", "r.hpp"});
    CHECK(r.exit_code == 2);
    // struct er_atomic is on line 11, column 8 of the fixture.
    CHECK(r.err.find("linux/uapikit_emit_refused.h:11:8: error: emit: er_atomic.counter: type '_Atomic(int)'") == 0);
    CHECK_FALSE(fs::exists(dir / "r.hpp"));
}

TEST_CASE("C names C++ reserves become members with a trailing underscore, at C's offsets") {
    fs::path dir = scratch("names");
    auto scan = gen_in(dir, {"scan", "linux/uapikit_emit_names.h", "-I", required_env("UAPIKIT_FIXTURES"), "-o", "n.json"});
    REQUIRE(scan.exit_code == 0);
    REQUIRE(gen_in(dir, {"emit", "n.json", "-o", "n.hpp", "--namespace", "names"}).exit_code == 0);
    // class (u32) at 0, new (u16) at 4, en_names (u16) at 6, two 4-bit fields in byte 8, 12 bytes.
    std::ofstream(dir / "n.cpp") << "#include \"n.hpp\"\n"
                                    "namespace n = uapikit::raw::names;\n"
                                    "static_assert(__builtin_offsetof(n::en_names, class_) == 0);\n"
                                    "static_assert(__builtin_offsetof(n::en_names, new_) == 4);\n"
                                    "static_assert(__builtin_offsetof(n::en_names, en_names_) == 6);\n"
                                    "static_assert(sizeof(n::en_names) == 12);\n"
                                    "int main() { n::en_names v{}; v.this_ = 3; v.private_ = 9; return v.this_ + v.private_ == 12 ? 0 : 1; }\n";
    auto c = run_command({required_env("UAPIKIT_CLANGXX"), "-std=c++20", "-Wall", "-Wextra", "-Werror", "-I",
                          required_env("UAPIKIT_INCLUDE"), (dir / "n.cpp").string(), "-o", (dir / "n").string()});
    INFO(c.err);
    REQUIRE(c.exit_code == 0);
    CHECK(run_command({(dir / "n").string()}).exit_code == 0);
}

TEST_CASE("emit-tests output compiles as C++ when members and macros use _Bool") {
    fs::path dir = scratch("bool");
    auto scan = gen_in(dir, {"scan", "linux/uapikit_bool.h", "-I", required_env("UAPIKIT_FIXTURES"), "--target",
                             "x86_64-linux-gnu", "--target", "s390x-linux-gnu", "-o", "b.json"});
    REQUIRE(scan.exit_code == 0);
    REQUIRE(gen_in(dir, {"emit-tests", "b.json", "-o", "b.cpp"}).exit_code == 0);
    for (const char* target : {"x86_64-linux-gnu", "s390x-linux-gnu"}) {
        auto c = run_command({required_env("UAPIKIT_CLANGXX"), std::string("--target=") + target, "-std=c++20",
                              "-ffreestanding", "-nostdlibinc", "-fsyntax-only", "-I", required_env("UAPIKIT_FIXTURES"),
                              (dir / "b.cpp").string()});
        INFO(target << ": " << c.err);
        CHECK(c.exit_code == 0);
    }
}

namespace {

// emit-calls of mainline-2026 with the kit's iommufd description changed by
// `edit`, into a folder holding an older output file: the refusal must exit
// 2, name the description file and the command (or command.field), and leave
// the older file as it was, with nothing else written beside it.
void check_emit_calls_refuses(const std::string& name, const std::function<void(nlohmann::json&)>& edit,
                              const std::string& expected) {
    fs::path dir = scratch(name);
    auto description = nlohmann::json::parse(read_file(required_env("UAPIKIT_ABI_DIR") + "/surface/calls/iommufd.json"));
    edit(description);
    std::ofstream(dir / "edited.json") << description.dump(1);
    std::ofstream(dir / "calls.hpp") << "// an older file\n";
    auto r = gen_in(dir, {"emit-calls", "mainline-2026", "--abi-dir", required_env("UAPIKIT_ABI_DIR"), "-d", "edited.json",
                          "-o", "calls.hpp", "--namespace", "edited"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("error: edited.json: " + expected) != std::string::npos);
    CHECK(r.out.empty());
    CHECK(read_file((dir / "calls.hpp").string()) == "// an older file\n");
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 2);
}

}  // namespace

TEST_CASE("emit-calls refuses a command of the version the description does not describe; nothing is written") {
    // IOMMU_IOAS_MAP is in mainline's command table (Linux 6.12 include/uapi/linux/iommufd.h, 0x85).
    check_emit_calls_refuses("undescribed", [](nlohmann::json& d) { d["commands"].erase("IOMMU_IOAS_MAP"); },
                             "IOMMU_IOAS_MAP: the version has this command; describe it");
}

TEST_CASE("emit-calls refuses a field of a command's struct that has no role; nothing is written") {
    // struct iommu_ioas_map has an iova member (Linux 6.12 include/uapi/linux/iommufd.h).
    check_emit_calls_refuses("no-role", [](nlohmann::json& d) { d["commands"]["IOMMU_IOAS_MAP"]["fields"].erase("iova"); },
                             "IOMMU_IOAS_MAP.iova: the field has no role");
}

TEST_CASE("emit-calls refuses a role naming an id kind the description does not have; nothing is written") {
    check_emit_calls_refuses("unknown-id",
                             [](nlohmann::json& d) { d["commands"]["IOMMU_IOAS_MAP"]["fields"]["ioas_id"] = "in id pasid"; },
                             "IOMMU_IOAS_MAP.ioas_id: unknown id kind 'pasid'");
}

TEST_CASE("emit-calls refuses an \"also\" macro whose name would repeat one of its enum's values; nothing is written") {
    // IOMMU_HWPT_INVALIDATE_DATA_SELFTEST and IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST
    // (mainline tools/testing/selftests/iommu/iommufd_test.h) both lose a prefix to 'selftest'.
    check_emit_calls_refuses("also-twice",
                             [](nlohmann::json& d) {
                                 d["enums"]["iommu_hwpt_invalidate_data_type"]["also"].push_back("IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST");
                             },
                             "enums: iommu_hwpt_invalidate_data_type: \"also\" macro IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST would be a second 'selftest'");
}

// iommufd's request macros are _IO(IOMMUFD_TYPE, nr) (Linux 6.12
// include/uapi/linux/iommufd.h): they do not name their struct, so typed
// calls need a command table. A manifest without one (what `scan` writes)
// is refused rather than given calls that pass no struct; --commands
// supplies the table.
TEST_CASE("emit-calls refuses a manifest without a command table, naming --commands; with it the calls are the version's") {
    fs::path dir = scratch("no-table");
    const std::string abi = required_env("UAPIKIT_ABI_DIR");
    auto manifest = nlohmann::json::parse(read_file(abi + "/linux-7.1/manifest.json"));
    REQUIRE(manifest.contains("commands"));
    manifest.erase("commands");
    manifest.erase("version");  // as `scan` writes it
    std::ofstream(dir / "scanned.json") << manifest.dump(1);
    std::ofstream(dir / "calls.hpp") << "// an older file\n";
    const std::string description = abi + "/surface/calls/iommufd.json";
    auto refused = gen_in(dir, {"emit-calls", "scanned.json", "-d", description, "-o", "calls.hpp"});
    INFO(refused.err);
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("error: emit-calls: IOMMU_DESTROY takes a struct") != std::string::npos);
    CHECK(refused.err.find("--commands") != std::string::npos);
    CHECK(read_file((dir / "calls.hpp").string()) == "// an older file\n");

    // With the kit's table, the calls are those of linux-7.1, whose
    // version.json names the same table; only the banner's command differs.
    auto given = gen_in(dir, {"emit-calls", "scanned.json", "-d", description, "--commands", abi + "/surface/commands.json",
                              "-o", "calls.hpp", "--raw-namespace", "linux_7_1"});
    INFO(given.err);
    REQUIRE(given.exit_code == 0);
    REQUIRE(gen_in(dir, {"emit-calls", "linux-7.1", "--abi-dir", abi, "-d", description, "-o", "version.hpp"}).exit_code == 0);
    auto body = [](const std::string& text) { return text.substr(text.find("#pragma once")); };
    CHECK(body(read_file((dir / "calls.hpp").string())) == body(read_file((dir / "version.hpp").string())));
}

TEST_CASE("emit-calls for linux-6.12 gives calls that compile with its bindings and run on the fake") {
    // 6.12 has 15 commands (0x80-0x8e) and no iommufd_hw_info_flags: the
    // description's fallback role makes IOMMU_GET_HW_INFO's flags field 0.
    fs::path dir = scratch("linux-6.12-calls");
    const std::string abi = required_env("UAPIKIT_ABI_DIR");
    fs::create_directories(dir / "uapikit/generated");
    REQUIRE(gen_in(dir, {"emit", "linux-6.12", "--abi-dir", abi, "-o", "uapikit/generated/linux_6_12.hpp"}).exit_code == 0);
    auto r = gen_in(dir, {"emit-calls", "linux-6.12", "--abi-dir", abi, "-d", abi + "/surface/calls/iommufd.json", "-o",
                          "uapikit/generated/linux_6_12_calls.hpp"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::ofstream(dir / "use.cpp") << "#include <uapikit/generated/linux_6_12_calls.hpp>\n"
                                      "#include <uapikit/fake/backend.hpp>\n"
                                      "int main() {\n"
                                      "    uapikit::fake::host h;\n"
                                      "    uapikit::fake::iommufd_backend b(h);\n"
                                      "    auto ioas = uapikit::ioas_alloc(b);\n"
                                      "    if (!ioas) return 1;\n"
                                      "    if (!uapikit::destroy(b, *ioas)) return 2;\n"
                                      "    return uapikit::destroy(b, *ioas).error().code() == ENOENT ? 0 : 3;\n"
                                      "}\n";
    auto c = run_command({required_env("UAPIKIT_CLANGXX"), "-std=c++20", "-Wall", "-Wextra", "-Werror", "-I", dir.string(),
                          "-I", required_env("UAPIKIT_INCLUDE"), (dir / "use.cpp").string(), "-o", (dir / "use").string()});
    INFO(c.err);
    REQUIRE(c.exit_code == 0);
    CHECK(run_command({(dir / "use").string()}).exit_code == 0);
}

TEST_CASE("emit of a scanned manifest: its namespace comes from the file's name, --commands adds the command table, two versions live in one program") {
    fs::path dir = scratch("scanned-two-versions");
    const std::string abi = required_env("UAPIKIT_ABI_DIR");
    auto manifest = nlohmann::json::parse(read_file(abi + "/linux-7.1/manifest.json"));
    manifest.erase("commands");
    manifest.erase("version");  // as `scan` writes it
    std::ofstream(dir / "linux-7.1-scan.json") << manifest.dump(1);
    fs::create_directories(dir / "uapikit/generated");
    auto scanned = gen_in(dir, {"emit", "linux-7.1-scan.json", "--commands", abi + "/surface/commands.json", "-o",
                                "uapikit/generated/scan.hpp"});
    INFO(scanned.err);
    REQUIRE(scanned.exit_code == 0);
    REQUIRE(gen_in(dir, {"emit", "linux-6.12", "--abi-dir", abi, "-o", "uapikit/generated/linux_6_12.hpp"}).exit_code == 0);
    // IOMMU_IOAS_ALLOC is _IO(';', 0x81) (include/uapi/linux/iommufd.h):
    // 0x3b81; struct iommu_ioas_alloc is three __u32, 12 bytes.
    std::ofstream(dir / "both.cpp") << "#include <uapikit/generated/scan.hpp>\n"
                                       "#include <uapikit/generated/linux_6_12.hpp>\n"
                                       "namespace now = uapikit::raw::linux_7_1_scan;\n"
                                       "namespace then = uapikit::raw::linux_6_12;\n"
                                       "static_assert(uapikit::command_traits<now::iommu_ioas_alloc>::request == 0x3b81);\n"
                                       "static_assert(sizeof(now::iommu_ioas_alloc) == 12);\n"
                                       "static_assert(sizeof(then::iommu_ioas_alloc) == 12);\n"
                                       "int main() { return 0; }\n";
    auto c = run_command({required_env("UAPIKIT_CLANGXX"), "-std=c++20", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                          "-I", dir.string(), "-I", required_env("UAPIKIT_INCLUDE"), (dir / "both.cpp").string()});
    INFO(c.err);
    CHECK(c.exit_code == 0);
}

TEST_CASE("emit refuses a namespace C++ cannot spell, and an output that is its own input; nothing is written") {
    fs::path dir = scratch("emit-refusals");
    const std::string abi = required_env("UAPIKIT_ABI_DIR");
    fs::copy_file(abi + "/linux-7.1/manifest.json", dir / "m.json", fs::copy_options::overwrite_existing);
    const std::string original = read_file((dir / "m.json").string());
    for (const char* bad : {"my-ns", "class", "2fast", "a::", "a::::b"}) {
        auto r = gen_in(dir, {"emit", "m.json", "-o", "out.hpp", "--namespace", bad});
        INFO(bad << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("is not a C++ namespace name") != std::string::npos);
        CHECK_FALSE(fs::exists(dir / "out.hpp"));
    }
    CHECK(gen_in(dir, {"emit", "m.json", "-o", "out.hpp", "--namespace", "vmm::iommufd_7_1"}).exit_code == 0);
    for (const char* same : {"m.json", "./m.json"}) {
        auto r = gen_in(dir, {"emit", "m.json", "-o", same});
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("is the manifest being read") != std::string::npos);
    }
    CHECK(read_file((dir / "m.json").string()) == original);
}
