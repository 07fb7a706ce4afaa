#include "emit/type_spelling.hpp"

#include "emit/data_model.hpp"
#include "ir/lookup.hpp"

#include <algorithm>
#include <map>
#include <regex>

namespace uapikit::emit {
namespace {

void trim(std::string& s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
}

// "unsigned int [2][3]" -> base "unsigned int", dims {"[2]", "[3]"}. A
// pointer to an array ("int (*)[4]") keeps its brackets.
std::string split_dims(std::string type, std::vector<std::string>& dims) {
    while (!type.empty() && type.back() == ']') {
        auto open = type.rfind('[');
        std::string before = type.substr(0, open);
        trim(before);
        if (!before.empty() && before.back() == ')') break;
        dims.insert(dims.begin(), type.substr(open));
        type = before;
    }
    return type;
}

std::uint64_t dims_count(const std::vector<std::string>& dims) {
    std::uint64_t count = 1;
    for (const auto& d : dims) count *= d.size() > 2 ? std::stoull(d.substr(1, d.size() - 2)) : 0;
    return count;
}

std::string cxx_words(std::string text) {
    static const std::regex boolean(R"(\b_Bool\b)");
    return std::regex_replace(text, boolean, "bool");
}

// <stdint.h> spelling of a fixed-width integer, "" when `canonical` is not one.
std::string fixed_width(const std::string& canonical) {
    static const std::map<std::string, std::string> fixed = {
        {"unsigned char", "uint8_t"},   {"signed char", "int8_t"},        {"unsigned short", "uint16_t"},
        {"short", "int16_t"},           {"unsigned int", "uint32_t"},     {"int", "int32_t"},
        {"unsigned long long", "uint64_t"}, {"long long", "int64_t"}};
    auto it = fixed.find(canonical);
    return it == fixed.end() ? "" : it->second;
}

// The kernel's typedefs that are 64 bits wide on every target, whatever
// the target's `long` is: __u64, __s64, __le64, __be64, __aligned_u64 ...
bool declared_fixed_64(std::string declared) {
    std::vector<std::string> ignored;
    declared = split_dims(declared, ignored);
    static const std::regex fixed(R"(^(const |volatile )*(__)?(aligned_)?(u|s|le|be)64$)");
    return std::regex_match(declared, fixed);
}

std::string scalar_spelling(const std::string& canonical, const std::string& declared) {
    if (canonical == "_Bool") return "bool";
    if (canonical == "char" || canonical == "float" || canonical == "double" || canonical == "long double" ||
        canonical == "__int128" || canonical == "unsigned __int128")
        return canonical;
    if (auto f = fixed_width(canonical); !f.empty()) return f;
    if (canonical == "unsigned long") return declared_fixed_64(declared) ? "uint64_t" : "unsigned long";
    if (canonical == "long") return declared_fixed_64(declared) ? "int64_t" : "long";
    return "";
}

using ir::find_record;

// Field types name an unnamed enum by where it is ("@at:drm/drm.h:334:2");
// the manifest's enum list by its first constant.
const ir::Enum* find_enum_or_unnamed(const ir::TargetAbi& abi, const std::string& name) {
    if (const ir::Enum* e = ir::find_enum(abi, name)) return e;
    if (name.rfind("@at:", 0) != 0) return nullptr;
    for (const auto& e : abi.enums) {
        const ir::Origin& o = e.origin;
        if (name == "@at:" + o.file + ":" + std::to_string(o.line) + ":" + std::to_string(o.column)) return &e;
    }
    return nullptr;
}

bool is_synthetic(const std::string& name) {
    return name.find("::") != std::string::npos || name.find('@') != std::string::npos || name.find('(') != std::string::npos;
}

bool is_signed_integer(const std::string& spelled) {
    return spelled == "long" || (spelled.rfind("int", 0) == 0 && spelled.find("_t") != std::string::npos);
}

std::uint64_t integer_size(const std::string& spelled, const std::string& triple) {
    if (spelled == "long" || spelled == "unsigned long") return scalar_layout(triple, "long")->size;
    static const std::regex width(R"(^u?int(\d+)_t$)");
    std::smatch m;
    if (std::regex_match(spelled, m, width)) return std::stoull(m[1]) / 8;
    return 0;
}

}  // namespace

namespace {
std::optional<FieldType> unqualified_field_type(const ir::Field& field, const ir::TargetAbi& abi, std::string& why,
                                                std::string& qualifiers);
}  // namespace

std::optional<FieldType> field_type(const ir::Field& field, const ir::TargetAbi& abi, std::string& why) {
    std::string qualifiers;
    auto t = unqualified_field_type(field, abi, why, qualifiers);
    if (t && !t->spelled.empty()) t->spelled = qualifiers + t->spelled;
    return t;
}

namespace {
std::optional<FieldType> unqualified_field_type(const ir::Field& field, const ir::TargetAbi& abi, std::string& why,
                                                std::string& qualifiers) {
    FieldType t;
    std::string base = split_dims(field.canonical_type, t.dims);
    trim(base);
    t.count = dims_count(t.dims);
    // const/volatile of a non-pointer member are kept in front of its type.
    if (base.find('*') == std::string::npos)
        for (bool again = true; again;) {
            again = false;
            for (const char* q : {"const ", "volatile "})
                if (base.rfind(q, 0) == 0) {
                    qualifiers += q;
                    base = base.substr(std::string(q).size());
                    again = true;
                }
        }
    if (field.flexible) {
        t.dims = {"[]"};
        t.count = 0;
    }
    if (base.find('*') != std::string::npos) {
        t.kind = FieldType::Kind::Pointer;
        if (base.find('@') != std::string::npos || base.find("(unnamed") != std::string::npos ||
            base.find("(anonymous") != std::string::npos) {
            why = "pointer to an unnamed type '" + base + "'";
            return std::nullopt;
        }
        std::string text = cxx_words(base);
        t.spelled = base.find('(') != std::string::npos ? "::uapikit::type_t<" + text + ">" : text;
        return t;
    }
    for (const char* keyword : {"struct ", "union "}) {
        if (base.rfind(keyword, 0) != 0) continue;
        t.kind = FieldType::Kind::Record;
        t.record = base.substr(std::string(keyword).size());
        t.spelled = is_synthetic(t.record) ? "" : base;
        return t;
    }
    if (base.rfind("enum ", 0) == 0) {
        t.kind = FieldType::Kind::Enum;
        t.enum_name = base.substr(5);
        const ir::Enum* e = find_enum_or_unnamed(abi, t.enum_name);
        if (!is_synthetic(t.enum_name)) {
            t.spelled = base;
            return t;
        }
        // An unnamed enum's type cannot be named in C++: its underlying
        // integer has the same size and alignment.
        if (!e || (t.spelled = scalar_spelling(e->underlying, "")).empty()) {
            why = "field of unnamed enum type '" + base + "' whose underlying type is unknown";
            return std::nullopt;
        }
        return t;
    }
    if (const ir::Record* r = find_record(abi, base); r && !is_synthetic(base)) {
        // An unnamed record named by a typedef: canonical types print the typedef.
        t.kind = FieldType::Kind::Record;
        t.record = base;
        t.spelled = std::string(r->kind == ir::RecordKind::Union ? "union " : "struct ") + base;
        return t;
    }
    if (find_enum_or_unnamed(abi, base) && !is_synthetic(base)) {
        // An unnamed enum named by a typedef.
        t.kind = FieldType::Kind::Enum;
        t.enum_name = base;
        t.spelled = "enum " + base;
        return t;
    }
    t.kind = FieldType::Kind::Scalar;
    t.scalar = base;
    t.spelled = scalar_spelling(base, field.type);
    if (t.spelled.empty() || !scalar_layout(abi.triple, base)) {
        why = "type '" + base + "' has no C++ spelling with the same layout";
        return std::nullopt;
    }
    return t;
}

}  // namespace

std::optional<std::string> joint_spelling(const std::vector<FieldType>& per_target, const std::vector<std::string>& triples) {
    const std::string& first = per_target.front().spelled;
    if (std::all_of(per_target.begin(), per_target.end(), [&](const FieldType& t) { return t.spelled == first; }))
        return first;
    // Integers that differ in name only: `long` when each target's size is its
    // long's (the kernel's __kernel_size_t and friends), else the common
    // fixed width.
    bool integers = true, signedness = is_signed_integer(first), long_sized = true;
    std::uint64_t common = integer_size(first, triples.front());
    for (std::size_t i = 0; i < per_target.size(); ++i) {
        std::uint64_t size = integer_size(per_target[i].spelled, triples[i]);
        integers = integers && per_target[i].kind == FieldType::Kind::Scalar && size != 0 &&
                   is_signed_integer(per_target[i].spelled) == signedness;
        long_sized = long_sized && size == scalar_layout(triples[i], "long")->size;
        if (size != common) common = 0;
    }
    if (!integers) return std::nullopt;
    if (long_sized) return signedness ? "long" : "unsigned long";
    if (common) return (signedness ? "int" : "uint") + std::to_string(common * 8) + "_t";
    return std::nullopt;
}

std::optional<std::uint64_t> natural_align(const FieldType& type, const ir::TargetAbi& abi) {
    switch (type.kind) {
    case FieldType::Kind::Pointer:
        return scalar_layout(abi.triple, "*")->align;
    case FieldType::Kind::Record:
        if (const ir::Record* r = find_record(abi, type.record)) return r->align;
        return std::nullopt;
    case FieldType::Kind::Enum:
        if (const ir::Enum* e = find_enum_or_unnamed(abi, type.enum_name))
            if (auto s = scalar_layout(abi.triple, e->underlying)) return s->align;
        return std::nullopt;
    case FieldType::Kind::Scalar:
        if (auto s = scalar_layout(abi.triple, type.scalar)) return s->align;
        return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace uapikit::emit
