// The body of the two include-order programs: with Linux 6.12's own
// <linux/iommufd.h>, <linux/vfio.h> and <linux/kvm.h> in the same
// translation unit as uapikit's headers, both sets are usable: the kernel's
// macros and structs, and uapikit's typed calls, which issue the kernel's
// request numbers.
#pragma once

#include <cstdio>

namespace {

struct last_request {
    unsigned long request = 0;
    int ioctl(unsigned long r, void*) noexcept {
        request = r;
        return 0;
    }
};

int check() {
    static_assert(sizeof(struct iommu_hw_info) == sizeof(uapikit::raw::proposed::iommu_hw_info));
    static_assert(sizeof(struct vfio_device_bind_iommufd) == sizeof(uapikit::raw::linux_6_12_vfio_kvm::vfio_device_bind_iommufd));
    static_assert(IOMMU_IOAS_ALLOC == uapikit::command_traits<uapikit::raw::proposed::iommu_ioas_alloc>::request);
    last_request b;
    int bad = 0;
    (void)uapikit::ioas_alloc(b);
    bad += b.request != IOMMU_IOAS_ALLOC;
    (void)uapikit::hwpt_alloc(b, uapikit::hwpt_alloc_flags::nest_parent, uapikit::device_id{1}, uapikit::ioas_id{2},
                              uapikit::hwpt_data_type::none, uapikit::const_bytes{}, uapikit::fault_id{});
    bad += b.request != IOMMU_HWPT_ALLOC;
    (void)uapikit::vfio_device_bind_iommufd(b, 3);
    bad += b.request != VFIO_DEVICE_BIND_IOMMUFD;
    (void)uapikit::kvm_create_device(b, uapikit::kvm_device_type::vfio);
    bad += b.request != KVM_CREATE_DEVICE;
    (void)uapikit::mainline_2026::ioas_alloc(b);
    bad += b.request != IOMMU_IOAS_ALLOC;
    // The kernel's own enum constants and uapikit's typed ones agree.
    bad += static_cast<unsigned>(uapikit::hwpt_alloc_flags::nest_parent) != IOMMU_HWPT_ALLOC_NEST_PARENT;
    bad += static_cast<unsigned>(uapikit::kvm_device_type::vfio) != KVM_DEV_TYPE_VFIO;
    if (bad) std::printf("%d requests differ from the kernel's numbers\n", bad);
    return bad ? 1 : 0;
}

}  // namespace
