#include "scan/ast_walker.hpp"

#include "ir/holes.hpp"
#include "scan/identifier_chars.hpp"

#include <regex>

namespace uapikit::scan {
namespace {

using clang::Cursor;
using clang::CursorKind;
using clang::Type;
using clang::TypeKind;

bool is_record(const Cursor& c) { return c.kind() == CursorKind::Struct || c.kind() == CursorKind::Union; }

bool is_unnamed(const Cursor& c) { return c.is_unnamed_record() || !is_identifier(c.spelling()); }

Type strip_arrays(Type t) {
    while (t.kind() == TypeKind::ConstantArray || t.kind() == TypeKind::IncompleteArray) t = t.array_element();
    return t;
}

ir::Integer to_ir(clang::IntegerValue v) { return {v.is_unsigned, v.bits}; }

// The first member name an anonymous struct or union brings into its
// parent's scope, looking through anonymous members inside it; "" when it
// has none (only unnamed bitfields). C makes these names unique within the
// outermost named record, so they name the member wherever it moves.
std::string first_member_name(const Cursor& record) {
    for (const Cursor& field : record.type().fields()) {
        std::string name = field.spelling();
        if (is_identifier(name)) return name;
        if (field.is_bitfield()) continue;
        Cursor decl = strip_arrays(field.type()).declaration();
        if (is_record(decl) && is_unnamed(decl))
            if (std::string inner = first_member_name(decl); !inner.empty()) return inner;
    }
    return {};
}

std::string first_constant_name(const Cursor& e) {
    for (const Cursor& kid : e.children())
        if (kid.kind() == CursorKind::EnumConstant) return kid.spelling();
    return {};
}

const char* kind_word(const Cursor& c) {
    return c.kind() == CursorKind::Union ? "union" : c.kind() == CursorKind::Enum ? "enum" : "struct";
}

}  // namespace

std::optional<ir::Origin> AstWalker::origin_of(const Cursor& c) const {
    clang::Place place = c.place();
    const auto& file = origins_(place.file);
    if (!file.relative) return std::nullopt;
    return ir::Origin{*file.relative, place.line, place.column};
}

// Spells a field's type, naming unnamed records and enums by their
// synthetic name: "struct kvm_run::@union1", "struct x::named[2]".
std::string AstWalker::spell(const Type& t) const {
    std::string dims;
    Type base = t;
    while (base.kind() == TypeKind::ConstantArray || base.kind() == TypeKind::IncompleteArray) {
        // Appended piece by piece: g++ 12 at -O3 takes "[" + to_string() for
        // an overlapping copy (a false -Wrestrict).
        dims += '[';
        if (base.kind() == TypeKind::ConstantArray) dims += std::to_string(base.array_length());
        dims += ']';
        base = base.array_element();
    }
    Cursor decl = base.declaration();
    if (auto it = synthetic_names_.find(decl); it != synthetic_names_.end() && is_unnamed(decl)) {
        const char* kind = decl.kind() == CursorKind::Union ? "union " : decl.kind() == CursorKind::Enum ? "enum " : "struct ";
        return kind + it->second + dims;
    }
    return stable_spelling(t.spelling());
}

// Fallback for unnamed types in other positions (a pointer to one, say):
// replaces clang's "(unnamed struct at /abs/path.h:3:5)" with a
// path-relative form, so spellings carry no machine-specific paths.
std::string AstWalker::stable_spelling(const std::string& spelling) const {
    if (spelling.find(" at ") == std::string::npos) return spelling;  // the common case, without a regex
    // clang may qualify it with the enclosing record ("demo::(anonymous at
    // ...)"); the synthetic name already says where it lives.
    static const std::regex unnamed(
        R"((?:[A-Za-z_][A-Za-z0-9_]*::)*\((?:unnamed|anonymous)(?: (?:struct|union|enum))? at ([^)]+):(\d+):(\d+)\))");
    std::string out;
    auto begin = spelling.cbegin();
    std::smatch m;
    while (std::regex_search(begin, spelling.cend(), m, unnamed)) {
        out.append(begin, m[0].first);
        auto rel = origins_.mapper().relative(m[1].str());
        out += "@at:" + (rel ? *rel : m[1].str()) + ":" + m[2].str() + ":" + m[3].str();
        begin = m[0].second;
    }
    out.append(begin, spelling.cend());
    return out;
}

// An unnamed type that no typedef, variable or member names is known by
// what it holds: "@enum:FIRST_CONSTANT", "@struct(first_member)". Names
// made from line numbers would change whenever the header gains a line.
std::string AstWalker::name_for_unnamed(const Cursor& c) const {
    auto it = synthetic_names_.find(c);
    if (it != synthetic_names_.end()) return it->second;
    if (c.kind() == CursorKind::Enum) return "@enum:" + first_constant_name(c);
    std::string member = first_member_name(c);
    if (!member.empty()) return std::string("@") + kind_word(c) + "(" + member + ")";
    // Nothing named inside: only the place is left to tell it apart.
    auto origin = origin_of(c);
    clang::SourcePos pos = origin ? clang::SourcePos{origin->file, origin->line, origin->column} : c.location();
    return std::string("@") + kind_word(c) + "@" + pos.file + ":" + std::to_string(pos.line) + ":" +
           std::to_string(pos.column);
}

void AstWalker::walk(const std::vector<Cursor>& top, const std::function<bool(const Key&)>& skip) {
    // One look at each top-level cursor's kind: most are macros,
    // inclusions and functions, and the kind is far cheaper than a location.
    std::vector<Cursor> typedefs, variables, definitions;
    for (const Cursor& c : top) {
        CursorKind kind = c.kind();
        if (kind == CursorKind::Typedef)
            typedefs.push_back(c);
        else if (kind == CursorKind::Var)
            variables.push_back(c);
        else if (kind == CursorKind::Struct || kind == CursorKind::Union || kind == CursorKind::Enum)
            definitions.push_back(c);
    }
    // typedef struct { ... } name_t;  gives the unnamed record its name, and
    // its layout: an attribute on the typedef (aligned(16)) is part of what
    // users of name_t get.
    for (const Cursor& c : typedefs) {
        Cursor decl = c.typedef_underlying().declaration();
        if ((is_record(decl) || decl.kind() == CursorKind::Enum) && is_unnamed(decl))
            synthetic_names_.emplace(decl, c.spelling());
        if (is_record(decl) && decl.is_tagless_record()) naming_typedefs_.emplace(decl, c);
    }
    // static const struct { ... } table[];  names it after the variable.
    for (const Cursor& c : variables) {
        Cursor decl = strip_arrays(c.type()).declaration();
        if (is_record(decl) && is_unnamed(decl))
            synthetic_names_.emplace(decl, std::string("@") + kind_word(decl) + ":" + c.spelling());
    }
    for (const Cursor& c : definitions) {
        if (!c.is_definition()) continue;
        auto origin = origin_of(c);
        if (!origin) continue;
        bool record = is_record(c);
        std::string name = is_unnamed(c) ? name_for_unnamed(c) : c.spelling();
        Key key = (record ? "r:" : "e:") + name + "@" + origin->file + ":" + std::to_string(origin->line) + ":" +
                  std::to_string(origin->column);
        if (skip(key)) continue;
        walked_.push_back(std::move(key));
        if (record)
            visit_record(c, name, *origin);
        else
            visit_enum(c, name, *origin);
    }
}

void AstWalker::visit_record(const Cursor& c, const std::string& name, const ir::Origin& origin) {
    if (!visited_.insert(c).second) return;
    auto kids = c.children();
    auto fields = c.type().fields();

    // Name unnamed nested types after the member that holds them:
    // "parent::member" for a named member; for an anonymous one, the first
    // member name it brings in, "parent::@union(first)" (or, with no name
    // inside, its bit offset). Neither changes when another anonymous member
    // is added before it. An unnamed enum member is "@enum:FIRST_CONSTANT",
    // as at file scope.
    for (const Cursor& kid : fields) {
        Cursor decl = strip_arrays(kid.type()).declaration();
        if (synthetic_names_.count(decl) || !is_unnamed(decl)) continue;
        if (decl.kind() == CursorKind::Enum) {
            synthetic_names_.emplace(decl, "@enum:" + first_constant_name(decl));
            continue;
        }
        if (!is_record(decl)) continue;
        std::string member = kid.spelling();
        if (member.empty() || !is_identifier(member)) {
            std::string inner = first_member_name(decl);
            member = std::string("@") + kind_word(decl) +
                     (inner.empty() ? "(bit " + std::to_string(kid.field_offset_bits().value_or(0)) + ")"
                                    : "(" + inner + ")");
        }
        synthetic_names_.emplace(decl, name + "::" + member);
    }
    for (const Cursor& kid : kids) {
        bool record = is_record(kid);
        if (!(record || kid.kind() == CursorKind::Enum) || !kid.is_definition()) continue;
        auto kid_origin = origin_of(kid);
        if (!kid_origin) continue;
        std::string kid_name = is_unnamed(kid) ? name_for_unnamed(kid) : kid.spelling();
        if (record)
            visit_record(kid, kid_name, *kid_origin);
        else
            visit_enum(kid, kid_name, *kid_origin);
    }

    ir::Record r;
    r.name = name;
    r.kind = c.kind() == CursorKind::Union ? ir::RecordKind::Union : ir::RecordKind::Struct;
    r.origin = origin;
    // A record known by its typedef has the typedef's layout.
    auto named_by = naming_typedefs_.find(c);
    Type t = named_by != naming_typedefs_.end() ? named_by->second.type() : c.type();
    r.size = static_cast<std::uint64_t>(t.size().value_or(0));
    r.align = static_cast<std::uint64_t>(t.align().value_or(0));
    for (const Cursor& field : fields) r.fields.push_back(make_field(field, origin));
    r.holes = ir::find_holes(r.fields, r.size);
    records_.push_back(std::move(r));
}

ir::Field AstWalker::make_field(const Cursor& field, const ir::Origin& record) {
    ir::Field f;
    f.name = field.spelling();
    if (!is_identifier(f.name)) f.name.clear();
    clang::Place place = field.place();
    f.line = place.line;
    f.column = place.column;
    if (const auto& file = origins_(place.file); file.relative && *file.relative != record.file) f.file = *file.relative;
    Type t = field.type();
    f.type = spell(t);
    f.canonical_type = spell(t.canonical());
    f.offset_bits = static_cast<std::uint64_t>(field.field_offset_bits().value_or(0));
    if (t.kind() == TypeKind::IncompleteArray) {
        f.flexible = true;
        f.size = 0;
        f.align = static_cast<std::uint64_t>(t.array_element().align().value_or(0));
    } else {
        f.size = static_cast<std::uint64_t>(t.size().value_or(0));
        f.align = static_cast<std::uint64_t>(t.align().value_or(0));
    }
    if (field.is_bitfield()) f.bit_width = static_cast<unsigned>(field.bit_width());
    f.anonymous = f.name.empty() && !f.bit_width && is_record(strip_arrays(t).declaration());
    return f;
}

void AstWalker::visit_enum(const Cursor& c, const std::string& name, const ir::Origin& origin) {
    if (!visited_.insert(c).second) return;
    ir::Enum e;
    e.origin = origin;
    e.underlying = c.enum_integer_type().spelling();
    for (const Cursor& kid : c.children()) {
        if (kid.kind() != CursorKind::EnumConstant) continue;
        ir::EnumConstant k{kid.spelling(), to_ir(kid.enum_value())};
        // Located like a field, so that findings point at the constant.
        clang::Place place = kid.place();
        k.line = place.line;
        k.column = place.column;
        if (const auto& file = origins_(place.file); file.relative && *file.relative != origin.file) k.file = *file.relative;
        if (auto target = kid.aliased_constant()) k.alias_of = target->spelling();
        e.constants.push_back(std::move(k));
    }
    e.name = name;
    enums_.push_back(std::move(e));
}

}  // namespace uapikit::scan
