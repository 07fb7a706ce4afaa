// What the fake's KVM answers (Linux 6.12 virt/kvm/kvm_main.c, x86, and
// virt/kvm/vfio.c): the API version and capabilities a VMM asks for,
// VMs, guest_memfd and memslots that can hold private memory, and the
// KVM-VFIO device through which a VFIO device file learns its VM
// (KVM_DEV_VFIO_FILE_ADD / _DEL). The rest of KVM (vCPUs, interrupts) is
// not modelled: other ioctls answer as x86 KVM does for unknown numbers.
#pragma once

#include <uapikit/fake/caller_fds.hpp>
#include <uapikit/fake/host.hpp>

namespace uapikit::fake::kvm {

// KVM_CHECK_EXTENSION, on /dev/kvm (vm null) or on a VM.
inline int extension_value(const std::shared_ptr<struct vm>& vm, unsigned long cap) {
    switch (cap) {
        case cap_user_memory:
        case cap_device_ctrl:
        case cap_user_memory2:
            return 1;
        case cap_nr_memslots:
            return user_mem_slots;
        case cap_guest_memfd:
            return !vm || vm->type == sw_protected_vm;
        case cap_vm_types:
            return (1 << default_vm) | (1 << sw_protected_vm);
        default:
            return 0;
    }
}

// __kvm_set_memory_region(): creates, moves, changes or (size 0) deletes
// a slot. Private slots (KVM_MEM_GUEST_MEMFD) need a VM with private
// memory and a guest_memfd of this VM that covers them; they can only be
// deleted afterwards.
inline int set_memory_region(host& h, struct vm& vm, const memory_region2& r, const user_space& caller) {
    const bool has_private = vm.type == sw_protected_vm;
    uint32_t valid = mem_log_dirty_pages;
    if (has_private) valid |= mem_guest_memfd;
    if (r.flags & mem_guest_memfd) valid &= ~mem_log_dirty_pages;
    else valid |= mem_readonly;
    if (r.flags & ~valid) return -EINVAL;
    const uint32_t as_id = r.slot >> 16, id = r.slot & 0xffff;
    if (r.memory_size % page_size || r.guest_phys_addr % page_size || r.userspace_addr % page_size) return -EINVAL;
    if (r.userspace_addr + r.memory_size < r.userspace_addr || r.userspace_addr + r.memory_size > (uint64_t{1} << 47))
        return -EINVAL;  // access_ok(): within the user half of the address space
    const bool gmem = r.flags & mem_guest_memfd;
    if (gmem && (r.guest_memfd_offset % page_size || r.guest_memfd_offset + r.memory_size < r.guest_memfd_offset))
        return -EINVAL;
    if (as_id >= address_space_num || id >= mem_slots_num) return -EINVAL;
    if (r.guest_phys_addr + r.memory_size < r.guest_phys_addr) return -EINVAL;
    auto old = vm.slots.find(r.slot);
    if (r.memory_size == 0) {
        if (old == vm.slots.end()) return -EINVAL;
        vm.slots.erase(old);
        return 0;
    }
    if (old != vm.slots.end()) {
        const memslot& o = old->second;
        if (gmem || r.userspace_addr != o.uaddr || r.memory_size != o.size ||
            ((r.flags ^ o.flags) & (mem_readonly | mem_guest_memfd)))
            return -EINVAL;
        if (r.guest_phys_addr == o.gpa && r.flags == o.flags) return 0;
    }
    const bool moves = old == vm.slots.end() || r.guest_phys_addr != old->second.gpa;
    if (moves)
        for (const auto& [n, s] : vm.slots)
            if (n >> 16 == as_id && n != r.slot && s.gpa < r.guest_phys_addr + r.memory_size &&
                r.guest_phys_addr < s.gpa + s.size)
                return -EEXIST;
    memslot slot{r.guest_phys_addr, r.memory_size, r.userspace_addr, r.flags, gmem};
    if (gmem) {
        // kvm_gmem_bind(): a guest_memfd of this VM that covers the range,
        // whose pages no other slot is bound to.
        file* f = h.find(static_cast<int>(r.guest_memfd));
        if (!f) return caller_has_fd(caller, static_cast<int>(r.guest_memfd)) ? -EINVAL : -EBADF;
        auto* g = std::get_if<gmem_file>(&f->kind);
        if (!g || g->vm.get() != &vm) return -EINVAL;
        if (r.guest_memfd_offset + r.memory_size > g->size) return -EINVAL;
        for (const auto& [n, s] : vm.slots)
            if (s.gmem == g->serial && s.gmem_offset < r.guest_memfd_offset + r.memory_size &&
                r.guest_memfd_offset < s.gmem_offset + s.size)
                return -EINVAL;
        slot.gmem = g->serial;
        slot.gmem_offset = r.guest_memfd_offset;
    }
    vm.slots[r.slot] = slot;
    return 0;
}

inline int system_ioctl(host& h, unsigned long request, uint64_t arg, const user_space& caller) {
    switch (request) {
        case get_api_version:
            return arg ? -EINVAL : api_version;
        case check_extension:
            return extension_value(nullptr, static_cast<unsigned long>(arg));
        case create_vm: {
            if (arg != default_vm && arg != sw_protected_vm) return -EINVAL;
            if (caller.mm().pid != 0) return -EOPNOTSUPP;  // fds go only to the fake's own process
            auto vm = std::make_shared<struct vm>();
            vm->serial = h.machine().next_vm_serial;
            vm->type = arg;
            vm->holders = 1;
            int fd = h.add_file(vm_file{vm});
            if (fd >= 0) h.machine().next_vm_serial++;
            return fd;
        }
        default:
            return -EINVAL;  // kvm_arch_dev_ioctl() on x86
    }
}

inline int vm_ioctl(host& h, const std::shared_ptr<struct vm>& vm, unsigned long request, uint64_t arg,
                    const user_space& caller) {
    switch (request) {
        case check_extension:
            return extension_value(vm, static_cast<unsigned long>(arg));
        case create_guest_memfd: {
            // kvm_gmem_create(): any VM may make one; only a VM with private
            // memory can bind it to a memslot.
            create_guest_memfd_args a{};
            if (caller.copy_from(&a, arg, sizeof a) < 0) return -EFAULT;
            if (a.flags || !a.size || a.size % page_size || a.size > uint64_t{INT64_MAX}) return -EINVAL;
            if (caller.mm().pid != 0) return -EOPNOTSUPP;
            int fd = h.add_file(gmem_file{vm, a.size, vm->next_gmem});
            if (fd >= 0) {  // only once the fd exists: EMFILE changes nothing
                vm->holders++;
                vm->next_gmem++;
            }
            return fd;
        }
        case set_user_memory_region:
        case set_user_memory_region2: {
            // The first version is the second's leading 32 bytes.
            memory_region2 r{};
            const size_t size = request == set_user_memory_region ? 32 : sizeof r;
            if (caller.copy_from(&r, arg, size) < 0) return -EFAULT;
            if (request == set_user_memory_region && (r.flags & ~region_v1_flags)) return -EINVAL;
            return set_memory_region(h, *vm, r, caller);
        }
        case create_device: {
            create_device_args cd{};
            if (caller.copy_from(&cd, arg, sizeof cd) < 0) return -EFAULT;
            if (cd.type != dev_type_vfio) return -ENODEV;
            if (cd.flags & create_device_test) return 0;
            // Only one KVM-VFIO device per VM.
            bool exists = false;
            h.for_each_file([&](int, const file& f) {
                if (const auto* d = std::get_if<kvm_vfio_file>(&f.kind); d && d->vm == vm) exists = true;
            });
            if (exists) return -EBUSY;
            if (caller.mm().pid != 0) return -EOPNOTSUPP;
            int fd = h.add_file(kvm_vfio_file{vm, {}});
            if (fd < 0) return fd;
            vm->holders++;
            cd.fd = static_cast<uint32_t>(fd);
            // A reply that cannot be written is EFAULT, and the device and
            // its fd stay, unknown to the caller (kvm_vm_ioctl()).
            if (caller.copy_to(arg + offsetof(create_device_args, fd), &cd.fd, sizeof cd.fd) < 0) return -EFAULT;
            return 0;
        }
        default:
            return -ENOTTY;  // kvm_arch_vm_ioctl() on x86
    }
}

// KVM_DEV_VFIO_FILE_ADD / _DEL: the value at `addr` is a VFIO device fd.
inline int vfio_file_attr(host& h, kvm_vfio_file& d, uint64_t which, uint64_t addr, const user_space& caller) {
    if (which != dev_vfio_file_add && which != dev_vfio_file_del) return -ENXIO;
    int32_t fd = 0;
    if (caller.copy_from(&fd, addr, sizeof fd) < 0) return -EFAULT;
    // fget() finds any open file: one the fake did not make is not VFIO's
    // (EINVAL to add) and was never added (ENOENT to delete).
    file* f = h.find(fd);
    const bool foreign = !f && caller_has_fd(caller, fd);
    if (which == dev_vfio_file_add) {
        if (foreign) return -EINVAL;
        if (!f) return -EBADF;
        auto* v = std::get_if<vfio_device_file>(&f->kind);
        if (!v) return -EINVAL;  // not a VFIO file
        for (file* held : d.vfio)
            if (held == f) return -EEXIST;
        f->refs++;
        d.vfio.push_back(f);
        v->kvm = d.vm;
        return 0;
    }
    if (foreign) return -ENOENT;
    if (!f) return -EBADF;
    for (auto it = d.vfio.begin(); it != d.vfio.end(); ++it)
        if (*it == f) {
            d.vfio.erase(it);
            std::get<vfio_device_file>(f->kind).kvm = nullptr;
            h.fput(f);
            return 0;
        }
    return -ENOENT;
}

inline int device_ioctl(host& h, kvm_vfio_file& d, unsigned long request, uint64_t arg, const user_space& caller) {
    if (request != set_device_attr && request != get_device_attr && request != has_device_attr) return -ENOTTY;
    // The KVM-VFIO device has no get_attr: EPERM before the argument is
    // read (kvm_device_ioctl_attr(), 6.12 kvm_main.c).
    if (request == get_device_attr) return -EPERM;
    device_attr a{};
    if (caller.copy_from(&a, arg, sizeof a) < 0) return -EFAULT;
    if (a.group != dev_vfio_file) return -ENXIO;
    if (request == has_device_attr) return a.attr == dev_vfio_file_add || a.attr == dev_vfio_file_del ? 0 : -ENXIO;
    return vfio_file_attr(h, d, a.attr, a.addr, caller);
}

// The device's fd closed: its VFIO files forget the VM and are put back.
inline void device_release(host& h, kvm_vfio_file& d) {
    auto held = std::move(d.vfio);
    for (file* f : held) {
        std::get<vfio_device_file>(f->kind).kvm = nullptr;
        h.fput(f);
    }
    d.vm->holders--;
}

}  // namespace uapikit::fake::kvm
