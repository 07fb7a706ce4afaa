// The vIOMMU type, hand-written: beside the kernel's enum iommu_viommu_type
// it has the proposals' AMD type and the selftest mock's type, which the
// kernel defines as a macro of its test header. The other typed flags and
// kinds are generated with the calls (generated/proposed_calls.hpp).
#pragma once

#include <uapikit/generated/proposed.hpp>

#include <cstdint>

namespace uapikit {

enum class viommu_type : std::uint32_t {
    arm_smmuv3 = raw::proposed::IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
    tegra241_cmdqv = raw::proposed::IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV,
    amd = raw::proposed::IOMMU_VIOMMU_TYPE_AMD,
    selftest = raw::proposed::IOMMU_VIOMMU_TYPE_SELFTEST,
};

}  // namespace uapikit
