#include "manifest/manifest_json.hpp"

#include "manifest/json_writer.hpp"

#include <future>
#include <string_view>

namespace uapikit::manifest {
namespace {

const char* dir_name(ir::IoctlDir d) {
    switch (d) {
        case ir::IoctlDir::None: return "none";
        case ir::IoctlDir::Write: return "write";
        case ir::IoctlDir::Read: return "read";
        case ir::IoctlDir::ReadWrite: return "read_write";
    }
    return "none";
}

// Serialises straight from the IR, without a document tree. Each record,
// enum, macro and error is one compact JSON value on a line of its own; the
// skeleton around them is indented by hand (plain text, no values).
class ManifestWriter {
public:
    explicit ManifestWriter(std::string& out) : json_(out) {}

    // Layout between values; each value after it stands on its own.
    void text(std::string_view s) { json_.raw(s); }

    void string(std::string_view s) { json_.string(s); }

    void strings(const std::vector<std::string>& list) {
        auto& w = json_;
        w.start_array();
        for (const auto& s : list) put(w, s);
        w.end_array();
    }

    void record(const ir::Record& r) {
        auto& w = json_;
        w.start_object();
        put(w, "name", r.name);
        put(w, "kind", r.kind == ir::RecordKind::Union ? "union" : "struct");
        origin(w, r.origin);
        put(w, "size", r.size);
        put(w, "align", r.align);
        w.key("fields");
        w.start_array();
        for (const auto& f : r.fields) field(w, f);
        w.end_array();
        w.key("holes");
        w.start_array();
        for (const auto& h : r.holes) {
            w.start_object();
            put(w, "offset", h.offset);
            put(w, "size", h.size);
            w.end_object();
        }
        w.end_array();
        w.end_object();
    }

    void enumeration(const ir::Enum& e) {
        auto& w = json_;
        w.start_object();
        put(w, "name", e.name);
        origin(w, e.origin);
        put(w, "underlying", e.underlying);
        w.key("constants");
        w.start_array();
        for (const auto& c : e.constants) {
            w.start_object();
            put(w, "name", c.name);
            w.key("value");
            integer(w, c.value);
            w.end_object();
        }
        w.end_array();
        w.end_object();
    }

    void macro(const ir::Macro& m) {
        auto& w = json_;
        w.start_object();
        put(w, "name", m.name);
        origin(w, m.origin);
        if (m.value) {
            w.key("value");
            integer(w, *m.value);
        } else {
            put(w, "error", m.error);
        }
        if (m.ioctl) {
            w.key("ioctl");
            w.start_object();
            put(w, "dir", dir_name(m.ioctl->dir));
            put(w, "type", m.ioctl->type);
            put(w, "nr", m.ioctl->nr);
            put(w, "size", m.ioctl->size);
            w.end_object();
        }
        w.end_object();
    }

    void error(const ir::HeaderError& e) {
        auto& w = json_;
        w.start_object();
        put(w, "header", e.header);
        put(w, "message", e.message);
        w.end_object();
    }

    void command(const ir::Command& c) {
        auto& w = json_;
        w.start_object();
        put(w, "request", c.request);
        put(w, "struct", c.record);
        put(w, "last_required", c.last_required);
        w.end_object();
    }

private:
    static void put(JsonWriter& w, std::string_view s) { w.string(s); }
    static void put(JsonWriter& w, const char* key, std::string_view s) {
        w.key(key);
        put(w, s);
    }
    static void put(JsonWriter& w, const char* key, std::uint64_t v) {
        w.key(key);
        w.number(v);
    }
    static void flag(JsonWriter& w, const char* key) {
        w.key(key);
        w.boolean(true);
    }
    static void integer(JsonWriter& w, const ir::Integer& v) {
        if (v.is_unsigned)
            w.number(v.bits);
        else
            w.number(static_cast<std::int64_t>(v.bits));
    }
    static void origin(JsonWriter& w, const ir::Origin& o) {
        put(w, "file", o.file);
        put(w, "line", std::uint64_t{o.line});
        put(w, "column", std::uint64_t{o.column});
    }
    static void field(JsonWriter& w, const ir::Field& f) {
        w.start_object();
        put(w, "name", f.name);
        put(w, "type", f.type);
        put(w, "canonical_type", f.canonical_type);
        put(w, "offset_bits", f.offset_bits);
        put(w, "size", f.size);
        put(w, "align", f.align);
        if (f.bit_width) put(w, "bit_width", std::uint64_t{*f.bit_width});
        if (f.flexible) flag(w, "flexible");
        if (f.anonymous) flag(w, "anonymous");
        w.end_object();
    }

