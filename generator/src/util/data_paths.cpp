#include "util/data_paths.hpp"

#include "uapikit_paths.hpp"

namespace uapikit {
namespace fs = std::filesystem;
namespace {

fs::path executable_path() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe;
}

// `path` is `dir` or lies below it; both are compared in canonical form.
bool lies_within(const fs::path& path, const fs::path& dir) {
    std::error_code ec;
    fs::path root = fs::weakly_canonical(dir, ec);
    if (ec || root.empty()) return false;
    fs::path rel = fs::weakly_canonical(path, ec).lexically_relative(root);
    return !ec && !rel.empty() && *rel.begin() != "..";
}

}  // namespace

bool running_from_build_tree() {
    fs::path exe = executable_path();
    return !exe.empty() && lies_within(exe, kBuildRoot);
}

fs::path default_abi_dir() {
    if (running_from_build_tree()) return kDefaultAbiDir;
    // <prefix>/bin/uapikit-gen -> <prefix>/share/uapikit/abi
    fs::path exe = executable_path();
    std::error_code ec;
    if (!exe.empty()) {
        fs::path beside = exe.parent_path().parent_path() / kInstalledDataSubdir / "abi";
        if (fs::is_directory(beside, ec)) return beside;
    }
    return kInstalledAbiDir;
}

std::optional<fs::path> default_kernel_headers() {
    if (running_from_build_tree()) return fs::path(kDefaultKernelHeaders);
    return std::nullopt;
}

}  // namespace uapikit
