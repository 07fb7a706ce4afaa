// What real VMMs call, in their order, written against uapikit's typed
// layer. Each flow is a template over a `system` (open/ioctl/close on
// numbered files, -errno on failure): uapikit::linux_system for the kernel,
// uapikit::fake::host for the fake; the test suite runs the same flows on a
// recording system and checks the order of requests.
//
//   qemu_passthrough    QEMU's iommufd backend for a passthrough VFIO device
//                       (hw/vfio/iommufd.c, backends/iommufd.c): bind, HWPT
//                       with dirty tracking, attach, IOVA ranges, map,
//                       migration's dirty bitmap, teardown.
//   qemu_nested_smmuv3  QEMU's accelerated SMMUv3 (hw/arm/smmuv3-accel.c):
//                       vIOMMU on a nesting parent, abort and bypass STEs,
//                       a vdevice and a stage-1 STE when the guest installs
//                       one, invalidation through the vIOMMU, a new
//                       stage-1 HWPT in place of the old when the guest
//                       changes the STE, a vEVENTQ, unplug in reverse.
//   cloud_hypervisor    Cloud Hypervisor's VFIO over iommufd (vmm/src/
//                       device_manager.rs): one IOAS, each device bound and
//                       attached to it, all guest RAM mapped.
//
// Objects that must be destroyed are owned handles: they go, dependants
// first, when the scope ends. Files (VFIO device, KVM VM and device) close
// the same way.
#pragma once

#include <uapikit/arm_smmuv3.hpp>
#include <uapikit/error_text.hpp>
#include <uapikit/files.hpp>
#include <uapikit/handles.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/vfio_kvm.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace vmm {

namespace raw = uapikit::raw::proposed;
namespace smmu = uapikit::arm_smmuv3;

// A range of guest RAM: where the guest sees it and where this process has it.
struct ram_region {
    std::uint64_t guest_address;
    void* host_address;
    std::uint64_t size;
};

// The cdev of VFIO device N.
inline std::string cdev_path(int n) { return "/dev/vfio/devices/vfio" + std::to_string(n); }

// Prints one line per step; a failed step ends the flow.
class steps {
public:
    explicit steps(bool quiet = false) : quiet_(quiet) {}
    template <typename T>
    bool operator()(const char* what, const uapikit::result<T>& r) {
        if (!quiet_) {
            if (r) std::printf("  %-52s ok\n", what);
            else std::printf("  %-52s FAILED: %s\n", what, uapikit::describe(r.error()).c_str());
        }
        return static_cast<bool>(r);
    }
    // A check of the VMM's own that ends the flow.
    bool refuse(const char* why) {
        if (!quiet_) std::printf("  %s\n", why);
        return false;
    }

private:
    bool quiet_;
};

// The files a VMM opens: the iommufd, /dev/kvm, a VM, its KVM-VFIO device.
template <typename System>
struct vm_files {
    using file = uapikit::file<System>;
    file iommufd, kvm, vm, kvm_vfio;

    static uapikit::result<vm_files> open(System& sys, steps& step) {
        auto iommufd = file::open(sys, "/dev/iommu");
        if (!step("open /dev/iommu", iommufd)) return uapikit::failure{iommufd.error()};
        auto kvm = file::open(sys, "/dev/kvm");
        if (!step("open /dev/kvm", kvm)) return uapikit::failure{kvm.error()};
        auto version = uapikit::kvm_get_api_version(*kvm);
        if (!step("KVM_GET_API_VERSION", version)) return uapikit::failure{version.error()};
        auto vm = uapikit::kvm_create_vm(*kvm, 0);
        if (!step("KVM_CREATE_VM", vm)) return uapikit::failure{vm.error()};
        file vm_file = file::adopt(sys, *vm);
        auto device = uapikit::kvm_create_device(vm_file, uapikit::kvm_device_type::vfio);
        if (!step("KVM_CREATE_DEVICE (KVM-VFIO)", device)) return uapikit::failure{device.error()};
        return vm_files{std::move(*iommufd), std::move(*kvm), std::move(vm_file), file::adopt(sys, *device)};
    }
};

