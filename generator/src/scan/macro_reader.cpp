#include "scan/macro_reader.hpp"

#include <map>

namespace uapikit::scan {
namespace {

using clang::Cursor;
using clang::CursorKind;
using clang::Token;

struct ProbeResults {
    std::map<std::string, ir::Integer> value;
    std::map<std::string, ir::Ioctl> ioctl;
};

ProbeResults evaluate_probes(const std::vector<Cursor>& top) {
    ProbeResults out;
    for (const Cursor& c : top) {
        ProbeVariable probe;
        if (c.kind() != CursorKind::Var || !parse_probe_variable(c.spelling(), probe)) continue;
        auto v = c.evaluate_integer();
        if (!v) continue;
        using Q = ProbeVariable::Quantity;
        if (probe.quantity == Q::Value) {
            out.value[probe.macro] = {v->is_unsigned, v->bits};
            continue;
        }
        ir::Ioctl& ioc = out.ioctl[probe.macro];
        switch (probe.quantity) {
            case Q::IoctlDir: ioc.dir = static_cast<ir::IoctlDir>(v->bits & 3); break;
            case Q::IoctlType: ioc.type = v->bits; break;
            case Q::IoctlNr: ioc.nr = v->bits; break;
            case Q::IoctlSize: ioc.size = v->bits; break;
            case Q::Value: break;
        }
    }
    return out;
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

std::vector<ir::Macro> read_macros(const clang::TranslationUnit& tu, const OriginMapper& origins,
                                   const std::map<std::string, std::string>& probe_errors) {
    auto top = tu.root().children();
    ProbeResults probes = evaluate_probes(top);

    // The last definition wins, as it does for the preprocessor.
    std::map<std::string, Cursor> definitions;
    for (const Cursor& c : top) {
        if (c.kind() != CursorKind::MacroDefinition || c.is_function_like_macro()) continue;
        if (!origins.relative(c.location().file)) continue;
        definitions.insert_or_assign(c.spelling(), c);
    }

    std::vector<ir::Macro> macros;
    for (const auto& [name, cursor] : definitions) {
        clang::SourcePos pos = cursor.location();
        ir::Macro m;
        m.name = name;
        m.origin = {*origins.relative(pos.file), pos.line, pos.column};
        if (auto v = probes.value.find(name); v != probes.value.end()) {
            m.value = v->second;
            if (auto ioc = probes.ioctl.find(name); ioc != probes.ioctl.end()) m.ioctl = ioc->second;
        } else if (auto err = probe_errors.find(name); err != probe_errors.end()) {
            if (!reads_like_integer(tu.tokens(cursor))) continue;
            m.error = err->second;
        } else {
            continue;
        }
        macros.push_back(std::move(m));
    }
    return macros;
}

}  // namespace uapikit::scan
