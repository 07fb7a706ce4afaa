// `uapikit-gen check`: the layout problems uapi reviewers ask about, found
// in one manifest, per target.
#pragma once

#include "analysis/finding.hpp"

namespace uapikit::analysis {

struct CheckOptions {
    bool all_files = false;  // also lint headers the scanned ones include (types.h, ...)
};

// Kinds: implicit-padding, compat-layout-differs, unaligned-64bit-field,
// macro-not-evaluable, flag-bits-overlap, abi-dependent-type,
// ioctl-size-overflow, ioctl-number-reused, ioctl-compat-number-differs.
Report check(const ir::Manifest& manifest, const CheckOptions& options);

}  // namespace uapikit::analysis
