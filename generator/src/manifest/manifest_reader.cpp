#include "manifest/manifest_reader.hpp"

#include "manifest/manifest_json.hpp"
#include "util/errors.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace uapikit::manifest {
namespace {

using json = nlohmann::json;

ir::Integer integer(const json& j) {
    if (j.is_number_unsigned()) return {true, j.get<std::uint64_t>()};
    return {false, static_cast<std::uint64_t>(j.get<std::int64_t>())};
}

ir::IoctlDir dir_from(const std::string& name) {
    if (name == "none") return ir::IoctlDir::None;
    if (name == "write") return ir::IoctlDir::Write;
    if (name == "read") return ir::IoctlDir::Read;
    if (name == "read_write") return ir::IoctlDir::ReadWrite;
    if (name == "invalid") return ir::IoctlDir::Invalid;
    throw std::invalid_argument("unknown ioctl direction '" + name + "'");
}

ir::Origin origin(const json& j) { return {j.at("file").get<std::string>(), j.at("line").get<unsigned>(), j.at("column").get<unsigned>()}; }

ir::Field field(const json& j) {
    ir::Field f;
    f.name = j.at("name").get<std::string>();
    f.type = j.at("type").get<std::string>();
    f.canonical_type = j.at("canonical_type").get<std::string>();
    f.offset_bits = j.at("offset_bits").get<std::uint64_t>();
    f.size = j.at("size").get<std::uint64_t>();
    f.align = j.at("align").get<std::uint64_t>();
    if (j.contains("bit_width")) f.bit_width = j["bit_width"].get<unsigned>();
    f.flexible = j.value("flexible", false);
    f.anonymous = j.value("anonymous", false);
    f.file = j.value("file", std::string());
    f.line = j.value("line", 0u);
    f.column = j.value("column", 0u);
    return f;
}

ir::Record record(const json& j) {
    ir::Record r;
    r.name = j.at("name").get<std::string>();
    const std::string kind = j.at("kind").get<std::string>();
    if (kind != "struct" && kind != "union") throw std::invalid_argument("record kind '" + kind + "'");
    r.kind = kind == "union" ? ir::RecordKind::Union : ir::RecordKind::Struct;
    r.origin = origin(j);
    r.size = j.at("size").get<std::uint64_t>();
    r.align = j.at("align").get<std::uint64_t>();
    for (const auto& f : j.at("fields")) r.fields.push_back(field(f));
    for (const auto& h : j.at("holes")) r.holes.push_back({h.at("offset").get<std::uint64_t>(), h.at("size").get<std::uint64_t>()});
    return r;
}

ir::Enum enumeration(const json& j) {
    ir::Enum e;
    e.name = j.at("name").get<std::string>();
    e.origin = origin(j);
    e.underlying = j.at("underlying").get<std::string>();
    for (const auto& c : j.at("constants")) {
        ir::EnumConstant k{c.at("name").get<std::string>(), integer(c.at("value"))};
        // Manifests written before constants had locations or aliases
        // lack these keys.
        k.file = c.value("file", std::string());
        k.line = c.value("line", 0u);
        k.column = c.value("column", 0u);
        k.alias_of = c.value("alias_of", std::string());
        e.constants.push_back(std::move(k));
    }
    return e;
}

ir::Macro macro(const json& j) {
    ir::Macro m;
    m.name = j.at("name").get<std::string>();
    m.origin = origin(j);
    if (j.contains("value"))
        m.value = integer(j["value"]);
    else
        m.error = j.at("error").get<std::string>();
    if (j.contains("ioctl")) {
        const json& i = j["ioctl"];
        m.ioctl = ir::Ioctl{dir_from(i.at("dir").get<std::string>()), i.at("type").get<std::uint64_t>(),
                            i.at("nr").get<std::uint64_t>(), i.at("size").get<std::uint64_t>(), std::nullopt};
        if (i.contains("argument_size")) m.ioctl->argument_size = i["argument_size"].get<std::uint64_t>();
    }
    m.alias_of = j.value("alias_of", std::string());
    return m;
}

ir::TargetAbi target(const std::string& triple, const json& j) {
    ir::TargetAbi t;
    t.triple = triple;
    t.clang_args = j.at("clang_args").get<std::vector<std::string>>();
    t.headers = j.at("headers").get<std::vector<std::string>>();
    if (j.contains("header_files")) t.header_files = j["header_files"].get<std::vector<std::string>>();
    for (const auto& e : j.at("errors")) t.errors.push_back({e.at("header").get<std::string>(), e.at("message").get<std::string>()});
    for (const auto& r : j.at("records")) t.records.push_back(record(r));
    for (const auto& e : j.at("enums")) t.enums.push_back(enumeration(e));
    for (const auto& m : j.at("macros")) t.macros.push_back(macro(m));
    return t;
}

}  // namespace

ir::Manifest parse_manifest(const std::string& text, const std::string& source) {
    json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) throw input_error(source + ": not JSON, so not a uapikit manifest");
    if (!root.is_object() || !root.contains("uapikit_manifest"))
        throw input_error(source + ": not a uapikit manifest (no \"uapikit_manifest\" key; make one with 'uapikit-gen scan')");
    const json& schema = root["uapikit_manifest"];
    if (!schema.is_number_integer() || schema.get<long long>() != kSchemaVersion)
        throw input_error(source + ": manifest schema version " + schema.dump() + ", but this uapikit-gen reads version " +
                          std::to_string(kSchemaVersion));
    try {
        ir::Manifest m;
        m.generator = root.at("generator").get<std::string>();
        m.version = root.value("version", std::string());
        m.partial = root.value("partial", false);
        if (root.contains("commands"))
            for (const auto& c : root["commands"])
                m.commands.push_back({c.at("request").get<std::string>(), c.at("struct").get<std::string>(),
                                      c.at("last_required").get<std::string>()});
        for (const auto& [triple, abi] : root.at("targets").items()) m.targets[triple] = target(triple, abi);
        return m;
    } catch (const std::exception& e) {
        throw input_error(source + ": malformed manifest: " + e.what());
    }
}

ir::Manifest read_manifest_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw input_error(file.string() + ": cannot read the manifest");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_manifest(text.str(), file.string());
}

}  // namespace uapikit::manifest
