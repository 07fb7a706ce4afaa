#include "manifest/manifest_json.hpp"

#include <nlohmann/json.hpp>

namespace uapikit::manifest {
namespace {

using json = nlohmann::ordered_json;

json integer(const ir::Integer& v) {
    if (v.is_unsigned) return json(v.bits);
    return json(static_cast<std::int64_t>(v.bits));
}

const char* dir_name(ir::IoctlDir d) {
    switch (d) {
        case ir::IoctlDir::None: return "none";
        case ir::IoctlDir::Write: return "write";
        case ir::IoctlDir::Read: return "read";
        case ir::IoctlDir::ReadWrite: return "read_write";
    }
    return "none";
}

void put_origin(json& j, const ir::Origin& o) {
    j["file"] = o.file;
    j["line"] = o.line;
    j["column"] = o.column;
}

json field_json(const ir::Field& f) {
    json j;
    j["name"] = f.name;
    j["type"] = f.type;
    j["canonical_type"] = f.canonical_type;
    j["offset_bits"] = f.offset_bits;
    j["size"] = f.size;
    j["align"] = f.align;
    if (f.bit_width) j["bit_width"] = *f.bit_width;
    if (f.flexible) j["flexible"] = true;
    if (f.anonymous) j["anonymous"] = true;
    return j;
}

json record_json(const ir::Record& r) {
    json j;
    j["name"] = r.name;
    j["kind"] = r.kind == ir::RecordKind::Union ? "union" : "struct";
    put_origin(j, r.origin);
    j["size"] = r.size;
    j["align"] = r.align;
    j["fields"] = json::array();
    for (const auto& f : r.fields) j["fields"].push_back(field_json(f));
    j["holes"] = json::array();
    for (const auto& h : r.holes) j["holes"].push_back({{"offset", h.offset}, {"size", h.size}});
    return j;
}

json enum_json(const ir::Enum& e) {
    json j;
    j["name"] = e.name;
    put_origin(j, e.origin);
    j["underlying"] = e.underlying;
    j["constants"] = json::array();
    for (const auto& c : e.constants) j["constants"].push_back({{"name", c.name}, {"value", integer(c.value)}});
    return j;
}

json macro_json(const ir::Macro& m) {
    json j;
    j["name"] = m.name;
    put_origin(j, m.origin);
    if (m.value)
        j["value"] = integer(*m.value);
    else
        j["error"] = m.error;
    if (m.ioctl)
        j["ioctl"] = {{"dir", dir_name(m.ioctl->dir)}, {"type", m.ioctl->type}, {"nr", m.ioctl->nr}, {"size", m.ioctl->size}};
    return j;
}

}  // namespace

std::string to_json_text(const ir::Manifest& manifest) {
    json root;
    root["uapikit_manifest"] = kSchemaVersion;
    root["generator"] = manifest.generator;
    root["targets"] = json::object();
    for (const auto& [triple, abi] : manifest.targets) {
        json t;
        t["clang_args"] = abi.clang_args;
        t["headers"] = abi.headers;
        t["errors"] = json::array();
        for (const auto& e : abi.errors) t["errors"].push_back({{"header", e.header}, {"message", e.message}});
        t["records"] = json::array();
        for (const auto& r : abi.records) t["records"].push_back(record_json(r));
        t["enums"] = json::array();
        for (const auto& e : abi.enums) t["enums"].push_back(enum_json(e));
        t["macros"] = json::array();
        for (const auto& m : abi.macros) t["macros"].push_back(macro_json(m));
        root["targets"][triple] = std::move(t);
    }
    return root.dump(1) + "\n";
}

}  // namespace uapikit::manifest
