#include "emit/layout_asserts.hpp"

#include "scan/targets.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>

namespace uapikit::emit {
namespace {

std::string cast(const ir::Integer& v, const std::string& expr) {
    bool negative = !v.is_unsigned && static_cast<std::int64_t>(v.bits) < 0;
    return std::string(negative ? "static_cast<long long>(" : "static_cast<unsigned long long>(") + expr + ")";
}

void line(std::string& out, const std::string& condition, const std::string& what) {
    out += "static_assert(" + condition + ", \"" + what + "\");\n";
}

// The record a field's type names, through arrays ("struct x[2]" -> "x").
std::string record_of(const std::string& canonical_type) {
    std::string t = canonical_type;
    for (const char* tag : {"struct ", "union "})
        if (t.rfind(tag, 0) == 0) t = t.substr(std::string(tag).size());
    return t.substr(0, t.find('['));
}

// Records whose layout the C header gives differently when compiled as C++:
// C's empty struct has size 0 (GNU C), C++'s size 1, and so does every
// record that holds one by value. The bindings write such a struct with a
// zero-length member and are checked in full; a C header read as C++ is not.
std::set<std::string> holding_empty_structs(const ir::TargetAbi& abi) {
    std::set<std::string> out;
    for (const auto& r : abi.records)
        // Unnamed empty structs are left out: they come from the kernel's
        // __DECLARE_FLEX_ARRAY, which linux/stddef.h spells for C++ as a
        // zero-length array instead, with C's layout.
        if (r.size == 0 && r.fields.empty() && nameable(r.name)) out.insert(r.name);
    for (bool grew = !out.empty(); grew;) {
        grew = false;
        for (const auto& r : abi.records)
            if (!out.count(r.name))
                for (const auto& f : r.fields)
                    if (out.count(record_of(f.canonical_type))) {
                        out.insert(r.name);
                        grew = true;
                        break;
                    }
    }
    return out;
}

// How C++ names each record of a C header read as C++: a struct declared
// inside another one's braces is at file scope in C but a member type in
// C++ (OUTER::INNER). A record is inside another when it starts after the
// other's first line and no later than the other's last field.
std::map<std::string, std::string> cpp_names(const ir::TargetAbi& abi) {
    std::map<std::string, std::string> outer;
    for (const auto& inner : abi.records) {
        const ir::Record* best = nullptr;
        for (const auto& r : abi.records) {
            if (&r == &inner || r.fields.empty() || r.origin.file != inner.origin.file) continue;
            unsigned last = 0;
            for (const auto& f : r.fields) last = std::max(last, f.line);
            if (r.origin.line < inner.origin.line && inner.origin.line <= last &&
                (!best || best->origin.line < r.origin.line))
                best = &r;  // the innermost enclosing record
        }
        if (best) outer[inner.name] = best->name;
    }
    std::map<std::string, std::string> out;
    for (const auto& r : abi.records) {
        std::string name = r.name;
        for (auto it = outer.find(r.name); it != outer.end(); it = outer.find(it->second)) name = it->second + "::" + name;
        out[r.name] = name;
    }
    return out;
}

}  // namespace

bool is_cpp_keyword(const std::string& name) {
    // Every C++23 keyword and alternative token.
    static const std::set<std::string> keywords = {
        "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case",
        "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const",
        "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield",
        "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit",
        "export", "extern", "false", "float", "for", "friend", "goto", "if", "import", "inline", "int",
        "long", "module", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator",
        "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast", "requires",
        "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct", "switch",
        "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "union",
        "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq"};
    return keywords.count(name) > 0;
}

bool nameable(const std::string& name) {
    return !name.empty() && name.find("::") == std::string::npos && name.find('@') == std::string::npos &&
           !is_cpp_keyword(name);
}

std::string member_name(const std::string& field, const std::string& record) {
    if (is_cpp_keyword(field) || (!record.empty() && field == record)) return field + "_";
    return field;
}

std::string integer_literal(const ir::Integer& v) {
    char buf[48];
    if (!v.is_unsigned && static_cast<std::int64_t>(v.bits) < 0) {
        auto s = static_cast<std::int64_t>(v.bits);
        if (s == INT64_MIN) return "(-9223372036854775807LL - 1)";
        std::snprintf(buf, sizeof buf, "%lldLL", static_cast<long long>(s));
    } else {
        std::snprintf(buf, sizeof buf, "0x%llxULL", static_cast<unsigned long long>(v.bits));
    }
    return buf;
}

void append_layout_asserts(std::string& out, const ir::TargetAbi& abi, const OriginFilter& wanted, AssertStyle style) {
    const std::set<std::string> c_only = style.bindings ? std::set<std::string>{} : holding_empty_structs(abi);
    std::set<std::uint64_t> c_only_sizes;
    for (const auto& r : abi.records)
        if (c_only.count(r.name)) c_only_sizes.insert(r.size);
    std::map<std::string, std::string> c_names = style.bindings ? std::map<std::string, std::string>{} : cpp_names(abi);
    for (const auto& r : abi.records) {
        if (!nameable(r.name) || !wanted(r.origin)) continue;
        if (c_only.count(r.name)) {
            out += "// " + r.name + ": not checked here; C gives an empty struct size 0 and C++ size 1.\n";
            continue;
        }
        // The bindings define every record as a tag; a C header may name one
        // only through a typedef, which C++ does not accept after `struct`.
        std::string type =
            style.bindings ? std::string(r.kind == ir::RecordKind::Union ? "union " : "struct ") + r.name : c_names[r.name];
        line(out, "sizeof(" + type + ") == " + std::to_string(r.size), r.name + ": size");
        line(out, "alignof(" + type + ") == " + std::to_string(r.align), r.name + ": alignment");
        for (const auto& f : r.fields) {
            // No assert for a bitfield: offsetof cannot name one, and the one
            // compile-time readback C++ has, a constexpr __builtin_bit_cast of
            // an object with one bitfield set, is refused by clang++ 19
            // ("constexpr bit_cast involving bit-field is not yet supported");
            // g++ 12 accepts it. Bitfield positions are proven per target by
            // the test suite instead (conformance/bindings: clang's C++ layout
            // dump against scan's C layout, and the bytes of C and C++
            // objects with each bitfield set, compiled for each target).
            if (f.name.empty() || f.bit_width) continue;
            if (!style.bindings && is_cpp_keyword(f.name)) continue;
            std::string member = style.bindings ? member_name(f.name, r.name) : f.name;
            line(out, "__builtin_offsetof(" + type + ", " + member + ") == " + std::to_string(f.offset_bits / 8),
                 r.name + "." + f.name + ": offset");
            if (!f.flexible)
                line(out, "sizeof(static_cast<" + type + "*>(nullptr)->" + member + ") == " + std::to_string(f.size),
                     r.name + "." + f.name + ": size");
        }
    }
    for (const auto& e : abi.enums)
        if (wanted(e.origin))
            for (const auto& c : e.constants)
                line(out, cast(c.value, c.name) + " == " + integer_literal(c.value), c.name + ": value");
    for (const auto& m : abi.macros) {
        if (!m.value || !wanted(m.origin) || (style.skip_macros && style.skip_macros->count(m.name))) continue;
        // A request's size field is its argument's sizeof, which C++ reads
        // differently for the records above. The manifest keeps the size, not
        // the argument's type, so every request of such a size is left out.
        if (m.ioctl && m.ioctl->dir != ir::IoctlDir::None && c_only_sizes.count(m.ioctl->size)) {
            out += "// " + m.name + ": not checked here; its argument may be a struct that holds an empty struct.\n";
            continue;
        }
        line(out, cast(*m.value, m.name) + " == " + integer_literal(*m.value), m.name + (m.ioctl ? ": ioctl number" : ": value"));
    }
}

void append_target_chain(std::string& out, const ir::Manifest& manifest,
                         const std::function<void(std::string&, const ir::TargetAbi&)>& body) {
    const char* keyword = "#if ";
    for (const auto& [triple, abi] : manifest.targets) {
        const scan::Target* target = scan::find_target(triple);
        if (!target) continue;
        out += std::string(keyword) + std::string(target->predefined_test) + "  // " + triple + "\n";
        keyword = "#elif ";
        body(out, abi);
    }
    if (manifest.targets.empty()) return;
    out += "#else\n#error \"uapikit: this file has no layout data for the target being compiled\"\n#endif\n";
}

}  // namespace uapikit::emit
