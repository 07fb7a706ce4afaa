// Decides which files count as uapi input and names them relative to the
// folder that holds them, so manifests are independent of where a tree
// lives. Files outside every root (clang's builtin headers, the command
// line) are not reported.
//
// One mapper serves every parse of a target, from several threads: each
// distinct path clang reports is worked out once, not once per parse.
#pragma once

#include "clang/libclang.hpp"

#include <filesystem>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace uapikit::scan {

class OriginMapper {
public:
    explicit OriginMapper(std::vector<std::filesystem::path> roots);

    struct Mapping {
        std::optional<std::string> relative;  // "linux/kvm.h"; nullopt outside the roots
        std::string normalised;               // the path, lexically normalised
    };

    // For a path as clang reports it. The reference stays valid as long as
    // the mapper does.
    const Mapping& map(const std::string& file) const;

    std::optional<std::string> relative(const std::string& file) const { return map(file).relative; }

private:
    std::vector<std::filesystem::path> roots_;  // normalised, longest first
    mutable std::shared_mutex mutex_;
    mutable std::unordered_map<std::string, Mapping> cache_;  // nodes never move or go away
};

// One parse's view of an OriginMapper, by clang's file handle: within a
// translation unit a handle names one file, so each file's name is read and
// looked up once per parse, not once per declaration.
class FileOrigins {
public:
    explicit FileOrigins(const OriginMapper& mapper) : mapper_(mapper) {}

    const OriginMapper::Mapping& operator()(clang::File file) {
        auto [it, added] = cache_.try_emplace(file, nullptr);
        if (added) it->second = &mapper_.map(file.name());
        return *it->second;
    }

    const OriginMapper& mapper() const { return mapper_; }

private:
    const OriginMapper& mapper_;
    std::unordered_map<clang::File, const OriginMapper::Mapping*, clang::File::Hash> cache_;
};

}  // namespace uapikit::scan
