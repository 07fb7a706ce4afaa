// Where uapikit-gen finds the kit's data when no option or environment
// variable names it. A binary that runs from its build folder uses the
// source tree (abi/ and the header cache scripts/kernel-headers.sh fills);
// an installed binary uses only what `meson install` put beside it, so a
// source tree that moved or changed never leaks into an installed tool.
#pragma once

#include <filesystem>
#include <optional>

namespace uapikit {

// True when this process's executable lies inside the build folder it was
// configured with (read from /proc/self/exe).
bool running_from_build_tree();

// The folder of ABI versions: the source tree's abi/ from a build folder,
// else <prefix>/share/uapikit/abi found relative to the executable (so a
// relocated or DESTDIR-staged install works), else the configured prefix's.
std::filesystem::path default_abi_dir();

// The folder of Linux 6.12 headers_install trees (<arch>/include): the
// build's cache from a build folder; nothing for an installed tool, which
// has no cache of its own.
std::optional<std::filesystem::path> default_kernel_headers();

}  // namespace uapikit
