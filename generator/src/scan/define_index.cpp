#include "scan/define_index.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace uapikit::scan {
namespace fs = std::filesystem;

namespace {

// Joins backslash-continued lines and drops comments so that each logical
// preprocessor line is one string. String literals are left alone except
// that comment markers inside them end the scan of that line; bodies with
// quotes are never probed anyway.
std::vector<std::string> logical_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::string current;
    bool in_block_comment = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if (in_block_comment) {
            if (c == '*' && next == '/') {
                in_block_comment = false;
                current += ' ';
                ++i;
            } else if (c == '\n') {
                // a comment spanning lines keeps the logical line open only
                // if it started in a directive; either way a space suffices
            }
            continue;
        }
        if (c == '/' && next == '*') {
            in_block_comment = true;
            ++i;
            continue;
        }
        if (c == '/' && next == '/') {
            while (i < text.size() && text[i] != '\n') ++i;
            --i;
            continue;
        }
        if (c == '\\' && next == '\n') {
            ++i;
            current += ' ';
            continue;
        }
        if (c == '\n') {
            lines.push_back(std::move(current));
            current.clear();
            continue;
        }
        current += c;
    }
    if (!current.empty()) lines.push_back(std::move(current));
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

HeaderText read_header_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    static const std::regex include_re(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
    static const std::regex define_re(R"(^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)(\(?)(.*)$)");
    HeaderText out;
    for (const std::string& line : logical_lines(buffer.str())) {
        std::size_t hash = line.find_first_not_of(" \t");
        if (hash == std::string::npos || line[hash] != '#') continue;
        std::smatch m;
        if (std::regex_search(line, m, include_re)) {
            out.includes.push_back({m[2].str(), m[1].str() == "<"});
        } else if (std::regex_search(line, m, define_re) && m[2].str().empty()) {
            out.object_like_defines.push_back({m[1].str(), fold_whitespace(m[3].str())});
        }
    }
    return out;
}

std::shared_ptr<const HeaderText> DefineIndex::get(const fs::path& file) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = cache_.find(file); it != cache_.end()) return it->second;
    }
    auto text = std::make_shared<const HeaderText>(read_header_text(file));
    std::lock_guard lock(mutex_);
    return cache_.emplace(file, std::move(text)).first->second;
}

std::vector<fs::path> DefineIndex::closure(const fs::path& entry, const std::vector<fs::path>& include_dirs) {
    std::vector<fs::path> order;
    std::set<fs::path> seen;
    std::vector<fs::path> pending = {entry.lexically_normal()};
    while (!pending.empty()) {
        fs::path file = std::move(pending.back());
        pending.pop_back();
        if (!seen.insert(file).second) continue;
        order.push_back(file);
        for (const IncludeLine& inc : get(file)->includes) {
            std::vector<fs::path> candidates;
            if (!inc.angled) candidates.push_back(file.parent_path() / inc.spec);
            for (const auto& dir : include_dirs) candidates.push_back(dir / inc.spec);
            for (auto& candidate : candidates) {
                std::error_code ec;
                if (fs::is_regular_file(candidate, ec)) {
                    pending.push_back(candidate.lexically_normal());
                    break;
                }
            }
        }
    }
    return order;
}

bool worth_probing(const DefineLine& define) {
    const std::string& b = define.body;
    if (b.empty() || b == define.name) return false;
    // Character literals are integers (the iommufd type is ';'), so take
    // them out before looking for statement punctuation.
    static const std::regex char_literal(R"('(\\.|[^'\\])+')");
    std::string outside_chars = std::regex_replace(b, char_literal, "0");
    if (outside_chars.find_first_of("\"{};#") != std::string::npos) return false;
    static const std::regex excluded(R"(\b(__attribute__|__attribute|asm|__asm__|typedef|struct|union|enum)\b)");
    // sizeof(struct x) and _IOW(t, n, struct x) are integers; other uses of
    // tags and attributes are types or declarations.
    bool integer_use_of_tags = b.find("sizeof") != std::string::npos || builds_ioctl_number(b);
    if (!integer_use_of_tags && std::regex_search(b, excluded)) return false;
    return true;
}

bool builds_ioctl_number(const std::string& body) {
    static const std::regex ioctl_re(R"(\b_IO(R|W|WR|C)?(_BAD)?\s*\()");
    return std::regex_search(body, ioctl_re);
}

}  // namespace uapikit::scan
