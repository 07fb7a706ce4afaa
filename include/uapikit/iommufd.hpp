// The typed iommufd layer. Every command has a generated typed call
// (generated/proposed_calls.hpp, from the command table and the reviewed
// description abi/surface/calls/iommufd.json): ioas_alloc, ioas_map,
// hwpt_alloc, viommu_alloc, vdevice_alloc, destroy, ... This file keeps only
// what the generator cannot derive: vIOMMU allocation from typed driver
// data (which fixes type, length and pointer together) with the KVM flag
// that exists only with a VM fd, the nesting-parent HWPT a vIOMMU needs,
// nested HWPTs and cache invalidation from typed driver structs (which fix
// the data type: hwpt_data.hpp), and the selftest mock driver's
// per-operation union (a mock device, fault and event triggers).
//
//   auto fd = uapikit::linux_backend::open();
//   auto ioas = uapikit::ioas_alloc(*fd);
//   auto parent = uapikit::alloc_nest_parent_hwpt(*fd, dev, *ioas);
//   auto viommu = uapikit::alloc_viommu(*fd, dev, *parent, uapikit::amd_viommu_data{vm}, vm);
#pragma once

#include <uapikit/backend.hpp>
#include <uapikit/error.hpp>
#include <uapikit/flags.hpp>
#include <uapikit/generated/proposed_calls.hpp>
#include <uapikit/hwpt_data.hpp>
#include <uapikit/ids.hpp>
#include <uapikit/viommu_data.hpp>

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace uapikit {

namespace raw_abi = raw::proposed;  // the ABI version the typed layer speaks

// The flags alloc_nest_parent_hwpt adds to NEST_PARENT.
using hwpt_flags = hwpt_alloc_flags;

// A paging HWPT over `ioas` that can parent nested translation (and so a
// vIOMMU), for the IOMMU behind `dev`.
template <backend B>
result<hwpt_id> alloc_nest_parent_hwpt(B& b, device_id dev, ioas_id ioas, hwpt_flags extra = hwpt_flags::none) noexcept {
    return hwpt_alloc(b, hwpt_flags::nest_parent | extra, dev, ioas, hwpt_data_type::none, const_bytes{}, fault_id{});
}

// A new vIOMMU and what its driver returned.
template <viommu_driver_data D>
struct allocated_viommu {
    viommu_id id;
    D data;
};

namespace detail {

template <backend B, viommu_driver_data D>
result<allocated_viommu<D>> alloc_viommu(B& b, device_id dev, hwpt_id parent, D data, viommu_flags flags,
                                         int kvm_vm_fd) noexcept {
    auto id = viommu_alloc(b, flags, D::type, dev, parent, mutable_bytes{data.payload(), data.payload_size()}, kvm_vm_fd);
    if (!id) return failure{id.error()};
    return allocated_viommu<D>{*id, data};
}

}  // namespace detail

// A vIOMMU of the type `data` belongs to, on the nesting-parent `parent`.
template <backend B, viommu_driver_data D>
result<allocated_viommu<D>> alloc_viommu(B& b, device_id dev, hwpt_id parent, D data) noexcept {
    return detail::alloc_viommu(b, dev, parent, data, viommu_flags::none, 0);
}

// The same, tied to a KVM VM: sets IOMMU_VIOMMU_KVM_FD with the fd. The
// flag exists only together with a VM fd.
template <backend B, viommu_driver_data D>
result<allocated_viommu<D>> alloc_viommu(B& b, device_id dev, hwpt_id parent, D data, vm_fd vm) noexcept {
    return detail::alloc_viommu(b, dev, parent, data, viommu_flags::kvm_fd, vm.get());
}

// With the type spelled out, e.g. alloc_viommu<viommu_type::amd>(...): the
// data must be of that type.
template <viommu_type Type, backend B, viommu_driver_data D, typename... Vm>
result<allocated_viommu<D>> alloc_viommu(B& b, device_id dev, hwpt_id parent, D data, Vm... vm) noexcept {
    static_assert(D::type == Type, "uapikit: driver data does not match the vIOMMU type");
    return alloc_viommu(b, dev, parent, data, vm...);
}

// A nested HWPT over `parent` from a driver's data (hwpt_data.hpp): on a
// vIOMMU (ARM SMMUv3, AMD, the selftest) or on a nesting-parent HWPT (Intel
// VT-d, the selftest). The data's struct gives data_type, data_len and
// data_uptr together. Errors are IOMMU_HWPT_ALLOC's, among them EOPNOTSUPP
// when the driver takes no such data on such a parent and EIO when it
// refuses the data's contents (an SMMUv3 STE with a field the kernel keeps
// for itself).
template <backend B, nested_hwpt_data T, typename Parent>
    requires(std::is_convertible_v<const Parent&, hwpt_id> || std::is_convertible_v<const Parent&, viommu_id>)
result<hwpt_id> alloc_nested_hwpt(B& b, device_id dev, const Parent& parent, const T& data,
                                  hwpt_alloc_flags flags = hwpt_alloc_flags::none, fault_id fault = fault_id{}) noexcept {
    return hwpt_alloc(b, flags, dev, parent, nested_hwpt_data_type<T>::value, const_bytes{data}, fault);
}

// IOMMU_HWPT_INVALIDATE of a nested HWPT or a vIOMMU with `entries` of one
// driver's kind (hwpt_data.hpp: anything with data() and size() of such
// structs, or a C array of them), which give data_type, entry_len and
// entry_num. Returns how many entries the driver handled; on failure
// `handled`, when given, still gets that count (the entries before the one
// it refused).
template <backend B, typename Target, typename Entries>
    requires(std::is_convertible_v<const Target&, hwpt_id> || std::is_convertible_v<const Target&, viommu_id>) &&
            invalidate_entry<std::remove_cv_t<std::remove_pointer_t<decltype(static_cast<const Entries*>(nullptr)->data())>>>
result<std::uint32_t> cache_invalidate(B& b, const Target& target, const Entries& entries, std::uint32_t* handled = nullptr) noexcept {
    using entry = std::remove_cv_t<std::remove_pointer_t<decltype(entries.data())>>;
    return hwpt_invalidate(b, target, array_view<const entry>(entries.data(), entries.size()), invalidate_entry_type<entry>::value, handled);
}
template <backend B, typename Target, invalidate_entry T, std::size_t N>
    requires(std::is_convertible_v<const Target&, hwpt_id> || std::is_convertible_v<const Target&, viommu_id>)
result<std::uint32_t> cache_invalidate(B& b, const Target& target, const T (&entries)[N], std::uint32_t* handled = nullptr) noexcept {
    return hwpt_invalidate(b, target, array_view<const T>(entries, N), invalidate_entry_type<T>::value, handled);
}

// What the selftest mock driver created: its device object, the HWPT it
// attached to and the device id the other calls take.
struct mock_device {
    mock_device_id object;
    hwpt_id hwpt;
    device_id device;
};

// IOMMU_TEST_CMD / IOMMU_TEST_OP_MOCK_DOMAIN: a mock device bound to the
// iommufd and attached to `ioas` (kernels built with the iommufd selftest,
// and the fake backend).
template <backend B>
result<mock_device> selftest_mock_device(B& b, ioas_id ioas) noexcept {
    raw_abi::iommu_test_cmd cmd{};
    cmd.op = raw_abi::IOMMU_TEST_OP_MOCK_DOMAIN;
    cmd.id = ioas.value();
    if (auto r = submit(b, cmd); !r) return failure{r.error()};
    return mock_device{mock_device_id{cmd.mock_domain.out_stdev_id}, hwpt_id{cmd.mock_domain.out_hwpt_id},
                       device_id{cmd.mock_domain.out_idev_id}};
}

// IOMMU_TEST_CMD / IOMMU_TEST_OP_TRIGGER_IOPF: the mock driver reports a
// page fault of the mock device `dev` at `addr` (IOMMU_PGFAULT_PERM_* in
// `perm`, PASID `pasid`, page request group `grpid`) to the fault queue of
// the HWPT it is attached to; a HWPT without one drops it. ENOENT: `dev` is
// no device; EINVAL: not a mock device. Read the fault with read(2) of the
// queue's fd (struct iommu_hwpt_pgfault).
template <backend B>
result<void> selftest_trigger_iopf(B& b, device_id dev, std::uint64_t addr, std::uint32_t perm, std::uint32_t pasid = 0,
                                   std::uint32_t grpid = 0) noexcept {
    raw_abi::iommu_test_cmd cmd{};
    cmd.op = raw_abi::IOMMU_TEST_OP_TRIGGER_IOPF;
    cmd.trigger_iopf.dev_id = dev.value();
    cmd.trigger_iopf.pasid = pasid;
    cmd.trigger_iopf.grpid = grpid;
    cmd.trigger_iopf.perm = perm;
    cmd.trigger_iopf.addr = addr;
    return submit(b, cmd);
}

// IOMMU_TEST_CMD / IOMMU_TEST_OP_TRIGGER_VEVENT: the mock driver reports an
// event (struct iommu_viommu_event_selftest: the vDEVICE's virtual id) for
// the mock device `dev` on the selftest-type vEVENTQ of the vIOMMU whose
// nested HWPT the device is attached to. ENOENT: no such device, or it is
// not attached to a nested HWPT of a vIOMMU that has its vDEVICE (with a
// non-zero virtual id); EOPNOTSUPP: the vIOMMU has no vEVENTQ of that type.
// Read it with read(2) of the queue's fd and vevent_records (veventq.hpp).
template <backend B>
result<void> selftest_trigger_vevent(B& b, device_id dev) noexcept {
    raw_abi::iommu_test_cmd cmd{};
    cmd.op = raw_abi::IOMMU_TEST_OP_TRIGGER_VEVENT;
    cmd.trigger_vevent.dev_id = dev.value();
    return submit(b, cmd);
}

}  // namespace uapikit
