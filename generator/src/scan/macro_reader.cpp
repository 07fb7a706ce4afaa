#include "scan/macro_reader.hpp"

#include "scan/identifier_chars.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <filesystem>
#include <cstdlib>
#include <map>
#include <string_view>
#include <unordered_map>

namespace uapikit::scan {
namespace {

using clang::Cursor;
using clang::CursorKind;
using clang::Token;

struct ProbeResults {
    std::map<std::string, ir::Integer> value;
    std::map<std::string, std::uint64_t> encoding;  // _IOC_* name -> value
    std::map<std::string, std::uint64_t> argument_size;  // request macro -> its _IOC size operand
    std::set<std::string> undefined;                // literal macros #undef'd by the end
};

// Each probe is an enumerator of its own unnamed enum in the main file.
// The enum's type is chosen from that one value, so signed, unsigned and
// 64-bit values all come back unchanged.
ProbeResults evaluate_probes(const std::vector<Cursor>& top) {
    ProbeResults out;
    for (const Cursor& e : top) {
        if (e.kind() != CursorKind::Enum) continue;
        // A probe's enum has one constant; the headers' own enums, some
        // with hundreds of constants, are not worth spelling out.
        std::vector<Cursor> constants = e.children();
        if (constants.size() != 1) continue;
        const Cursor& c = constants.front();
        ProbeVariable probe;
        if (c.kind() != CursorKind::EnumConstant || !parse_probe_variable(c.spelling(), probe)) continue;
        clang::IntegerValue v = c.enum_value();
        switch (probe.quantity) {
            case ProbeVariable::Quantity::Undefined: out.undefined.insert(probe.macro); break;
            case ProbeVariable::Quantity::Value: out.value[probe.macro] = {v.is_unsigned, v.bits}; break;
            case ProbeVariable::Quantity::Encoding: out.encoding[probe.macro] = v.bits; break;
            case ProbeVariable::Quantity::ArgumentSize: out.argument_size[probe.macro] = v.bits; break;
        }
    }
    return out;
}

// Splits a request number with the target's _IOC_* shifts and masks;
// nullopt when the translation unit does not define all of them.
std::optional<ir::Ioctl> decode_ioctl(std::uint64_t request, const std::map<std::string, std::uint64_t>& enc) {
    for (const char* name : kIoctlEncodingMacros)
        if (!enc.count(name) && std::string_view(name) != "_IOC_NONE") return std::nullopt;
    auto field = [&](const char* shift, const char* mask) { return (request >> enc.at(shift)) & enc.at(mask); };
    // The direction is one of the target's own values, compared whole as
    // its _IOC_DIR() would give it (powerpc: none 1, read 2, write 4).
    std::uint64_t dir = field("_IOC_DIRSHIFT", "_IOC_DIRMASK");
    std::uint64_t read = enc.at("_IOC_READ"), write = enc.at("_IOC_WRITE");
    std::uint64_t none = enc.count("_IOC_NONE") ? enc.at("_IOC_NONE") : 0;
    ir::Ioctl ioc;
    ioc.dir = dir == none                 ? ir::IoctlDir::None
              : dir == read               ? ir::IoctlDir::Read
              : dir == write              ? ir::IoctlDir::Write
              : dir == (read | write)     ? ir::IoctlDir::ReadWrite
                                          : ir::IoctlDir::Invalid;
    ioc.type = field("_IOC_TYPESHIFT", "_IOC_TYPEMASK");
    ioc.nr = field("_IOC_NRSHIFT", "_IOC_NRMASK");
    ioc.size = field("_IOC_SIZESHIFT", "_IOC_SIZEMASK");
    return ioc;
}

// A definition split into tokens: the macro's name first, then its body.
struct Piece {
    std::string_view text;
    bool literal = false;
};

// libclang's tokens include comments ("#define A /* why */ 1"), which are
// not part of the body.
std::vector<Piece> pieces_of(const std::vector<Token>& tokens) {
    std::vector<Piece> out;
    out.reserve(tokens.size());
    for (const Token& t : tokens)
        if (t.kind != Token::Kind::Comment) out.push_back({t.text, t.kind == Token::Kind::Literal});
    return out;
}

// Most literal macros are a name, blanks and a number, maybe in
// parentheses. Such a text splits into tokens the same way whoever splits
// it, so it is split here from clang's own copy of the file, which is far
// cheaper than asking clang for tokens. nullopt for any other text (a
// comment, a continuation, an operator): that goes to clang's tokens.
std::optional<std::vector<Piece>> simple_pieces(std::string_view text) {
    std::vector<Piece> out;
    for (std::size_t i = 0; i < text.size();) {
        char c = text[i];
        if (c == ' ' || c == '\t') {
            ++i;
        } else if (c == '(' || c == ')') {
            out.push_back({text.substr(i, 1), false});
            ++i;
        } else if (is_identifier_char(c)) {
            std::size_t start = i;
            while (i < text.size() && is_identifier_char(text[i])) ++i;
            bool number = is_digit(c);
            out.push_back({text.substr(start, i - start), number});
        } else {
            return std::nullopt;
        }
    }
    if (out.empty() || out.front().literal) return std::nullopt;  // must start with the name
    return out;
}

// The value of a definition whose body is one integer literal, maybe in
// parentheses: C's rules for decimal, octal (leading 0) and hex digits; the
// suffix only picks a type, and the value is never negative.
std::optional<ir::Integer> literal_value(const std::vector<Piece>& pieces) {
    std::size_t first = 1, last = pieces.size();  // pieces[0] is the macro name
    while (last - first >= 3 && pieces[first].text == "(" && pieces[last - 1].text == ")") ++first, --last;
    if (last - first != 1 || !pieces[first].literal) return std::nullopt;
    std::string_view text = pieces[first].text;
    std::size_t digits_end = text.find_first_of("uUlL");
    std::string digits(text.substr(0, digits_end));
    if (digits_end != std::string_view::npos &&
        text.find_first_not_of("uUlL", digits_end) != std::string_view::npos) return std::nullopt;
    int base = digits.size() > 1 && digits[0] == '0' ? (digits[1] == 'x' || digits[1] == 'X' ? 16 : 8) : 10;
    errno = 0;
    char* end = nullptr;
    std::uint64_t v = std::strtoull(digits.c_str(), &end, base);
    if (errno || end != digits.c_str() + digits.size()) return std::nullopt;
    return ir::Integer{v > static_cast<std::uint64_t>(INT64_MAX), v};
}

// The value of a literal macro's definition, from its source text when
// that is simple and from clang's tokens otherwise.
std::optional<ir::Integer> literal_value(const clang::TranslationUnit& tu, const Cursor& definition) {
    if (auto pieces = simple_pieces(tu.source_text(definition))) return literal_value(*pieces);
    std::vector<Token> tokens = tu.tokens(definition);
    return literal_value(pieces_of(tokens));
}

// A body that failed to evaluate is still reported when it reads like an
// integer expression: it has a number or character literal, or calls
// something. A bare type name or empty guard is not an integer macro.
bool reads_like_integer(const std::vector<Token>& tokens) {
    for (std::size_t i = 1; i < tokens.size(); ++i) {
        const Token& t = tokens[i];
        if (t.kind == Token::Kind::Literal && !t.text.empty() && t.text.front() == '"') return false;
    }
    for (std::size_t i = 1; i < tokens.size(); ++i) {
        const Token& t = tokens[i];
        if (t.kind == Token::Kind::Literal) return true;
        if (t.kind == Token::Kind::Identifier && i + 1 < tokens.size() && tokens[i + 1].text == "(") return true;
    }
    return false;
}

}  // namespace

MacroReading read_macros(const clang::TranslationUnit& tu, const std::vector<Cursor>& top,
                         FileOrigins& origins, const std::map<std::string, std::string>& probe_errors,
                         const FileSet& probe_files, const ProbeSet& probed, const std::set<std::string>& ioctl_names,
                         const Redefinitions& redefinitions) {
    ProbeResults probes = evaluate_probes(top);

    // Asked for every macro of the translation unit, builtins included:
    // answered once per file handle, without copying the file's name.
    enum class Role { Other, Probed, Redefines };
    std::unordered_map<clang::File, Role, clang::File::Hash> roles;
    auto role_of = [&](clang::File file) {
        auto [it, added] = roles.try_emplace(file, Role::Other);
        if (added) {
            const auto& m = origins(file);
            if (m.relative && probe_files.count(m.normalised))
                it->second = Role::Probed;
            else if (redefinitions.files.count(m.normalised))
                it->second = Role::Redefines;
        }
        return it->second;
    };
    // The last definition of a name is the one in force at the end, as for
    // the preprocessor; its value is what the probe saw. Every earlier
    // definition site is left to a translation unit where it is the last.
    MacroReading out;
    std::map<std::string, Cursor> definitions;
    // The predefined macros (__x86_64__ and some hundreds more) come before
    // the main file's #include of the header: nothing before it is in a
    // header, and not asking each of them for its file saves a fifth of
    // the work here.
    bool in_headers = false;
    for (const Cursor& c : top) {
        CursorKind kind = c.kind();
        if (kind == CursorKind::InclusionDirective) in_headers = true;
        // The file next: most definitions are in files other parses
        // probe, and asking about the file is the cheaper question.
        if (kind != CursorKind::MacroDefinition || !in_headers) continue;
        Role role = role_of(c.file());
        if (role == Role::Other || c.is_function_like_macro()) continue;
        std::string name = c.spelling();
        if (role == Role::Redefines) {
            if (!redefinitions.names.count(name)) continue;
            // A later definition in a file this parse does not report:
            // the probed one is not in force here.
            if (auto it = definitions.find(name); it != definitions.end()) {
                out.unresolved_files.insert(origins(it->second.file()).normalised);
                definitions.erase(it);
            }
            continue;
        }
        auto [it, added] = definitions.try_emplace(std::move(name), c);
        if (!added) {
            out.unresolved_files.insert(origins(it->second.file()).normalised);
            it->second = c;
        }
    }

    // "#define OLD NEW" over a request that does not evaluate (a header that
    // lacks <linux/ioctl.h>): reported with NEW's error once NEW is known.
    struct Alias {
        ir::Macro macro;
        std::string normalised;
        std::string target;
    };
    std::vector<Alias> aliases;
    for (const auto& [name, cursor] : definitions) {
        clang::Place pos = cursor.place();
        const auto& file = origins(pos.file);
        ir::Macro m;
        m.name = name;
        m.origin = {*file.relative, pos.line, pos.column};
        if (probed.literals.count(name)) {
            auto v = probes.undefined.count(name) ? std::nullopt : literal_value(tu, cursor);
            if (!v) {
                out.unresolved_files.insert(file.normalised);
                continue;
            }
            m.value = v;
        } else if (auto err = probe_errors.find(name); err != probe_errors.end()) {
            // An enumerator that failed still has a value (0): the error
            // decides. A string, float or pointer is not an integer macro.
            if (is_non_integer_type_error(err->second)) continue;
            std::vector<Token> tokens = tu.tokens(cursor);
            m.error = err->second;
            if (!reads_like_integer(tokens)) {
                if (tokens.size() == 2 && tokens[1].kind == Token::Kind::Identifier)
                    aliases.push_back({std::move(m), file.normalised, tokens[1].text});
                continue;
            }
        } else if (auto v = probes.value.find(name); v != probes.value.end()) {
            m.value = v->second;
            if (ioctl_names.count(name)) {
                m.ioctl = decode_ioctl(v->second.bits, probes.encoding);
                // An argument larger than the size field holds: its size
                // spilled into the bits above (powerpc's field is 13 bits).
                auto size = probes.argument_size.find(name);
                if (m.ioctl && size != probes.argument_size.end() && size->second > probes.encoding.at("_IOC_SIZEMASK"))
                    m.ioctl->argument_size = size->second;
                if (auto pieces = simple_pieces(tu.source_text(cursor));
                    pieces && pieces->size() == 2 && !(*pieces)[1].literal && (*pieces)[1].text != "(")
                    m.alias_of = std::string((*pieces)[1].text);
            }
        } else {
            // Never probed because it cannot be an integer, or #undef'd
            // before the end: that leaves the definition to another
            // translation unit.
            if (probed.values.count(name)) out.unresolved_files.insert(file.normalised);
            continue;
        }
        out.macros.push_back(std::move(m));
        out.macro_files.push_back(file.normalised);
    }
    for (auto& alias : aliases) {
        bool known = std::any_of(out.macros.begin(), out.macros.end(),
                                 [&](const ir::Macro& m) { return m.name == alias.target && !m.value; });
        if (!known) continue;
        out.macros.push_back(std::move(alias.macro));
        out.macro_files.push_back(std::move(alias.normalised));
    }
    return out;
}

}  // namespace uapikit::scan
