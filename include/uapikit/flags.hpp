// Typed flags and kinds for the calls of the typed layer, with the values
// of the generated raw bindings.
#pragma once

#include <uapikit/generated/proposed.hpp>

#include <cstdint>

namespace uapikit {

// Extra flags of a nesting-parent HWPT allocation (NEST_PARENT itself is
// always set by alloc_nest_parent_hwpt).
enum class hwpt_flags : std::uint32_t {
    none = 0,
    dirty_tracking = raw::proposed::IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
    pasid = raw::proposed::IOMMU_HWPT_ALLOC_PASID,
};

constexpr hwpt_flags operator|(hwpt_flags a, hwpt_flags b) noexcept {
    return static_cast<hwpt_flags>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}

enum class viommu_type : std::uint32_t {
    arm_smmuv3 = raw::proposed::IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
    tegra241_cmdqv = raw::proposed::IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV,
    amd = raw::proposed::IOMMU_VIOMMU_TYPE_AMD,
    selftest = raw::proposed::IOMMU_VIOMMU_TYPE_SELFTEST,
};

}  // namespace uapikit
