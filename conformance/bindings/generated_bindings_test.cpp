// The generated C++ bindings against the generator: the committed header is
// what `uapikit-gen emit proposed` writes today (drift), every shipped
// version's bindings compile for all 7 targets as C++20 and C++23 without a
// cross libc, and what C++ cannot express exactly is refused, not guessed.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

const char* const kTargets[] = {"x86_64-linux-gnu",  "i386-linux-gnu",        "aarch64-linux-gnu", "arm-linux-gnueabihf",
                                "riscv64-linux-gnu", "powerpc64le-linux-gnu", "s390x-linux-gnu"};

fs::path scratch(const std::string& name) {
    fs::path dir = fs::temp_directory_path() / ("uapikit-bindings-" + std::to_string(getpid())) / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

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

TEST_CASE("the committed include/uapikit/generated/proposed.hpp is what the generator writes") {
    fs::path dir = scratch("drift");
    fs::create_directories(dir / "include/uapikit/generated");
    auto r = gen_in(dir, {"emit", "proposed", "-o", "include/uapikit/generated/proposed.hpp", "--abi-dir",
                          required_env("UAPIKIT_ABI_DIR")});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::string fresh = read_file((dir / "include/uapikit/generated/proposed.hpp").string());
    std::string committed = read_file(required_env("UAPIKIT_INCLUDE") + "/uapikit/generated/proposed.hpp");
    CHECK(fresh.find("// Command: uapikit-gen emit proposed -o include/uapikit/generated/proposed.hpp\n") != std::string::npos);
    CHECK(fresh.find("Edit the generator, not this file.") != std::string::npos);
    CHECK_MESSAGE(fresh == committed, "stale: run 'uapikit-gen emit proposed -o include/uapikit/generated/proposed.hpp'");
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
        for (const char* target : kTargets)
            for (const char* std_version : {"-std=c++20", "-std=c++23"}) {
                auto c = run_command({required_env("UAPIKIT_CLANGXX"), std::string("--target=") + target, std_version,
                                      "-ffreestanding", "-nostdlibinc", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                                      "-I", dir.string(), "-I", required_env("UAPIKIT_INCLUDE"), tu.string()});
                INFO(version << " for " << target << " " << std_version << ":\n" << c.err);
                CHECK(c.exit_code == 0);
                ++compiled;
            }
    }
    CHECK(versions == 8);  // abi/README.md lists eight versions
    CHECK(compiled == versions * 7 * 2);
}

TEST_CASE("a tampered manifest makes the bindings refuse to compile") {
    fs::path dir = scratch("tampered");
    std::string text = read_file(required_env("UAPIKIT_ABI_DIR") + "/proposed/manifest.json");
    // iommu_destroy is 8 bytes (uapi-facts section 4); claim 12 on every target.
    for (std::size_t at = text.find("{\"name\":\"iommu_destroy\""); at != std::string::npos;
         at = text.find("{\"name\":\"iommu_destroy\"", at + 1))
        text.replace(text.find("\"size\":8", at), 8, "\"size\":12");
    std::ofstream(dir / "tampered.json") << text;
    auto r = gen_in(dir, {"emit", "tampered.json", "-o", "tampered.hpp", "--namespace", "tampered"});
    REQUIRE(r.exit_code == 0);
    auto c = run_command({required_env("UAPIKIT_CLANGXX"), "--target=x86_64-linux-gnu", "-std=c++20", "-ffreestanding",
                          "-nostdlibinc", "-fsyntax-only", "-I", required_env("UAPIKIT_INCLUDE"), "-include",
                          (dir / "tampered.hpp").string(), "-x", "c++", "/dev/null"});
    CHECK(c.exit_code != 0);
    CHECK(c.err.find("iommu_destroy: size") != std::string::npos);
}

TEST_CASE("bitfields are refused with a clear error and nothing is written") {
    fs::path dir = scratch("bitfields");
    auto scan = gen_in(dir, {"scan", "linux/uapikit_fixture.h", "-I", required_env("UAPIKIT_FIXTURES"), "-o", "fixture.json"});
    REQUIRE(scan.exit_code == 0);
    auto r = gen_in(dir, {"emit", "fixture.json", "-o", "fixture.hpp"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("uapikit-gen: error: emit: ") == 0);
    CHECK(r.err.find("bitfields are not emitted yet") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "fixture.hpp"));
}
