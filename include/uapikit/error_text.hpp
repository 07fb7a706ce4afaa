// Human-readable text for an error ("IOMMU_VIOMMU_ALLOC: Invalid argument
// (EINVAL)"). Separate from error.hpp so the core headers stay free of
// <string>.
#pragma once

#include <uapikit/error.hpp>

#include <cstring>
#include <string>
#include <system_error>

namespace uapikit {

inline std::string describe(const error& e) {
    std::string text = e.operation() ? e.operation() : "uapikit";
    text += ": " + std::generic_category().message(e.code());
    if (const char* name = strerrorname_np(e.code())) text += std::string(" (") + name + ")";
    return text;
}

}  // namespace uapikit
