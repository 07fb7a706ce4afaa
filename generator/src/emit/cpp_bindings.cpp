#include "emit/cpp_bindings.hpp"

#include "analysis/uapi_rules.hpp"
#include "emit/layout_asserts.hpp"
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

struct TypeParts {
    std::string base;               // "unsigned int", "struct foo"
    std::vector<std::string> dims;  // "[6]" ...
};

TypeParts split_array(const std::string& type) {
    TypeParts p{type, {}};
    while (!p.base.empty() && p.base.back() == ']') {
        auto open = p.base.rfind('[');
        p.dims.insert(p.dims.begin(), p.base.substr(open));
        p.base = p.base.substr(0, open);
        while (!p.base.empty() && p.base.back() == ' ') p.base.pop_back();
    }
    return p;
}

std::string record_ref(const std::string& base) {
    for (const char* prefix : {"struct ", "union "})
        if (base.rfind(prefix, 0) == 0) return base.substr(std::string(prefix).size());
    return "";
}

class Emitter {
public:
    Emitter(const ir::Manifest& manifest, std::string& out) : out_(out) {
        reference_ = &manifest.targets.begin()->second;
        for (const auto& [triple, abi] : manifest.targets)
            for (const auto& r : abi.records) all_views_[r.name].push_back(&r);
        for (const auto& r : reference_->records) by_name_[r.name] = &r;
    }

    bool wanted(const ir::Origin& o) const { return analysis::in_scope(o.file, reference_->headers); }

    void enums() {
        for (const auto& e : reference_->enums) {
            if (!wanted(e.origin)) continue;
            std::string name = e.name.rfind("@", 0) == 0 ? "" : e.name + " ";
            out_ += "enum " + name + ": " + scalar(e.underlying, 0, e.name) + " {\n";
            for (const auto& c : e.constants) out_ += "    " + c.name + " = " + integer_literal(c.value) + ",\n";
            out_ += "};\n\n";
        }
    }

    void records() {
        for (const auto& r : reference_->records)
            if (wanted(r.origin) && nameable(r.name)) record(r);
    }

private:
    std::string& out_;
    const ir::TargetAbi* reference_;
    std::map<std::string, std::vector<const ir::Record*>> all_views_;
    std::map<std::string, const ir::Record*> by_name_;
    std::set<std::string> done_;

    [[noreturn]] void unsupported(const std::string& where, const std::string& why) const {
        throw input_error("emit: " + where + ": " + why);
    }

    std::string scalar(const std::string& canonical, std::uint64_t size, const std::string& where) const {
        static const std::map<std::string, std::string> fixed = {
            {"unsigned char", "uint8_t"},   {"signed char", "int8_t"},   {"char", "char"},
            {"unsigned short", "uint16_t"}, {"short", "int16_t"},       {"unsigned int", "uint32_t"},
            {"int", "int32_t"},             {"unsigned long long", "uint64_t"},
            {"long long", "int64_t"},       {"_Bool", "bool"}};
        if (auto it = fixed.find(canonical); it != fixed.end()) return it->second;
        // __u64 is `unsigned long` on some 64-bit targets: the size decides.
        if (canonical == "unsigned long") return size == 8 ? "uint64_t" : "unsigned long";
        if (canonical == "long") return size == 8 ? "int64_t" : "long";
        if (canonical.rfind("enum ", 0) == 0) return canonical.substr(5);
        unsupported(where, "type '" + canonical + "' has no exact C++ spelling here");
    }

    // 64-bit members get alignas(8) only when every target aligns the
    // record to 8: then no target's natural alignment can undercut it.
    bool needs_align8(const std::string& record, const ir::Field& f) const {
        if (!analysis::is_64bit_integer(f)) return false;
        const auto& views = all_views_.at(record);
        return std::all_of(views.begin(), views.end(), [](const ir::Record* r) { return r->align >= 8; });
    }

