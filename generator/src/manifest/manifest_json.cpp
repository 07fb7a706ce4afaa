#include "manifest/manifest_json.hpp"

#include <nlohmann/json.hpp>

#include <future>

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

// Layout: the skeleton is indented, and each record, enum, macro and error
// is one compact line. A line per declaration keeps diffs of committed
// manifests readable, and every value is still serialised by nlohmann.
void put_list(std::string& out, const char* key, const std::vector<json>& items, bool last) {
    out += "   " + json(key).dump() + ": [";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += i ? ",\n    " : "\n    ";
        out += items[i].dump();
    }
    out += items.empty() ? "]" : "\n   ]";
    out += last ? "\n" : ",\n";
}

template <typename T>
std::vector<json> to_items(const std::vector<T>& from, json (*convert)(const T&)) {
    std::vector<json> items;
    items.reserve(from.size());
    for (const auto& x : from) items.push_back(convert(x));
    return items;
}

json error_json(const ir::HeaderError& e) { return {{"header", e.header}, {"message", e.message}}; }

std::string target_text(const ir::TargetAbi& abi) {
    std::string out;
    out += "   \"clang_args\": " + json(abi.clang_args).dump() + ",\n";
    out += "   \"headers\": " + json(abi.headers).dump() + ",\n";
    put_list(out, "errors", to_items(abi.errors, error_json), false);
    put_list(out, "records", to_items(abi.records, record_json), false);
    put_list(out, "enums", to_items(abi.enums, enum_json), false);
    put_list(out, "macros", to_items(abi.macros, macro_json), true);
    return out;
}

}  // namespace

std::string to_json_text(const ir::Manifest& manifest) {
    // Targets are independent: serialise them in parallel.
    std::vector<std::future<std::string>> parts;
    for (const auto& [triple, abi] : manifest.targets)
        parts.push_back(std::async(std::launch::async, [&abi = abi] { return target_text(abi); }));
    std::string out = "{\n \"uapikit_manifest\": " + std::to_string(kSchemaVersion) + ",\n";
    out += " \"generator\": " + json(manifest.generator).dump() + ",\n";
    if (!manifest.version.empty()) out += " \"version\": " + json(manifest.version).dump() + ",\n";
    out += std::string(" \"partial\": ") + (manifest.partial ? "true" : "false") + ",\n";
    if (!manifest.commands.empty()) {
        out += " \"commands\": [";
        for (std::size_t i = 0; i < manifest.commands.size(); ++i) {
            const ir::Command& c = manifest.commands[i];
            json j;
            j["request"] = c.request;
            j["struct"] = c.record;
            j["last_required"] = c.last_required;
            out += (i ? ",\n  " : "\n  ") + j.dump();
        }
        out += "\n ],\n";
    }
    out += " \"targets\": {";
    std::size_t i = 0;
    for (const auto& [triple, abi] : manifest.targets) {
        out += i ? ",\n  " : "\n  ";
        out += json(triple).dump() + ": {\n" + parts[i++].get() + "  }";
    }
    out += manifest.targets.empty() ? "}\n}\n" : "\n }\n}\n";
    return out;
}

}  // namespace uapikit::manifest
