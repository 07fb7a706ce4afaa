// The committed manifests in abi/ are what a fresh scan gives today: the
// test rescans every version (linux-6.12 from the real 6.12 headers) and
// fails on any difference, and it proves the check bites on a stale copy.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

TEST_CASE("every committed manifest matches a fresh scan") {
    auto r = run_command({required_env("UAPIKIT_GEN"), "abi", "verify", "--kernel-headers",
                          required_env("UAPIKIT_KERNEL_HEADERS"), "--abi-dir", required_env("UAPIKIT_ABI_DIR")});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("out of date") == std::string::npos);
    for (const char* v : {"linux-6.12", "linux-7.1", "kvm-vm-fd-v2", "amd-viommu-v2", "amd-viommu-kvmfd-v2", "tsm-map-rfc1",
                          "proposed"})
        CHECK(r.out.find(std::string(v) + ": up to date") != std::string::npos);
}

TEST_CASE("a stale manifest is reported with the line where it differs and what that is to the ABI, and update repairs it") {
    fs::path copy = fs::temp_directory_path() / ("uapikit-drift-" + std::to_string(getpid()));
    fs::remove_all(copy);
    fs::copy(required_env("UAPIKIT_ABI_DIR"), copy, fs::copy_options::recursive);
    fs::path manifest = copy / "linux-7.1" / "manifest.json";
    std::string text = read_file(manifest.string());
    // Pretend iommu_destroy used to be 12 bytes.
    auto at = text.find("{\"name\":\"iommu_destroy\",\"kind\":\"struct\"");
    REQUIRE(at != std::string::npos);
    auto size = text.find("\"size\":8", at);
    text.replace(size, 8, "\"size\":12");
    std::ofstream(manifest, std::ios::binary) << text;

    std::vector<std::string> base = {required_env("UAPIKIT_GEN"), "abi"};
    std::vector<std::string> where = {"--abi-dir", copy.string()};
    auto verify = [&](const std::string& name) {
        std::vector<std::string> argv = base;
        argv.insert(argv.end(), where.begin(), where.end());
        argv.insert(argv.end(), {"verify", name, "--kernel-headers", required_env("UAPIKIT_KERNEL_HEADERS")});
        return run_command(argv);
    };
    auto stale = verify("linux-7.1");
    INFO(stale.out << stale.err);
    CHECK(stale.exit_code == 8);
    CHECK(stale.out.find("linux-7.1: out of date") != std::string::npos);
    // The note says what the difference is to the ABI: the committed side
    // had a 12-byte struct, the fresh scan an 8-byte one.
    CHECK(stale.out.find("diff finds 1 finding: 1 incompatible, 0 warnings, 0 compatible; the first:") !=
          std::string::npos);
    CHECK(stale.out.find("iommu_destroy") != std::string::npos);

    std::vector<std::string> update = base;
    update.insert(update.end(), where.begin(), where.end());
    update.insert(update.end(), {"update", "linux-7.1", "--kernel-headers", required_env("UAPIKIT_KERNEL_HEADERS")});
    CHECK(run_command(update).exit_code == 0);
    CHECK(verify("linux-7.1").exit_code == 0);

    // A declaration that only moved down the header (as when a kernel point
    // release adds a comment above it) is out of date, but no ABI change.
    text = read_file(manifest.string());
    at = text.find("{\"name\":\"iommu_destroy\",\"kind\":\"struct\"");
    REQUIRE(at != std::string::npos);
    auto line = text.find("\"line\":", at);
    REQUIRE(line != std::string::npos);
    text.insert(line + 7, "1");  // "line":63 -> "line":163
    std::ofstream(manifest, std::ios::binary) << text;
    auto moved = verify("linux-7.1");
    INFO(moved.out << moved.err);
    CHECK(moved.exit_code == 8);
    CHECK(moved.out.find("linux-7.1: out of date") != std::string::npos);
    CHECK(moved.out.find("diff finds no ABI change between them") != std::string::npos);
    fs::remove_all(copy);
}
