// What every semantic case starts from: a way into the fake, helpers that
// build the usual objects with raw structs (through the same way), and
// `rejected`, which checks the errno and that the model and the caller's
// struct are exactly as before the call.
#pragma once

#include "ways.hpp"

#include <uapikit/fake/kvm_abi.hpp>
#include <uapikit/fake/vfio_abi.hpp>
#include <uapikit/generated/proposed.hpp>

#include <doctest/doctest.h>

#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <type_traits>
#include <unistd.h>
#include <vector>

namespace uapikit::testing {

namespace abi = uapikit::raw::proposed;
namespace kvm = uapikit::fake::kvm;
namespace vfio = uapikit::fake::vfio;
using uapikit::fake::iommu_kind;

// PAGE_SIZE of the machines the cases run on (x86_64 and arm64 with 4 KiB
// pages), and the first IOVA of the selftest mock domain's aperture.
inline constexpr uint64_t page = 4096;
inline constexpr uint64_t aperture = abi::MOCK_APERTURE_START;

struct mock {
    uint32_t stdev, hwpt, dev;
};

// Memory a test maps into an IOAS: anonymous, shared, page aligned.
class buffer {
public:
    explicit buffer(size_t bytes) : size_(bytes) {
        void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        REQUIRE(p != MAP_FAILED);
        data_ = static_cast<uint8_t*>(p);
    }
    ~buffer() { ::munmap(data_, size_); }
    buffer(const buffer&) = delete;
    buffer& operator=(const buffer&) = delete;
    uint8_t* data() const { return data_; }
    uint64_t address() const { return testing::address(data_); }
    size_t size() const { return size_; }

private:
    uint8_t* data_;
    size_t size_;
};

// A real open file of this process that the fake did not make (/dev/null):
// the kernel's fget() finds it, so a call wanting a file of another kind
// gets that kind's errno, not the EBADF of a closed number.
class real_file {
public:
    real_file() : fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) { REQUIRE(fd_ >= 0); }
    ~real_file() { ::close(fd_); }
    real_file(const real_file&) = delete;
    real_file& operator=(const real_file&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

template <typename T>
concept iommufd_command = requires { command_traits<T>::request; };

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
    // The test closes fd itself (or checks it was closed).
    void forget(int fd) { std::erase(fds_, fd); }
    void keep(int fd) { fds_.push_back(fd); }

    // Issues the command with size = sizeof unless the caller set one.
    template <iommufd_command T>
    int call(int fd, T& cmd) {
        if (cmd.size == 0) cmd.size = sizeof(T);
        return way_->ioctl(fd, command_traits<T>::request, &cmd);
    }
    // A request with a struct of another family (VFIO, KVM).
    template <typename T>
    int call(int fd, unsigned long request, T& arg) {
        return way_->ioctl(fd, request, &arg);
    }

    // The call must fail with `err` and change nothing: not the model, and
    // not the caller's struct (the kernel copies its reply out only on
    // success).
    template <typename T>
    void rejected(int fd, T& cmd, int err, unsigned long request) {
        std::string before = host().snapshot();
        unsigned char caller_before[sizeof(T)];
        std::memcpy(caller_before, &cmd, sizeof(T));
        int rc = way_->ioctl(fd, request, &cmd);
        CHECK(rc == -err);
        CHECK(host().snapshot() == before);
        CHECK(std::memcmp(caller_before, &cmd, sizeof(T)) == 0);
    }
    template <iommufd_command T>
    void rejected(int fd, T& cmd, int err) {
        if (cmd.size == 0) cmd.size = sizeof(T);
        rejected(fd, cmd, err, command_traits<T>::request);
    }
    // A call on a struct the fake can read but not write back: `arg` is
    // copied into a page made read-only (an iommufd struct gets its size).
    // Returns what the call gives. Only for ways that copy structs.
    template <typename T>
    int call_read_only(int fd, unsigned long request, T arg) {
        return call_split(fd, request, arg, sizeof arg);  // every byte on the read-only page
    }
    // A call on a struct across a page boundary: its first `read_only`
    // bytes on a page made read-only, the rest on a writable page. The
    // call's reply, as far as it could be written, comes back in `arg`.
    // Only for ways that copy structs.
    template <typename T>
    int call_split(int fd, unsigned long request, T& arg, size_t read_only) {
        if constexpr (iommufd_command<T>) arg.size = sizeof arg;
        void* mem = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        REQUIRE(mem != MAP_FAILED);
        auto* at = static_cast<unsigned char*>(mem) + page - read_only;
        std::memcpy(at, &arg, sizeof arg);
        REQUIRE(::mprotect(mem, page, PROT_READ) == 0);
        int rc = way_->ioctl(fd, request, at);
        std::memcpy(&arg, at, sizeof arg);
        ::munmap(mem, 2 * page);
        return rc;
    }
    // As rejected(), for the calls whose reply the kernel copies out even
    // on failure (IOVA_RANGES too small, HWPT_INVALIDATE's count): only the
    // model is compared.
    template <iommufd_command T>
    void rejected_with_reply(int fd, T& cmd, int err) {
        if (cmd.size == 0) cmd.size = sizeof(T);
        rejected_by(err, [&] { return way_->ioctl(fd, command_traits<T>::request, &cmd); });
    }
    // As rejected(), for a call without a struct of the caller's to
    // compare: an integer argument (KVM_GET_API_VERSION,
    // VFIO_CHECK_EXTENSION), a write(2). `call` returns >= 0 or -errno;
    // the model must be as before.
    template <typename Call>
    void rejected_by(int err, Call&& call) {
        std::string before = host().snapshot();
        CHECK(call() == -err);
        CHECK(host().snapshot() == before);
    }

    // ---- iommufd objects -------------------------------------------------------

    uint32_t ioas(int fd) {
        abi::iommu_ioas_alloc cmd{};
        REQUIRE(call(fd, cmd) == 0);
        return cmd.out_ioas_id;
    }

    mock mock_device(int fd, uint32_t pt, uint32_t flags = 0) {
        abi::iommu_test_cmd cmd{};
        cmd.op = flags ? abi::IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS : abi::IOMMU_TEST_OP_MOCK_DOMAIN;
        cmd.id = pt;
        cmd.mock_domain_flags.dev_flags = flags;
        REQUIRE(call(fd, cmd) == 0);
        return {cmd.mock_domain.out_stdev_id, cmd.mock_domain.out_hwpt_id, cmd.mock_domain.out_idev_id};
    }

    // The selftest's MOCK_DOMAIN_REPLACE: moves the mock device to pt.
    int mock_replace(int fd, uint32_t stdev, uint32_t pt) {
        abi::iommu_test_cmd cmd{};
        cmd.op = abi::IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
        cmd.id = stdev;
        cmd.mock_domain_replace.pt_id = pt;
        return call(fd, cmd);
    }

    // IOMMU_HWPT_ALLOC of a paging HWPT (no driver data).
    static abi::iommu_hwpt_alloc hwpt_cmd(uint32_t dev, uint32_t pt, uint32_t flags = 0) {
        abi::iommu_hwpt_alloc cmd{};
        cmd.flags = flags;
        cmd.dev_id = dev;
        cmd.pt_id = pt;
        return cmd;
    }
    uint32_t hwpt(int fd, uint32_t dev, uint32_t pt, uint32_t flags) {
        auto cmd = hwpt_cmd(dev, pt, flags);
        REQUIRE(call(fd, cmd) == 0);
        return cmd.out_hwpt_id;
    }
    uint32_t nest_parent(int fd, uint32_t dev, uint32_t ioas_id) {
        return hwpt(fd, dev, ioas_id, abi::IOMMU_HWPT_ALLOC_NEST_PARENT);
    }

    // A nested HWPT of the mock driver over parent (a paging HWPT or vIOMMU).
    uint32_t mock_nested(int fd, uint32_t dev, uint32_t parent, uint32_t iotlb = abi::IOMMU_TEST_IOTLB_DEFAULT) {
        abi::iommu_hwpt_selftest data{iotlb};
        abi::iommu_hwpt_alloc cmd{};
        cmd.dev_id = dev;
        cmd.pt_id = parent;
        cmd.data_type = abi::IOMMU_HWPT_DATA_SELFTEST;
        cmd.data_len = sizeof data;
        cmd.data_uptr = address(&data);
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

    uint32_t viommu(int fd, uint32_t dev, uint32_t hwpt, int vm_fd = -1, uint32_t type = abi::IOMMU_VIOMMU_TYPE_SELFTEST) {
        auto cmd = viommu_cmd(dev, hwpt, type);
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

    // IOMMU_IOAS_MAP of [va, va + length) at iova (fixed) or anywhere (iova 0).
    abi::iommu_ioas_map map_cmd(uint32_t ioas_id, uint64_t va, uint64_t length, uint64_t iova = 0,
                                uint32_t flags = abi::IOMMU_IOAS_MAP_READABLE | abi::IOMMU_IOAS_MAP_WRITEABLE) {
        abi::iommu_ioas_map cmd{};
        cmd.flags = flags | (iova ? uint32_t{abi::IOMMU_IOAS_MAP_FIXED_IOVA} : 0u);
        cmd.ioas_id = ioas_id;
        cmd.user_va = va;
        cmd.length = length;
        cmd.iova = iova;
        return cmd;
    }
    uint64_t map(int fd, uint32_t ioas_id, uint64_t va, uint64_t length, uint64_t iova = 0) {
        auto cmd = map_cmd(ioas_id, va, length, iova);
        REQUIRE(call(fd, cmd) == 0);
        return cmd.iova;
    }
    uint64_t unmap(int fd, uint32_t ioas_id, uint64_t iova, uint64_t length) {
        abi::iommu_ioas_unmap cmd{};
        cmd.ioas_id = ioas_id;
        cmd.iova = iova;
        cmd.length = length;
        REQUIRE(call(fd, cmd) == 0);
        return cmd.length;
    }

    // The selftest's check that a page has `refs` pins (EIO when not).
    static abi::iommu_test_cmd check_refs_cmd(const void* p, uint64_t length, uint32_t refs) {
        abi::iommu_test_cmd cmd{};
        cmd.op = abi::IOMMU_TEST_OP_MD_CHECK_REFS;
        cmd.check_refs.length = length;
        cmd.check_refs.uptr = address(p);
        cmd.check_refs.refs = refs;
        return cmd;
    }
    int check_refs(int fd, const void* p, uint64_t length, uint32_t refs) {
        auto cmd = check_refs_cmd(p, length, refs);
        return call(fd, cmd);
    }

    // ---- KVM -------------------------------------------------------------------

    // A VM of `type`; with private memory its guest_memfd backs one slot.
    int vm(unsigned long type = kvm::sw_protected_vm) {
        int sys = open("/dev/kvm");
        int fd = way_->ioctl(sys, kvm::create_vm, reinterpret_cast<void*>(type));
        REQUIRE(fd >= 0);
        fds_.push_back(fd);
        return fd;
    }

    int guest_memfd(int vm_fd, uint64_t size) {
        kvm::create_guest_memfd_args args{};
        args.size = size;
        int fd = way_->ioctl(vm_fd, kvm::create_guest_memfd, &args);
        REQUIRE(fd >= 0);
        fds_.push_back(fd);
        return fd;
    }

    // A memslot at gpa; with gmem_fd it is private, backed from byte
    // gmem_offset of that guest_memfd.
    kvm::memory_region2 memslot_args(uint32_t slot, uint64_t gpa, uint64_t size, int gmem_fd = -1,
                                     uint64_t gmem_offset = 0) {
        kvm::memory_region2 r{};
        r.slot = slot;
        r.guest_phys_addr = gpa;
        r.memory_size = size;
        r.userspace_addr = 0x7f0000000000 + gpa;
        if (gmem_fd >= 0) {
            r.flags = kvm::mem_guest_memfd;
            r.guest_memfd = static_cast<uint32_t>(gmem_fd);
            r.guest_memfd_offset = gmem_offset;
        }
        return r;
    }
    int memslot(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, int gmem_fd = -1, uint64_t gmem_offset = 0) {
        auto r = memslot_args(slot, gpa, size, gmem_fd, gmem_offset);
        return way_->ioctl(vm_fd, kvm::set_user_memory_region2, &r);
    }

    // The VM's KVM-VFIO device.
    int kvm_vfio(int vm_fd) {
        kvm::create_device_args cd{kvm::dev_type_vfio, 0, 0};
        REQUIRE(way_->ioctl(vm_fd, kvm::create_device, &cd) == 0);
        fds_.push_back(static_cast<int>(cd.fd));
        return static_cast<int>(cd.fd);
    }
    int vfio_file(int kvm_dev, int vfio_fd, uint64_t which = kvm::dev_vfio_file_add) {
        int32_t fd = vfio_fd;
        kvm::device_attr a{0, kvm::dev_vfio_file, which, address(&fd)};
        return way_->ioctl(kvm_dev, kvm::set_device_attr, &a);
    }

    // ---- VFIO devices ----------------------------------------------------------------

    // A new VFIO device behind `iommu`, its cdev open.
    int vfio_device(int iommu) {
        int n = host().add_device(iommu);
        REQUIRE(n >= 0);
        return open(("/dev/vfio/devices/vfio" + std::to_string(n)).c_str());
    }
    int bind(int vfio_fd, int iommufd) {
        vfio::bind_iommufd_args b{sizeof b, 0, iommufd, 0};
        int rc = way_->ioctl(vfio_fd, vfio::device_bind_iommufd, &b);
        return rc < 0 ? rc : static_cast<int>(b.out_devid);
    }
    // A device behind `iommu` bound to iommufd: its dev_id (the cdev stays open).
    uint32_t bound_device(int iommufd, int iommu, int* vfio_fd = nullptr) {
        int v = vfio_device(iommu);
        int dev = bind(v, iommufd);
        REQUIRE(dev > 0);
        if (vfio_fd) *vfio_fd = v;
        return static_cast<uint32_t>(dev);
    }
    int attach(int vfio_fd, uint32_t* pt_id) {
        vfio::attach_iommufd_pt_args a{sizeof a, 0, *pt_id};
        int rc = way_->ioctl(vfio_fd, vfio::device_attach_iommufd_pt, &a);
        *pt_id = a.pt_id;
        return rc;
    }

private:
    std::unique_ptr<way> way_;
    std::vector<int> fds_;
};

#define FAKE_CASE(name) TEST_CASE_FIXTURE(::uapikit::testing::fake_fixture, name)

}  // namespace uapikit::testing
