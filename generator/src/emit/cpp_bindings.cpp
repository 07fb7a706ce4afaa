#include "emit/cpp_bindings.hpp"

#include "analysis/uapi_rules.hpp"
#include "emit/layout_asserts.hpp"
#include "emit/record_definitions.hpp"
#include "scan/targets.hpp"
#include "util/errors.hpp"
#include "version.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <map>
#include <set>

namespace uapikit::emit {
namespace {

// A literal without a suffix where the value fits the type it is given.
std::string plain_literal(const ir::Integer& v) {
    if (!v.is_unsigned && static_cast<std::int64_t>(v.bits) < 0) return integer_literal(v);
    if (v.bits < 10) return std::to_string(v.bits);
    char buf[32];
    std::snprintf(buf, sizeof buf, v.bits > 0xffffffffULL ? "0x%llxULL" : "0x%llx", static_cast<unsigned long long>(v.bits));
    return buf;
}

std::string macro_type(const ir::Macro& m) {
    if (m.ioctl) return "unsigned long";
    const ir::Integer& v = *m.value;
    if (v.is_unsigned) return v.bits <= UINT_MAX ? "unsigned int" : "unsigned long long";
    auto s = static_cast<std::int64_t>(v.bits);
    return s >= INT_MIN && s <= INT_MAX ? "int" : "long long";
}

void macros(std::string& out, const ir::Manifest& manifest, const std::function<bool(const ir::Macro&)>& wanted) {
    // A macro every target has with one value is one constant. The rest
    // (powerpc's ioctl encoding, an architecture's own constants) go in
    // per-target blocks; targets whose blocks read the same share one.
    auto constant = [](const ir::Macro& m) {
        return "inline constexpr " + macro_type(m) + " " + m.name + " = " + plain_literal(*m.value) + ";\n";
    };
    std::map<std::string, std::map<std::string, std::string>> lines;  // name -> triple -> line
    std::vector<std::string> order;
    for (const auto& [triple, abi] : manifest.targets)
        for (const auto& m : abi.macros) {
            if (!m.value || !wanted(m)) continue;
            if (!lines.count(m.name)) order.push_back(m.name);
            lines[m.name][triple] = constant(m);
        }
    std::map<std::string, std::string> blocks;  // triple -> its own constants
    for (const auto& name : order) {
        const auto& by_target = lines[name];
        bool common = by_target.size() == manifest.targets.size() &&
                      std::all_of(by_target.begin(), by_target.end(), [&](const auto& p) { return p.second == by_target.begin()->second; });
        if (common) {
            out += by_target.begin()->second;
            continue;
        }
        for (const auto& [triple, text] : by_target) blocks[triple] += text;
    }
    if (blocks.empty()) return;
    out += "\n// Constants that differ between targets or exist on some only.\n";
    out += per_target_text(blocks, manifest.targets.size() + 1);  // always under #if: no target may fall through
}

void command_table(std::string& out, const ir::Manifest& manifest, const std::string& ns) {
    if (manifest.commands.empty()) return;
    out += "\n}  // namespace uapikit::raw::" + ns + "\n\n";
    out += "namespace uapikit {\n\n";
    for (const auto& c : manifest.commands) {
        std::string t = "raw::" + ns + "::" + c.record;
        out += "template <>\nstruct command_traits<" + t + "> {\n";
        out += "    static constexpr unsigned long request = raw::" + ns + "::" + c.request + ";\n";
        out += "    static constexpr const char* name = \"" + c.request + "\";\n";
        out += "    // The kernel needs every byte up to the end of " + c.last_required + ".\n";
        out += "    static constexpr size_t min_size = offsetof(" + t + ", " + c.last_required + ") + sizeof(" + t +
               "::" + c.last_required + ");\n";
        out += "};\n\n";
    }
    out += "}  // namespace uapikit\n\nnamespace uapikit::raw::" + ns + " {\n\n";
    out += "// The command table: one row per request, as the kernel's dispatcher has it.\n";
    out += "inline constexpr ::uapikit::command_info commands[] = {\n";
    for (const auto& c : manifest.commands)
        out += "    ::uapikit::command_row<" + c.record + ">(\"" + c.record + "\"),\n";
    out += "};\n";
}

}  // namespace

std::string namespace_for(const std::string& version) {
    std::string out;
    for (char c : version) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front()))) out = "v" + out;
    return out;
}

