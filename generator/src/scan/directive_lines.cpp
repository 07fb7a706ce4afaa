#include "scan/directive_lines.hpp"

#include <algorithm>
#include <cstring>

namespace uapikit::scan {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// Where the next occurrence of one character is, at or after a position.
// A header is mostly prose and declarations; finding the few characters
// that matter with memchr, and remembering where each one is until it is
// passed, reads every byte about once per character looked for.
class NextOf {
public:
    NextOf(std::string_view text, char c) : text_(text), c_(c) {}

    std::size_t at_or_after(std::size_t i) {
        if (!known_ || at_ < i) {
            const void* hit = i < text_.size() ? std::memchr(text_.data() + i, c_, text_.size() - i) : nullptr;
            at_ = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - text_.data()) : text_.size();
            known_ = true;
        }
        return at_;
    }

private:
    std::string_view text_;
    char c_;
    std::size_t at_ = 0;
    bool known_ = false;
};

// One logical line being read: whether it is a directive is decided by
// its first non-blank character, and only directive text is kept.
class LineBuilder {
public:
    explicit LineBuilder(std::vector<std::string>& out) : out_(out) {}

    // Plain text: no comment, continuation or newline in it.
    void put(std::string_view run) {
        if (kind_ == Kind::Undecided) {
            auto first = std::find_if_not(run.begin(), run.end(), is_blank);
            if (first != run.end()) kind_ = *first == '#' ? Kind::Directive : Kind::Other;
        }
        if (kind_ != Kind::Other) current_.append(run);
    }

    void end_line() {
        if (kind_ == Kind::Directive) out_.push_back(std::move(current_));
        current_.clear();
        kind_ = Kind::Undecided;
    }

private:
    enum class Kind { Undecided, Directive, Other };
    std::vector<std::string>& out_;
    std::string current_;
    Kind kind_ = Kind::Undecided;
};

}  // namespace

std::vector<std::string> directive_lines(std::string_view text) {
    std::vector<std::string> lines;
    LineBuilder line(lines);
    const std::size_t n = text.size();
    NextOf slash(text, '/'), backslash(text, '\\'), newline(text, '\n');
    std::size_t i = 0;
    while (i < n) {
        // A run of plain text ends at a possible comment, a possible
        // continuation or the end of the line.
        std::size_t end = std::min({slash.at_or_after(i), backslash.at_or_after(i), newline.at_or_after(i)});
        line.put(text.substr(i, end - i));
        i = end;
        if (i >= n) break;
        char c = text[i];
        char next = i + 1 < n ? text[i + 1] : '\0';
        if (c == '\n') {
            line.end_line();
            ++i;
        } else if (c == '/' && next == '*') {
            // A comment spanning lines keeps the logical line open.
            std::size_t close = text.find("*/", i + 2);
            if (close == std::string_view::npos) break;
            line.put(" ");
            i = close + 2;
        } else if (c == '/' && next == '/') {
            i = text.find('\n', i);
            if (i == std::string_view::npos) i = n;
        } else if (c == '\\' && next == '\n') {
            line.put(" ");
            i += 2;
        } else {
            line.put(text.substr(i, 1));
            ++i;
        }
    }
    line.end_line();
    return lines;
}

}  // namespace uapikit::scan