// A VFIO device cdev, known to the VM and bound to the iommufd.
template <typename System>
struct bound_device {
    uapikit::file<System> cdev;
    uapikit::device_id id;

    static uapikit::result<bound_device> bind(System& sys, vm_files<System>& files, const char* path, steps& step) {
        auto cdev = uapikit::file<System>::open(sys, path);
        if (!step("open the VFIO device cdev", cdev)) return uapikit::failure{cdev.error()};
        // The device takes the VM when it is bound: add it to the KVM-VFIO device first.
        auto added = uapikit::kvm_vfio_file_add(files.kvm_vfio, cdev->fd());
        if (!step("KVM_SET_DEVICE_ATTR KVM_DEV_VFIO_FILE_ADD", added)) return uapikit::failure{added.error()};
        auto id = uapikit::vfio_device_bind_iommufd(*cdev, files.iommufd.fd());
        if (!step("VFIO_DEVICE_BIND_IOMMUFD", id)) return uapikit::failure{id.error()};
        return bound_device{std::move(*cdev), *id};
    }

    uapikit::result<void> unbind(vm_files<System>& files, steps& step) {
        auto removed = uapikit::kvm_vfio_file_del(files.kvm_vfio, cdev.fd());
        step("KVM_SET_DEVICE_ATTR KVM_DEV_VFIO_FILE_DEL", removed);
        cdev.reset();  // closing the cdev unbinds it from the iommufd
        return removed;
    }
};

// Maps guest RAM at its guest addresses, each inside an allowed IOVA range.
template <typename B>
bool map_ram(B& iommufd, uapikit::ioas_id ioas, std::span<const ram_region> ram, steps& step) {
    // Twice, inside the call: first to learn how many ranges, then to read them.
    auto ranges = uapikit::ioas_iova_ranges(iommufd, ioas);
    if (!step("IOMMU_IOAS_IOVA_RANGES (ask, grow, ask again)", ranges)) return false;
    for (const auto& region : ram) {
        bool allowed = false;
        for (const auto& r : ranges->allowed_iovas)
            allowed = allowed || (region.guest_address >= r.start && region.guest_address + region.size - 1 <= r.last);
        if (!allowed || region.guest_address % ranges->iova_alignment) return step.refuse("guest RAM is outside the IOVA ranges");
        using flags = uapikit::ioas_map_flags;
        auto iova = uapikit::ioas_map(iommufd, flags::fixed_iova | flags::readable | flags::writeable, ioas, region.host_address,
                                      region.size, region.guest_address);
        if (!step("IOMMU_IOAS_MAP (guest RAM)", iova)) return false;
    }
    return true;
}

// QEMU unmaps each region at teardown and takes ENOENT (already gone) as done.
template <typename B>
bool unmap_ram(B& iommufd, uapikit::ioas_id ioas, std::span<const ram_region> ram, steps& step) {
    for (const auto& region : ram) {
        auto unmapped = uapikit::ioas_unmap(iommufd, ioas, region.guest_address, region.size);
        if (!unmapped && unmapped.error().code() == ENOENT) continue;
        if (!step("IOMMU_IOAS_UNMAP", unmapped)) return false;
    }
    return true;
}

