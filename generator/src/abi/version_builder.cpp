#include "abi/version_builder.hpp"

#include "ir/lookup.hpp"
#include "scan/scan_driver.hpp"
#include "scan/targets.hpp"
#include "util/errors.hpp"
#include "util/data_paths.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace uapikit::abi {
namespace fs = std::filesystem;
namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
}

using ir::find_record;

bool has_ioctl_macro(const ir::TargetAbi& abi, const std::string& name) {
    return std::any_of(abi.macros.begin(), abi.macros.end(), [&](const ir::Macro& m) { return m.name == name && m.ioctl; });
}

}  // namespace

std::vector<ir::Command> read_commands(const fs::path& file, const ir::Manifest& manifest) {
    std::ifstream in(file);
    auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("commands") || !j["commands"].is_array())
        throw input_error(file.string() + ": not a command table (an object whose \"commands\" is an array)");
    std::vector<ir::Command> out;
    for (const auto& row : j["commands"]) {
        auto text = [&](const char* key) {
            if (!row.is_object() || !row.contains(key) || !row[key].is_string())
                throw input_error(file.string() + ": every row of \"commands\" needs a string \"" + key + "\"");
            return row[key].get<std::string>();
        };
        ir::Command c{text("request"), text("struct"), text("last_required")};
        bool defined = std::all_of(manifest.targets.begin(), manifest.targets.end(),
                                   [&](const auto& t) { return has_ioctl_macro(t.second, c.request); });
        if (!defined) continue;
        for (const auto& [triple, abi] : manifest.targets) {
            const ir::Record* r = find_record(abi, c.record);
            bool has_field = r && std::any_of(r->fields.begin(), r->fields.end(),
                                              [&](const ir::Field& f) { return f.name == c.last_required; });
            if (!has_field)
                throw input_error(file.string() + ": " + c.request + " names " + c.record + "." + c.last_required +
                                  ", which " + triple + " does not have");
        }
        out.push_back(std::move(c));
    }
    return out;
}

std::string with_paths(std::string dir, const BuildPaths& paths) {
    if (!paths.abi_dir.empty()) replace_all(dir, "{abi}", paths.abi_dir.string());
    if (!paths.kernel_headers.empty()) replace_all(dir, "{kernel}", paths.kernel_headers.string());
    return dir;
}

fs::path kernel_headers_from(const std::string& option) {
    if (!option.empty()) return option;
    if (const char* env = std::getenv("UAPIKIT_KERNEL_HEADERS"); env && *env) return env;
    return default_kernel_headers().value_or(fs::path());
}

ir::Manifest build_version(const VersionSpec& version, const BuildPaths& paths) {
    scan::ScanRequest request;
    request.headers = version.headers;
    request.defines = version.defines;
    request.jobs = paths.jobs;
    request.targets = version.targets;
    if (request.targets.empty())
        for (const auto& t : scan::supported_targets()) request.targets.emplace_back(t.triple);
    bool needs_kernel = false;
    for (const auto& dir : version.include) {
        needs_kernel = needs_kernel || dir.find("{kernel}") != std::string::npos;
        request.include_dirs.push_back(with_paths(dir, paths));
    }
    std::error_code ec;
    if (needs_kernel && paths.kernel_headers.empty())
        throw input_error("version '" + version.name +
                          "' is scanned against Linux 6.12 headers_install trees (<arch>/include), and an installed "
                          "uapikit-gen has none: pass --kernel-headers DIR or set UAPIKIT_KERNEL_HEADERS (the source "
                          "tree's scripts/kernel-headers.sh builds them)");
    if (needs_kernel && !fs::is_directory(paths.kernel_headers, ec))
        throw input_error("kernel headers folder '" + paths.kernel_headers.string() +
                          "' does not exist: run scripts/kernel-headers.sh or pass --kernel-headers");

    ir::Manifest manifest = scan::scan(request);
    manifest.version = version.name;
    manifest.partial = version.partial;
    if (!version.commands.empty()) manifest.commands = read_commands(paths.abi_dir / version.commands, manifest);
    // Record the folders symbolically: {abi} and {kernel} are machine paths.
    for (auto& [triple, abi] : manifest.targets) {
        const scan::Target& target = *scan::find_target(triple);
        std::vector<std::string> dirs;
        for (const auto& dir : version.include) dirs.push_back(scan::expand_include_dir(dir, target));
        abi.clang_args = scan::clang_arguments(target, dirs, version.defines);
        for (auto& file : abi.header_files)
            for (std::size_t i = 0; i < dirs.size(); ++i) {
                std::string real = scan::expand_include_dir(with_paths(version.include[i], paths), target) + "/";
                if (file.starts_with(real)) {
                    file = dirs[i] + "/" + file.substr(real.size());
                    break;
                }
            }
    }
    return manifest;
}

}  // namespace uapikit::abi
