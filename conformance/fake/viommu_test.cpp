// vIOMMUs, vDEVICEs, their cache invalidation and HW queues, per driver
// (the selftest mock, ARM SMMUv3, AMD), and the proposals on top: a VM fd
// on the vIOMMU, AMD's data with the VM, the TSM map of a vDEVICE.
#include "semantics_fixture.hpp"

#include <uapikit/arm_smmuv3.hpp>

#include <cstddef>
#include <initializer_list>
#include <iterator>

using namespace uapikit::testing;
namespace smmu = uapikit::arm_smmuv3;

namespace {

struct viommu_setup {
    int fd;
    uint32_t ioas;
    mock m;
    uint32_t hwpt;  // a nesting parent over ioas
};

viommu_setup setup(fake_fixture& f) {
    viommu_setup s{};
    s.fd = f.open("/dev/iommu");
    s.ioas = f.ioas(s.fd);
    s.m = f.mock_device(s.fd, s.ioas);
    s.hwpt = f.nest_parent(s.fd, s.m.dev, s.ioas);
    return s;
}

abi::iommu_vdevice_alloc vdevice_cmd(uint32_t viommu_id, uint32_t dev, uint64_t virt_id) {
    abi::iommu_vdevice_alloc cmd{};
    cmd.viommu_id = viommu_id;
    cmd.dev_id = dev;
    cmd.virt_id = virt_id;
    return cmd;
}

abi::iommu_hwpt_invalidate invalidate_cmd(uint32_t id, uint32_t type, const void* entries, uint32_t entry_len,
                                          uint32_t num) {
    abi::iommu_hwpt_invalidate cmd{};
    cmd.hwpt_id = id;
    cmd.data_type = type;
    cmd.data_uptr = address(entries);
    cmd.entry_len = entry_len;
    cmd.entry_num = num;
    return cmd;
}

}  // namespace

// ---- vIOMMU allocation ----------------------------------------------------------

