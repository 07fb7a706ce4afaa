// Decides which files count as uapi input and names them relative to the
// folder that holds them, so manifests are independent of where a tree
// lives. Files outside every root (clang's builtin headers, the command
// line) are not reported.
#pragma once

#include "ir/abi.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace uapikit::scan {

class OriginMapper {
public:
    explicit OriginMapper(std::vector<std::filesystem::path> roots);

    // "linux/kvm.h" for ".../include/linux/kvm.h"; nullopt outside the roots.
    std::optional<std::string> relative(const std::string& file) const;

private:
    std::vector<std::filesystem::path> roots_;  // normalised, longest first
    mutable std::unordered_map<std::string, std::optional<std::string>> cache_;
};

}  // namespace uapikit::scan
