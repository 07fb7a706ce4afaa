#include "clang/libclang.hpp"

#include <utility>

namespace uapikit::clang {
namespace {

// Takes ownership of a CXString and copies it out.
std::string take(CXString s) {
    const char* p = clang_getCString(s);
    std::string out = p ? p : "";
    clang_disposeString(s);
    return out;
}

// Diagnostics are placed where clang prints them: the expansion point.
// Declarations use the file location instead, which for a name passed as a
// macro argument is where the argument was written, as clang's own dumps do.
enum class Resolve { Expansion, File };

SourcePos position(CXSourceLocation loc, Resolve how) {
    CXFile file = nullptr;
    unsigned line = 0, column = 0, offset = 0;
    if (how == Resolve::Expansion)
        clang_getExpansionLocation(loc, &file, &line, &column, &offset);
    else
        clang_getFileLocation(loc, &file, &line, &column, &offset);
    SourcePos pos;
    if (file) pos.file = take(clang_getFileName(file));
    pos.line = line;
    pos.column = column;
    return pos;
}

std::optional<std::int64_t> layout_value(long long v) {
    if (v < 0) return std::nullopt;  // CXTypeLayoutError_*
    return v;
}

}  // namespace

// ---- Type ---------------------------------------------------------------

TypeKind Type::kind() const {
    switch (t_.kind) {
        case CXType_Record: return TypeKind::Record;
        case CXType_ConstantArray: return TypeKind::ConstantArray;
        case CXType_IncompleteArray: return TypeKind::IncompleteArray;
        default: return TypeKind::Other;
    }
}

std::string Type::spelling() const { return take(clang_getTypeSpelling(t_)); }
Type Type::canonical() const { return Type(clang_getCanonicalType(t_)); }
std::optional<std::int64_t> Type::size() const { return layout_value(clang_Type_getSizeOf(t_)); }
std::optional<std::int64_t> Type::align() const { return layout_value(clang_Type_getAlignOf(t_)); }
Type Type::array_element() const { return Type(clang_getArrayElementType(t_)); }
std::int64_t Type::array_length() const { return clang_getArraySize(t_); }
Cursor Type::declaration() const { return Cursor(clang_getTypeDeclaration(t_)); }

std::vector<Cursor> Type::fields() const {
    std::vector<Cursor> out;
    clang_Type_visitFields(
        t_,
        [](CXCursor field, CXClientData data) {
            static_cast<std::vector<Cursor>*>(data)->push_back(Cursor(field));
            return CXVisit_Continue;
        },
        &out);
    return out;
}

// ---- Cursor -------------------------------------------------------------

bool Cursor::is_null() const { return clang_Cursor_isNull(c_); }

CursorKind Cursor::kind() const {
    // The kind is a field of the public CXCursor struct; reading it directly
    // spares a call into libclang for each of the millions of cursors a
    // scan classifies.
    switch (c_.kind) {
        case CXCursor_StructDecl: return CursorKind::Struct;
        case CXCursor_UnionDecl: return CursorKind::Union;
        case CXCursor_EnumDecl: return CursorKind::Enum;
        case CXCursor_EnumConstantDecl: return CursorKind::EnumConstant;
        case CXCursor_FieldDecl: return CursorKind::Field;
        case CXCursor_TypedefDecl: return CursorKind::Typedef;
        case CXCursor_VarDecl: return CursorKind::Var;
        case CXCursor_MacroDefinition: return CursorKind::MacroDefinition;
        case CXCursor_InclusionDirective: return CursorKind::InclusionDirective;
        default: return CursorKind::Other;
    }
}

std::string Cursor::spelling() const { return take(clang_getCursorSpelling(c_)); }
SourcePos Cursor::location() const { return position(clang_getCursorLocation(c_), Resolve::File); }

File Cursor::file() const {
    CXFile file = nullptr;
    clang_getFileLocation(clang_getCursorLocation(c_), &file, nullptr, nullptr, nullptr);
    return File(file);
}

Place Cursor::place() const {
    CXFile file = nullptr;
    Place p;
    clang_getFileLocation(clang_getCursorLocation(c_), &file, &p.line, &p.column, nullptr);
    p.file = File(file);
    return p;
}

std::string File::name() const { return f_ ? take(clang_getFileName(f_)) : std::string(); }
bool Cursor::is_definition() const { return clang_isCursorDefinition(c_); }

bool Cursor::is_unnamed_record() const {
    // clang 16+ spells unnamed records as "struct (unnamed at ...)"; ask the
    // type system instead of matching text.
    return clang_Cursor_isAnonymous(c_) != 0;
}

bool Cursor::is_tagless_record() const {
    // A tag's cursor sits on its name; a tagless one on its struct/union
    // keyword, where its extent starts.
    return clang_equalLocations(clang_getCursorLocation(c_), clang_getRangeStart(clang_getCursorExtent(c_))) != 0;
}

bool Cursor::is_bitfield() const { return clang_Cursor_isBitField(c_); }
int Cursor::bit_width() const { return clang_getFieldDeclBitWidth(c_); }

std::optional<std::int64_t> Cursor::field_offset_bits() const {
    return layout_value(clang_Cursor_getOffsetOfField(c_));
}

Type Cursor::type() const { return Type(clang_getCursorType(c_)); }
Type Cursor::typedef_underlying() const { return Type(clang_getTypedefDeclUnderlyingType(c_)); }
Type Cursor::enum_integer_type() const { return Type(clang_getEnumDeclIntegerType(c_)); }

IntegerValue Cursor::enum_value() const {
    IntegerValue v;
    CXType underlying = clang_getEnumDeclIntegerType(clang_getCursorSemanticParent(c_));
    switch (clang_getCanonicalType(underlying).kind) {
        case CXType_UChar: case CXType_UShort: case CXType_UInt:
        case CXType_ULong: case CXType_ULongLong: case CXType_Bool:
            v.is_unsigned = true;
            v.bits = clang_getEnumConstantDeclUnsignedValue(c_);
            break;
        default:
            v.bits = static_cast<std::uint64_t>(clang_getEnumConstantDeclValue(c_));
    }
    return v;
}

std::optional<Cursor> Cursor::aliased_constant() const {
    // The initializer, when there is one, is an enumerator's only child.
    // Parentheses and implicit conversions (which libclang shows as an
    // UnexposedExpr) wrap a name without changing what it stands for.
    auto only_child = [](CXCursor c) {
        std::pair<CXCursor, unsigned> seen{clang_getNullCursor(), 0};
        clang_visitChildren(
            c,
            [](CXCursor child, CXCursor, CXClientData data) {
                auto* s = static_cast<std::pair<CXCursor, unsigned>*>(data);
                s->first = child;
                return ++s->second > 1 ? CXChildVisit_Break : CXChildVisit_Continue;
            },
            &seen);
        return seen.second == 1 ? seen.first : clang_getNullCursor();
    };
    CXCursor init = only_child(c_);
    while (init.kind == CXCursor_ParenExpr || init.kind == CXCursor_UnexposedExpr) init = only_child(init);
    if (init.kind != CXCursor_DeclRefExpr) return std::nullopt;
    CXCursor target = clang_getCursorReferenced(init);
    if (target.kind != CXCursor_EnumConstantDecl ||
        !clang_equalCursors(clang_getCursorSemanticParent(target), clang_getCursorSemanticParent(c_)))
        return std::nullopt;
    return Cursor(target);
}

bool Cursor::is_function_like_macro() const { return clang_Cursor_isMacroFunctionLike(c_); }
File Cursor::included_file() const { return File(clang_getIncludedFile(c_)); }

std::vector<Cursor> Cursor::children() const {
    std::vector<Cursor> out;
    clang_visitChildren(
        c_,
        [](CXCursor child, CXCursor, CXClientData data) {
            static_cast<std::vector<Cursor>*>(data)->push_back(Cursor(child));
            return CXChildVisit_Continue;
        },
        &out);
    return out;
}

bool Cursor::operator==(const Cursor& other) const { return clang_equalCursors(c_, other.c_); }
unsigned Cursor::hash() const { return clang_hashCursor(c_); }

// ---- Index / TranslationUnit ---------------------------------------------

Index::Index() : index_(clang_createIndex(/*excludeDeclarationsFromPCH=*/0, /*displayDiagnostics=*/0)) {}
Index::~Index() { clang_disposeIndex(index_); }

TranslationUnit::TranslationUnit(Index& index, const UnsavedFile& main,
                                 const std::vector<std::string>& args, ParseOptions options) {
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const auto& a : args) argv.push_back(a.c_str());
    CXUnsavedFile unsaved{main.path.c_str(), main.contents.data(),
                          static_cast<unsigned long>(main.contents.size())};
    unsigned flags = CXTranslationUnit_SkipFunctionBodies;
    if (options.detailed_preprocessing_record) flags |= CXTranslationUnit_DetailedPreprocessingRecord;
    CXErrorCode rc = clang_parseTranslationUnit2(index.index_, main.path.c_str(), argv.data(),
                                                 static_cast<int>(argv.size()), &unsaved, 1, flags, &tu_);
    if (rc != CXError_Success || !tu_)
        throw ParseFailure{"libclang could not create a translation unit (error " +
                           std::to_string(static_cast<int>(rc)) + ")"};
}

