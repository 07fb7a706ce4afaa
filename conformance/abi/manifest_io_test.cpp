// Reading manifests back: every committed manifest re-serialises to the
// same bytes (so nothing is lost between scan and check/diff), and broken
// input is refused with a reason.
#include "manifest/manifest_json.hpp"
#include "manifest/manifest_reader.hpp"
#include "util/errors.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace uapikit;

namespace {

std::string slurp(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string message_of(const std::string& text) {
    try {
        manifest::parse_manifest(text, "input.json");
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("every committed manifest reads back and writes out byte for byte") {
    const char* abi = std::getenv("UAPIKIT_ABI_DIR");
    REQUIRE(abi != nullptr);
    int seen = 0;
    for (const auto& entry : fs::directory_iterator(abi)) {
        fs::path file = entry.path() / "manifest.json";
        if (!fs::exists(file)) continue;
        INFO(file.string());
        std::string text = slurp(file);
        ir::Manifest m = manifest::parse_manifest(text, file.string());
        CHECK(m.version == entry.path().filename().string());
        CHECK(manifest::to_json_text(m) == text);
        ++seen;
    }
    CHECK(seen >= 7);
}

TEST_CASE("signed, unsigned and ioctl values survive the round trip") {
    const std::string text = R"({
 "uapikit_manifest": 1,
 "generator": "uapikit-gen test",
 "partial": false,
 "targets": {
  "x86_64-linux-gnu": {
   "clang_args": [],
   "headers": ["linux/demo.h"],
   "errors": [],
   "records": [],
   "enums": [
    {"name":"demo","file":"linux/demo.h","line":1,"column":6,"underlying":"int","constants":[{"name":"DEMO_NEG","value":-1},{"name":"DEMO_BIG","value":18446744073709551615}]}
   ],
   "macros": [
    {"name":"DEMO_CMD","file":"linux/demo.h","line":3,"column":9,"value":15232,"ioctl":{"dir":"none","type":59,"nr":128,"size":0}},
    {"name":"DEMO_FLAG","file":"linux/demo.h","line":4,"column":9,"error":"call to undeclared function 'BIT'"}
   ]
  }
 }
}
)";
    ir::Manifest m = manifest::parse_manifest(text, "demo.json");
    const auto& t = m.targets.at("x86_64-linux-gnu");
    CHECK(t.enums[0].constants[0].value.bits == ~0ull);
    CHECK_FALSE(t.enums[0].constants[0].value.is_unsigned);
    CHECK(t.enums[0].constants[1].value.is_unsigned);
    REQUIRE(t.macros[0].ioctl.has_value());
    CHECK(t.macros[0].ioctl->nr == 0x80);
    CHECK_FALSE(t.macros[1].value.has_value());
    CHECK(manifest::to_json_text(m) == text);
}

TEST_CASE("broken manifests are refused with a reason that names the file") {
    CHECK(message_of("{not json").find("input.json: not JSON") != std::string::npos);
    CHECK(message_of("[1, 2]").find("not a uapikit manifest") != std::string::npos);
    CHECK(message_of(R"({"uapikit_manifest": 7})").find("schema version 7") != std::string::npos);
    CHECK(message_of(R"({"uapikit_manifest": 1, "generator": "g", "targets": {"x": {"clang_args": []}}})")
              .find("input.json: malformed manifest") != std::string::npos);
}
