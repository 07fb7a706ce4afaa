// Turns the declarations of one parsed translation unit into IR records and
// enums. Sizes, alignments and offsets are read from libclang; the only
// thing derived here is padding (ir::find_holes).
#pragma once

#include "clang/libclang.hpp"
#include "ir/abi.hpp"
#include "scan/origin_mapper.hpp"

#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace uapikit::scan {

class AstWalker {
public:
    explicit AstWalker(FileOrigins& origins) : origins_(origins) {}

    // Names a top-level record or enum: its name and where it is declared.
    using Key = std::string;

    // Visits every record and enum definition declared in a uapi file,
    // except top-level ones (with what they nest) for which skip(key) holds.
    void walk(const std::vector<clang::Cursor>& top_level, const std::function<bool(const Key&)>& skip);

    std::vector<ir::Record> take_records() { return std::move(records_); }
    std::vector<ir::Enum> take_enums() { return std::move(enums_); }
    std::vector<Key> take_walked() { return std::move(walked_); }  // the top-level keys visited

private:
    struct CursorHash {
        std::size_t operator()(const clang::Cursor& c) const { return c.hash(); }
    };
    // Keyed by declaration, not by location: macros such as
    // __struct_group and __DECLARE_FLEX_ARRAY expand to several records at
    // one source position.
    template <typename V>
    using ByDecl = std::unordered_map<clang::Cursor, V, CursorHash>;

    std::optional<ir::Origin> origin_of(const clang::Cursor& c) const;
    void visit_record(const clang::Cursor& c, const std::string& name, const ir::Origin& origin);
    void visit_enum(const clang::Cursor& c, const std::string& name, const ir::Origin& origin);
    ir::Field make_field(const clang::Cursor& field, const ir::Origin& record);
    std::string spell(const clang::Type& t) const;
    std::string stable_spelling(const std::string& clang_spelling) const;
    std::string name_for_unnamed(const clang::Cursor& c) const;

    FileOrigins& origins_;
    ByDecl<std::string> synthetic_names_;
    ByDecl<clang::Cursor> naming_typedefs_;  // unnamed record -> the typedef that names it
    std::unordered_set<clang::Cursor, CursorHash> visited_;
    std::vector<ir::Record> records_;
    std::vector<ir::Enum> enums_;
    std::vector<Key> walked_;
};

}  // namespace uapikit::scan