template <typename System>
int qemu_passthrough(System& sys, const char* cdev_path, std::span<const ram_region> ram, steps step = steps{}) {
    auto files = vm_files<System>::open(sys, step);
    if (!files) return 1;
    auto& iommufd = files->iommufd;
    auto device = bound_device<System>::bind(sys, *files, cdev_path, step);
    if (!device) return 1;
    {
        auto ioas = uapikit::own(iommufd, uapikit::ioas_alloc(iommufd));
        if (!step("IOMMU_IOAS_ALLOC", ioas)) return 1;
        unsigned char data[64] = {};  // the IOMMU driver's own description; QEMU reads VT-d's or SMMUv3's
        auto info = uapikit::get_hw_info(iommufd, uapikit::hw_info_flags::none, device->id, uapikit::mutable_bytes{data, sizeof data},
                                         uapikit::hw_info_type::default_);
        if (!step("IOMMU_GET_HW_INFO", info)) return 1;
        bool dirty = uapikit::has(info->capabilities, uapikit::hw_capabilities::dirty_tracking);
        auto hwpt = uapikit::own(iommufd, uapikit::hwpt_alloc(iommufd, dirty ? uapikit::hwpt_alloc_flags::dirty_tracking
                                                                              : uapikit::hwpt_alloc_flags::none,
                                                              device->id, *ioas, uapikit::hwpt_data_type::none, {}, {}));
        if (!step(dirty ? "IOMMU_HWPT_ALLOC (dirty tracking)" : "IOMMU_HWPT_ALLOC", hwpt)) return 1;
        auto attached = uapikit::vfio_device_attach_iommufd_pt(device->cdev, *hwpt);
        if (!step("VFIO_DEVICE_ATTACH_IOMMUFD_PT (the HWPT)", attached)) return 1;
        if (!map_ram(iommufd, *ioas, ram, step)) return 1;
        if (dirty) {  // live migration
            using uapikit::dirty_tracking_flags;
            if (!step("IOMMU_HWPT_SET_DIRTY_TRACKING (on)", uapikit::hwpt_set_dirty_tracking(iommufd, dirty_tracking_flags::enable, *hwpt)))
                return 1;
            const std::uint64_t page = 4096;
            for (const auto& region : ram) {
                std::vector<std::uint64_t> bitmap((region.size / page + 63) / 64);
                auto got = uapikit::hwpt_get_dirty_bitmap(iommufd, *hwpt, uapikit::dirty_bitmap_flags::none, region.guest_address,
                                                          region.size, page, std::span<std::uint64_t>(bitmap));
                if (!step("IOMMU_HWPT_GET_DIRTY_BITMAP", got)) return 1;
            }
            if (!step("IOMMU_HWPT_SET_DIRTY_TRACKING (off)", uapikit::hwpt_set_dirty_tracking(iommufd, dirty_tracking_flags::none, *hwpt)))
                return 1;
        }
        if (!unmap_ram(iommufd, *ioas, ram, step)) return 1;
        if (!step("VFIO_DEVICE_DETACH_IOMMUFD_PT", uapikit::vfio_device_detach_iommufd_pt(device->cdev))) return 1;
        if (!step("IOMMU_DESTROY HWPT", hwpt->reset())) return 1;
        if (!step("IOMMU_DESTROY IOAS", ioas->reset())) return 1;
    }
    return step("close the cdev", device->unbind(*files, step)) ? 0 : 1;
}