    JsonWriter json_;
};

template <typename T, typename Write>
void put_list(ManifestWriter& out, const char* key, const std::vector<T>& items, Write write, bool last) {
    out.text("   ");
    out.string(key);
    out.text(": [");
    for (std::size_t i = 0; i < items.size(); ++i) {
        out.text(i ? ",\n    " : "\n    ");
        (out.*write)(items[i]);
    }
    out.text(items.empty() ? "]" : "\n   ]");
    out.text(last ? "\n" : ",\n");
}

}  // namespace

std::string target_json_text(const ir::TargetAbi& abi) {
    std::string text;
    ManifestWriter out(text);
    out.text("   \"clang_args\": ");
    out.strings(abi.clang_args);
    out.text(",\n   \"headers\": ");
    out.strings(abi.headers);
    out.text(",\n");
    put_list(out, "errors", abi.errors, &ManifestWriter::error, false);
    put_list(out, "records", abi.records, &ManifestWriter::record, false);
    put_list(out, "enums", abi.enums, &ManifestWriter::enumeration, false);
    put_list(out, "macros", abi.macros, &ManifestWriter::macro, true);
    return text;
}

std::string to_json_text(const ir::Manifest& manifest, RenderedTargets rendered) {
    // Targets are independent: those not rendered yet are serialised in
    // parallel.
    std::vector<std::future<std::string>> parts;
    for (const auto& [triple, abi] : manifest.targets) {
        if (auto it = rendered.find(triple); it != rendered.end()) {
            std::promise<std::string> ready;
            ready.set_value(std::move(it->second));
            parts.push_back(ready.get_future());
        } else {
            parts.push_back(std::async(std::launch::async, [&abi = abi] { return target_json_text(abi); }));
        }
    }
    std::string head;
    ManifestWriter out(head);
    out.text("{\n \"uapikit_manifest\": " + std::to_string(kSchemaVersion) + ",\n \"generator\": ");
    out.string(manifest.generator);
    out.text(",\n");
    if (!manifest.version.empty()) {
        out.text(" \"version\": ");
        out.string(manifest.version);
        out.text(",\n");
    }
    out.text(manifest.partial ? " \"partial\": true,\n" : " \"partial\": false,\n");
    if (!manifest.commands.empty()) {
        out.text(" \"commands\": [");
        for (std::size_t i = 0; i < manifest.commands.size(); ++i) {
            out.text(i ? ",\n  " : "\n  ");
            out.command(manifest.commands[i]);
        }
        out.text("\n ],\n");
    }
    out.text(" \"targets\": {");
    // Assembled in one buffer of the right size: each part is megabytes.
    std::vector<std::string> texts;
    std::size_t size = head.size() + 16;
    for (auto& part : parts) size += texts.emplace_back(part.get()).size() + 128;
    std::string text;
    text.reserve(size);
    text.append(head);
    std::size_t i = 0;
    for (const auto& [triple, abi] : manifest.targets) {
        text += i ? ",\n  " : "\n  ";
        ManifestWriter(text).string(triple);
        text += ": {\n";
        text += texts[i++];
        text += "  }";
    }
    text += manifest.targets.empty() ? "}\n}\n" : "\n }\n}\n";
    return text;
}

}  // namespace uapikit::manifest
