// A VFIO device cdev (/dev/vfio/devices/vfioN) as a VMM drives it (Linux
// 6.12 drivers/vfio/device_cdev.c, drivers/vfio/iommufd.c, vfio_main.c and
// vfio-pci's device info): bind to an iommufd, attach to an IOAS or HWPT
// (a second attach replaces), detach, and enough of VFIO_DEVICE_GET_INFO,
// GET_REGION_INFO and GET_IRQ_INFO for a VMM to go on. The device takes
// the VM its file learned from the KVM-VFIO device when it binds; closing
// the last reference to the file unbinds it.
#pragma once

#include <uapikit/fake/caller_fds.hpp>
#include <uapikit/fake/host.hpp>
#include <uapikit/fake/vfio_abi.hpp>

#include <cstddef>

namespace uapikit::fake {

namespace vfio_cdev {

inline int bind(host& h, vfio_device_file& df, uint64_t arg, const user_space& caller) {
    constexpr size_t minsz = offsetof(vfio::bind_iommufd_args, out_devid) + sizeof(uint32_t);
    vfio::bind_iommufd_args bind{};
    if (caller.copy_from(&bind, arg, minsz) < 0) return -EFAULT;
    if (bind.argsz < minsz || bind.flags || bind.iommufd < 0) return -EINVAL;
    if (df.ctx) return -EINVAL;  // one file binds once
    // iommufd_ctx_from_fd(): any open file that is not an iommufd is EBADFD.
    file* f = h.find(bind.iommufd);
    if (!f) return caller_has_fd(caller, bind.iommufd) ? -EBADFD : -EBADF;
    auto* i = std::get_if<iommufd_file>(&f->kind);
    if (!i) return -EBADFD;
    physical_device& dev = h.machine().devices.at(df.device);
    if (dev.bound) return -EINVAL;  // the cdev path opens a device once
    uint32_t idev = device_bind(*i->ctx, h.machine(), df.device);
    if (caller.copy_to(arg + offsetof(vfio::bind_iommufd_args, out_devid), &idev, sizeof idev) < 0) {
        device_unbind(*i->ctx, h.machine(), idev);
        return -EFAULT;
    }
    h.ctx_get(*i->ctx);
    df.ctx = i->ctx;
    df.idev = idev;
    dev.kvm = df.kvm;
    return 0;
}

inline int attach(host& h, vfio_device_file& df, uint64_t arg, const user_space& caller) {
    constexpr size_t minsz = offsetof(vfio::attach_iommufd_pt_args, pt_id) + sizeof(uint32_t);
    vfio::attach_iommufd_pt_args attach{};
    if (caller.copy_from(&attach, arg, minsz) < 0) return -EFAULT;
    if (attach.argsz < minsz || attach.flags) return -EINVAL;
    uint32_t pt_id = attach.pt_id;
    int rc = df.attached ? device_replace(*df.ctx, h.machine(), df.idev, &pt_id)
                         : device_attach(*df.ctx, h.machine(), df.idev, &pt_id);
    if (rc < 0) return rc;
    df.attached = true;
    if (caller.copy_to(arg + offsetof(vfio::attach_iommufd_pt_args, pt_id), &pt_id, sizeof pt_id) < 0) {
        // The kernel detaches on this path whether the call attached or
        // replaced (device_cdev.c, out_detach): a replace ends detached.
        device_detach(*df.ctx, h.machine(), df.idev);
        df.attached = false;
        return -EFAULT;
    }
    return 0;
}

inline int detach(host& h, vfio_device_file& df, uint64_t arg, const user_space& caller) {
    constexpr size_t minsz = offsetof(vfio::detach_iommufd_pt_args, flags) + sizeof(uint32_t);
    vfio::detach_iommufd_pt_args detach{};
    if (caller.copy_from(&detach, arg, minsz) < 0) return -EFAULT;
    if (detach.argsz < minsz || detach.flags) return -EINVAL;
    if (df.attached) {
        device_detach(*df.ctx, h.machine(), df.idev);
        df.attached = false;
    }
    return 0;
}

// vfio-pci's VFIO_DEVICE_GET_INFO: a PCI device that can reset, with the
// PCI regions and interrupt indexes.
inline int get_info(const user_space& caller, uint64_t arg) {
    constexpr size_t minsz = offsetof(vfio::device_info, num_irqs) + sizeof(uint32_t);
    vfio::device_info info{};
    if (caller.copy_from(&info, arg, minsz) < 0) return -EFAULT;
    if (info.argsz < minsz) return -EINVAL;
    info.flags = vfio::device_flags_pci | vfio::device_flags_reset;
    info.num_regions = vfio::pci_num_regions;
    info.num_irqs = vfio::pci_num_irqs;
    return caller.copy_to(arg, &info, minsz) < 0 ? -EFAULT : 0;
}

// VFIO_DEVICE_GET_REGION_INFO: a 256-byte config space (readable and
// writable), one 16 KiB BAR 0; the other regions are absent (size 0).
inline int get_region_info(const user_space& caller, uint64_t arg) {
    constexpr size_t minsz = offsetof(vfio::region_info, offset) + sizeof(uint64_t);
    vfio::region_info info{};
    if (caller.copy_from(&info, arg, minsz) < 0) return -EFAULT;
    if (info.argsz < minsz) return -EINVAL;
    if (info.index >= vfio::pci_num_regions) return -EINVAL;
    info.offset = static_cast<uint64_t>(info.index) << 40;  // VFIO_PCI_INDEX_TO_OFFSET
    info.flags = 0;
    info.size = 0;
    info.cap_offset = 0;
    if (info.index == vfio::pci_config_region_index) {
        info.size = 256;
        info.flags = vfio::region_info_flag_read | vfio::region_info_flag_write;
    } else if (info.index == 0) {
        info.size = 16 * 1024;
        info.flags = vfio::region_info_flag_read | vfio::region_info_flag_write;
    }
    return caller.copy_to(arg, &info, minsz) < 0 ? -EFAULT : 0;
}

// VFIO_DEVICE_GET_IRQ_INFO: INTx and MSI one vector, MSI-X 16, ERR and REQ one.
inline int get_irq_info(const user_space& caller, uint64_t arg) {
    constexpr size_t minsz = offsetof(vfio::irq_info, count) + sizeof(uint32_t);
    vfio::irq_info info{};
    if (caller.copy_from(&info, arg, minsz) < 0) return -EFAULT;
    if (info.argsz < minsz || info.index >= vfio::pci_num_irqs) return -EINVAL;
    info.flags = vfio::irq_info_eventfd;
    info.count = info.index == 2 ? 16 : 1;
    return caller.copy_to(arg, &info, minsz) < 0 ? -EFAULT : 0;
}

// VFIO_DEVICE_FEATURE: the header's checks, in vfio_ioctl_device_feature()'s
// order (6.12 vfio_main.c), then ENOTTY for a well-formed request of any
// feature: the fake's devices offer none (no migration, no DMA logging).
inline int device_feature(const user_space& caller, uint64_t arg) {
    vfio::device_feature_header f{};
    if (caller.copy_from(&f, arg, sizeof f) < 0) return -EFAULT;
    if (f.argsz < sizeof f) return -EINVAL;
    const uint32_t known =
        vfio::device_feature_mask | vfio::device_feature_get | vfio::device_feature_set | vfio::device_feature_probe;
    if (f.flags & ~known) return -EINVAL;
    if (!(f.flags & vfio::device_feature_probe) && (f.flags & vfio::device_feature_set) &&
        (f.flags & vfio::device_feature_get))
        return -EINVAL;  // GET and SET together only with PROBE
    return -ENOTTY;
}

}  // namespace vfio_cdev

inline int vfio_device_ioctl(host& h, file&, vfio_device_file& df, unsigned long request, uint64_t arg,
                             const user_space& caller) {
    if (request == vfio::device_bind_iommufd) return vfio_cdev::bind(h, df, arg, caller);
    if (!df.ctx) return -EINVAL;  // nothing but BIND before the bind
    switch (request) {
        case vfio::device_attach_iommufd_pt: return vfio_cdev::attach(h, df, arg, caller);
        case vfio::device_detach_iommufd_pt: return vfio_cdev::detach(h, df, arg, caller);
        case vfio::device_get_info: return vfio_cdev::get_info(caller, arg);
        case vfio::device_get_region_info: return vfio_cdev::get_region_info(caller, arg);
        case vfio::device_get_irq_info: return vfio_cdev::get_irq_info(caller, arg);
        case vfio::device_reset: return 0;
        case vfio::device_feature: return vfio_cdev::device_feature(caller, arg);
        default: return -ENOTTY;
    }
}

// The last reference to the file went (vfio_df_unbind_iommufd): detach,
// unbind and drop the VM and the context.
inline void vfio_device_release(host& h, vfio_device_file& df) {
    if (!df.ctx) return;
    iommufd_ctx& ictx = *df.ctx;
    if (df.attached) device_detach(ictx, h.machine(), df.idev);
    device_unbind(ictx, h.machine(), df.idev);
    h.machine().devices.at(df.device).kvm = nullptr;
    df.ctx = nullptr;
    h.ctx_put(ictx);
}

}  // namespace uapikit::fake