TranslationUnit::~TranslationUnit() {
    if (tu_) clang_disposeTranslationUnit(tu_);
}

Cursor TranslationUnit::root() const { return Cursor(clang_getTranslationUnitCursor(tu_)); }

std::vector<Diagnostic> TranslationUnit::errors() const {
    std::vector<Diagnostic> out;
    unsigned n = clang_getNumDiagnostics(tu_);
    for (unsigned i = 0; i < n; ++i) {
        CXDiagnostic d = clang_getDiagnostic(tu_, i);
        CXDiagnosticSeverity severity = clang_getDiagnosticSeverity(d);
        if (severity == CXDiagnostic_Error || severity == CXDiagnostic_Fatal)
            out.push_back({position(clang_getDiagnosticLocation(d), Resolve::Expansion),
                           take(clang_getDiagnosticSpelling(d))});
        clang_disposeDiagnostic(d);
    }
    return out;
}

std::string_view TranslationUnit::source_text(const Cursor& c) const {
    // Offsets only: asking for lines and columns would make clang count
    // the newlines of the file.
    CXSourceRange range = clang_getCursorExtent(c.c_);
    CXFile begin_file = nullptr, end_file = nullptr;
    unsigned begin = 0, end = 0;
    clang_getFileLocation(clang_getRangeStart(range), &begin_file, nullptr, nullptr, &begin);
    clang_getFileLocation(clang_getRangeEnd(range), &end_file, nullptr, nullptr, &end);
    if (!begin_file || !clang_File_isEqual(begin_file, end_file) || end < begin) return {};
    std::size_t size = 0;
    const char* text = clang_getFileContents(tu_, begin_file, &size);
    if (!text || end > size) return {};
    return {text + begin, end - begin};
}

std::vector<Token> TranslationUnit::tokens(const Cursor& c) const {
    CXToken* toks = nullptr;
    unsigned n = 0;
    clang_tokenize(tu_, clang_getCursorExtent(c.c_), &toks, &n);
    std::vector<Token> out;
    out.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
        Token t;
        switch (clang_getTokenKind(toks[i])) {
            case CXToken_Punctuation: t.kind = Token::Kind::Punctuation; break;
            case CXToken_Keyword: t.kind = Token::Kind::Keyword; break;
            case CXToken_Identifier: t.kind = Token::Kind::Identifier; break;
            case CXToken_Literal: t.kind = Token::Kind::Literal; break;
            case CXToken_Comment: t.kind = Token::Kind::Comment; break;
        }
        t.text = take(clang_getTokenSpelling(tu_, toks[i]));
        out.push_back(std::move(t));
    }
    if (toks) clang_disposeTokens(tu_, toks, n);
    return out;
}

}  // namespace uapikit::clang
