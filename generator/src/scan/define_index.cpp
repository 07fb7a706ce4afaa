#include "scan/define_index.hpp"

#include <fstream>
#include <algorithm>
#include <cctype>
#include <string_view>
#include <set>
#include <unordered_set>

namespace uapikit::scan {
namespace fs = std::filesystem;

namespace {

// Joins backslash-continued lines and drops comments so that each logical
// preprocessor line is one string. String literals are left alone except
// that comment markers inside them end the scan of that line; bodies with
// quotes are never probed anyway. Only directive lines (first character
// '#') are returned: nothing else is looked at. Runs of text without a
// slash, backslash or newline are handled whole, and so are comment bodies:
// going character by character was most of the cost of reading a header.
std::vector<std::string> logical_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::string current;
    enum class Kind { Undecided, Directive, Other } kind = Kind::Undecided;
    auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
    // Appends plain text (no comment, continuation or newline in it).
    auto put = [&](std::string_view run) {
        if (kind == Kind::Undecided) {
            auto first = std::find_if_not(run.begin(), run.end(), is_blank);
            if (first != run.end()) kind = *first == '#' ? Kind::Directive : Kind::Other;
        }
        if (kind != Kind::Other) current.append(run);
    };
    auto end_line = [&] {
        if (kind == Kind::Directive) lines.push_back(std::move(current));
        current.clear();
        kind = Kind::Undecided;
    };
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        std::size_t special = text.find_first_of("/\\\n", i);
        if (special == std::string::npos) special = n;
        put(std::string_view(text).substr(i, special - i));
        i = special;
        if (i >= n) break;
        char c = text[i];
        char next = i + 1 < n ? text[i + 1] : '\0';
        if (c == '\n') {
            end_line();
            ++i;
        } else if (c == '/' && next == '*') {
            // A comment spanning lines keeps the logical line open.
            std::size_t close = text.find("*/", i + 2);
            if (close == std::string::npos) break;
            put(" ");
            i = close + 2;
        } else if (c == '/' && next == '/') {
            i = text.find('\n', i);
            if (i == std::string::npos) i = n;
        } else if (c == '\\' && next == '\n') {
            put(" ");
            i += 2;
        } else {
            put(std::string_view(text).substr(i, 1));
            ++i;
        }
    }
    if (kind == Kind::Directive) lines.push_back(std::move(current));
    return lines;
}

std::string fold_whitespace(const std::string& s) {
    std::string out;
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

}  // namespace

namespace {

bool is_word_char(char c) { return c == '_' || std::isalnum(static_cast<unsigned char>(c)); }

std::size_t skip_spaces(const std::string& s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return i;
}

std::string word_at(const std::string& s, std::size_t& i) {
    std::size_t start = i;
    while (i < s.size() && is_word_char(s[i])) ++i;
    return s.substr(start, i - start);
}

// The identifiers of a body, in order, each with whether "(" follows it.
std::vector<std::pair<std::string, bool>> identifiers(const std::string& body) {
    std::vector<std::pair<std::string, bool>> out;
    for (std::size_t i = 0; i < body.size();) {
        if (body[i] == '\'') {  // skip a character literal
            for (++i; i < body.size() && body[i] != '\''; ++i)
                if (body[i] == '\\') ++i;
            ++i;
        } else if (std::isdigit(static_cast<unsigned char>(body[i]))) {
            while (i < body.size() && is_word_char(body[i])) ++i;  // a number, with its suffix
        } else if (is_word_char(body[i])) {
            std::string w = word_at(body, i);
            out.emplace_back(std::move(w), skip_spaces(body, i) < body.size() && body[skip_spaces(body, i)] == '(');
        } else {
            ++i;
        }
    }
    return out;
}

}  // namespace

HeaderText read_header_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    std::string text(static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg())), '\0');
    in.seekg(0);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
    HeaderText out;
    for (const std::string& line : logical_lines(text)) {
        std::size_t i = skip_spaces(line, 0);
        if (i >= line.size() || line[i] != '#') continue;
        i = skip_spaces(line, i + 1);
        std::string directive = word_at(line, i);
        i = skip_spaces(line, i);
        if (directive == "include" && i < line.size() && (line[i] == '<' || line[i] == '"')) {
            char close = line[i] == '<' ? '>' : '"';
            std::size_t end = line.find(close, i + 1);
            if (end != std::string::npos) out.includes.push_back({line.substr(i + 1, end - i - 1), close == '>'});
        } else if (directive == "define") {
            std::string name = word_at(line, i);
            if (name.empty() || (i < line.size() && line[i] == '(')) continue;  // function-like
            out.object_like_defines.push_back({std::move(name), fold_whitespace(line.substr(i))});
        }
    }
    for (const DefineLine& d : out.object_like_defines) {
        if (is_plain_integer_literal(d.body)) {
            out.literal_names.push_back(d.name);
        } else if (worth_probing(d)) {
            out.probe_names.push_back(d.name);
            if (builds_ioctl_number(d.body)) out.ioctl_names.push_back(d.name);
        }
        auto ids = identifiers(d.body);
        if (ids.size() == 1 && ids[0].first == d.body) out.aliases.emplace_back(d.name, d.body);
    }
    return out;
}

std::shared_ptr<const HeaderText> DefineIndex::get(const fs::path& file) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = cache_.find(file.native()); it != cache_.end()) return it->second;
    }
    auto text = std::make_shared<const HeaderText>(read_header_text(file));
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

bool worth_probing(const DefineLine& define) {
    const std::string& b = define.body;
    if (b.empty() || b == define.name) return false;
    // Character literals are integers (the iommufd type is ';'), so only
    // punctuation outside them counts.
    bool in_char = false;
    for (std::size_t i = 0; i < b.size(); ++i) {
        char c = b[i];
        if (in_char) {
            if (c == '\\') ++i;
            else if (c == '\'') in_char = false;
            continue;
        }
        if (c == '\'') in_char = true;
        else if (c == '"' || c == '{' || c == '}' || c == ';' || c == '#') return false;
    }
    // sizeof(struct x) and _IOW(t, n, struct x) are integers; other uses of
    // tags and attributes are types or declarations.
    static const std::set<std::string> declaration_words = {"__attribute__", "__attribute", "asm", "__asm__",
                                                            "typedef", "struct", "union", "enum"};
    bool integer_use_of_tags = builds_ioctl_number(b);
    bool declares = false;
    for (const auto& [word, call] : identifiers(b)) {
        if (word == "sizeof") integer_use_of_tags = true;
        if (declaration_words.count(word)) declares = true;
    }
    return integer_use_of_tags || !declares;
}

bool is_plain_integer_literal(const std::string& body) {
    std::string_view b = body;
    while (b.size() >= 2 && b.front() == '(' && b.back() == ')') {
        b = b.substr(1, b.size() - 2);
        while (!b.empty() && b.front() == ' ') b.remove_prefix(1);
        while (!b.empty() && b.back() == ' ') b.remove_suffix(1);
    }
    if (b.empty() || !std::isdigit(static_cast<unsigned char>(b.front()))) return false;
    return std::all_of(b.begin(), b.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

bool builds_ioctl_number(const std::string& body) {
    static const std::set<std::string> builders = {"_IO", "_IOR", "_IOW", "_IOWR", "_IOC",
                                                   "_IOR_BAD", "_IOW_BAD", "_IOWR_BAD"};
    for (const auto& [word, call] : identifiers(body))
        if (call && builders.count(word)) return true;
    return false;
}

}  // namespace uapikit::scan
