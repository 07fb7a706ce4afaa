// The ABI versions the kit ships: one folder per version under abi/, each
// with a version.json that says how to scan it and the manifest.json that
// scan produced. check, diff and emit accept a version name wherever they
// accept a manifest file.
#pragma once

#include "ir/abi.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace uapikit::abi {

struct VersionSpec {
    std::string name;      // the folder name, e.g. "linux-7.1"
    std::string summary;   // one line for `abi list`
    std::string based_on;  // version it builds on, "" for none
    std::string source;    // where the facts come from
    bool partial = false;  // describes part of the interface (see ir::Manifest)
    std::vector<std::string> headers;  // what to scan, include-style
    std::vector<std::string> include;  // -I folders; may use {abi}, {kernel}, {arch}, {triple}
    std::vector<std::string> defines;  // NAME or NAME=VALUE
    std::vector<std::string> targets;  // triples; empty means every supported target
    std::string commands;              // command table file, relative to the abi folder; "" for none
    std::filesystem::path folder;

    std::filesystem::path manifest_path() const { return folder / "manifest.json"; }
};

class VersionCatalog {
public:
    // Reads every <abi_dir>/*/version.json; throws InputError on a bad one.
    explicit VersionCatalog(std::filesystem::path abi_dir);

    const std::vector<VersionSpec>& versions() const { return versions_; }
    const VersionSpec* find(const std::string& name) const;
    const std::filesystem::path& abi_dir() const { return abi_dir_; }
    std::string names() const;  // "a, b, c" for messages
    // True when `descendant` is built on `ancestor` through based_on links.
    bool descends_from(const std::string& descendant, const std::string& ancestor) const;

private:
    std::filesystem::path abi_dir_;
    std::vector<VersionSpec> versions_;  // sorted by name
};

// The abi/ folder to use: `option` when given, else $UAPIKIT_ABI_DIR, else
// the source tree's (from a build folder) or the installed one.
std::filesystem::path abi_dir_from(const std::string& option);

// A manifest and the name to show for it in reports.
struct LoadedAbi {
    std::string label;
    ir::Manifest manifest;
};

// `arg` is a manifest file when such a file exists, else a version name.
// Throws InputError naming the known versions when it is neither.
LoadedAbi load_version_or_manifest(const std::string& arg, const std::string& abi_dir_option);

}  // namespace uapikit::abi
