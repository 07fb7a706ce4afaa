#include "emit/call_description.hpp"

#include "util/errors.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace uapikit::emit {
namespace {

using json = nlohmann::json;

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, sep)) out.push_back(part);
    return out;
}

FieldRole parse_role(const std::string& text, const std::string& where) {
    auto fail = [&](const std::string& why) -> FieldRole {
        throw input_error(where + ": role \"" + text + "\": " + why + " (grammar: docs/typed-calls.md)");
    };
    FieldRole role;
    role.text = text;
    auto w = words(text);
    if (w.empty()) return fail("empty");
    std::size_t i = 0;
    if (w[0] == "in") role.direction = FieldRole::Direction::In;
    if (w[0] == "out") role.direction = FieldRole::Direction::Out;
    if (w[0] == "inout") role.direction = FieldRole::Direction::InOut;
    if (role.direction != FieldRole::Direction::None) ++i;
    auto arg = [&](std::size_t k) -> std::string {
        if (i + k >= w.size()) fail("'" + w[i] + "' needs " + std::to_string(k) + " argument(s)");
        return w[i + k];
    };
    if (i == w.size()) {
        if (role.direction == FieldRole::Direction::None) return fail("no direction");
        role.kind = FieldRole::Kind::Scalar;
        return role;
    }
    const std::string& kind = w[i];
    if (kind == "zero") {
        if (role.direction != FieldRole::Direction::None) return fail("'zero' takes no direction");
        role.kind = FieldRole::Kind::Zero;
    } else if (kind == "count" || kind == "length" || kind == "entry_size") {
        role.kind = kind == "count" ? FieldRole::Kind::Count : kind == "length" ? FieldRole::Kind::Length : FieldRole::Kind::EntrySize;
        role.target = arg(1);
        if (role.direction == FieldRole::Direction::None) role.direction = FieldRole::Direction::In;
        if (role.direction == FieldRole::Direction::Out) return fail("a count is given, or given and returned (inout)");
    } else {
        if (role.direction == FieldRole::Direction::None) return fail("needs a direction (in, out or inout)");
        if (kind == "id") {
            role.kind = FieldRole::Kind::Id;
            role.ids = split(arg(1), '|');
        } else if (kind == "enum" || kind == "flags" || kind == "as") {
            role.kind = kind == "enum" ? FieldRole::Kind::Enum : kind == "flags" ? FieldRole::Kind::Flags : FieldRole::Kind::As;
            role.type = arg(1);
        } else if (kind == "fd") {
            role.kind = FieldRole::Kind::Fd;
        } else if (kind == "address") {
            role.kind = FieldRole::Kind::Address;
        } else if (kind == "array" || kind == "span") {
            role.kind = kind == "array" ? FieldRole::Kind::Array : FieldRole::Kind::Span;
            role.type = arg(1);
        } else if (kind == "vector") {
            role.kind = FieldRole::Kind::Vector;
            role.type = arg(1);
            if (arg(2) != "grow") return fail("expected 'vector ELEMENT grow ERRNO'");
            role.grow_errno = arg(3);
            if (role.direction != FieldRole::Direction::Out) return fail("a vector is an output");
        } else if (kind == "bytes") {
            role.kind = FieldRole::Kind::Bytes;
        } else if (kind == "buffer") {
            role.kind = FieldRole::Kind::Buffer;
        } else if (kind == "entries") {
            role.kind = FieldRole::Kind::Entries;
        } else {
            return fail("unknown kind '" + kind + "'");
        }
    }
    return role;
}

}  // namespace

CallDescription read_call_description(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw input_error("cannot read '" + file + "'");
    json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("commands"))
        throw input_error(file + ": not a call description (an object with \"commands\")");
    CallDescription d;
    d.file = file;
    try {
        d.family = j.value("family", std::string());
        d.size_field = j.value("size_field", std::string());
        d.strip_prefix = j.value("strip_prefix", std::string());
        if (j.contains("includes")) d.includes = j["includes"].get<std::vector<std::string>>();
        if (j.contains("ids")) d.ids = j["ids"].get<std::map<std::string, std::string>>();
        if (j.contains("enums"))
            for (const auto& [name, e] : j["enums"].items())
                d.enums[name] = {e.at("type").get<std::string>(), e.at("prefixes").get<std::vector<std::string>>(),
                                 e.value("flags", false), e.value("also", std::vector<std::string>{})};
        for (const auto& [request, c] : j["commands"].items()) {
            CommandDescription cd;
            std::string where = file + ": " + request;
            cd.about = c.value("about", std::string());
            cd.hand_written = c.value("hand_written", std::string());
            cd.request_struct = c.value("struct", std::string());
            cd.returns = c.value("returns", std::string());
            cd.arg = c.value("arg", std::string());
            if (c.contains("size_field")) cd.size_field = c["size_field"].get<std::string>();
            if (c.contains("params")) cd.params = c["params"].get<std::vector<std::string>>();
            if (c.contains("fields"))
                for (const auto& [field, roles] : c["fields"].items()) {
                    std::vector<std::string> texts =
                        roles.is_array() ? roles.get<std::vector<std::string>>() : std::vector<std::string>{roles.get<std::string>()};
                    for (const auto& t : texts) cd.fields[field].push_back(parse_role(t, where + "." + field));
                }
            if (cd.hand_written.empty() && cd.about.empty()) throw input_error(where + ": says nothing about the command (\"about\")");
            if (!cd.returns.empty() && cd.returns != "value") throw input_error(where + ": \"returns\" can only be \"value\"");
            d.commands[request] = std::move(cd);
        }
    } catch (const json::exception& e) {
        throw input_error(file + ": " + e.what());
    }
    return d;
}

}  // namespace uapikit::emit
