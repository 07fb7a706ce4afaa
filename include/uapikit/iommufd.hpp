// The typed iommufd layer: what a VMM calls to drive the vIOMMU flow. Each
// call fills one raw struct of the generated bindings (size always set),
// submits it through a backend, and returns its outputs or an error.
//
//   auto fd = uapikit::linux_backend::open();
//   auto ioas = uapikit::alloc_ioas(*fd);
//   auto parent = uapikit::alloc_nest_parent_hwpt(*fd, dev, *ioas);
//   auto viommu = uapikit::alloc_viommu(*fd, dev, *parent, uapikit::amd_viommu_data{vm}, vm);
#pragma once

#include <uapikit/backend.hpp>
#include <uapikit/error.hpp>
#include <uapikit/flags.hpp>
#include <uapikit/generated/proposed.hpp>
#include <uapikit/ids.hpp>
#include <uapikit/viommu_data.hpp>

#include <cstdint>

namespace uapikit {

namespace raw_abi = raw::proposed;  // the ABI version the typed layer speaks

template <backend B>
result<ioas_id> alloc_ioas(B& b) noexcept {
    raw_abi::iommu_ioas_alloc cmd{};
    if (auto r = submit(b, cmd); !r) return failure{r.error()};
    return ioas_id{cmd.out_ioas_id};
}

// A paging HWPT over `ioas` that can parent nested translation (and so a
// vIOMMU), for the IOMMU behind `dev`.
template <backend B>
result<hwpt_id> alloc_nest_parent_hwpt(B& b, device_id dev, ioas_id ioas, hwpt_flags extra = hwpt_flags::none) noexcept {
    raw_abi::iommu_hwpt_alloc cmd{};
    cmd.flags = raw_abi::IOMMU_HWPT_ALLOC_NEST_PARENT | static_cast<std::uint32_t>(extra);
    cmd.dev_id = dev.value();
    cmd.pt_id = ioas.value();
    cmd.data_type = raw_abi::IOMMU_HWPT_DATA_NONE;
    if (auto r = submit(b, cmd); !r) return failure{r.error()};
    return hwpt_id{cmd.out_hwpt_id};
}

// A new vIOMMU and what its driver returned.
template <viommu_driver_data D>
struct allocated_viommu {
    viommu_id id;
    D data;
};

namespace detail {

template <backend B, viommu_driver_data D>
result<allocated_viommu<D>> alloc_viommu(B& b, device_id dev, hwpt_id parent, D data, std::uint32_t flags,
                                         int kvm_vm_fd) noexcept {
    raw_abi::iommu_viommu_alloc cmd{};
    cmd.flags = flags;
    cmd.type = static_cast<std::uint32_t>(D::type);
    cmd.dev_id = dev.value();
    cmd.hwpt_id = parent.value();
    cmd.data_len = data.payload_size();
    cmd.data_uptr = reinterpret_cast<std::uintptr_t>(data.payload());
    cmd.kvm_vm_fd = kvm_vm_fd;
    if (auto r = submit(b, cmd); !r) return failure{r.error()};
    return allocated_viommu<D>{viommu_id{cmd.out_viommu_id}, data};
}

}  // namespace detail

// A vIOMMU of the type `data` belongs to, on the nesting-parent `parent`.
template <backend B, viommu_driver_data D>
result<allocated_viommu<D>> alloc_viommu(B& b, device_id dev, hwpt_id parent, D data) noexcept {
    return detail::alloc_viommu(b, dev, parent, data, 0, 0);
}

// The same, tied to a KVM VM: sets IOMMU_VIOMMU_KVM_FD with the fd. The
// flag exists only together with a VM fd.
template <backend B, viommu_driver_data D>
result<allocated_viommu<D>> alloc_viommu(B& b, device_id dev, hwpt_id parent, D data, vm_fd vm) noexcept {
    return detail::alloc_viommu(b, dev, parent, data, raw_abi::IOMMU_VIOMMU_KVM_FD, vm.get());
}

// With the type spelled out, e.g. alloc_viommu<viommu_type::amd>(...): the
// data must be of that type.
template <viommu_type Type, backend B, viommu_driver_data D, typename... Vm>
result<allocated_viommu<D>> alloc_viommu(B& b, device_id dev, hwpt_id parent, D data, Vm... vm) noexcept {
    static_assert(D::type == Type, "uapikit: driver data does not match the vIOMMU type");
    return alloc_viommu(b, dev, parent, data, vm...);
}

// `dev` as `viommu` presents it to the guest, under the guest's id `virt_id`
// (e.g. the vSID or vRID).
template <backend B>
result<vdevice_id> alloc_vdevice(B& b, viommu_id viommu, device_id dev, std::uint64_t virt_id) noexcept {
    raw_abi::iommu_vdevice_alloc cmd{};
    cmd.viommu_id = viommu.value();
    cmd.dev_id = dev.value();
    cmd.virt_id = virt_id;
    if (auto r = submit(b, cmd); !r) return failure{r.error()};
    return vdevice_id{cmd.out_vdevice_id};
}

// Guest-physical range [start, end) for TSM map.
struct gpa_range {
    std::uint64_t start;
    std::uint64_t end;
};

// Maps the guest's private memory in `range` for DMA by `vdev` (proposed
// TSM map).
template <backend B>
result<void> tsm_map(B& b, vdevice_id vdev, gpa_range range) noexcept {
    raw_abi::iommu_vdevice_tsm_map cmd{};
    cmd.start_gpa = range.start;
    cmd.end_gpa = range.end;
    cmd.vdevice_id = vdev.value();
    return submit(b, cmd);
}

template <backend B, typename Id>
result<void> destroy(B& b, Id id) noexcept {
    static_assert(is_destroyable_v<Id>, "uapikit: IOMMU_DESTROY takes iommufd objects (ioas, hwpt, viommu, vdevice)");
    raw_abi::iommu_destroy cmd{};
    cmd.id = id.value();
    return submit(b, cmd);
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

}  // namespace uapikit
