// Typed vIOMMU driver data. Each type knows its vIOMMU type and which raw
// struct it fills, so the call derives type, data_len and data_uptr from it:
// they can never disagree. Outputs the driver writes back are read through
// the returned object.
#pragma once

#include <uapikit/flags.hpp>
#include <uapikit/ids.hpp>

#include <cstdint>
#include <type_traits>

namespace uapikit {

// The requirements on driver data: a constant `type` and a `payload()`
// giving the bytes to pass (nullptr and 0 when the driver takes none).
template <typename D>
concept viommu_driver_data = requires(D& d) {
    requires std::is_same_v<std::remove_cv_t<decltype(D::type)>, viommu_type>;
    { d.payload() } noexcept;
    requires std::is_same_v<decltype(d.payload_size()), std::uint32_t>;
};

// AMD HW-vIOMMU (proposed ABI): the guest's KVM VM fd is required; the
// driver returns the mmap offset of the vIOMMU's VF-MMIO region.
class amd_viommu_data {
public:
    static constexpr viommu_type type = viommu_type::amd;
    explicit amd_viommu_data(vm_fd kvm) noexcept { raw_.kvmfd = kvm.get(); }

    std::uint64_t vfmmio_mmap_offset() const noexcept { return raw_.out_vfmmio_mmap_offset; }

    void* payload() noexcept { return &raw_; }
    std::uint32_t payload_size() const noexcept { return sizeof(raw_); }

private:
    raw::proposed::iommu_viommu_amd raw_{};
};

// ARM SMMUv3: the vIOMMU takes no driver data.
class arm_smmuv3_viommu_data {
public:
    static constexpr viommu_type type = viommu_type::arm_smmuv3;
    void* payload() noexcept { return nullptr; }
    std::uint32_t payload_size() const noexcept { return 0; }
};

// The selftest mock driver: copies in_data to out_data and reports an mmap
// region, as the kernel's mock does.
class selftest_viommu_data {
public:
    static constexpr viommu_type type = viommu_type::selftest;
    explicit selftest_viommu_data(std::uint32_t in_data) noexcept { raw_.in_data = in_data; }

    std::uint32_t out_data() const noexcept { return raw_.out_data; }
    std::uint64_t mmap_offset() const noexcept { return raw_.out_mmap_offset; }
    std::uint64_t mmap_length() const noexcept { return raw_.out_mmap_length; }

    void* payload() noexcept { return &raw_; }
    std::uint32_t payload_size() const noexcept { return sizeof(raw_); }

private:
    raw::proposed::iommu_viommu_selftest raw_{};
};

static_assert(viommu_driver_data<amd_viommu_data>);
static_assert(viommu_driver_data<arm_smmuv3_viommu_data>);
static_assert(viommu_driver_data<selftest_viommu_data>);

}  // namespace uapikit
