// Reading manifests back: every committed manifest re-serialises to the
// same bytes (so nothing is lost between scan and check/diff), and broken
// input is refused with a reason.
#include "manifest/manifest_json.hpp"
#include "manifest/manifest_reader.hpp"
#include "util/errors.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

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
    {"name":"demo","file":"linux/demo.h","line":1,"column":6,"underlying":"int","constants":[{"name":"DEMO_NEG","value":-1},{"name":"DEMO_BIG","value":18446744073709551615},{"name":"DEMO_OLD_NEG","line":2,"column":2,"value":-1,"alias_of":"DEMO_NEG"}]}
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
    // A constant without a location (as manifests had before) reads as line 0.
    CHECK(t.enums[0].constants[0].line == 0);
    CHECK(t.enums[0].constants[2].line == 2);
    CHECK(t.enums[0].constants[2].file.empty());
    CHECK(t.enums[0].constants[2].alias_of == "DEMO_NEG");
    REQUIRE(t.macros[0].ioctl.has_value());
    CHECK(t.macros[0].ioctl->nr == 0x80);
    CHECK_FALSE(t.macros[1].value.has_value());
    CHECK(manifest::to_json_text(m) == text);
}

TEST_CASE("strings that need escaping are written as nlohmann writes them") {
    // The writer copies plain ASCII strings itself and hands every other
    // string to nlohmann: each kind must come out as nlohmann's own dump.
    const std::vector<std::string> samples = {
        "plain_name", "quote \" inside", "back\\slash", "tab\tand\nnewline", std::string("nul\0byte", 8),
        "\x01\x1f control", "caf\xc3\xa9", "del\x7f", "'unistd.h' file not found",
    };
    ir::Manifest m;
    m.generator = "uapikit-gen test";
    ir::TargetAbi& t = m.targets["x86_64-linux-gnu"];
    t.triple = "x86_64-linux-gnu";
    for (const auto& s : samples) {
        ir::Macro macro;
        macro.name = "M";
        macro.origin = {"linux/demo.h", 1, 9};
        macro.error = s;
        t.macros.push_back(macro);
    }
    std::string text = manifest::to_json_text(m);
    for (const auto& s : samples) {
        INFO(s);
        CHECK(text.find("\"error\":" + nlohmann::json(s).dump() + "}") != std::string::npos);
    }
    // And the file reads back to the same strings.
    ir::Manifest back = manifest::parse_manifest(text, "escapes.json");
    const auto& macros = back.targets.at("x86_64-linux-gnu").macros;
    REQUIRE(macros.size() == samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) CHECK(macros[i].error == samples[i]);

    // Invalid UTF-8 is refused, as nlohmann refuses it everywhere else.
    t.macros[0].error = "bad \xff byte";
    CHECK_THROWS_AS(manifest::to_json_text(m), nlohmann::json::type_error);
}

TEST_CASE("targets rendered ahead of time give the same bytes") {
    ir::Manifest m = manifest::parse_manifest(slurp(fs::path(std::getenv("UAPIKIT_ABI_DIR")) / "linux-6.12" / "manifest.json"),
                                              "manifest.json");
    REQUIRE(m.targets.size() >= 2);
    manifest::TargetTexts texts;
    texts.add(m.targets.begin()->second);  // one rendered early, the others not
    CHECK(manifest::to_json_text(m, texts.take()) == manifest::to_json_text(m));
}

TEST_CASE("broken manifests are refused with a reason that names the file") {
    CHECK(message_of("{not json").find("input.json: not JSON") != std::string::npos);
    CHECK(message_of("[1, 2]").find("not a uapikit manifest") != std::string::npos);
    CHECK(message_of(R"({"uapikit_manifest": 7})").find("schema version 7") != std::string::npos);
    CHECK(message_of(R"({"uapikit_manifest": 1, "generator": "g", "targets": {"x": {"clang_args": []}}})")
              .find("input.json: malformed manifest") != std::string::npos);
}