    void record(const ir::Record& r) {
        if (!done_.insert(r.name).second) return;
        // Named records a field uses come first.
        for (const auto& f : r.fields) {
            std::string ref = record_ref(split_array(f.canonical_type).base);
            if (!ref.empty() && nameable(ref) && by_name_.count(ref)) record(*by_name_.at(ref));
        }
        out_ += std::string(r.kind == ir::RecordKind::Union ? "union " : "struct ") + r.name + " {\n";
        members(r, "    ", true);
        out_ += "};\n\n";
    }

    // Holes every target has at the same place: only those can be named in
    // a definition shared by all targets. (A hole some targets lack, like
    // the x86_64-only tail of a struct with plain __u64, stays implicit.)
    std::vector<ir::Hole> common_holes(const ir::Record& r) const {
        std::vector<ir::Hole> out;
        const auto& views = all_views_.at(r.name);
        for (const auto& h : r.holes)
            if (std::all_of(views.begin(), views.end(), [&](const ir::Record* v) {
                    return std::find(v->holes.begin(), v->holes.end(), h) != v->holes.end();
                }))
                out.push_back(h);
        return out;
    }

    // The member of a union that gets the zeroing initializer: the largest,
    // so every byte of the union starts at 0.
    const ir::Field* zeroed_member(const ir::Record& u) const {
        const ir::Field* best = nullptr;
        for (const auto& f : u.fields)
            if (!best || f.size > best->size) best = &f;
        return best;
    }

    // `initialise`: members get `{}`. Inside a union only one member may, so
    // the largest does and everything nested in the union gets none.
    void members(const ir::Record& r, const std::string& indent, bool initialise) {
        bool is_union = r.kind == ir::RecordKind::Union;
        const ir::Field* zeroed = is_union && initialise ? zeroed_member(r) : nullptr;
        std::vector<ir::Hole> holes = is_union ? std::vector<ir::Hole>{} : common_holes(r);
        std::size_t next_hole = 0;
        for (const auto& f : r.fields) {
            std::string where = r.name + "." + (f.name.empty() ? "<anonymous>" : f.name);
            if (f.bit_width) unsupported(where, "bitfields are not emitted yet");
            while (next_hole < holes.size() && holes[next_hole].offset * 8 < f.offset_bits)
                padding(holes[next_hole++], indent, initialise);
            member(r, f, where, indent, is_union ? &f == zeroed : initialise);
        }
        while (next_hole < holes.size()) padding(holes[next_hole++], indent, initialise);
    }

    void padding(const ir::Hole& h, const std::string& indent, bool initialise) {
        out_ += indent + "::uapikit::padding<" + std::to_string(h.size) + "> uapikit_padding_at_" + std::to_string(h.offset) +
                (initialise ? "{}" : "") + ";  // implicit in C: named here so it can be zeroed\n";
    }

    void member(const ir::Record& owner, const ir::Field& f, const std::string& where, const std::string& indent,
                bool initialise) {
        TypeParts t = split_array(f.canonical_type);
        std::string dims;
        for (const auto& d : t.dims) dims += d;
        if (f.flexible) dims = "[]";
        std::string ref = record_ref(t.base);
        if (!ref.empty() && !nameable(ref)) {
            // An unnamed struct or union: defined in place, as in C.
            auto it = by_name_.find(ref);
            if (it == by_name_.end()) unsupported(where, "refers to a record the manifest does not describe");
            const ir::Record& inner = *it->second;
            out_ += indent + (inner.kind == ir::RecordKind::Union ? "union {\n" : "struct {\n");
            // The member's own `{}` zeroes an inline struct; an anonymous union
            // zeroes itself through its largest member.
            members(inner, indent + "    ", f.name.empty() && initialise);
            out_ += indent + "}";
            if (!f.name.empty()) out_ += " " + f.name + dims + (initialise && !f.flexible ? "{}" : "");
            out_ += ";\n";
            return;
        }
        if (t.base.find('*') != std::string::npos) unsupported(where, "pointer fields have no fixed size across targets");
        std::size_t count = 1;
        for (const auto& d : t.dims)
            if (d.size() > 2) count *= std::stoull(d.substr(1, d.size() - 2));
        std::string type = ref.empty() ? scalar(t.base, count ? f.size / count : 0, where) : ref;
        std::string align = needs_align8(owner.name, f) ? "alignas(8) " : "";
        std::string name = f.name.empty() ? "uapikit_unnamed_at_" + std::to_string(f.offset_bits / 8) : f.name;
        out_ += indent + align + type + " " + name + dims + (initialise && !f.flexible ? "{}" : "") + ";\n";
    }
};

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