template <typename System>
int qemu_nested_smmuv3(System& sys, const char* cdev_path, std::span<const ram_region> ram, steps step = steps{}) {
    auto files = vm_files<System>::open(sys, step);
    if (!files) return 1;
    auto& iommufd = files->iommufd;
    auto device = bound_device<System>::bind(sys, *files, cdev_path, step);
    if (!device) return 1;
    {
        raw::iommu_hw_info_arm_smmuv3 smmu{};
        auto info = uapikit::get_hw_info(iommufd, uapikit::hw_info_flags::none, device->id, uapikit::mutable_bytes{smmu},
                                         uapikit::hw_info_type::default_);
        if (!step("IOMMU_GET_HW_INFO (must be ARM SMMUv3)", info)) return 1;
        if (info->data_type != uapikit::hw_info_type::arm_smmuv3) {
            step.refuse("the device's IOMMU is not an ARM SMMUv3");
            return 1;
        }
        auto ioas = uapikit::own(iommufd, uapikit::ioas_alloc(iommufd));
        if (!step("IOMMU_IOAS_ALLOC", ioas)) return 1;
        auto parent = uapikit::own(iommufd, uapikit::alloc_nest_parent_hwpt(iommufd, device->id, *ioas));
        if (!step("IOMMU_HWPT_ALLOC (nesting parent, stage 2)", parent)) return 1;
        if (!step("VFIO_DEVICE_ATTACH_IOMMUFD_PT (stage 2)", uapikit::vfio_device_attach_iommufd_pt(device->cdev, *parent))) return 1;
        if (!map_ram(iommufd, *ioas, ram, step)) return 1;
        auto viommu = uapikit::own(iommufd, uapikit::alloc_viommu(iommufd, device->id, *parent, uapikit::arm_smmuv3_viommu_data{}));
        if (!step("IOMMU_VIOMMU_ALLOC (ARM SMMUv3)", viommu)) return 1;
        // The STEs every vSMMU needs: abort (no translation allowed) and bypass.
        auto abort_ste = smmu::abort_ste(), bypass_ste = smmu::bypass_ste();
        auto abort = uapikit::own(iommufd, uapikit::alloc_nested_hwpt(iommufd, device->id, viommu->id, abort_ste));
        if (!step("IOMMU_HWPT_ALLOC (vIOMMU, abort STE)", abort)) return 1;
        auto bypass = uapikit::own(iommufd, uapikit::alloc_nested_hwpt(iommufd, device->id, viommu->id, bypass_ste));
        if (!step("IOMMU_HWPT_ALLOC (vIOMMU, bypass STE)", bypass)) return 1;
        if (!step("VFIO_DEVICE_ATTACH_IOMMUFD_PT (bypass)", uapikit::vfio_device_attach_iommufd_pt(device->cdev, *bypass))) return 1;
        auto events = uapikit::veventq_alloc(iommufd, viommu->id, uapikit::veventq_type::arm_smmuv3, 64);
        if (!step("IOMMU_VEVENTQ_ALLOC (ARM SMMUv3 events)", events)) return 1;
        auto event_queue = uapikit::own(iommufd, events->veventq_id);
        auto event_file = uapikit::file<System>::adopt(sys, events->veventq_fd);

        // The guest installs an STE for stream id 0x8: a vdevice for the
        // virtual stream id, a stage-1 HWPT from the guest's STE, attach.
        const std::uint64_t vsid = 0x8;
        auto vdev = uapikit::own(iommufd, uapikit::vdevice_alloc(iommufd, viommu->id, device->id, vsid));
        if (!step("IOMMU_VDEVICE_ALLOC (virtual stream id 0x8)", vdev)) return 1;
        // QEMU reads the guest's STE words from its stream table and keeps
        // the fields the kernel takes (smmu::nested_ste); here the guest's
        // STE points at a CD table at the start of its RAM.
        auto s1_ste = smmu::s1_ste(ram.front().guest_address);
        auto stage1 = uapikit::own(iommufd, uapikit::alloc_nested_hwpt(iommufd, device->id, viommu->id, s1_ste));
        if (!step("IOMMU_HWPT_ALLOC (vIOMMU, guest stage-1 STE)", stage1)) return 1;
        if (!step("VFIO_DEVICE_ATTACH_IOMMUFD_PT (stage 1)", uapikit::vfio_device_attach_iommufd_pt(device->cdev, *stage1))) return 1;
        // The guest invalidates its CD for the stream (CMD_CFGI_CD, with the virtual StreamID).
        const smmu::command cfgi = smmu::cfgi_cd(vsid);
        auto handled = uapikit::cache_invalidate(iommufd, viommu->id, std::span<const smmu::command>(&cfgi, 1));
        if (!step("IOMMU_HWPT_INVALIDATE (vIOMMU, CFGI_CD)", handled)) return 1;
        // The guest points the STE at another CD table: a new stage-1 HWPT,
        // attached in place of the old one (a replace, no moment without a
        // translation), and only then the old one destroyed.
        auto s1_next_ste = smmu::s1_ste(ram.front().guest_address + 0x1000);
        auto stage1_next = uapikit::own(iommufd, uapikit::alloc_nested_hwpt(iommufd, device->id, viommu->id, s1_next_ste));
        if (!step("IOMMU_HWPT_ALLOC (vIOMMU, the guest's changed STE)", stage1_next)) return 1;
        if (!step("VFIO_DEVICE_ATTACH_IOMMUFD_PT (the new stage 1)", uapikit::vfio_device_attach_iommufd_pt(device->cdev, *stage1_next)))
            return 1;
        if (!step("IOMMU_DESTROY the replaced stage-1 HWPT", stage1->reset())) return 1;

        // Unplug, in reverse: back to stage 2, then the guest's objects.
        if (!step("VFIO_DEVICE_ATTACH_IOMMUFD_PT (back to stage 2)", uapikit::vfio_device_attach_iommufd_pt(device->cdev, *parent)))
            return 1;
        if (!step("IOMMU_DESTROY stage-1 HWPT", stage1_next->reset()) || !step("IOMMU_DESTROY vdevice", vdev->reset())) return 1;
        event_file.reset();  // the event file holds the queue: close it first (EBUSY otherwise)
        if (!step("IOMMU_DESTROY vEVENTQ", event_queue.reset()) || !step("IOMMU_DESTROY bypass HWPT", bypass->reset()) ||
            !step("IOMMU_DESTROY abort HWPT", abort->reset()) || !step("IOMMU_DESTROY vIOMMU", viommu->id.reset()))
            return 1;
        if (!unmap_ram(iommufd, *ioas, ram, step)) return 1;
        if (!step("VFIO_DEVICE_DETACH_IOMMUFD_PT", uapikit::vfio_device_detach_iommufd_pt(device->cdev))) return 1;
        if (!step("IOMMU_DESTROY nesting parent", parent->reset()) || !step("IOMMU_DESTROY IOAS", ioas->reset())) return 1;
    }
    return step("close the cdev", device->unbind(*files, step)) ? 0 : 1;
}

