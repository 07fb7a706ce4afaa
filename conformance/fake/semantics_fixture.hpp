// What every semantic case starts from: a way into the fake, helpers that
// build the usual objects with raw structs, and `rejected`, which checks
// the errno and that the model and the caller's struct are exactly as
// before the call.
#pragma once

#include "ways.hpp"

#include <uapikit/generated/proposed.hpp>

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

namespace uapikit::testing {

namespace abi = uapikit::raw::proposed;

struct mock {
    uint32_t stdev, hwpt, dev;
};

class fake_fixture {
public:
    fake_fixture() : way_(make_way()) {}
    ~fake_fixture() {
        for (auto it = fds_.rbegin(); it != fds_.rend(); ++it) way_->close(*it);
    }

    fake::host& host() { return way_->host(); }
    way& via() { return *way_; }

    int open(const char* path) {
        int fd = way_->open(path);
        REQUIRE(fd >= 0);
        fds_.push_back(fd);
        return fd;
    }
    void forget(int fd) { std::erase(fds_, fd); }

    // Issues the command with size = sizeof unless the caller set one.
    template <typename T>
    int call(int fd, T& cmd) {
        if (cmd.size == 0) cmd.size = sizeof(T);
        return way_->ioctl(fd, command_traits<T>::request, &cmd);
    }

    // The call must fail with `err` and change nothing in the model.
    template <typename T>
    void rejected(int fd, T& cmd, int err, unsigned long request = command_traits<T>::request) {
        if (cmd.size == 0) cmd.size = sizeof(T);
        std::string before = host().snapshot();
        unsigned char caller_before[sizeof(T)];
        std::memcpy(caller_before, &cmd, sizeof(T));
        int rc = way_->ioctl(fd, request, &cmd);
        CHECK(rc == -err);
        CHECK(host().snapshot() == before);
        // The kernel copies its reply out only on success.
        CHECK(std::memcmp(caller_before, &cmd, sizeof(T)) == 0);
    }

    uint32_t ioas(int fd) {
        abi::iommu_ioas_alloc cmd{};
        REQUIRE(call(fd, cmd) == 0);
        return cmd.out_ioas_id;
    }

    mock mock_device(int fd, uint32_t pt) {
        abi::iommu_test_cmd cmd{};
        cmd.op = abi::IOMMU_TEST_OP_MOCK_DOMAIN;
        cmd.id = pt;
        REQUIRE(call(fd, cmd) == 0);
        return {cmd.mock_domain.out_stdev_id, cmd.mock_domain.out_hwpt_id, cmd.mock_domain.out_idev_id};
    }

    uint32_t nest_parent(int fd, uint32_t dev, uint32_t ioas_id) {
        abi::iommu_hwpt_alloc cmd{};
        cmd.flags = abi::IOMMU_HWPT_ALLOC_NEST_PARENT;
        cmd.dev_id = dev;
        cmd.pt_id = ioas_id;
        REQUIRE(call(fd, cmd) == 0);
        return cmd.out_hwpt_id;
    }

    abi::iommu_viommu_alloc viommu_cmd(uint32_t dev, uint32_t hwpt, uint32_t type = abi::IOMMU_VIOMMU_TYPE_SELFTEST) {
        abi::iommu_viommu_alloc cmd{};
        cmd.type = type;
        cmd.dev_id = dev;
        cmd.hwpt_id = hwpt;
        return cmd;
    }

    uint32_t viommu(int fd, uint32_t dev, uint32_t hwpt, int vm_fd = -1) {
        auto cmd = viommu_cmd(dev, hwpt);
        if (vm_fd >= 0) {
            cmd.flags = abi::IOMMU_VIOMMU_KVM_FD;
            cmd.kvm_vm_fd = vm_fd;
        }
        REQUIRE(call(fd, cmd) == 0);
        return cmd.out_viommu_id;
    }

    uint32_t vdevice(int fd, uint32_t viommu_id, uint32_t dev, uint64_t virt_id) {
        abi::iommu_vdevice_alloc cmd{};
        cmd.viommu_id = viommu_id;
        cmd.dev_id = dev;
        cmd.virt_id = virt_id;
        REQUIRE(call(fd, cmd) == 0);
        return cmd.out_vdevice_id;
    }

    // A VM of `type`; with private memory its guest_memfd backs one slot.
    int vm(unsigned long type = fake::kvm::sw_protected_vm) {
        int kvm = open("/dev/kvm");
        int fd = way_->ioctl(kvm, fake::kvm::create_vm, reinterpret_cast<void*>(type));
        REQUIRE(fd >= 0);
        fds_.push_back(fd);
        return fd;
    }

    int guest_memfd(int vm_fd, uint64_t size) {
        fake::kvm::create_guest_memfd_args args{};
        args.size = size;
        int fd = way_->ioctl(vm_fd, fake::kvm::create_guest_memfd, &args);
        REQUIRE(fd >= 0);
        fds_.push_back(fd);
        return fd;
    }

    int memslot(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, int gmem_fd = -1) {
        fake::kvm::memory_region2 r{};
        r.slot = slot;
        r.guest_phys_addr = gpa;
        r.memory_size = size;
        r.userspace_addr = 0x7f0000000000;
        if (gmem_fd >= 0) {
            r.flags = fake::kvm::mem_guest_memfd;
            r.guest_memfd = static_cast<uint32_t>(gmem_fd);
        }
        return way_->ioctl(vm_fd, fake::kvm::set_user_memory_region2, &r);
    }

    // A device behind a real-hardware IOMMU instance, bound to `fd`.
    uint32_t bound_device(int fd, int iommu) {
        int dev = host().bind_device(fd, iommu);
        REQUIRE(dev > 0);
        return static_cast<uint32_t>(dev);
    }

private:
    std::unique_ptr<way> way_;
    std::vector<int> fds_;
};

}  // namespace uapikit::testing
