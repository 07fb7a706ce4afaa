// The few KVM uapi pieces the fake models (Linux 6.12 linux/kvm.h and
// asm/kvm.h, x86 encoding): creating a VM, a guest_memfd and a memslot
// that can hold private memory. Declared here because Debian 12's
// linux-libc-dev (6.1) predates guest_memfd; a test checks every number
// and offset against a scan of the real 6.12 headers.
#pragma once

#include <stdint.h>

namespace uapikit::fake::kvm {

inline constexpr unsigned long create_vm = 0xae01;                    // KVM_CREATE_VM, _IO(KVMIO, 0x01)
inline constexpr unsigned long create_guest_memfd = 0xc040aed4;       // KVM_CREATE_GUEST_MEMFD, _IOWR(KVMIO, 0xd4, 64 bytes)
inline constexpr unsigned long set_user_memory_region2 = 0x40a0ae49;  // KVM_SET_USER_MEMORY_REGION2, _IOW(KVMIO, 0x49, 160 bytes)

inline constexpr unsigned long default_vm = 0;                 // KVM_X86_DEFAULT_VM
inline constexpr unsigned long sw_protected_vm = 1;            // KVM_X86_SW_PROTECTED_VM: can have private memory
inline constexpr uint32_t mem_guest_memfd = 1u << 2;           // KVM_MEM_GUEST_MEMFD

struct create_guest_memfd_args {  // struct kvm_create_guest_memfd
    uint64_t size;
    uint64_t flags;
    uint64_t reserved[6];
};

struct memory_region2 {  // struct kvm_userspace_memory_region2
    uint32_t slot;
    uint32_t flags;
    uint64_t guest_phys_addr;
    uint64_t memory_size;
    uint64_t userspace_addr;
    uint64_t guest_memfd_offset;
    uint32_t guest_memfd;
    uint32_t pad1;
    uint64_t pad2[14];
};

static_assert(sizeof(create_guest_memfd_args) == 64, "kvm_create_guest_memfd is 64 bytes");
static_assert(sizeof(memory_region2) == 160, "kvm_userspace_memory_region2 is 160 bytes");

}  // namespace uapikit::fake::kvm
