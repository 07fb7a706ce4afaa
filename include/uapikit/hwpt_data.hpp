// Driver data of nested HWPTs and cache-invalidation entries, typed by
// their raw struct: each struct names its IOMMU_HWPT_ALLOC data_type or its
// IOMMU_HWPT_INVALIDATE data_type, so alloc_nested_hwpt() and
// cache_invalidate() (iommufd.hpp) derive the type, the length and the
// pointer from the data and they cannot disagree, as viommu_data.hpp does
// for vIOMMUs. The pairs are those of the kernel's header (mainline
// include/uapi/linux/iommufd.h, enum iommu_hwpt_data_type and enum
// iommu_hwpt_invalidate_data_type) and of the selftest driver
// (tools/testing/selftests/iommu/iommufd_test.h).
#pragma once

#include <uapikit/generated/proposed_calls.hpp>

#include <type_traits>

namespace uapikit {

// The data_type of a nested HWPT's driver data; no definition for a struct
// that is not one.
template <typename T>
struct nested_hwpt_data_type;
template <>
struct nested_hwpt_data_type<raw::proposed::iommu_hwpt_vtd_s1> : std::integral_constant<hwpt_data_type, hwpt_data_type::vtd_s1> {};
template <>
struct nested_hwpt_data_type<raw::proposed::iommu_hwpt_arm_smmuv3>
    : std::integral_constant<hwpt_data_type, hwpt_data_type::arm_smmuv3> {};
template <>
struct nested_hwpt_data_type<raw::proposed::iommu_hwpt_amd_guest>
    : std::integral_constant<hwpt_data_type, hwpt_data_type::amd_guest> {};
template <>
struct nested_hwpt_data_type<raw::proposed::iommu_hwpt_selftest>
    : std::integral_constant<hwpt_data_type, hwpt_data_type::selftest> {};

// A struct that is a nested HWPT's driver data.
template <typename T>
concept nested_hwpt_data = requires { nested_hwpt_data_type<T>::value; };

// The data_type of a cache-invalidation entry; no definition for a struct
// that is not one.
template <typename T>
struct invalidate_entry_type;
template <>
struct invalidate_entry_type<raw::proposed::iommu_hwpt_vtd_s1_invalidate>
    : std::integral_constant<invalidate_data_type, invalidate_data_type::vtd_s1> {};
template <>
struct invalidate_entry_type<raw::proposed::iommu_viommu_arm_smmuv3_invalidate>
    : std::integral_constant<invalidate_data_type, invalidate_data_type::arm_smmuv3> {};
// The selftest's HWPT and vIOMMU entries share one data type value.
template <>
struct invalidate_entry_type<raw::proposed::iommu_hwpt_invalidate_selftest>
    : std::integral_constant<invalidate_data_type, invalidate_data_type::selftest> {};
template <>
struct invalidate_entry_type<raw::proposed::iommu_viommu_invalidate_selftest>
    : std::integral_constant<invalidate_data_type, invalidate_data_type::selftest> {};

// A struct that is a cache-invalidation entry.
template <typename T>
concept invalidate_entry = requires { invalidate_entry_type<T>::value; };

}  // namespace uapikit
