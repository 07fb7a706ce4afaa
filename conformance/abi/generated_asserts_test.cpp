// The generated conformance tests: for every shipped version, emit-tests
// writes static_asserts and clang++ compiles them for each of the 7 targets
// against the same headers (compile only: no cross libc needed). A tampered
// manifest must make the compile fail, or the asserts prove nothing.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

fs::path scratch() { return uapikit::testing::scratch_dir("asserts"); }

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
}

// The -I and -D arguments the manifest recorded for `triple`, with the
// symbolic folders made real.
std::vector<std::string> header_args(const json& manifest, const std::string& triple) {
    std::vector<std::string> out;
    const json& args = manifest["targets"][triple]["clang_args"];
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        if (a == "-I" && i + 1 < args.size()) {
            std::string dir = args[++i];
            replace_all(dir, "{abi}", required_env("UAPIKIT_ABI_DIR"));
            replace_all(dir, "{kernel}", required_env("UAPIKIT_KERNEL_HEADERS"));
            out.insert(out.end(), {"-I", dir});
        } else if (a.rfind("-D", 0) == 0) {
            out.push_back(a);
        }
    }
    return out;
}

uapikit::testing::CommandResult compile(const fs::path& source, const json& manifest, const std::string& triple,
                                        const std::string& std_version) {
    std::vector<std::string> argv = {required_env("UAPIKIT_CLANGXX"), "--target=" + triple, "-std=" + std_version,
                                     "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-nostdlibinc"};
    for (const auto& a : header_args(manifest, triple)) argv.push_back(a);
    argv.push_back(source.string());
    return run_command(argv);
}

}  // namespace

TEST_CASE("every version's generated static_asserts compile for all 7 targets, as C++20 and C++23") {
    fs::path dir = scratch();
    int compiled = 0;
    for (const auto& entry : fs::directory_iterator(required_env("UAPIKIT_ABI_DIR"))) {
        fs::path manifest_file = entry.path() / "manifest.json";
        if (!fs::exists(manifest_file)) continue;
        std::string version = entry.path().filename().string();
        fs::path source = dir / (version + ".cpp");
        auto emit = run_command({required_env("UAPIKIT_GEN"), "emit-tests", version, "-o", source.string(), "--abi-dir",
                                 required_env("UAPIKIT_ABI_DIR")});
        INFO(version << ": " << emit.err);
        REQUIRE(emit.exit_code == 0);
        json manifest = json::parse(read_file(manifest_file.string()));
        // Every target, but 32-bit arm for linux-6.12-vfio-kvm (arm has no linux/kvm.h).
        CHECK(manifest["targets"].size() == (version == "linux-6.12-vfio-kvm" ? 6 : 7));
        for (const auto& [triple, abi] : manifest["targets"].items()) {
            for (const char* std_version : {"c++20", "c++23"}) {
                auto r = compile(source, manifest, triple, std_version);
                INFO(version << " on " << triple << " as " << std_version << ":\n" << r.err);
                CHECK(r.exit_code == 0);
            }
            ++compiled;
        }
    }
    CHECK(compiled == 9 * 7 - 1);  // the nine versions of abi/README.md
    fs::remove_all(dir);
}

TEST_CASE("a wrong offset in the manifest makes the generated asserts fail to compile") {
    fs::path dir = scratch();
    std::string text = read_file(required_env("UAPIKIT_ABI_DIR") + "/proposed/manifest.json");
    // kvm_vm_fd sits at byte 40 (after the 8-byte data_uptr at 32, as posted in
    // "[PATCH v2 1/3] iommufd/viommu: Allow associating a KVM VM fd with a vIOMMU",
    // Aneesh Kumar K.V, 2026); claim 44 instead.
    auto at = text.find("{\"name\":\"kvm_vm_fd\"");
    REQUIRE(at != std::string::npos);
    auto offset = text.find("\"offset_bits\":320", at);
    REQUIRE(offset != std::string::npos);
    text.replace(offset, 17, "\"offset_bits\":352");
    std::ofstream(dir / "tampered.json", std::ios::binary) << text;

    auto emit = run_command({required_env("UAPIKIT_GEN"), "emit-tests", (dir / "tampered.json").string(), "-o",
                             (dir / "tampered.cpp").string()});
    REQUIRE(emit.exit_code == 0);
    json manifest = json::parse(text);
    auto r = compile(dir / "tampered.cpp", manifest, "aarch64-linux-gnu", "c++20");
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("iommu_viommu_alloc.kvm_vm_fd: offset") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("emit-tests prints, for each target, a clang++ command that compiles what it wrote") {
    fs::path dir = scratch();
    fs::path source = dir / "linux-7.1.cpp";
    auto emit = run_command({required_env("UAPIKIT_GEN"), "emit-tests", "linux-7.1", "-o", source.string(), "--abi-dir",
                             required_env("UAPIKIT_ABI_DIR"), "--kernel", required_env("UAPIKIT_KERNEL_HEADERS")});
    INFO(emit.err);
    REQUIRE(emit.exit_code == 0);
    std::set<std::string> triples;
    std::istringstream lines(emit.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("  clang++-19 ", 0) != 0) continue;
        INFO(line);
        CHECK(line.find('{') == std::string::npos);  // {abi} and {kernel} made real
        std::istringstream words(line);
        std::vector<std::string> argv;
        for (std::string w; words >> w;) argv.push_back(w);
        argv[0] = required_env("UAPIKIT_CLANGXX");  // the clang++ this build was configured with
        REQUIRE(argv[1].rfind("--target=", 0) == 0);
        triples.insert(argv[1].substr(9));
        CHECK(argv.back() == source.string());
        auto r = run_command(argv);
        INFO(r.err);
        CHECK(r.exit_code == 0);
    }
    json manifest = json::parse(read_file(required_env("UAPIKIT_ABI_DIR") + "/linux-7.1/manifest.json"));
    std::set<std::string> expected;
    for (const auto& [triple, abi] : manifest["targets"].items()) expected.insert(triple);
    CHECK(triples == expected);
    CHECK(triples.size() == 7);
    fs::remove_all(dir);
}