template <typename System>
int cloud_hypervisor(System& sys, std::span<const char* const> cdev_paths, std::span<const ram_region> ram, steps step = steps{}) {
    auto files = vm_files<System>::open(sys, step);
    if (!files) return 1;
    auto& iommufd = files->iommufd;
    auto ioas = uapikit::own(iommufd, uapikit::ioas_alloc(iommufd));
    if (!step("IOMMU_IOAS_ALLOC", ioas)) return 1;
    std::vector<bound_device<System>> devices;
    for (const char* path : cdev_paths) {
        auto device = bound_device<System>::bind(sys, *files, path, step);
        if (!device) return 1;
        // Attached straight to the IOAS: the kernel makes the HWPT.
        if (!step("VFIO_DEVICE_ATTACH_IOMMUFD_PT (the IOAS)", uapikit::vfio_device_attach_iommufd_pt(device->cdev, *ioas))) return 1;
        devices.push_back(std::move(*device));
    }
    for (const auto& region : ram) {
        using flags = uapikit::ioas_map_flags;
        auto iova = uapikit::ioas_map(iommufd, flags::fixed_iova | flags::readable | flags::writeable, *ioas, region.host_address,
                                      region.size, region.guest_address);
        if (!step("IOMMU_IOAS_MAP (all guest RAM)", iova)) return 1;
    }
    for (auto& device : devices) {
        if (!step("VFIO_DEVICE_DETACH_IOMMUFD_PT", uapikit::vfio_device_detach_iommufd_pt(device.cdev))) return 1;
        if (!step("close the cdev", device.unbind(*files, step))) return 1;
    }
    return step("IOMMU_DESTROY IOAS", ioas->reset()) ? 0 : 1;
}

}  // namespace vmm
