// The KVM uapi pieces the fake models (Linux 6.12 linux/kvm.h and
// asm/kvm.h, x86 encoding): the API version and capabilities, creating a
// VM, a guest_memfd and a memslot that can hold private memory, and the
// KVM-VFIO device through which a VFIO device learns its VM. Declared here because Debian 12's
// linux-libc-dev (6.1) predates guest_memfd; a test checks every number
// and offset against a scan of the real 6.12 headers.
#pragma once

#include <stdint.h>

namespace uapikit::fake::kvm {

inline constexpr unsigned long get_api_version = 0xae00;              // KVM_GET_API_VERSION, _IO(KVMIO, 0x00)
inline constexpr unsigned long create_vm = 0xae01;                    // KVM_CREATE_VM, _IO(KVMIO, 0x01)
inline constexpr unsigned long check_extension = 0xae03;              // KVM_CHECK_EXTENSION, _IO(KVMIO, 0x03)
inline constexpr unsigned long create_device = 0xc00caee0;            // KVM_CREATE_DEVICE, _IOWR(KVMIO, 0xe0, 12 bytes)
inline constexpr unsigned long set_device_attr = 0x4018aee1;          // KVM_SET_DEVICE_ATTR, _IOW(KVMIO, 0xe1, 24 bytes)
inline constexpr unsigned long get_device_attr = 0x4018aee2;          // KVM_GET_DEVICE_ATTR
inline constexpr unsigned long has_device_attr = 0x4018aee3;          // KVM_HAS_DEVICE_ATTR
inline constexpr unsigned long create_guest_memfd = 0xc040aed4;       // KVM_CREATE_GUEST_MEMFD, _IOWR(KVMIO, 0xd4, 64 bytes)
inline constexpr unsigned long set_user_memory_region = 0x4020ae46;   // KVM_SET_USER_MEMORY_REGION, _IOW(KVMIO, 0x46, 32 bytes)
inline constexpr unsigned long set_user_memory_region2 = 0x40a0ae49;  // KVM_SET_USER_MEMORY_REGION2, _IOW(KVMIO, 0x49, 160 bytes)

inline constexpr unsigned long default_vm = 0;                 // KVM_X86_DEFAULT_VM
inline constexpr unsigned long sw_protected_vm = 1;            // KVM_X86_SW_PROTECTED_VM: can have private memory
inline constexpr uint32_t mem_log_dirty_pages = 1u << 0;       // KVM_MEM_LOG_DIRTY_PAGES
inline constexpr uint32_t mem_readonly = 1u << 1;              // KVM_MEM_READONLY
inline constexpr uint32_t mem_guest_memfd = 1u << 2;           // KVM_MEM_GUEST_MEMFD
inline constexpr uint32_t region_v1_flags = mem_log_dirty_pages | mem_readonly;  // what the first version takes
inline constexpr uint32_t mem_slots_num = 32767;               // x86 KVM_MEM_SLOTS_NUM (user slots and 3 private)
inline constexpr uint32_t address_space_num = 2;               // x86 KVM_ADDRESS_SPACE_NUM (normal and SMM)

inline constexpr int api_version = 12;                         // KVM_API_VERSION
inline constexpr unsigned long cap_user_memory = 3;            // KVM_CAP_USER_MEMORY
inline constexpr unsigned long cap_nr_memslots = 10;           // KVM_CAP_NR_MEMSLOTS
inline constexpr unsigned long cap_device_ctrl = 89;           // KVM_CAP_DEVICE_CTRL
inline constexpr unsigned long cap_user_memory2 = 231;         // KVM_CAP_USER_MEMORY2
inline constexpr unsigned long cap_guest_memfd = 234;          // KVM_CAP_GUEST_MEMFD
inline constexpr unsigned long cap_vm_types = 235;             // KVM_CAP_VM_TYPES
inline constexpr int user_mem_slots = 32764;                   // x86 KVM_USER_MEM_SLOTS (what NR_MEMSLOTS answers)

inline constexpr uint32_t dev_type_vfio = 4;                   // KVM_DEV_TYPE_VFIO
inline constexpr uint32_t create_device_test = 1;              // KVM_CREATE_DEVICE_TEST
inline constexpr uint32_t dev_vfio_file = 1;                   // KVM_DEV_VFIO_FILE (group)
inline constexpr uint64_t dev_vfio_file_add = 1;               // KVM_DEV_VFIO_FILE_ADD
inline constexpr uint64_t dev_vfio_file_del = 2;               // KVM_DEV_VFIO_FILE_DEL

struct create_device_args {  // struct kvm_create_device
    uint32_t type;
    uint32_t fd;     // out
    uint32_t flags;
};

struct device_attr {  // struct kvm_device_attr
    uint32_t flags;
    uint32_t group;
    uint64_t attr;
    uint64_t addr;   // user pointer to the attribute's value
};

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

static_assert(sizeof(create_device_args) == 12, "kvm_create_device is 12 bytes");
static_assert(sizeof(device_attr) == 24, "kvm_device_attr is 24 bytes");
static_assert(sizeof(create_guest_memfd_args) == 64, "kvm_create_guest_memfd is 64 bytes");
static_assert(sizeof(memory_region2) == 160, "kvm_userspace_memory_region2 is 160 bytes");

}  // namespace uapikit::fake::kvm
