// The open files of the fake, as the kernel's struct file: one per open()
// or per ioctl that returns an fd, each with the references that keep it
// open (its fd, and in-kernel holders: the KVM-VFIO device holds VFIO
// device files, event-queue and access files hold their context). A file
// is released when the last reference goes, as at the last fput().
#pragma once

#include <uapikit/fake/objects.hpp>
#include <uapikit/fake/platform.hpp>

#include <memory>
#include <variant>
#include <vector>

namespace uapikit::fake {

struct file;

// /dev/iommu: one iommufd context.
struct iommufd_file {
    iommufd_ctx* ctx;
};

// /dev/kvm.
struct kvm_system_file {};

// A KVM VM (KVM_CREATE_VM).
struct vm_file {
    std::shared_ptr<struct vm> vm;
};

// A guest_memfd of a VM (KVM_CREATE_GUEST_MEMFD).
struct gmem_file {
    std::shared_ptr<struct vm> vm;
    uint64_t size = 0;
    uint64_t serial = 0;  // per VM, for the memslots bound to it
};

// The KVM-VFIO device of a VM (KVM_CREATE_DEVICE of KVM_DEV_TYPE_VFIO):
// the VFIO device files added to it, each holding a reference.
struct kvm_vfio_file {
    std::shared_ptr<struct vm> vm;
    std::vector<file*> vfio;
};

// /dev/vfio/devices/vfioN: a VFIO device cdev, bound to an iommufd by
// VFIO_DEVICE_BIND_IOMMUFD.
struct vfio_device_file {
    uint32_t device = 0;            // the host's device key
    iommufd_ctx* ctx = nullptr;     // bound context, holding a reference
    uint32_t idev = 0;
    bool attached = false;
    std::shared_ptr<struct vm> kvm;  // set by KVM_DEV_VFIO_FILE_ADD, taken at bind
};

// The file of an iommufd object: a fault queue, a vEVENTQ or a selftest
// access, holding a reference on its context.
struct object_file {
    iommufd_ctx* ctx;
    uint32_t id;
    file_role role;
};

struct file {
    uint32_t refs = 1;
    std::variant<iommufd_file, kvm_system_file, vm_file, gmem_file, kvm_vfio_file, vfio_device_file, object_file> kind;
};

inline const char* kind_name(const file& f) {
    static constexpr const char* names[] = {"iommufd", "kvm", "kvm-vm", "guest_memfd", "kvm-vfio", "vfio-device",
                                            "iommufd-object"};
    return names[f.kind.index()];
}

}  // namespace uapikit::fake
