#include "scan/define_index.hpp"

#include "scan/directive_lines.hpp"
#include "scan/identifier_chars.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <string_view>
#include <unordered_set>

namespace uapikit::scan {
namespace fs = std::filesystem;

namespace {

using Identifiers = std::vector<std::pair<std::string_view, bool>>;

std::size_t skip_spaces(std::string_view s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return i;
}

std::string_view word_at(std::string_view s, std::size_t& i) {
    std::size_t start = i;
    while (i < s.size() && is_identifier_char(s[i])) ++i;
    return s.substr(start, i - start);
}

std::string fold_whitespace(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

// The identifiers of a body, in order, each with whether "(" follows it.
// Views into `body`, which must outlive them.
Identifiers identifiers(std::string_view body) {
    Identifiers out;
    for (std::size_t i = 0; i < body.size();) {
        if (body[i] == '\'') {  // skip a character literal
            for (++i; i < body.size() && body[i] != '\''; ++i)
                if (body[i] == '\\') ++i;
            ++i;
        } else if (is_digit(body[i])) {
            while (i < body.size() && is_identifier_char(body[i])) ++i;  // a number, with its suffix
        } else if (is_identifier_char(body[i])) {
            std::string_view w = word_at(body, i);
            std::size_t after = skip_spaces(body, i);
            out.emplace_back(w, after < body.size() && body[after] == '(');
        } else {
            ++i;
        }
    }
    return out;
}

template <std::size_t N>
bool is_one_of(std::string_view word, const std::array<std::string_view, N>& words) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

constexpr std::array<std::string_view, 8> kIoctlBuilders = {"_IO",  "_IOR",     "_IOW",     "_IOWR",
                                                            "_IOC", "_IOR_BAD", "_IOW_BAD", "_IOWR_BAD"};

// Attributes, asm and typedefs make a declaration wherever they stand.
constexpr std::array<std::string_view, 5> kDeclarationWords = {"__attribute__", "__attribute", "asm", "__asm__", "typedef"};

// A body that starts with a tag keyword names a type ("#define foo_t
// struct foo"); after an operator such as sizeof, offsetof or a cast the
// tag is part of an integer expression.
constexpr std::array<std::string_view, 3> kTagWords = {"struct", "union", "enum"};

// Operators whose operand is a type and whose result is an integer.
constexpr std::array<std::string_view, 7> kTypeOperators = {"sizeof",   "offsetof", "__builtin_offsetof", "_Alignof",
                                                            "__alignof__", "__alignof", "alignof"};

bool calls_ioctl_builder(const Identifiers& ids) {
    return std::any_of(ids.begin(), ids.end(), [](const auto& id) { return id.second && is_one_of(id.first, kIoctlBuilders); });
}

// The names a body calls, other than sizeof and the like.
std::vector<std::string> called_names(const Identifiers& ids) {
    std::vector<std::string> out;
    for (const auto& [word, call] : ids)
        if (call && word != "sizeof" && word != "__attribute__") out.emplace_back(word);
    return out;
}

bool worth_probing(std::string_view body, const Identifiers& ids) {
    // "#define X X" is kept: over an enum constant X it lets userspace
    // #ifdef the constant, and its value is the constant's.
    if (body.empty()) return false;
    // Character literals are integers (the iommufd type is ';'), so only
    // punctuation outside them counts.
    bool in_char = false;
    for (std::size_t i = 0; i < body.size(); ++i) {
        char c = body[i];
        if (in_char) {
            if (c == '\\') ++i;
            else if (c == '\'') in_char = false;
            continue;
        }
        if (c == '\'') in_char = true;
        else if (c == '"' || c == '{' || c == '}' || c == ';' || c == '#') return false;
    }
    bool integer_use_of_tags = calls_ioctl_builder(ids);
    bool declares = !ids.empty() && is_one_of(ids.front().first, kTagWords) && body.starts_with(ids.front().first);
    for (const auto& [word, call] : ids) {
        if (is_one_of(word, kTypeOperators)) integer_use_of_tags = true;
        if (is_one_of(word, kDeclarationWords)) declares = true;
    }
    return integer_use_of_tags || !declares;
}

// Reads the text of a file whole; an unreadable file reads as empty, like
// one with no directives (the parse reports it properly).
std::string file_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    std::string text(static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg())), '\0');
    in.seekg(0);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
    return text;
}

}  // namespace

HeaderText read_header_text(const fs::path& file) { return parse_header_text(file_text(file)); }

