// The target triples scan supports and how each maps to a kernel ARCH.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace uapikit::scan {

struct Target {
    std::string_view triple;
    std::string_view kernel_arch;  // the ARCH= of `make headers_install`
    // A preprocessor condition true only when compiling for this target, so
    // generated code can select its expectations.
    std::string_view predefined_test;
};

const std::vector<Target>& supported_targets();

// nullptr when `triple` is not supported.
const Target* find_target(std::string_view triple);

// "a, b, c" list of supported triples, for error messages and --help.
std::string supported_target_list();

// Replaces "{arch}" and "{triple}" in an -I argument, so one command line
// can name a per-architecture headers_install tree.
std::string expand_include_dir(std::string dir, const Target& target);

// The exact clang arguments scan parses with for `target`. C, not C++: the
// uapi headers are C, and the kernel ABI is the C layout. No libc or host
// headers: only the given trees and clang's own builtin headers. `defines`
// are NAME or NAME=VALUE, passed on as -D.
std::vector<std::string> clang_arguments(const Target& target, const std::vector<std::string>& include_dirs,
                                         const std::vector<std::string>& defines = {});

}  // namespace uapikit::scan
