// uapikit-gen report --html, rendered by headless Chromium: the page loads,
// a screenshot is taken, and the DOM Chromium built holds the byte grid of
// known structs, checked against hand-computed layouts (uapi-facts 6.2, 6.3).
#include "../support/run_command.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <unistd.h>

namespace fs = std::filesystem;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

fs::path scratch() {
    fs::path dir = fs::temp_directory_path() / ("uapikit-report-" + std::to_string(getpid()));
    fs::create_directories(dir);
    return dir;
}

std::string dom_of(const fs::path& page) {
    auto r = run_command({required_env("UAPIKIT_CHROMIUM"), "--headless=new", "--no-sandbox", "--disable-gpu",
                          "--dump-dom", "file://" + page.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

// The cells of one target's grid inside one struct's section.
std::vector<std::string> cells(const std::string& dom, const std::string& record, const std::string& target) {
    auto section = dom.find("id=\"record-" + record + "\"");
    REQUIRE(section != std::string::npos);
    auto grid = dom.find("data-target=\"" + target + "\"", section);
    REQUIRE(grid != std::string::npos);
    auto end = dom.find("</div>", grid);
    std::string row = dom.substr(grid, end - grid);
    std::vector<std::string> out;
    std::regex cell(R"(<span class="byte[^"]*"[^>]*>)");
    for (auto it = std::sregex_iterator(row.begin(), row.end(), cell); it != std::sregex_iterator(); ++it) out.push_back(it->str());
    return out;
}

bool has(const std::string& cell, const std::string& text) { return cell.find(text) != std::string::npos; }

}  // namespace

TEST_CASE("the page renders in Chromium and shows padding and per-target sizes") {
    fs::path dir = scratch();
    fs::path page = dir / "tsm.html";
    auto r = run_command({required_env("UAPIKIT_GEN"), "report", "--html", "tsm-map-rfc1", "-o", page.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    fs::path shot = dir / "tsm.png";
    auto s = run_command({required_env("UAPIKIT_CHROMIUM"), "--headless=new", "--no-sandbox", "--disable-gpu",
                          "--window-size=1400,1000", "--screenshot=" + shot.string(), "file://" + page.string()});
    INFO(s.err);
    CHECK(s.exit_code == 0);
    REQUIRE(fs::exists(shot));
    CHECK(fs::file_size(shot) > 20000);  // a blank page is a few kB

    std::string dom = dom_of(page);
    // Plain __u64: 28 bytes on i386, 32 on x86_64 with 4 bytes of tail padding.
    auto i386 = cells(dom, "iommu_vdevice_tsm_map", "i386-linux-gnu");
    auto x86_64 = cells(dom, "iommu_vdevice_tsm_map", "x86_64-linux-gnu");
    CHECK(i386.size() == 28);
    REQUIRE(x86_64.size() == 32);
    for (int b = 0; b < 32; ++b) {
        INFO("byte " << b);
        CHECK(has(x86_64[b], "padding") == (b >= 28));
    }
    CHECK(has(x86_64[8], "data-field=\"start_gpa\""));
    CHECK(has(x86_64[24], "data-field=\"vdevice_id\""));
    fs::remove_all(dir);
}

TEST_CASE("--against marks the fields that moved or are new") {
    fs::path dir = scratch();
    fs::path page = dir / "amd.html";
    auto r = run_command({required_env("UAPIKIT_GEN"), "report", "--html", "amd-viommu-kvmfd-v2", "--against",
                          "amd-viommu-v2", "-o", page.string()});
    REQUIRE(r.exit_code == 0);
    auto row = cells(dom_of(page), "iommu_viommu_amd", "x86_64-linux-gnu");
    REQUIRE(row.size() == 16);
    // out_vfmmio_mmap_offset stays at 0; kvmfd is new at 8; reserved moved 8 -> 12.
    CHECK_FALSE(has(row[0], "differs-version"));
    CHECK(has(row[8], "data-field=\"kvmfd\""));
    CHECK(has(row[8], "differs-version"));
    CHECK(has(row[12], "data-field=\"reserved\""));
    CHECK(has(row[12], "differs-version"));
    fs::remove_all(dir);
}