HeaderText parse_header_text(std::string_view contents) {
    HeaderText out;
    for (const std::string& text : directive_lines(contents)) {
        std::string_view line = text;
        std::size_t i = skip_spaces(line, 0);
        if (i >= line.size() || line[i] != '#') continue;
        i = skip_spaces(line, i + 1);
        std::string_view directive = word_at(line, i);
        i = skip_spaces(line, i);
        if (directive == "include" && i < line.size() && (line[i] == '<' || line[i] == '"')) {
            char close = line[i] == '<' ? '>' : '"';
            std::size_t end = line.find(close, i + 1);
            if (end != std::string_view::npos)
                out.includes.push_back({std::string(line.substr(i + 1, end - i - 1)), close == '>'});
        } else if (directive == "define") {
            std::string_view name = word_at(line, i);
            if (name.empty()) continue;
            if (i < line.size() && line[i] == '(') {  // function-like: only wrappers of builders matter
                std::size_t close = line.find(')', i);
                if (close == std::string_view::npos) continue;
                std::string body = fold_whitespace(line.substr(close + 1));
                Identifiers ids = identifiers(body);
                if (calls_ioctl_builder(ids))
                    out.ioctl_wrappers.emplace_back(name);
                else if (auto called = called_names(ids); !called.empty())
                    out.calls.emplace_back(std::string(name), std::move(called));
                continue;
            }
            out.object_like_defines.push_back({std::string(name), fold_whitespace(line.substr(i))});
        }
    }
    for (const DefineLine& d : out.object_like_defines) {
        Identifiers ids = identifiers(d.body);
        if (is_plain_integer_literal(d.body)) {
            out.literal_names.push_back(d.name);
        } else if (worth_probing(d.body, ids)) {
            out.probe_names.push_back(d.name);
            if (calls_ioctl_builder(ids))
                out.ioctl_names.push_back(d.name);
            else if (auto called = called_names(ids); !called.empty())
                out.calls.emplace_back(d.name, std::move(called));
        }
        if (ids.size() == 1 && ids[0].first == d.body) out.aliases.emplace_back(d.name, d.body);
    }
    return out;
}

std::shared_ptr<const HeaderText> DefineIndex::get(const fs::path& file) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = cache_.find(file.native()); it != cache_.end()) return it->second;
    }
    std::string contents = file_text(file);
    std::shared_ptr<const HeaderText> text;
    {
        std::lock_guard lock(mutex_);
        if (auto it = by_contents_.find(contents); it != by_contents_.end()) text = it->second;
    }
    if (!text) {
        text = std::make_shared<const HeaderText>(parse_header_text(contents));
        std::lock_guard lock(mutex_);
        text = by_contents_.emplace(std::move(contents), text).first->second;
    }
    std::lock_guard lock(mutex_);
    return cache_.emplace(file.native(), std::move(text)).first->second;
}

const std::vector<fs::path>& DefineIndex::resolved_includes(const fs::path& file,
                                                           const std::vector<fs::path>& include_dirs,
                                                           const std::string& dirs_key) {
    std::string key = dirs_key + file.native();
    {
        std::lock_guard lock(resolved_mutex_);
        if (auto it = resolved_.find(key); it != resolved_.end()) return it->second;
    }
    std::vector<fs::path> found;
    for (const IncludeLine& inc : get(file)->includes) {
        std::vector<fs::path> candidates;
        if (!inc.angled) candidates.push_back(file.parent_path() / inc.spec);
        for (const auto& dir : include_dirs) candidates.push_back(dir / inc.spec);
        for (auto& candidate : candidates) {
            std::error_code ec;
            if (fs::is_regular_file(candidate, ec)) {
                found.push_back(candidate.lexically_normal());
                break;
            }
        }
    }
    std::lock_guard lock(resolved_mutex_);
    return resolved_.emplace(std::move(key), std::move(found)).first->second;
}

std::vector<fs::path> DefineIndex::closure(const fs::path& entry, const std::vector<fs::path>& include_dirs) {
    std::string dirs_key;  // each folder ends in a NUL, which no path contains
    for (const auto& d : include_dirs) dirs_key += d.native() + '\0';
    std::vector<fs::path> order;
    std::unordered_set<std::string> seen;
    std::vector<fs::path> pending = {entry.lexically_normal()};
    while (!pending.empty()) {
        fs::path file = std::move(pending.back());
        pending.pop_back();
        if (!seen.insert(file.native()).second) continue;
        order.push_back(file);
        for (const auto& next : resolved_includes(file, include_dirs, dirs_key)) pending.push_back(next);
    }
    return order;
}

bool worth_probing(const DefineLine& define) { return worth_probing(define.body, identifiers(define.body)); }

bool is_plain_integer_literal(const std::string& body) {
    std::string_view b = body;
    while (b.size() >= 2 && b.front() == '(' && b.back() == ')') {
        b = b.substr(1, b.size() - 2);
        while (!b.empty() && b.front() == ' ') b.remove_prefix(1);
        while (!b.empty() && b.back() == ' ') b.remove_suffix(1);
    }
    if (b.empty() || !is_digit(b.front())) return false;
    return std::all_of(b.begin(), b.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

bool builds_ioctl_number(const std::string& body) { return calls_ioctl_builder(identifiers(body)); }

}  // namespace uapikit::scan
