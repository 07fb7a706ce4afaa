// The characters of C identifiers, for the few places that split macro
// text or check a name by hand. ASCII only, as uapi headers are; a table,
// not std::isalnum, because the locale-aware call cost more than the rest
// of reading a header's directives.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace uapikit::scan {

inline constexpr std::array<bool, 256> kIdentifierChars = [] {
    std::array<bool, 256> word{};
    for (int c = 0; c < 256; ++c)
        word[c] = c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return word;
}();

// A letter, digit or underscore. A number's digits and suffix are runs of
// these too, which is how the macro readers step over them.
inline bool is_identifier_char(char c) { return kIdentifierChars[static_cast<unsigned char>(c)]; }

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A whole C identifier: clang spells unnamed tags as prose instead.
inline bool is_identifier(std::string_view s) {
    return !s.empty() && !is_digit(s.front()) && std::all_of(s.begin(), s.end(), is_identifier_char);
}

}  // namespace uapikit::scan
