// Rules for an enum constant or macro whose value changed: the named
// classes of constants that exist to change (counting sentinels, masks of
// every valid bit, version numbers) are compatible; docs/abi-rules.md
// lists the patterns.
#pragma once

#include "ir/abi.hpp"

#include <optional>
#include <string>

namespace uapikit::analysis {

struct ConstantVerdict {
    std::string kind;     // "sentinel-changed", "mask-changed", "version-changed"
    std::string message;
};

// nullopt when no rule explains the change (it stays incompatible).
// `macro` says the constant is a macro rather than an enum constant: a
// macro named *_SIZE is a size, not a count (check-uapi.sh applies its
// *_SIZE pattern to enumerators only).
std::optional<ConstantVerdict> expected_change(const std::string& name, const ir::Integer& before, const ir::Integer& after,
                                               bool macro);

// A counting sentinel by name (check-uapi.sh's list): a flag that takes its
// old value takes no flag's bit.
bool is_sentinel_name(const std::string& name, bool macro);

}  // namespace uapikit::analysis
