#include "analysis/uapi_rules.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace uapikit::analysis {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "unsigned long long[4]" -> ("unsigned long long", 4); no brackets -> count 1.
std::pair<std::string_view, std::uint64_t> element_type(std::string_view type) {
    std::uint64_t count = 1;
    while (!type.empty() && type.back() == ']') {
        auto open = type.rfind('[');
        if (open == std::string_view::npos) break;
        std::uint64_t n = 0;
        for (char c : type.substr(open + 1, type.size() - open - 2))
            if (std::isdigit(static_cast<unsigned char>(c))) n = n * 10 + static_cast<unsigned>(c - '0');
        count *= n;
        type = type.substr(0, open);
        while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    }
    return {type, count};
}

}  // namespace

bool is_64bit_integer(const ir::Field& field) {
    if (field.flexible || field.bit_width) return false;
    auto [base, count] = element_type(field.canonical_type);
    static constexpr std::array<std::string_view, 4> wide = {"unsigned long long", "long long", "unsigned long", "long"};
    if (std::find(wide.begin(), wide.end(), base) == wide.end() || count == 0) return false;
    return field.size / count == 8;
}

bool is_single_bit(std::uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }

ir::Origin origin_of(const ir::Enum& e, const ir::EnumConstant& c) {
    if (!c.line) return e.origin;
    return {c.file.empty() ? e.origin.file : c.file, c.line, c.column};
}

bool is_flag_enum(const ir::Enum& e) {
    std::string lower;
    for (char c : e.name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("flag") != std::string::npos) return true;
    std::size_t nonzero = 0;
    for (const auto& c : e.constants) {
        if (c.value.bits == 0) continue;
        if (!is_single_bit(c.value.bits)) return false;
        ++nonzero;
    }
    return nonzero >= 3;
}

bool has_abi_dependent_type(const ir::Field& field) {
    // The declared spelling decides: __u64 is `unsigned long` underneath on
    // some 64-bit targets, but it is fixed-width by contract.
    auto [base, count] = element_type(field.type);
    (void)count;
    static constexpr std::array<std::string_view, 12> variable = {
        "long", "unsigned long", "signed long", "long int", "unsigned long int", "_Bool", "bool",
        "__kernel_long_t", "__kernel_ulong_t", "__kernel_size_t", "__kernel_ssize_t", "__kernel_ptrdiff_t"};
    return base.find('*') != std::string_view::npos || starts_with(base, "enum ") ||
           std::find(variable.begin(), variable.end(), base) != variable.end();
}

const std::vector<std::pair<std::string, std::string>>& compat_pairs() {
    static const std::vector<std::pair<std::string, std::string>> pairs = {
        {"i386-linux-gnu", "x86_64-linux-gnu"},
        {"arm-linux-gnueabihf", "aarch64-linux-gnu"},
    };
    return pairs;
}

bool in_scope(const std::string& file, const std::vector<std::string>& headers) {
    for (const auto& h : headers) {
        std::string_view header = h;
        if (header == file) return true;
        // A header given as a path ends with the include-relative name.
        if (header.size() > file.size() && header.substr(header.size() - file.size()) == file &&
            header[header.size() - file.size() - 1] == '/')
            return true;
        auto slash = header.rfind("linux/");
        if (slash != std::string_view::npos && file == "asm/" + std::string(header.substr(slash + 6))) return true;
    }
    return false;
}

HeaderScope::HeaderScope(const std::vector<std::string>& headers) {
    for (const auto& h : headers) {
        files_.insert(h);
        if (h.starts_with("linux/")) files_.insert("asm/" + h.substr(6));
        if (h.starts_with("/") || h.starts_with(".") || h.find("/linux/") != std::string::npos) paths_.push_back(h);
    }
}

bool HeaderScope::contains(const std::string& file) const {
    return files_.count(file) || (!paths_.empty() && in_scope(file, paths_));
}

std::string describe_offset(std::uint64_t offset_bits) {
    if (offset_bits % 8 == 0) return "offset " + std::to_string(offset_bits / 8);
    return "bit " + std::to_string(offset_bits);
}

}  // namespace uapikit::analysis
