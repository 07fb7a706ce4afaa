// Distinct types for the things the kernel names by number, so that one
// cannot be passed where another is expected: object ids within an iommufd
// context, and file descriptors of other subsystems.
#pragma once

#include <cstdint>

namespace uapikit {

// An iommufd object id. Each Tag makes a separate type; there is no
// implicit conversion from integers or between tags. 0 is never an id.
template <typename Tag>
class object_id {
public:
    constexpr object_id() noexcept = default;
    constexpr explicit object_id(std::uint32_t value) noexcept : value_(value) {}
    constexpr std::uint32_t value() const noexcept { return value_; }
    constexpr explicit operator bool() const noexcept { return value_ != 0; }
    friend constexpr bool operator==(object_id, object_id) = default;

private:
    std::uint32_t value_ = 0;
};

using device_id = object_id<struct device_tag>;    // a device bound to the iommufd
using ioas_id = object_id<struct ioas_tag>;        // an I/O address space
using hwpt_id = object_id<struct hwpt_tag>;        // a hardware page table
using viommu_id = object_id<struct viommu_tag>;    // a virtual IOMMU
using vdevice_id = object_id<struct vdevice_tag>;  // a device as a vIOMMU presents it
using fault_id = object_id<struct fault_tag>;      // a fault queue (IOMMU_FAULT_QUEUE_ALLOC)
using veventq_id = object_id<struct veventq_tag>;  // a virtual event queue of a vIOMMU
using hw_queue_id = object_id<struct hw_queue_tag>;  // a hardware-accelerated queue of a vIOMMU
using mock_device_id = object_id<struct mock_device_tag>;  // the selftest driver's device object

// Objects IOMMU_DESTROY takes. A bound device is released through VFIO,
// not destroyed by id.
template <typename Id>
inline constexpr bool is_destroyable_v = false;
template <>
inline constexpr bool is_destroyable_v<ioas_id> = true;
template <>
inline constexpr bool is_destroyable_v<hwpt_id> = true;
template <>
inline constexpr bool is_destroyable_v<viommu_id> = true;
template <>
inline constexpr bool is_destroyable_v<vdevice_id> = true;
template <>
inline constexpr bool is_destroyable_v<fault_id> = true;
template <>
inline constexpr bool is_destroyable_v<veventq_id> = true;
template <>
inline constexpr bool is_destroyable_v<hw_queue_id> = true;
template <>
inline constexpr bool is_destroyable_v<mock_device_id> = true;

// A KVM VM file descriptor (from KVM_CREATE_VM). Not an id, not any fd:
// it can only be made explicitly, and uapikit never closes it.
class vm_fd {
public:
    constexpr explicit vm_fd(int fd) noexcept : fd_(fd) {}
    constexpr int get() const noexcept { return fd_; }

private:
    int fd_;
};

}  // namespace uapikit
