#include "abi/version_builder.hpp"

#include "scan/scan_driver.hpp"
#include "scan/targets.hpp"
#include "util/errors.hpp"
#include "uapikit_paths.hpp"

#include <cstdlib>

namespace uapikit::abi {
namespace fs = std::filesystem;
namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
}

std::string with_paths(std::string dir, const BuildPaths& paths) {
    replace_all(dir, "{abi}", paths.abi_dir.string());
    replace_all(dir, "{kernel}", paths.kernel_headers.string());
    return dir;
}

}  // namespace

fs::path kernel_headers_from(const std::string& option) {
    if (!option.empty()) return option;
    if (const char* env = std::getenv("UAPIKIT_KERNEL_HEADERS"); env && *env) return env;
    return kDefaultKernelHeaders;
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
    if (needs_kernel && !fs::is_directory(paths.kernel_headers, ec))
        throw input_error("kernel headers folder '" + paths.kernel_headers.string() +
                          "' does not exist: run scripts/kernel-headers.sh or pass --kernel-headers");

    ir::Manifest manifest = scan::scan(request);
    manifest.version = version.name;
    manifest.partial = version.partial;
    // Record the folders symbolically: {abi} and {kernel} are machine paths.
    for (auto& [triple, abi] : manifest.targets) {
        std::vector<std::string> dirs;
        for (const auto& dir : version.include) dirs.push_back(scan::expand_include_dir(dir, *scan::find_target(triple)));
        abi.clang_args = scan::clang_arguments(*scan::find_target(triple), dirs, version.defines);
    }
    return manifest;
}

}  // namespace uapikit::abi
