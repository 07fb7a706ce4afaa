// Finding a record or an enum of one target's ABI by its name.
#pragma once

#include "ir/abi.hpp"

#include <string>

namespace uapikit::ir {

// The record called `name` ("iommu_hwpt_alloc", no "struct"), or nullptr.
inline const Record* find_record(const TargetAbi& abi, const std::string& name) {
    for (const auto& r : abi.records)
        if (r.name == name) return &r;
    return nullptr;
}

// The enum called `name`, or nullptr.
inline const Enum* find_enum(const TargetAbi& abi, const std::string& name) {
    for (const auto& e : abi.enums)
        if (e.name == name) return &e;
    return nullptr;
}

}  // namespace uapikit::ir
