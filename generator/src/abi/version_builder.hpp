// Builds a version's manifest from its version.json: scans its headers for
// its targets and records the -I folders with {abi} and {kernel} left
// symbolic, so the committed manifest is the same on every machine.
#pragma once

#include "abi/version_catalog.hpp"

namespace uapikit::abi {

struct BuildPaths {
    std::filesystem::path abi_dir;
    std::filesystem::path kernel_headers;  // holds <arch>/include trees
    unsigned jobs = 0;
};

// The kernel headers folder: `option`, else $UAPIKIT_KERNEL_HEADERS, else
// the build's cache when running from a build folder, else empty (an
// installed tool has no cache; build_version then says how to give one).
std::filesystem::path kernel_headers_from(const std::string& option);

// An -I folder of a version.json or a committed manifest with {abi} and
// {kernel} made paths' folders; an empty path leaves its placeholder.
std::string with_paths(std::string dir, const BuildPaths& paths);

ir::Manifest build_version(const VersionSpec& version, const BuildPaths& paths);

// The rows of a command table (abi/surface/commands.json's format) whose
// request every target of `manifest` defines. Throws InputError for a file
// that is not a table, or a row naming a struct or field the manifest lacks.
std::vector<ir::Command> read_commands(const std::filesystem::path& file, const ir::Manifest& manifest);

}  // namespace uapikit::abi
