// Thin RAII layer over the libclang C API.
//
// This is the only place in uapikit that names CX* types or calls clang_*
// functions. Everything else sees value types (Cursor, Type, SourcePos) and
// owning handles (Index, TranslationUnit) with their own small enums, so a
// libclang upgrade touches one file pair.
#pragma once

#include <clang-c/Index.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace uapikit::clang {

// A position in a source file. `file` is the path as clang opened it
// (empty for builtins and the command line).
struct SourcePos {
    std::string file;
    unsigned line = 0;
    unsigned column = 0;
};

enum class CursorKind {
    Struct,
    Union,
    Enum,
    EnumConstant,
    Field,
    Typedef,
    Var,
    MacroDefinition,
    InclusionDirective,
    Other,
};

enum class TypeKind {
    Record,
    ConstantArray,
    IncompleteArray,
    Other,
};

// An integer as clang holds it: an enumerator's value, say.
struct IntegerValue {
    bool is_unsigned = false;
    std::uint64_t bits = 0;  // two's complement when signed
};

class Cursor;

// A file of one translation unit as clang's handle: free to compare and
// hash, where its name costs a string copy. Null for builtins and the
// command line.
class File {
public:
    File() = default;
    bool is_null() const { return f_ == nullptr; }
    std::string name() const;
    bool operator==(const File&) const = default;
    struct Hash {
        std::size_t operator()(const File& f) const { return std::hash<const void*>()(f.f_); }
    };

private:
    friend class Cursor;
    friend class TranslationUnit;
    explicit File(CXFile f) : f_(f) {}
    CXFile f_ = nullptr;
};

// A file position by handle: location() without copying the file's name.
struct Place {
    File file;
    unsigned line = 0;
    unsigned column = 0;
};

class Type {
public:
    explicit Type(CXType t) : t_(t) {}

    TypeKind kind() const;
    std::string spelling() const;
    Type canonical() const;
    // Size/alignment in bytes; nullopt when clang cannot lay the type out
    // (incomplete, dependent, void ...).
    std::optional<std::int64_t> size() const;
    std::optional<std::int64_t> align() const;
    Type array_element() const;
    std::int64_t array_length() const;  // -1 unless a constant array
    Cursor declaration() const;
    // The fields of a record type in declaration order, including the
    // implicit unnamed field of a C11 anonymous struct/union member (which
    // a plain child visit does not show).
    std::vector<Cursor> fields() const;

private:
    CXType t_;
};

class Cursor {
public:
    explicit Cursor(CXCursor c) : c_(c) {}

    bool is_null() const;
    CursorKind kind() const;
    std::string spelling() const;
    SourcePos location() const;           // file location (see libclang.cpp)
    File file() const;                    // the file of location()
    Place place() const;                  // location() by file handle
    bool is_definition() const;
    bool is_unnamed_record() const;       // a struct/union with no tag name
    // A struct/union written without a tag ("typedef struct { ... } t;"),
    // even when clang spells it with its typedef's name.
    bool is_tagless_record() const;
    bool is_bitfield() const;
    int bit_width() const;                // -1 unless a bitfield
    std::optional<std::int64_t> field_offset_bits() const;
    Type type() const;
    Type typedef_underlying() const;
    Type enum_integer_type() const;
    IntegerValue enum_value() const;
    // For an enumerator initialised with just another enumerator of the
    // same enum (in parentheses or not): that enumerator.
    std::optional<Cursor> aliased_constant() const;
    bool is_function_like_macro() const;
    File included_file() const;           // for an #include: the file it entered
    std::vector<Cursor> children() const;
    bool operator==(const Cursor& other) const;
    unsigned hash() const;

private:
    friend class TranslationUnit;
    CXCursor c_;
};

// One error as clang reports it, located at its expansion point.
struct Diagnostic {
    SourcePos where;
    std::string message;
};

// A token of a macro definition or other extent.
struct Token {
    enum class Kind { Punctuation, Keyword, Identifier, Literal, Comment } kind;
    std::string text;
};

class Index {
public:
    Index();
    ~Index();
    Index(const Index&) = delete;
    Index& operator=(const Index&) = delete;

private:
    friend class TranslationUnit;
    CXIndex index_;
};

// In-memory file handed to the parser instead of a file on disk.
struct UnsavedFile {
    std::string path;
    std::string contents;
};

struct ParseOptions {
    bool detailed_preprocessing_record = false;  // keep macro definitions
};

class TranslationUnit {
public:
    // Parses `main` (given in memory) with `args`. Throws ParseFailure when
    // libclang could not produce a translation unit at all; compile errors
    // are reported through errors() instead.
    TranslationUnit(Index& index, const UnsavedFile& main, const std::vector<std::string>& args,
                    ParseOptions options);
    ~TranslationUnit();
    TranslationUnit(const TranslationUnit&) = delete;
    TranslationUnit& operator=(const TranslationUnit&) = delete;

    Cursor root() const;
    // The error and fatal diagnostics, in clang's order. Warnings and notes
    // are left unread: nothing uses them, and spelling them out cost more
    // than the errors.
    std::vector<Diagnostic> errors() const;
    std::vector<Token> tokens(const Cursor& c) const;
    // The characters of a cursor's extent, as clang read them from the file;
    // empty when the extent does not lie within one file. Valid as long as
    // the translation unit is.
    std::string_view source_text(const Cursor& c) const;

private:
    CXTranslationUnit tu_ = nullptr;
};

struct ParseFailure {
    std::string message;
};

}  // namespace uapikit::clang
