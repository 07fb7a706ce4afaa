// The fake machine under the iommufd contexts: physical IOMMU instances,
// the devices behind them (VFIO devices and the selftest's mock devices),
// KVM VMs, and the pinned-page registry. Plain data; the rules that use it
// live in the family files and in host.hpp.
#pragma once

#include <uapikit/fake/domain.hpp>
#include <uapikit/fake/pages.hpp>

#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace uapikit::fake {

struct iommufd_ctx;
class user_space;

// The files an iommufd object can have (anon inodes in the kernel).
enum class file_role : uint8_t { fault, veventq, access };

struct memslot {
    uint64_t gpa = 0;
    uint64_t size = 0;
    uint64_t uaddr = 0;            // the VMM's mapping of it
    uint32_t flags = 0;            // KVM_MEM_*
    bool private_capable = false;  // backed by a guest_memfd
    uint64_t gmem = 0;             // the guest_memfd bound (its serial), 0 once that file is gone
    uint64_t gmem_offset = 0;      // where in it, in bytes
};

// A KVM VM. It lives as long as something holds it: its fd, a vIOMMU that
// took the fd, a guest_memfd, or a VFIO device that learned it.
struct vm {
    uint64_t serial = 0;
    unsigned long type = 0;
    std::map<uint32_t, memslot> slots;
    int holders = 0;
    uint64_t next_gmem = 1;  // serial of its next guest_memfd
};

// A physical IOMMU instance. AMD hands each guest a 16-bit Guest ID unique
// per instance, and one translation device id per guest.
struct physical_iommu {
    iommu_kind kind;
    uint32_t gid_capacity = 1u << 16;
    std::set<uint32_t> gids_in_use;
    std::map<uint64_t, uint32_t> trans_devid_by_vm;  // vm serial -> translation device id
    uint32_t next_trans_devid = 1;
};

// A device behind an IOMMU: a VFIO device (/dev/vfio/devices/vfioN) or a
// mock device the selftest made.
struct physical_device {
    int iommu = -1;
    bool mock = false;
    uint32_t mock_flags = 0;    // MOCK_FLAGS_DEVICE_* of a mock device
    uint8_t max_pasid_log2 = 0;
    iommufd_ctx* bound = nullptr;  // the context it is bound to, if any
    uint32_t idev = 0;             // its device id there
    std::shared_ptr<struct vm> kvm;  // the VM it learned (KVM_DEV_VFIO_FILE_ADD)
    std::vector<uint32_t> mock_cache;  // a mock device's cache entries (mainline selftest.c)
};

// What the host reaches from inside an ioctl: the hardware, and the KVM VM
// behind an fd number (a vIOMMU takes VM fds).
struct platform {
    std::vector<physical_iommu> iommus;
    std::map<uint32_t, physical_device> devices;  // VFIO devices 0.., mock devices from mock_base
    pin_registry pins;
    int selftest_iommu = -1;
    uint32_t test_memory_limit = 65536;  // IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT; sizes only kernel buffers
    uint64_t next_vm_serial = 1;
    bool sys_resource = false;  // CAP_SYS_RESOURCE: may change IOMMU_OPTION_RLIMIT_MODE

    static constexpr uint32_t mock_base = 1u << 20;  // device keys of mock devices start here

    // Set by the host, which owns file descriptors: the VM behind fd in
    // the calling process (or null), and a new fd in the calling process
    // for an object's file (or -errno).
    std::shared_ptr<struct vm> (*vm_of_fd)(void* host, int fd) = nullptr;
    int (*new_fd)(void* host, iommufd_ctx& ictx, uint32_t id, file_role role, const user_space& caller) = nullptr;
    // The selftest access behind an fd: its context and object id.
    bool (*access_of_fd)(void* host, int fd, iommufd_ctx** ictx, uint32_t* id) = nullptr;
    // Closes an fd new_fd made, when the call that made it fails after all.
    void (*close_fd)(void* host, int fd) = nullptr;
    void* host = nullptr;
    std::shared_ptr<struct vm> vm_of(int fd) const { return vm_of_fd ? vm_of_fd(host, fd) : nullptr; }
    int new_object_fd(iommufd_ctx& ictx, uint32_t id, file_role role, const user_space& caller) {
        return new_fd ? new_fd(host, ictx, id, role, caller) : -ENOTTY;
    }
    void close_object_fd(int fd) {
        if (close_fd) close_fd(host, fd);
    }

    explicit platform(memlock_policy policy = {}) : pins(policy) {}

    int add_iommu(iommu_kind kind, uint32_t gid_capacity = 1u << 16) {
        iommus.push_back(physical_iommu{kind, gid_capacity, {}, {}, 1});
        return static_cast<int>(iommus.size() - 1);
    }

    // The instance behind the selftest's mock devices, made on first use.
    int mock_iommu() {
        if (selftest_iommu < 0) selftest_iommu = add_iommu(iommu_kind::selftest);
        return selftest_iommu;
    }

    // The lowest free key for a new mock device.
    uint32_t next_mock_key() const {
        uint32_t key = mock_base;
        for (auto it = devices.lower_bound(mock_base); it != devices.end() && it->first == key; ++it) ++key;
        return key;
    }

    iommu_kind kind_of(const physical_device& d) const { return iommus.at(static_cast<std::size_t>(d.iommu)).kind; }
};

}  // namespace uapikit::fake
