// uapikit-gen report, rendered by headless Chromium: the page loads, a
// screenshot is taken, the DOM Chromium built holds the byte grids of known
// structs (checked against hand-computed layouts: the TSM map struct of
// "iommufd: Add IOMMU_VDEVICE_TSM_MAP" as posted is 28 bytes on i386 and 32
// with 4 bytes of tail padding on 64-bit targets; the AMD driver data of
// "iommu/amd: Pass KVM FD from userspace when initializing vIOMMU" moves
// `reserved` from 8 to 12), and a measuring script run inside Chromium on a
// copy of the page checks that field names are visible over their bytes
// and that nothing runs off a narrow window.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <unistd.h>

namespace fs = std::filesystem;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

fs::path scratch() { return uapikit::testing::scratch_dir("report"); }

// Chromium as a test harness: no network, no first-run work, a fresh profile.
std::vector<std::string> chromium(const fs::path& profile, std::vector<std::string> args) {
    std::vector<std::string> argv = {required_env("UAPIKIT_CHROMIUM"), "--headless=new", "--no-sandbox", "--disable-gpu",
                                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                     "--no-first-run", "--user-data-dir=" + profile.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

fs::path report(const fs::path& dir, const std::string& name, std::vector<std::string> args) {
    fs::path page = dir / (name + ".html");
    args.insert(args.begin(), {required_env("UAPIKIT_GEN"), "report"});
    args.insert(args.end(), {"-o", page.string()});
    auto r = run_command(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return page;
}

std::string dom_of(const fs::path& dir, const fs::path& page, const std::string& window = "1200,900") {
    auto r = run_command(chromium(dir / "profile", {"--window-size=" + window, "--dump-dom", "file://" + page.string()}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

// The text of one struct's section.
std::string section(const std::string& dom, const std::string& record) {
    auto id = dom.find("id=\"record-" + record + "\"");
    REQUIRE_MESSAGE(id != std::string::npos, record);
    auto begin = dom.rfind("<section", id);
    return dom.substr(begin, dom.find("</section>", begin) - begin);
}

// The grid drawn for `target` (several targets may share one) in a section.
std::string grid(const std::string& sec, const std::string& target) {
    std::regex div(R"re(<div class="target" data-targets="([^"]*)")re");
    for (auto it = std::sregex_iterator(sec.begin(), sec.end(), div); it != std::sregex_iterator(); ++it) {
        std::string targets = " " + (*it)[1].str() + " ";
        if (targets.find(" " + target + " ") == std::string::npos) continue;
        auto begin = static_cast<std::size_t>(it->position());
        auto end = sec.find("<div class=\"target\"", begin + 1);
        return sec.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    }
    FAIL("no grid for " << target);
    return {};
}

std::vector<std::string> cells(const std::string& g) {
    std::vector<std::string> out;
    std::regex cell(R"(<span class="byte(?: [^"]*)?"[^>]*>)");
    for (auto it = std::sregex_iterator(g.begin(), g.end(), cell); it != std::sregex_iterator(); ++it) out.push_back(it->str());
    return out;
}

// The visible label (a text node, not an attribute) of the segment that
// holds byte `offset`.
std::string label_over(const std::string& g, int offset) {
    std::regex seg(R"re(<span class="seg [^"]*" data-field="[^"]*"><span class="label"[^>]*>([^<]*)</span><span class="bytes">(.*?)</span></span>)re");
    for (auto it = std::sregex_iterator(g.begin(), g.end(), seg); it != std::sregex_iterator(); ++it)
        if ((*it)[2].str().find("data-offset=\"" + std::to_string(offset) + "\"") != std::string::npos) return (*it)[1].str();
    return {};
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("report: the page renders in Chromium, with field names over their bytes and padding marked") {
    fs::path dir = scratch();
    fs::path page = report(dir, "tsm", {"tsm-map-rfc1"});  // HTML is the default format

    fs::path shot = dir / "tsm.png";
    auto s = run_command(chromium(dir / "profile", {"--window-size=1200,1000", "--screenshot=" + shot.string(),
                                                    "file://" + page.string()}));
    INFO(s.err);
    CHECK(s.exit_code == 0);
    REQUIRE(fs::exists(shot));
    CHECK(fs::file_size(shot) > 20000);  // a blank page is a few kB

    std::string sec = section(dom_of(dir, page), "iommu_vdevice_tsm_map");
    auto i386 = grid(sec, "i386-linux-gnu");
    auto x86_64 = grid(sec, "x86_64-linux-gnu");
    CHECK(cells(i386).size() == 28);
    auto row = cells(x86_64);
    REQUIRE(row.size() == 32);
    for (int b = 0; b < 32; ++b) {
        INFO("byte " << b);
        CHECK(has(row[b], "padding") == (b >= 28));
    }
    // The names a screenshot shows, over the bytes they own.
    CHECK(label_over(x86_64, 0) == "size");
    CHECK(label_over(x86_64, 8) == "start_gpa");
    CHECK(label_over(x86_64, 15) == "start_gpa");
    CHECK(label_over(x86_64, 24) == "vdevice_id");
    CHECK(label_over(x86_64, 30) == "padding");
    // 16 bytes to a line: the 32-byte struct takes two.
    CHECK(std::count(x86_64.begin(), x86_64.end(), '\n') >= 2);
    CHECK(has(x86_64, "data-start=\"16\""));
    fs::remove_all(dir);
}

TEST_CASE("report: in a narrow window nothing is cut off and every field's label is drawn over its bytes") {
    fs::path dir = scratch();
    fs::path page = report(dir, "hwpt", {"linux-6.12"});
    // The measuring script runs on a copy; the page itself has none.
    std::string html = read_file(page.string());
    const std::string script = R"(<script>
addEventListener('load', () => {
  const out = {scroll: document.documentElement.scrollWidth, width: innerWidth, labels: 0, hidden: [], misplaced: [], clipped: []};
  for (const seg of document.querySelectorAll('.seg.field')) {
    const label = seg.querySelector('.label'), bytes = seg.querySelector('.bytes');
    const l = label.getBoundingClientRect(), b = bytes.getBoundingClientRect();
    out.labels++;
    if (l.width <= 0 || l.height <= 0 || getComputedStyle(label).visibility !== 'visible') out.hidden.push(label.textContent);
    if (Math.abs(l.left - b.left) > 3 || l.bottom > b.top + 1) out.misplaced.push(label.textContent);
    if (bytes.children.length >= 4 && label.scrollWidth > label.clientWidth) out.clipped.push(label.textContent);
  }
  const pre = document.createElement('pre'); pre.id = 'measure'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>)";
    html.insert(html.rfind("</body>"), script);
    fs::path measured = dir / "measured.html";
    std::ofstream(measured) << html;

    std::string dom = dom_of(dir, measured, "640,800");
    std::smatch m;
    REQUIRE(std::regex_search(dom, m, std::regex(R"(<pre id="measure">([^<]*)</pre>)")));
    auto result = nlohmann::json::parse(m[1].str());
    INFO(result.dump());
    CHECK(result["scroll"].get<int>() <= result["width"].get<int>());  // wraps instead of running off
    CHECK(result["labels"].get<int>() > 50);
    CHECK(result["hidden"].empty());
    CHECK(result["misplaced"].empty());
    CHECK(result["clipped"].empty());  // names of fields of 4 bytes or more are shown whole
    fs::remove_all(dir);
}

TEST_CASE("report --against: moved and new fields, and a struct whose size changed, are marked") {
    fs::path dir = scratch();
    std::string amd = section(dom_of(dir, report(dir, "amd", {"amd-viommu-kvmfd-v2", "--against", "amd-viommu-v2"})),
                              "iommu_viommu_amd");
    auto row = cells(grid(amd, "x86_64-linux-gnu"));
    REQUIRE(row.size() == 16);
    // out_vfmmio_mmap_offset stays at 0; kvmfd is new at 8; reserved moved 8 -> 12.
    CHECK_FALSE(has(row[0], "differs-version"));
    CHECK(has(row[8], "data-field=\"kvmfd\""));
    CHECK(has(row[8], "differs-version"));
    CHECK(has(row[12], "data-field=\"reserved\""));
    CHECK(has(row[12], "differs-version"));

    // The TSM map struct as posted against the corrected one: no field
    // moves, but on i386 the struct is 28 bytes instead of 32, and on the
    // 64-bit targets bytes 28-31 are padding instead of a reserved field.
    std::string dom = dom_of(dir, report(dir, "tsm", {"tsm-map-rfc1", "--against", "proposed"}));
    std::string tsm = section(dom, "iommu_vdevice_tsm_map");
    CHECK(has(tsm.substr(0, tsm.find('>')), "changed"));
    auto i386 = grid(tsm, "i386-linux-gnu");
    CHECK(has(i386, "shape differs-version"));
    CHECK(has(i386, "data-size=\"28\""));
    CHECK(has(i386, "proposed: 32 bytes"));
    auto x86_64 = cells(grid(tsm, "x86_64-linux-gnu"));
    REQUIRE(x86_64.size() == 32);
    CHECK(has(x86_64[28], "padding"));
    CHECK(has(x86_64[28], "differs-version"));
    CHECK_FALSE(has(x86_64[24], "differs-version"));
    // What diff says about the struct is listed with it.
    CHECK(has(tsm, "<li class=\"incompatible\""));
    // A struct both versions lay out alike is not marked.
    std::string destroy = section(dom, "iommu_destroy");
    CHECK_FALSE(has(destroy.substr(0, destroy.find('>')), "changed"));
    CHECK_FALSE(has(destroy, "differs-version"));
    fs::remove_all(dir);
}

// The linux-6.12 version scans linux/iommufd.h alone, not the selftest's
// iommufd_test.h: the selftest's structs are not compared (as diff says),
// neither marked changed nor called absent, while a struct of
// linux/iommufd.h that 6.12 lacks is absent.
TEST_CASE("report --against a version whose scan never reached a struct's header says \"not compared\", not \"absent\"") {
    fs::path dir = scratch();
    std::string dom = dom_of(dir, report(dir, "narrow", {"proposed", "--against", "linux-6.12"}));
    std::string test_cmd = section(dom, "iommu_test_cmd");
    CHECK_FALSE(has(test_cmd.substr(0, test_cmd.find('>')), "changed"));
    CHECK_FALSE(has(test_cmd, "differs-version"));
    CHECK(has(test_cmd, "linux-6.12: not compared: its scan did not reach iommufd_test.h"));
    CHECK_FALSE(has(test_cmd, "absent"));
    // IOMMU_VIOMMU_ALLOC came after 6.12 (Linux 6.13).
    std::string viommu = section(dom, "iommu_viommu_alloc");
    CHECK(has(viommu.substr(0, viommu.find('>')), "changed"));
    CHECK(has(viommu, "linux-6.12: absent"));
    fs::remove_all(dir);
}

TEST_CASE("report --changed-only draws only the structs that differ; the page's own filter starts on") {
    fs::path dir = scratch();
    std::string dom = dom_of(dir, report(dir, "changed", {"tsm-map-rfc1", "--against", "proposed", "--changed-only"}));
    CHECK(has(dom, "id=\"record-iommu_vdevice_tsm_map\""));
    CHECK_FALSE(has(dom, "id=\"record-iommu_destroy\""));
    CHECK(std::regex_search(dom, std::regex(R"(<input type="checkbox" id="changed-only" checked)")));

    auto r = run_command({required_env("UAPIKIT_GEN"), "report", "tsm-map-rfc1", "--changed-only", "-o",
                          (dir / "bad.html").string()});
    CHECK(r.exit_code == 2);
    CHECK(has(r.err, "--changed-only needs --against"));
    CHECK_FALSE(fs::exists(dir / "bad.html"));
    fs::remove_all(dir);
}