void macros(std::string& out, const ir::Manifest& manifest, const std::function<bool(const ir::Origin&)>& wanted) {
    // Same value everywhere: one constant. Per-target values (powerpc's
    // ioctl encoding) go in the target chain.
    std::map<std::string, std::set<std::uint64_t>> values;
    for (const auto& [triple, abi] : manifest.targets)
        for (const auto& m : abi.macros)
            if (m.value && wanted(m.origin)) values[m.name].insert(m.value->bits);
    std::vector<const ir::Macro*> order;
    for (const auto& m : manifest.targets.begin()->second.macros)
        if (m.value && wanted(m.origin)) order.push_back(&m);
    auto constant = [](const ir::Macro& m) {
        return "inline constexpr " + macro_type(m) + " " + m.name + " = " + plain_literal(*m.value) + ";\n";
    };
    for (const ir::Macro* m : order)
        if (values[m->name].size() == 1) out += constant(*m);
    // Targets that agree on every varying value share one block.
    std::map<std::string, std::vector<std::string>> groups;  // block text -> target tests
    for (const auto& [triple, abi] : manifest.targets) {
        std::string block;
        for (const auto& m : abi.macros)
            if (m.value && values.count(m.name) && values[m.name].size() > 1) block += constant(m);
        if (!block.empty()) groups[block].push_back("(" + std::string(scan::find_target(triple)->predefined_test) + ")");
    }
    if (groups.empty()) return;
    out += "\n// Values that differ between targets (powerpc encodes _IO with a direction bit).\n";
    const char* keyword = "#if ";
    for (const auto& [block, tests] : groups) {
        std::string condition;
        for (const auto& t : tests) condition += (condition.empty() ? "" : " || ") + t;
        out += keyword + condition + "\n" + block;
        keyword = "#elif ";
    }
    out += "#endif\n";
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

std::string cpp_bindings(const ir::Manifest& manifest, const std::string& ns, const Provenance& provenance) {
    if (manifest.targets.empty()) throw input_error("emit: the manifest has no targets");
    std::string out;
    out += "// Generated by uapikit-gen " + std::string(kVersion) + " from " + provenance.input + ".\n";
    out += "// Command: " + provenance.command + "\n";
    out += "// Edit the generator, not this file.\n//\n";
    out += "// Layout-exact declarations of the uapi in namespace uapikit::raw::" + ns + ", with the\n";
    out += "// kernel's names. Every struct is checked below against the manifest for the\n";
    out += "// target being compiled; targets the manifest does not cover do not compile.\n";
    out += "// Include <linux/...> headers before this file or not at all: their macros\n";
    out += "// would replace the constants of the same names.\n";
    out += "#pragma once\n\n#include <uapikit/raw_support.hpp>\n\n";
    out += "namespace uapikit::raw::" + ns + " {\n\n";
    std::string body;
    Emitter emitter(manifest, body);
    emitter.enums();
    emitter.records();
    out += body;
    auto wanted = [&](const ir::Origin& o) { return emitter.wanted(o); };
    macros(out, manifest, wanted);
    command_table(out, manifest, ns);
    out += "\n// The layout every target's kernel expects, restated from the manifest.\n";
    append_target_chain(out, manifest, [&](std::string& o, const ir::TargetAbi& abi) { append_layout_asserts(o, abi, wanted); });
    out += "\n}  // namespace uapikit::raw::" + ns + "\n";
    return out;
}

}  // namespace uapikit::emit
