// The VFIO cdev and KVM calls a VMM makes around iommufd, typed. The calls
// themselves are generated (generated/linux_6_12_vfio_kvm_calls.hpp, from
// Linux 6.12's vfio.h and kvm.h and abi/surface/calls/vfio_kvm.json):
// vfio_device_bind_iommufd, vfio_device_attach_iommufd_pt,
// vfio_device_detach_iommufd_pt, kvm_get_api_version, kvm_create_device,
// kvm_set_device_attr. Here: the KVM-VFIO device's two attributes, which
// take the VFIO file by address.
//
//   auto fd = uapikit::kvm_create_device(vm, uapikit::kvm_device_type::vfio);  // the device's fd
//   auto kvm_vfio = uapikit::file<System>::adopt(system, *fd);
//   uapikit::kvm_vfio_file_add(kvm_vfio, vfio.fd());                        // before binding
//   auto dev = uapikit::vfio_device_bind_iommufd(vfio, iommufd.fd());
#pragma once

#include <uapikit/generated/linux_6_12_vfio_kvm_calls.hpp>

#pragma push_macro("KVM_DEV_VFIO_FILE")
#pragma push_macro("KVM_DEV_VFIO_FILE_ADD")
#pragma push_macro("KVM_DEV_VFIO_FILE_DEL")
#undef KVM_DEV_VFIO_FILE
#undef KVM_DEV_VFIO_FILE_ADD
#undef KVM_DEV_VFIO_FILE_DEL

namespace uapikit {

namespace kvm_abi = raw::linux_6_12_vfio_kvm;

// KVM_DEV_VFIO_FILE / KVM_DEV_VFIO_FILE_ADD: the VM's KVM-VFIO device learns
// the VFIO file `vfio_fd` (a device cdev or a group), which then sees the
// VM: do it before VFIO_DEVICE_BIND_IOMMUFD. EBADF: not a VFIO file.
template <backend B>
result<void> kvm_vfio_file_add(B& kvm_vfio_device, int vfio_fd) noexcept {
    std::int32_t fd = vfio_fd;
    return kvm_set_device_attr(kvm_vfio_device, kvm_abi::KVM_DEV_VFIO_FILE, kvm_abi::KVM_DEV_VFIO_FILE_ADD, &fd);
}

// KVM_DEV_VFIO_FILE_DEL: the file leaves the VM (at unplug). ENOENT: it was
// not added.
template <backend B>
result<void> kvm_vfio_file_del(B& kvm_vfio_device, int vfio_fd) noexcept {
    std::int32_t fd = vfio_fd;
    return kvm_set_device_attr(kvm_vfio_device, kvm_abi::KVM_DEV_VFIO_FILE, kvm_abi::KVM_DEV_VFIO_FILE_DEL, &fd);
}

}  // namespace uapikit

#pragma pop_macro("KVM_DEV_VFIO_FILE_DEL")
#pragma pop_macro("KVM_DEV_VFIO_FILE_ADD")
#pragma pop_macro("KVM_DEV_VFIO_FILE")