FAKE_CASE("viommu: a flag other than KVM_FD -> EOPNOTSUPP [proposal kvm-vm-fd]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.flags = 1u << 1;
    rejected(s.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("viommu: type DEFAULT -> EOPNOTSUPP [mainline viommu.c]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt, abi::IOMMU_VIOMMU_TYPE_DEFAULT);
    rejected(s.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("viommu: a dev_id that is not a device -> ENOENT [mainline viommu.c]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.ioas, s.hwpt);
    rejected(s.fd, cmd, ENOENT);
}

FAKE_CASE("viommu: a type the device's IOMMU does not offer -> EOPNOTSUPP [mainline viommu.c]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt, abi::IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
    rejected(s.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("viommu: a hwpt_id that is not a HWPT -> ENOENT; an IOAS is not one either [mainline viommu.c]") {
    auto s = setup(*this);
    auto missing = viommu_cmd(s.m.dev, 99);
    rejected(s.fd, missing, ENOENT);
    auto an_ioas = viommu_cmd(s.m.dev, s.ioas);
    rejected(s.fd, an_ioas, ENOENT);
}

FAKE_CASE("viommu: a paging HWPT that is not a nesting parent -> EINVAL [mainline viommu.c]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.m.hwpt);  // the mock's automatic domain
    rejected(s.fd, cmd, EINVAL);
}

FAKE_CASE("viommu: checks run in order: bad flags beat a missing device, a bad type beats a missing HWPT [mainline viommu.c]") {
    auto s = setup(*this);
    auto flags = viommu_cmd(99, 99);
    flags.flags = 1u << 4;
    rejected(s.fd, flags, EOPNOTSUPP);
    auto type = viommu_cmd(s.m.dev, 99, abi::IOMMU_VIOMMU_TYPE_AMD);
    rejected(s.fd, type, EOPNOTSUPP);
}

FAKE_CASE("viommu: __reserved is not checked [mainline viommu.c]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.__reserved = 0xffff;
    CHECK(call(s.fd, cmd) == 0);
}

FAKE_CASE("viommu: mock data shorter than its out_data -> EINVAL [mainline selftest.c]") {
    auto s = setup(*this);
    abi::iommu_viommu_selftest data{};
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.data_len = 4;
    cmd.data_uptr = address(&data);
    rejected(s.fd, cmd, EINVAL);
}

FAKE_CASE("viommu: the mock copies in_data to out_data and offers two pages to mmap [mainline selftest.c]") {
    auto s = setup(*this);
    abi::iommu_viommu_selftest data{};
    data.in_data = 0xc0ffee;
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.data_len = sizeof data;
    cmd.data_uptr = address(&data);
    REQUIRE(call(s.fd, cmd) == 0);
    CHECK(data.out_data == 0xc0ffee);
    CHECK(data.out_mmap_length == 2 * 4096);
}

FAKE_CASE("viommu: driver data inside the command struct is overwritten by the reply [mainline main.c]") {
    // The driver writes its data through data_uptr while it runs; the core
    // then copies its own copy of the command back over the caller's
    // struct. Data placed over the struct's last 16 bytes therefore ends up
    // as the command had it, with only out_viommu_id new.
    auto s = setup(*this);
    struct {
        abi::iommu_viommu_alloc cmd;
        uint64_t beyond[2];
    } buffer{};
    static_assert(offsetof(abi::iommu_viommu_alloc, data_uptr) == 32 && sizeof(abi::iommu_viommu_alloc) == 48);
    buffer.cmd = viommu_cmd(s.m.dev, s.hwpt);
    buffer.cmd.size = sizeof buffer.cmd;
    buffer.cmd.data_len = sizeof(abi::iommu_viommu_selftest);
    buffer.cmd.data_uptr = address(&buffer.cmd.data_uptr);
    const abi::iommu_viommu_alloc sent = buffer.cmd;
    REQUIRE(call(s.fd, buffer.cmd) == 0);
    CHECK(buffer.cmd.out_viommu_id != 0);
    CHECK(buffer.cmd.data_uptr == sent.data_uptr);
    CHECK(buffer.cmd.kvm_vm_fd == sent.kvm_vm_fd);
    CHECK(buffer.cmd.__reserved2 == sent.__reserved2);
}

// ---- the VM on a vIOMMU (the proposal) -------------------------------------------

FAKE_CASE("viommu: the KVM flag with an fd that is not a VM, or no fd -> EBADF [proposal kvm-vm-fd]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.flags = abi::IOMMU_VIOMMU_KVM_FD;
    cmd.kvm_vm_fd = s.fd;  // an iommufd, not a VM
    rejected(s.fd, cmd, EBADF);
    cmd.kvm_vm_fd = -1;
    rejected(s.fd, cmd, EBADF);
}

FAKE_CASE("viommu: without the flag kvm_vm_fd is ignored [proposal kvm-vm-fd]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.kvm_vm_fd = -1;
    CHECK(call(s.fd, cmd) == 0);
}

FAKE_CASE("viommu: the vIOMMU holds the VM file, so closing the VM fd first is safe [proposal kvm-vm-fd]") {
    auto s = setup(*this);
    int vm_fd = vm();
    int gmem = guest_memfd(vm_fd, 1 << 20);
    REQUIRE(memslot(vm_fd, 0, 0x100000, 1 << 20, gmem) == 0);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt, vm_fd);
    uint32_t vd = vdevice(s.fd, v, s.m.dev, 1);
    CHECK(via().close(vm_fd) == 0);
    forget(vm_fd);
    abi::iommu_vdevice_tsm_map map{};
    map.vdevice_id = vd;
    map.start_gpa = 0x100000;
    map.end_gpa = 0x101000;
    CHECK(call(s.fd, map) == 0);  // the VM and its memslots are still there
}

namespace {
// A VFIO device behind a new SMMUv3, told its VM through the VM's KVM-VFIO
// device before it binds (as QEMU orders it), bound to fd.
uint32_t device_of_vm(fake_fixture& f, int fd, int iommu, int vm_fd) {
    int v = f.vfio_device(iommu);
    REQUIRE(f.vfio_file(f.kvm_vfio(vm_fd), v) == 0);
    int dev = f.bind(v, fd);
    REQUIRE(dev > 0);
    return static_cast<uint32_t>(dev);
}
}  // namespace

FAKE_CASE("viommu: a device whose VFIO file belongs to another VM -> EINVAL [proposal kvm-vm-fd]") {
    int fd = open("/dev/iommu");
    int smmu = host().add_iommu(iommu_kind::arm_smmuv3);
    int vm_a = vm(), vm_b = vm();
    uint32_t dev = device_of_vm(*this, fd, smmu, vm_a);
    auto cmd = viommu_cmd(dev, nest_parent(fd, dev, ioas(fd)), abi::IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
    cmd.flags = abi::IOMMU_VIOMMU_KVM_FD;
    cmd.kvm_vm_fd = vm_b;
    rejected(fd, cmd, EINVAL);
    cmd.kvm_vm_fd = vm_a;
    CHECK(call(fd, cmd) == 0);
}

// ---- vDEVICE ------------------------------------------------------------------

FAKE_CASE("vdevice: a viommu_id that is not a vIOMMU (missing, or a HWPT) -> ENOENT [mainline viommu.c]") {
    auto s = setup(*this);
    auto missing = vdevice_cmd(99, s.m.dev, 1);
    rejected(s.fd, missing, ENOENT);
    auto a_hwpt = vdevice_cmd(s.hwpt, s.m.dev, 1);
    rejected(s.fd, a_hwpt, ENOENT);
}

FAKE_CASE("vdevice: a dev_id that is not a device -> ENOENT [mainline viommu.c]") {
    auto s = setup(*this);
    auto cmd = vdevice_cmd(viommu(s.fd, s.m.dev, s.hwpt), 99, 1);
    rejected(s.fd, cmd, ENOENT);
}

FAKE_CASE("vdevice: virt_id indexes an xarray of unsigned long: U64_MAX is a valid id on 64 bits [mainline viommu.c]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    CHECK(vdevice(s.fd, v, s.m.dev, ~0ull) != 0);
}

FAKE_CASE("vdevice: a device behind another physical IOMMU -> EINVAL [mainline viommu.c]") {
    int fd = open("/dev/iommu");
    int smmu_a = host().add_iommu(iommu_kind::arm_smmuv3);
    int smmu_b = host().add_iommu(iommu_kind::arm_smmuv3);
    uint32_t dev_a = bound_device(fd, smmu_a), dev_b = bound_device(fd, smmu_b);
    uint32_t v = viommu(fd, dev_a, nest_parent(fd, dev_a, ioas(fd)), -1, abi::IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
    auto cmd = vdevice_cmd(v, dev_b, 1);
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("vdevice: a device that already has a vDEVICE -> EEXIST [mainline viommu.c]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    vdevice(s.fd, v, s.m.dev, 1);
    auto cmd = vdevice_cmd(v, s.m.dev, 2);
    rejected(s.fd, cmd, EEXIST);
}

FAKE_CASE("vdevice: a virt_id already used in the vIOMMU -> EEXIST [mainline viommu.c]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    vdevice(s.fd, v, s.m.dev, 1);
    mock other = mock_device(s.fd, s.ioas);
    auto cmd = vdevice_cmd(v, other.dev, 1);
    rejected(s.fd, cmd, EEXIST);
}

FAKE_CASE("vdevice: a vIOMMU with a vDEVICE is busy -> EBUSY until the vDEVICE goes [mainline viommu.c]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    uint32_t vd = vdevice(s.fd, v, s.m.dev, 1);
    abi::iommu_destroy cmd{};
    cmd.id = v;
    rejected(s.fd, cmd, EBUSY);
    abi::iommu_destroy first{};
    first.id = vd;
    CHECK(call(s.fd, first) == 0);
    cmd.size = 0;
    CHECK(call(s.fd, cmd) == 0);
}

FAKE_CASE("vdevice: a device of another VM than the vIOMMU's -> EINVAL [proposal kvm-vm-fd]") {
    int fd = open("/dev/iommu");
    int smmu = host().add_iommu(iommu_kind::arm_smmuv3);
    int vm_a = vm(), vm_b = vm();
    uint32_t dev_a = device_of_vm(*this, fd, smmu, vm_a);
    uint32_t v = viommu(fd, dev_a, nest_parent(fd, dev_a, ioas(fd)), vm_a, abi::IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
    uint32_t dev_b = device_of_vm(*this, fd, smmu, vm_b);
    auto cmd = vdevice_cmd(v, dev_b, 5);
    rejected(fd, cmd, EINVAL);
    CHECK(vdevice(fd, v, dev_a, 5) != 0);
}

// ---- the mock vIOMMU's cache invalidation and HW queues (mainline) --------------

FAKE_CASE("viommu invalidate: the mock clears a vDEVICE's cache entry, or all of them [mainline selftest.c]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    vdevice(s.fd, v, s.m.dev, 0x99);
    auto cache_is = [&](uint32_t id, uint32_t value) {
        abi::iommu_test_cmd check{};
        check.op = abi::IOMMU_TEST_OP_DEV_CHECK_CACHE;
        check.id = s.m.dev;
        check.check_dev_cache.id = id;
        check.check_dev_cache.cache = value;
        return call(s.fd, check) == 0;
    };
    CHECK(cache_is(1, abi::IOMMU_TEST_DEV_CACHE_DEFAULT));
    abi::iommu_viommu_invalidate_selftest one{};
    one.vdev_id = 0x99;
    one.cache_id = 1;
    auto cmd = invalidate_cmd(v, abi::IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, &one, sizeof one, 1);
    REQUIRE(call(s.fd, cmd) == 0);
    CHECK(cmd.entry_num == 1);
    CHECK(cache_is(1, 0));
    CHECK(cache_is(2, abi::IOMMU_TEST_DEV_CACHE_DEFAULT));
    one.flags = abi::IOMMU_TEST_INVALIDATE_FLAG_ALL;
    auto all = invalidate_cmd(v, abi::IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, &one, sizeof one, 1);
    REQUIRE(call(s.fd, all) == 0);
    for (uint32_t id = 0; id <= abi::MOCK_DEV_CACHE_ID_MAX; ++id) CHECK(cache_is(id, 0));
}

FAKE_CASE("viommu invalidate: a virtual id without a vDEVICE or a cache id past the last -> EINVAL, 0 done [mainline selftest.c]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    vdevice(s.fd, v, s.m.dev, 0x99);
    abi::iommu_viommu_invalidate_selftest entry{};
    entry.vdev_id = 0x98;
    auto cmd = invalidate_cmd(v, abi::IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, &entry, sizeof entry, 1);
    rejected_with_reply(s.fd, cmd, EINVAL);
    CHECK(cmd.entry_num == 0);
    entry.vdev_id = 0x99;
    entry.cache_id = abi::MOCK_DEV_CACHE_ID_MAX + 1;
    auto past = invalidate_cmd(v, abi::IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, &entry, sizeof entry, 1);
    rejected_with_reply(s.fd, past, EINVAL);
    CHECK(past.entry_num == 0);
}

FAKE_CASE("viommu invalidate: another driver's data type -> EINVAL [6.12 include/linux/iommu.h]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    abi::iommu_viommu_invalidate_selftest entry{};
    auto cmd = invalidate_cmd(v, abi::IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, &entry, sizeof entry, 1);
    rejected_with_reply(s.fd, cmd, EINVAL);
}

namespace {
abi::iommu_hw_queue_alloc hw_queue_cmd(uint32_t viommu_id, uint32_t index, uint64_t iova, uint64_t length) {
    abi::iommu_hw_queue_alloc cmd{};
    cmd.viommu_id = viommu_id;
    cmd.type = abi::IOMMU_HW_QUEUE_TYPE_SELFTEST;
    cmd.index = index;
    cmd.nesting_parent_iova = iova;
    cmd.length = length;
    return cmd;
}
}  // namespace

FAKE_CASE("hw_queue: flags, type DEFAULT -> EOPNOTSUPP; length 0 -> EINVAL; a wrapping range -> EOVERFLOW [mainline viommu.c]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    auto flags = hw_queue_cmd(v, 0, abi::MOCK_APERTURE_START, 4096);
    flags.flags = 1;
    rejected(s.fd, flags, EOPNOTSUPP);
    auto type = hw_queue_cmd(v, 0, abi::MOCK_APERTURE_START, 4096);
    type.type = abi::IOMMU_HW_QUEUE_TYPE_DEFAULT;
    rejected(s.fd, type, EOPNOTSUPP);
    auto empty = hw_queue_cmd(v, 0, abi::MOCK_APERTURE_START, 0);
    rejected(s.fd, empty, EINVAL);
    auto wraps = hw_queue_cmd(v, 0, ~0ull - 4095, 8192);
    rejected(s.fd, wraps, EOVERFLOW);
}

FAKE_CASE("hw_queue: a range whose rounding up to whole pages wraps -> ERANGE [mainline viommu.c]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    // IOVA 0 and the longest length that does not wrap the IOVA space: the
    // page count's DIV_ROUND_UP wraps (iommufd_hw_queue_alloc_phys()).
    auto cmd = hw_queue_cmd(v, 0, 0, UINT64_MAX);
    rejected(s.fd, cmd, ERANGE);
}

FAKE_CASE("hw_queue: the queue's IOVA must be mapped in the nesting parent's IOAS -> ENOENT [mainline viommu.c]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    auto cmd = hw_queue_cmd(v, 0, abi::MOCK_APERTURE_START, 4096);
    rejected(s.fd, cmd, ENOENT);
}

FAKE_CASE("hw_queue: indexes go in ascending order, each once; the queue pins its pages against IOAS_UNMAP [mainline selftest.c]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    buffer mem(2 * 4096);
    uint64_t iova = map(s.fd, s.ioas, mem.address(), mem.size());
    auto skip = hw_queue_cmd(v, 1, iova, 4096);
    rejected(s.fd, skip, EIO);  // index 1 before index 0
    auto past = hw_queue_cmd(v, abi::IOMMU_TEST_HW_QUEUE_MAX, iova, 4096);
    rejected(s.fd, past, EINVAL);
    auto first = hw_queue_cmd(v, 0, iova, 4096);
    REQUIRE(call(s.fd, first) == 0);
    auto again = hw_queue_cmd(v, 0, iova + 4096, 4096);
    rejected(s.fd, again, EEXIST);
    auto second = hw_queue_cmd(v, 1, iova + 4096, 4096);
    REQUIRE(call(s.fd, second) == 0);
    abi::iommu_ioas_unmap unmap{};
    unmap.ioas_id = s.ioas;
    unmap.iova = iova;
    unmap.length = mem.size();
    rejected(s.fd, unmap, EBUSY);
    abi::iommu_destroy gone{};
    gone.id = v;
    rejected(s.fd, gone, EBUSY);  // the queues hold the vIOMMU
}

// Mainline's iommufd_hw_queue_alloc_ioctl() (viommu.c, "iommufd/viommu: Add
// IOMMUFD_CMD_HW_QUEUE_ALLOC ioctl", Nicolin Chen, 2025) reserves the queue
// object before iommufd_hw_queue_alloc_phys() creates the internal access,
// and ids are the lowest free ones: the queue gets the id free when the call
// begins, the access the next.
FAKE_CASE("hw_queue: the queue takes the lowest free id, before its internal access [mainline viommu.c]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    buffer mem(4096);
    uint64_t iova = map(s.fd, s.ioas, mem.address(), mem.size());
    // The lowest free id: an IOAS takes it and gives it back.
    const uint32_t lowest = ioas(s.fd);
    abi::iommu_destroy probe{};
    probe.id = lowest;
    REQUIRE(call(s.fd, probe) == 0);
    auto cmd = hw_queue_cmd(v, 0, iova, 4096);
    REQUIRE(call(s.fd, cmd) == 0);
    CHECK(cmd.out_hw_queue_id == lowest);
    // The access holds the next id, so a new IOAS goes past it.
    const uint32_t after = ioas(s.fd);
    CHECK(after == lowest + 2);
}

FAKE_CASE("hw_queue: a reply that cannot be written -> EFAULT; the queue, its pins and its index are undone [mainline viommu.c, main.c]") {
    if (!via().copies_structs()) return;  // the typed layer passes its own objects
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    buffer mem(4096);
    uint64_t iova = map(s.fd, s.ioas, mem.address(), mem.size());
    std::string before = host().snapshot();
    CHECK(call_read_only(s.fd, abi::IOMMU_HW_QUEUE_ALLOC, hw_queue_cmd(v, 0, iova, 4096)) == -EFAULT);
    CHECK(host().snapshot() == before);
    // Index 0 is free again, and nothing pins the page: the unmap goes through.
    auto again = hw_queue_cmd(v, 0, iova, 4096);
    REQUIRE(call(s.fd, again) == 0);
    abi::iommu_destroy gone{};
    gone.id = again.out_hw_queue_id;
    REQUIRE(call(s.fd, gone) == 0);
    CHECK(unmap(s.fd, s.ioas, iova, 4096) == 4096);
}

// ---- ARM SMMUv3 (mainline arm-smmu-v3-iommufd.c) --------------------------------

namespace {
struct smmu_setup {
    int fd;
    int iommu;
    uint32_t dev, ioas, s2, viommu;
};

smmu_setup smmuv3(fake_fixture& f) {
    smmu_setup s{};
    s.fd = f.open("/dev/iommu");
    s.iommu = f.host().add_iommu(iommu_kind::arm_smmuv3);
    s.dev = f.bound_device(s.fd, s.iommu);
    s.ioas = f.ioas(s.fd);
    s.s2 = f.nest_parent(s.fd, s.dev, s.ioas);
    s.viommu = f.viommu(s.fd, s.dev, s.s2, -1, abi::IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
    return s;
}

// V, and Cfg = stage-1 translate (0b101).
constexpr uint64_t ste_s1_translate = 1 | (5u << 1);

abi::iommu_hwpt_alloc ste_cmd(const smmu_setup& s, abi::iommu_hwpt_arm_smmuv3& ste) {
    auto cmd = fake_fixture::hwpt_cmd(s.dev, s.viommu);
    cmd.data_type = abi::IOMMU_HWPT_DATA_ARM_SMMUV3;
    cmd.data_len = sizeof ste;
    cmd.data_uptr = address(&ste);
    return cmd;
}

abi::iommu_viommu_arm_smmuv3_invalidate smmu_command(uint64_t opcode, uint32_t sid = 0) {
    abi::iommu_viommu_arm_smmuv3_invalidate c{};
    c.cmd[0] = opcode | (uint64_t{sid} << 32);
    return c;
}
}  // namespace

FAKE_CASE("smmuv3: a nested STE that translates stage 1 is taken on the vIOMMU [mainline arm-smmu-v3-iommufd.c]") {
    auto s = smmuv3(*this);
    abi::iommu_hwpt_arm_smmuv3 ste{};
    ste.ste[0] = ste_s1_translate;
    auto cmd = ste_cmd(s, ste);
    CHECK(call(s.fd, cmd) == 0);
}

FAKE_CASE("smmuv3: an STE without V is accepted whatever else it holds [mainline arm-smmu-v3-iommufd.c]") {
    auto s = smmuv3(*this);
    abi::iommu_hwpt_arm_smmuv3 ste{};
    ste.ste[0] = uint64_t{0x7f} << 52;  // fields a valid entry may not set
    auto cmd = ste_cmd(s, ste);
    CHECK(call(s.fd, cmd) == 0);
}

FAKE_CASE("smmuv3: a valid STE with a field outside the nesting ones, a stage-2 Cfg or EATS 2 -> EIO [mainline arm-smmu-v3-iommufd.c]") {
    auto s = smmuv3(*this);
    abi::iommu_hwpt_arm_smmuv3 ste{};
    ste.ste[0] = ste_s1_translate | (uint64_t{1} << 54);
    auto field = ste_cmd(s, ste);
    rejected(s.fd, field, EIO);
    ste.ste[0] = 1 | (6u << 1);  // Cfg 0b110: stage 2 only
    auto s2_cfg = ste_cmd(s, ste);
    rejected(s.fd, s2_cfg, EIO);
    ste.ste[0] = ste_s1_translate;
    ste.ste[1] = uint64_t{2} << 28;  // EATS: split-stage ATS
    auto eats = ste_cmd(s, ste);
    rejected(s.fd, eats, EIO);
}

FAKE_CASE("smmuv3: a nested HWPT straight on the stage-2 HWPT, without a vIOMMU -> EOPNOTSUPP [mainline hw_pagetable.c]") {
    auto s = smmuv3(*this);
    abi::iommu_hwpt_arm_smmuv3 ste{};
    ste.ste[0] = ste_s1_translate;
    auto cmd = ste_cmd(s, ste);
    cmd.pt_id = s.s2;
    rejected(s.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("smmuv3: a vIOMMU over the stage 2 of another SMMU instance -> EINVAL [mainline arm-smmu-v3-iommufd.c]") {
    int fd = open("/dev/iommu");
    int smmu_a = host().add_iommu(iommu_kind::arm_smmuv3);
    int smmu_b = host().add_iommu(iommu_kind::arm_smmuv3);
    uint32_t dev_a = bound_device(fd, smmu_a), dev_b = bound_device(fd, smmu_b);
    uint32_t s2_b = nest_parent(fd, dev_b, ioas(fd));
    auto cmd = viommu_cmd(dev_a, s2_b, abi::IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("smmuv3: TLB invalidations pass; a command naming an unknown vSID stops with EIO after those before [mainline arm-smmu-v3-iommufd.c]") {
    auto s = smmuv3(*this);
    vdevice(s.fd, s.viommu, s.dev, 0x10);
    abi::iommu_viommu_arm_smmuv3_invalidate cmds[3] = {
        smmu_command(0x11),        // TLBI_NH_ASID
        smmu_command(0x05, 0x10),  // CFGI_CD of a vSID that has a vDEVICE
        smmu_command(0x05, 0x11),  // and of one that has not
    };
    auto ok = invalidate_cmd(s.viommu, abi::IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, cmds, sizeof cmds[0], 2);
    REQUIRE(call(s.fd, ok) == 0);
    CHECK(ok.entry_num == 2);
    auto bad = invalidate_cmd(s.viommu, abi::IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, cmds, sizeof cmds[0], 3);
    rejected_with_reply(s.fd, bad, EIO);
    CHECK(bad.entry_num == 2);
}

FAKE_CASE("smmuv3: a command the vIOMMU does not pass on (CMD_SYNC) -> EIO [mainline arm-smmu-v3-iommufd.c]") {
    auto s = smmuv3(*this);
    auto sync = smmu_command(0x46);
    auto cmd = invalidate_cmd(s.viommu, abi::IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, &sync, sizeof sync, 1);
    rejected_with_reply(s.fd, cmd, EIO);
    CHECK(cmd.entry_num == 0);
}

FAKE_CASE("smmuv3: arm_smmuv3.hpp's abort, bypass and stage-1 STEs are taken, and a guest's STE once cut to the nesting fields [mainline arm-smmu-v3-iommufd.c]") {
    auto s = smmuv3(*this);
    vdevice(s.fd, s.viommu, s.dev, 0x10);
    for (auto ste : {smmu::abort_ste(), smmu::bypass_ste(), smmu::s1_ste(0x80000000, smmu::s1_format::two_level_64k, 4),
                     smmu::s1_ste(0x80000000, smmu::s1_format::linear, 0, smmu::ste_eats::full)}) {
        auto cmd = ste_cmd(s, ste);
        CHECK(call(s.fd, cmd) == 0);
    }
    // A guest STE with MEV (word 1 bit 19) set, which only the kernel may set.
    const uint64_t word0 = smmu::s1_ste(0x80000000).ste[0], word1 = uint64_t{1} << 19;
    auto uncut = smmu::make_ste(word0, word1);
    auto raw_cmd = ste_cmd(s, uncut);
    rejected(s.fd, raw_cmd, EIO);
    auto cut = smmu::nested_ste(word0, word1);
    auto cut_cmd = ste_cmd(s, cut);
    CHECK(call(s.fd, cut_cmd) == 0);
}

FAKE_CASE("smmuv3: every opcode passes or is EIO as arm_smmuv3.hpp's passes_to_viommu() says; its commands for a known vSID pass [mainline arm-smmu-v3-iommufd.c]") {
    auto s = smmuv3(*this);
    vdevice(s.fd, s.viommu, s.dev, 0x10);
    for (unsigned op = 0; op < 256; ++op) {
        auto c = smmu::make_command(op | (uint64_t{0x10} << 32));
        auto cmd = invalidate_cmd(s.viommu, abi::IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, &c, sizeof c, 1);
        CAPTURE(op);
        CHECK(call(s.fd, cmd) == (smmu::passes_to_viommu(static_cast<uint8_t>(op)) ? 0 : -EIO));
    }
    smmu::command cmds[] = {smmu::cfgi_cd(0x10, 1), smmu::cfgi_cd_all(0x10), smmu::tlbi_nh_all(),        smmu::tlbi_nh_asid(3),
                            smmu::tlbi_nh_va(3, 0x4000), smmu::tlbi_nh_vaa(0x4000), smmu::atc_inv(0x10, 0, 52),
                            smmu::atc_inv(0x10, 2, 0x4000, 0)};
    auto all = invalidate_cmd(s.viommu, abi::IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, cmds, sizeof cmds[0], std::size(cmds));
    REQUIRE(call(s.fd, all) == 0);
    CHECK(all.entry_num == std::size(cmds));
}

// ---- AMD's vIOMMU with the VM in its data (the proposal) -----------------------

namespace {
struct amd_setup {
    int fd;
    int iommu;
    uint32_t dev, hwpt;
};

amd_setup amd(fake_fixture& f, uint32_t gids = 1u << 16) {
    amd_setup a{};
    a.fd = f.open("/dev/iommu");
    a.iommu = f.host().add_iommu(iommu_kind::amd, gids);
    a.dev = f.bound_device(a.fd, a.iommu);
    a.hwpt = f.nest_parent(a.fd, a.dev, f.ioas(a.fd));
    return a;
}

abi::iommu_viommu_alloc amd_cmd(fake_fixture& f, const amd_setup& a, abi::iommu_viommu_amd& data) {
    auto cmd = f.viommu_cmd(a.dev, a.hwpt, abi::IOMMU_VIOMMU_TYPE_AMD);
    cmd.data_len = sizeof data;
    cmd.data_uptr = address(&data);
    return cmd;
}
}  // namespace

FAKE_CASE("amd: kvmfd that is not a VM -> EINVAL [proposal amd-kvmfd]") {
    auto a = amd(*this);
    abi::iommu_viommu_amd data{};
    data.kvmfd = a.fd;
    auto cmd = amd_cmd(*this, a, data);
    rejected(a.fd, cmd, EINVAL);
}

FAKE_CASE("amd: driver data of the wrong length -> EINVAL [proposal amd-kvmfd]") {
    auto a = amd(*this);
    abi::iommu_viommu_amd data{};
    data.kvmfd = vm();
    auto cmd = amd_cmd(*this, a, data);
    cmd.data_len = 12;
    rejected(a.fd, cmd, EINVAL);
}

FAKE_CASE("amd: each guest gets its own GID and VF-MMIO offset [proposal amd-kvmfd]") {
    auto a = amd(*this);
    abi::iommu_viommu_amd one{}, two{};
    one.kvmfd = vm();
    two.kvmfd = vm();
    auto c1 = amd_cmd(*this, a, one);
    auto c2 = amd_cmd(*this, a, two);
    REQUIRE(call(a.fd, c1) == 0);
    REQUIRE(call(a.fd, c2) == 0);
    CHECK(one.out_vfmmio_mmap_offset != 0);
    CHECK(one.out_vfmmio_mmap_offset != two.out_vfmmio_mmap_offset);
}

FAKE_CASE("amd: GIDs exhausted on the IOMMU -> ENOSPC [proposal amd-kvmfd]") {
    auto a = amd(*this, 1);
    abi::iommu_viommu_amd one{}, two{};
    one.kvmfd = vm();
    two.kvmfd = vm();
    auto c1 = amd_cmd(*this, a, one);
    REQUIRE(call(a.fd, c1) == 0);
    auto c2 = amd_cmd(*this, a, two);
    rejected(a.fd, c2, ENOSPC);
}

FAKE_CASE("amd: a destroyed vIOMMU frees its GID for the next guest [proposal amd-kvmfd]") {
    auto a = amd(*this, 1);
    abi::iommu_viommu_amd one{}, two{};
    one.kvmfd = vm();
    two.kvmfd = vm();
    auto c1 = amd_cmd(*this, a, one);
    REQUIRE(call(a.fd, c1) == 0);
    abi::iommu_destroy gone{};
    gone.id = c1.out_viommu_id;
    REQUIRE(call(a.fd, gone) == 0);
    auto c2 = amd_cmd(*this, a, two);
    REQUIRE(call(a.fd, c2) == 0);
    CHECK(two.out_vfmmio_mmap_offset == one.out_vfmmio_mmap_offset);
}

FAKE_CASE("amd: the KVM flag and kvmfd naming different VMs -> EINVAL [proposal amd-kvmfd]") {
    auto a = amd(*this);
    abi::iommu_viommu_amd data{};
    data.kvmfd = vm();
    auto cmd = amd_cmd(*this, a, data);
    cmd.flags = abi::IOMMU_VIOMMU_KVM_FD;
    cmd.kvm_vm_fd = vm();
    rejected(a.fd, cmd, EINVAL);
    cmd.kvm_vm_fd = data.kvmfd;
    CHECK(call(a.fd, cmd) == 0);
}

// ---- TSM map (the proposal) --------------------------------------------------------

namespace {
struct tsm_setup {
    int fd;
    uint32_t vdev;
};

// A vDEVICE whose vIOMMU is tied to a VM with private memory at
// [1 MiB, 3 MiB) (two adjacent slots) and shared memory at [4 MiB, 5 MiB).
tsm_setup tsm(fake_fixture& f, bool with_vm = true) {
    auto s = setup(f);
    int vm_fd = -1;
    if (with_vm) {
        vm_fd = f.vm();
        int gmem = f.guest_memfd(vm_fd, 2 << 20);
        REQUIRE(f.memslot(vm_fd, 0, 1 << 20, 1 << 20, gmem) == 0);
        REQUIRE(f.memslot(vm_fd, 1, 2 << 20, 1 << 20, gmem, 1 << 20) == 0);
        REQUIRE(f.memslot(vm_fd, 2, 4 << 20, 1 << 20) == 0);
    }
    uint32_t v = f.viommu(s.fd, s.m.dev, s.hwpt, vm_fd);
    return {s.fd, f.vdevice(s.fd, v, s.m.dev, 1)};
}

abi::iommu_vdevice_tsm_map tsm_cmd(uint32_t vdev, uint64_t start, uint64_t end) {
    abi::iommu_vdevice_tsm_map cmd{};
    cmd.vdevice_id = vdev;
    cmd.start_gpa = start;
    cmd.end_gpa = end;
    return cmd;
}
}  // namespace

FAKE_CASE("tsm: non-zero flags -> EOPNOTSUPP [proposal tsm-map]") {
    auto t = tsm(*this);
    auto cmd = tsm_cmd(t.vdev, 1 << 20, 2 << 20);
    cmd.flags = 1;
    rejected(t.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("tsm: an id that is not a vDEVICE -> ENOENT [proposal tsm-map]") {
    auto t = tsm(*this);
    auto cmd = tsm_cmd(1, 1 << 20, 2 << 20);  // id 1 is the IOAS
    rejected(t.fd, cmd, ENOENT);
}

FAKE_CASE("tsm: a vIOMMU without a VM -> ENODEV [proposal tsm-map]") {
    auto t = tsm(*this, false);
    auto cmd = tsm_cmd(t.vdev, 1 << 20, 2 << 20);
    rejected(t.fd, cmd, ENODEV);
}

FAKE_CASE("tsm: a range not page aligned, empty or reversed -> EINVAL [proposal tsm-map]") {
    auto t = tsm(*this);
    auto unaligned = tsm_cmd(t.vdev, (1 << 20) + 8, 2 << 20);
    rejected(t.fd, unaligned, EINVAL);
    auto empty = tsm_cmd(t.vdev, 1 << 20, 1 << 20);
    rejected(t.fd, empty, EINVAL);
    auto reversed = tsm_cmd(t.vdev, 2 << 20, 1 << 20);
    rejected(t.fd, reversed, EINVAL);
}

FAKE_CASE("tsm: a range running past the private memory, or over shared memory -> EINVAL [proposal tsm-map]") {
    auto t = tsm(*this);
    auto past = tsm_cmd(t.vdev, 2 << 20, 4 << 20);  // [3 MiB, 4 MiB) has no slot
    rejected(t.fd, past, EINVAL);
    auto shared = tsm_cmd(t.vdev, 4 << 20, 5 << 20);
    rejected(t.fd, shared, EINVAL);
}

FAKE_CASE("tsm: a range over two adjacent private slots is mapped and recorded [proposal tsm-map]") {
    auto t = tsm(*this);
    auto cmd = tsm_cmd(t.vdev, 1 << 20, 3 << 20);
    REQUIRE(call(t.fd, cmd) == 0);
    auto mapped = host().tsm_mappings(t.fd, t.vdev);
    REQUIRE(mapped.size() == 1);
    CHECK(mapped[0].first == 1u << 20);
    CHECK(mapped[0].second == 3u << 20);
}
