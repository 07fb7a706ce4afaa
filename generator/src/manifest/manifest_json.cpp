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
        case ir::IoctlDir::Invalid: return "invalid";
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
        json_.start_array();
        for (const auto& s : list) json_.string(s);
        json_.end_array();
    }

    void record(const ir::Record& r) {
        json_.start_object();
        put("name", r.name);
        put("kind", r.kind == ir::RecordKind::Union ? "union" : "struct");
        origin(r.origin);
        put("size", r.size);
        put("align", r.align);
        array("fields", r.fields, [&](const ir::Field& f) { field(f); });
        array("holes", r.holes, [&](const ir::Hole& h) {
            json_.start_object();
            put("offset", h.offset);
            put("size", h.size);
            json_.end_object();
        });
        json_.end_object();
    }

    void enumeration(const ir::Enum& e) {
        json_.start_object();
        put("name", e.name);
        origin(e.origin);
        put("underlying", e.underlying);
        array("constants", e.constants, [&](const ir::EnumConstant& c) {
            json_.start_object();
            put("name", c.name);
            if (!c.file.empty()) put("file", c.file);
            if (c.line) {
                put("line", std::uint64_t{c.line});
                put("column", std::uint64_t{c.column});
            }
            put("value", c.value);
            if (!c.alias_of.empty()) put("alias_of", c.alias_of);
            json_.end_object();
        });
        json_.end_object();
    }

    void macro(const ir::Macro& m) {
        json_.start_object();
        put("name", m.name);
        origin(m.origin);
        if (m.value)
            put("value", *m.value);
        else
            put("error", m.error);
        if (m.ioctl) {
            json_.key("ioctl");
            json_.start_object();
            put("dir", dir_name(m.ioctl->dir));
            put("type", m.ioctl->type);
            put("nr", m.ioctl->nr);
            put("size", m.ioctl->size);
            if (m.ioctl->argument_size) put("argument_size", *m.ioctl->argument_size);
            json_.end_object();
        }
        if (!m.alias_of.empty()) put("alias_of", m.alias_of);
        json_.end_object();
    }

    void error(const ir::HeaderError& e) {
        json_.start_object();
        put("header", e.header);
        put("message", e.message);
        json_.end_object();
    }

    void command(const ir::Command& c) {
        json_.start_object();
        put("request", c.request);
        put("struct", c.record);
        put("last_required", c.last_required);
        json_.end_object();
    }

private:
    void put(std::string_view key, std::string_view s) {
        json_.key(key);
        json_.string(s);
    }
    void put(std::string_view key, std::uint64_t v) {
        json_.key(key);
        json_.number(v);
    }
    void put(std::string_view key, const ir::Integer& v) {
        json_.key(key);
        if (v.is_unsigned)
            json_.number(v.bits);
        else
            json_.number(static_cast<std::int64_t>(v.bits));
    }
    void flag(std::string_view key) {
        json_.key(key);
        json_.boolean(true);
    }
    template <typename T, typename Each>
    void array(std::string_view key, const std::vector<T>& items, Each each) {
        json_.key(key);
        json_.start_array();
        for (const auto& item : items) each(item);
        json_.end_array();
    }
    void origin(const ir::Origin& o) {
        put("file", o.file);
        put("line", std::uint64_t{o.line});
        put("column", std::uint64_t{o.column});
    }
    void field(const ir::Field& f) {
        json_.start_object();
        put("name", f.name);
        if (!f.file.empty()) put("file", f.file);
        if (f.line) {
            put("line", std::uint64_t{f.line});
            put("column", std::uint64_t{f.column});
        }
        put("type", f.type);
        put("canonical_type", f.canonical_type);
        put("offset_bits", f.offset_bits);
        put("size", f.size);
        put("align", f.align);
        if (f.bit_width) put("bit_width", std::uint64_t{*f.bit_width});
        if (f.flexible) flag("flexible");
        if (f.anonymous) flag("anonymous");
        json_.end_object();
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
    // Roughly what each item takes: growing a text of megabytes by
    // doubling would copy it several times over.
    text.reserve(4096 + 128 * abi.macros.size() + 1024 * abi.records.size() + 512 * abi.enums.size());
    ManifestWriter out(text);
    out.text("   \"clang_args\": ");
    out.strings(abi.clang_args);
    out.text(",\n   \"headers\": ");
    out.strings(abi.headers);
    if (!abi.header_files.empty()) {
        out.text(",\n   \"header_files\": ");
        out.strings(abi.header_files);
    }
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
