// Small predicates about uapi declarations that check and diff share: what
// counts as a reserved field, a 64-bit field, a flag enum, a compat pair.
#pragma once

#include "ir/abi.hpp"

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace uapikit::analysis {

// A 64-bit integer field, or an array of them (pointers are not integers).
bool is_64bit_integer(const ir::Field& field);

// An enum whose constants are bits to OR together: its name says "flag", or
// it has at least three non-zero constants, all single bits.
bool is_flag_enum(const ir::Enum& e);

bool is_single_bit(std::uint64_t value);

// Where an enum constant is declared: its own line when the manifest has
// it, else its enum's.
ir::Origin origin_of(const ir::Enum& e, const ir::EnumConstant& c);

// Fields declared with a type whose size depends on the ABI (long,
// pointers, enums, bool, __kernel_long_t...).
bool has_abi_dependent_type(const ir::Field& field);

// (32-bit, 64-bit) targets that run on the same kernel: a 32-bit process
// on a 64-bit kernel passes the 32-bit layout.
const std::vector<std::pair<std::string, std::string>>& compat_pairs();

// A declaration belongs to what was scanned when its file is one of the
// manifest's headers, or the asm/ half of one (linux/kvm.h -> asm/kvm.h).
bool in_scope(const std::string& file, const std::vector<std::string>& headers);

// in_scope for many files against the same headers: the include-relative
// names are looked up in a set; only headers given as paths need a scan.
class HeaderScope {
public:
    explicit HeaderScope(const std::vector<std::string>& headers);
    bool contains(const std::string& file) const;

private:
    std::unordered_set<std::string> files_;
    std::vector<std::string> paths_;  // headers given as file paths
};

// "offset 8" for whole bytes, "bit 65" otherwise.
std::string describe_offset(std::uint64_t offset_bits);

}  // namespace uapikit::analysis