std::string cpp_bindings(const ir::Manifest& manifest, const std::string& ns, const Provenance& provenance, bool all_files) {
    if (manifest.targets.empty()) throw input_error("emit: the manifest has no targets");
    std::vector<std::string> headers;
    for (const auto& [triple, abi] : manifest.targets)
        for (const auto& h : abi.headers)
            if (std::find(headers.begin(), headers.end(), h) == headers.end()) headers.push_back(h);
    OriginFilter in_scope = [&](const ir::Origin& o) { return all_files || analysis::in_scope(o.file, headers); };

    RecordDefinitions definitions(manifest, in_scope);
    std::string records = definitions.records();
    std::string enums = definitions.enums();

    // A macro that names an enum constant (C headers #define constants to
    // themselves), a record or a C++ keyword is not defined again.
    std::set<std::string> skipped(definitions.enum_constants());
    std::set<std::string> guarded(definitions.enum_constants());
    for (const auto& [triple, abi] : manifest.targets) {
        for (const auto& r : abi.records) skipped.insert(r.name);
        for (const auto& m : abi.macros) {
            if (is_cpp_keyword(m.name)) skipped.insert(m.name);
            if (m.value && in_scope(m.origin) && !skipped.count(m.name)) guarded.insert(m.name);
        }
    }

    std::string out;
    out += "// Generated by uapikit-gen " + std::string(kVersion) + " from " + provenance.input + ".\n";
    out += "// Command: " + provenance.command + "\n";
    out += "// Edit the generator, not this file.\n//\n";
    out += "// Layout-exact declarations of the uapi in namespace uapikit::raw::" + ns + ", with the\n";
    out += "// kernel's names. Every struct is checked below against the manifest for the\n";
    out += "// target being compiled; targets the manifest does not cover do not compile.\n";
    out += "// The kernel's own headers may come before or after this file: their macros\n";
    out += "// are set aside while it is read (push_macro) and restored at its end.\n";
    out += "#pragma once\n\n#include <uapikit/raw_support.hpp>\n\n";
    for (const auto& name : guarded) out += "#pragma push_macro(\"" + name + "\")\n#undef " + name + "\n";
    // C's anonymous structs, unnamed struct types inside an anonymous union,
    // flexible and zero-length arrays have no ISO C++ spelling; g++ and
    // clang++ (which reads GCC's pragmas too) accept them as extensions and
    // lay them out as C does. A consumer building with -Wpedantic would
    // otherwise see warnings it cannot fix.
    out += "\n#pragma GCC diagnostic push\n#pragma GCC diagnostic ignored \"-Wpedantic\"\n";
    out += "\nnamespace uapikit::raw::" + ns + " {\n\n";
    out += enums;
    out += records;
    macros(out, manifest, [&](const ir::Macro& m) { return in_scope(m.origin) && !skipped.count(m.name); });
    command_table(out, manifest, ns);
    out += "\n// The layout every target's kernel expects, restated from the manifest.\n";
    AssertStyle style{true, &skipped};
    append_target_chain(out, manifest, [&](std::string& o, const ir::TargetAbi& abi) { append_layout_asserts(o, abi, in_scope, style); });
    out += "\n}  // namespace uapikit::raw::" + ns + "\n\n";
    out += "#pragma GCC diagnostic pop\n\n";
    for (const auto& name : guarded) out += "#pragma pop_macro(\"" + name + "\")\n";
    return out;
}

}  // namespace uapikit::emit
