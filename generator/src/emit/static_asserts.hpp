// Conformance tests generated from a manifest: one C++ file whose
// static_asserts restate every size, alignment, field offset, enum value and
// macro (ioctl numbers included) per target. Compiling it with
// `clang++ --target=...` against the same headers checks the manifest
// against the compiler, target by target, without running anything.
#pragma once

#include "ir/abi.hpp"

#include <string>

namespace uapikit::emit {

struct Provenance {
    std::string input;    // version name or manifest file
    std::string command;  // the command line that produced the file
};

std::string static_assert_source(const ir::Manifest& manifest, const Provenance& provenance);

}  // namespace uapikit::emit
