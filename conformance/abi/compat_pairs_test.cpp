// One record on both sides of a compat pair: check's compat-layout-differs
// and the report's "differs between targets" marks, on a header scanned for
// i386 and x86_64 as a user scans it. The expected layouts of fixtures/include/linux/
// uapikit_compat.h are worked out by hand from the C layout rules and were
// confirmed with gcc -m32 and gcc -m64 (sizeof, _Alignof, offsetof), never
// taken from the tool's output.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <string>
#include <vector>

using nlohmann::json;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

// The fixture scanned once for both targets.
const std::string& manifest() {
    static const std::string path = [] {
        auto dir = uapikit::testing::scratch_dir("compat_pairs", "scan");
        std::string out = (dir / "compat.json").string();
        auto scan = run_command({required_env("UAPIKIT_GEN"), "scan", "linux/uapikit_compat.h", "-I",
                                 required_env("UAPIKIT_FIXTURES"), "--target", "x86_64-linux-gnu", "--target",
                                 "i386-linux-gnu", "-o", out});
        INFO(scan.err);
        REQUIRE(scan.exit_code == 0);
        return out;
    }();
    return path;
}

// Every compat-layout-differs finding of check on the fixture.
const std::vector<json>& compat_findings() {
    static const std::vector<json> found = [] {
        auto check = run_command({required_env("UAPIKIT_GEN"), "check", manifest(), "--format", "json"});
        INFO(check.err);
        REQUIRE(check.exit_code == 4);  // the unaligned-64bit-field warnings on i386 at least
        json report = json::parse(check.out);
        std::vector<json> out;
        for (const auto& f : report["findings"])
            if (f["kind"] == "compat-layout-differs") out.push_back(f);
        return out;
    }();
    return found;
}

const json* about(const std::string& record) {
    for (const auto& f : compat_findings())
        if (f["record"] == record) return &f;
    return nullptr;
}

// The byte offsets the report marks as differing between targets in one
// record's section, over all its grids.
std::set<int> marked_bytes(const std::string& record) {
    static const std::string page = [] {
        auto dir = uapikit::testing::scratch_dir("compat_pairs", "report");
        std::string out = (dir / "compat.html").string();
        auto r = run_command({required_env("UAPIKIT_GEN"), "report", manifest(), "-o", out});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return uapikit::testing::read_file(out);
    }();
    auto begin = page.find("id=\"record-" + record + "\"");
    REQUIRE(begin != std::string::npos);
    std::string sec = page.substr(begin, page.find("</section>", begin) - begin);
    std::set<int> out;
    std::regex byte(R"re(<span class="byte [^"]*differs-target[^"]*"[^>]* data-offset="([0-9]+)")re");
    for (auto it = std::sregex_iterator(sec.begin(), sec.end(), byte); it != std::sregex_iterator(); ++it)
        out.insert(std::stoi((*it)[1].str()));
    return out;
}

}  // namespace

TEST_CASE("two anonymous unions at the same places are not a compat difference") {
    // family 0, proto 1, port 2, the first union at 4 (2 bytes), ifindex at
    // 8, the second union at 12, dst at 16: 32 bytes, aligned to 4, on both.
    CHECK(about("cp_two_unions") == nullptr);
}

TEST_CASE("of two anonymous unions, the one that moved is named, at its own offsets") {
    // id 0, the first union at 4, flags 8; the union holding a __u64 sits at
    // 12 on i386 (20 bytes, align 4) and at 16 on x86_64 (24 bytes, align 8).
    const json* f = about("cp_moving_union");
    REQUIRE(f != nullptr);
    CHECK((*f)["targets"] == json::array({"x86_64-linux-gnu", "i386-linux-gnu"}));
    std::string message = (*f)["message"];
    INFO(message);
    CHECK(message.find("(size 20 vs 24, align 4 vs 8, @union(value) at offset 12 vs offset 16 (itself aligned to 4 vs 8))") != std::string::npos);
    CHECK(message.find("@union(word)") == std::string::npos);
    CHECK(message.find("offset 4") == std::string::npos);
}

TEST_CASE("an alignment difference alone is reported only where it moves a member of an enclosing record") {
    // Four __u64 at 0, 8, 16, 24: 32 bytes on both, aligned to 4 vs 8.
    CHECK(about("cp_align_only") == nullptr);
    // Two of them as an array at offset 0: 64 bytes on both.
    CHECK(about("cp_array_holder") == nullptr);
    // After a __u32: at 4 on i386 (36 bytes), at 8 on x86_64 (40 bytes).
    const json* f = about("cp_holder");
    REQUIRE(f != nullptr);
    std::string message = (*f)["message"];
    INFO(message);
    CHECK(message.find("size 36 vs 40, align 4 vs 8, range at offset 4 vs offset 8 (cp_align_only aligned to 4 vs 8)") !=
          std::string::npos);
}

TEST_CASE("the report marks as differing between targets only the anonymous member that moved") {
    // Same layout on both targets: nothing marked.
    CHECK(marked_bytes("cp_two_unions").empty());
    // The union holding the __u64: bytes 12..19 on i386, 16..23 on x86_64.
    // The first union (bytes 4..7 on both) keeps its place.
    std::set<int> expected;
    for (int b = 12; b < 24; ++b) expected.insert(b);
    CHECK(marked_bytes("cp_moving_union") == expected);
}
