// The fake's semantics, one case per rule, run over every way in (see
// ways.hpp). Each case name ends with where its expectation comes from:
// [facts N] is ../shared/uapi-facts.md section N, [seed NNN] a seed thread,
// [kernel] the kernel's uapi documentation. docs/fake-semantics.md lists
// them. Every rejected call is also checked to leave the model unchanged.
#include "semantics_fixture.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>

using namespace uapikit::testing;
using uapikit::fake::host;

#define FAKE_CASE(name) TEST_CASE_FIXTURE(fake_fixture, name)

// ---- dispatch ----------------------------------------------------------------

FAKE_CASE("dispatch: a number outside the command table -> ENOTTY [facts 2.1]") {
    int fd = open("/dev/iommu");
    abi::iommu_destroy cmd{};
    rejected(fd, cmd, ENOTTY, 0x3b70);
}

FAKE_CASE("dispatch: a number past the last command -> ENOTTY [facts 2.1]") {
    int fd = open("/dev/iommu");
    abi::iommu_destroy cmd{};
    rejected(fd, cmd, ENOTTY, 0x3bb0);
}

FAKE_CASE("dispatch: a null argument -> EFAULT [facts 2.2]") {
    int fd = open("/dev/iommu");
    std::string before = host().snapshot();
    CHECK(via().ioctl(fd, abi::IOMMU_IOAS_ALLOC, nullptr) == -EFAULT);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("dispatch: the right slot with other type or direction bits -> ENOTTY [facts 2.3]") {
    int fd = open("/dev/iommu");
    abi::iommu_ioas_alloc cmd{};
    rejected(fd, cmd, ENOTTY, abi::IOMMU_IOAS_ALLOC | (1ul << 30));  // _IOW instead of _IO
}

FAKE_CASE("dispatch: size below the last required field -> EINVAL [facts 2.4]") {
    int fd = open("/dev/iommu");
    abi::iommu_destroy cmd{};
    cmd.size = 4;  // id ends at 8
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("dispatch: vIOMMU alloc with size 20 (min 24) -> EINVAL [facts 2.4]") {
    int fd = open("/dev/iommu");
    abi::iommu_viommu_alloc cmd{};
    cmd.size = 20;
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("dispatch: a caller of the 24-byte prefix is zero-extended and succeeds [facts 2.5]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    auto cmd = viommu_cmd(m.dev, nest_parent(fd, m.dev, io));
    cmd.size = 24;
    CHECK(call(fd, cmd) == 0);
    CHECK(cmd.out_viommu_id > 0);
}

FAKE_CASE("dispatch: a larger struct with zero extra bytes is accepted [facts 2.5]") {
    int fd = open("/dev/iommu");
    struct {
        abi::iommu_ioas_alloc cmd;
        uint32_t extra[4];
    } big{};
    big.cmd.size = sizeof big;
    CHECK(via().ioctl(fd, abi::IOMMU_IOAS_ALLOC, &big) == 0);
    CHECK(big.cmd.out_ioas_id == 1);
}

FAKE_CASE("dispatch: a larger struct with a non-zero extra byte -> E2BIG [facts 2.5]") {
    int fd = open("/dev/iommu");
    struct {
        abi::iommu_ioas_alloc cmd;
        uint32_t extra[4];
    } big{};
    big.cmd.size = sizeof big;
    big.extra[3] = 1;
    std::string before = host().snapshot();
    CHECK(via().ioctl(fd, abi::IOMMU_IOAS_ALLOC, &big) == -E2BIG);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("dispatch: the reply copies back min(size, sizeof) and no more [facts 2.6]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    auto cmd = viommu_cmd(m.dev, nest_parent(fd, m.dev, io));
    cmd.size = 40;  // an old caller: kvm_vm_fd and __reserved2 are not its bytes
    cmd.kvm_vm_fd = 0x5a5a5a5a;
    CHECK(call(fd, cmd) == 0);
    CHECK(cmd.kvm_vm_fd == 0x5a5a5a5a);
}

FAKE_CASE("dispatch: a closed fd -> EBADF [kernel]") {
    int fd = open("/dev/iommu");
    CHECK(via().close(fd) == 0);
    forget(fd);
    abi::iommu_ioas_alloc cmd{};
    cmd.size = sizeof cmd;
    CHECK(via().ioctl(fd, abi::IOMMU_IOAS_ALLOC, &cmd) == -EBADF);
}

// ---- objects -------------------------------------------------------------------

FAKE_CASE("objects: the first id is 1 and ids count up [facts 3]") {
    int fd = open("/dev/iommu");
    CHECK(ioas(fd) == 1);
    CHECK(ioas(fd) == 2);
}

FAKE_CASE("objects: ids are per context [facts 3]") {
    int a = open("/dev/iommu"), b = open("/dev/iommu");
    CHECK(ioas(a) == 1);
    CHECK(ioas(b) == 1);
}

FAKE_CASE("objects: destroying a missing id -> ENOENT [facts 3]") {
    int fd = open("/dev/iommu");
    abi::iommu_destroy cmd{};
    cmd.id = 42;
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("objects: id 0 is never an object -> ENOENT [facts 3]") {
    int fd = open("/dev/iommu");
    ioas(fd);
    abi::iommu_destroy cmd{};
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("objects: destroying the same id twice -> ENOENT [facts 3]") {
    int fd = open("/dev/iommu");
    abi::iommu_destroy cmd{};
    cmd.id = ioas(fd);
    CHECK(call(fd, cmd) == 0);
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("objects: a freed id is handed out again, lowest first [kernel]") {
    int fd = open("/dev/iommu");
    ioas(fd);
    abi::iommu_destroy cmd{};
    cmd.id = ioas(fd);
    ioas(fd);
    CHECK(call(fd, cmd) == 0);
    CHECK(ioas(fd) == 2);
}

FAKE_CASE("objects: an IOAS under a HWPT is busy -> EBUSY [facts 3]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    nest_parent(fd, m.dev, io);
    abi::iommu_destroy cmd{};
    cmd.id = io;
    rejected(fd, cmd, EBUSY);
}

FAKE_CASE("objects: a HWPT under a vIOMMU is busy -> EBUSY [facts 5]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t hwpt = nest_parent(fd, m.dev, io);
    viommu(fd, m.dev, hwpt);
    abi::iommu_destroy cmd{};
    cmd.id = hwpt;
    rejected(fd, cmd, EBUSY);
}

FAKE_CASE("objects: closing the iommufd destroys everything; a new context starts at 1 [facts 3]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t v = viommu(fd, m.dev, nest_parent(fd, m.dev, io));
    vdevice(fd, v, m.dev, 7);
    CHECK(via().close(fd) == 0);
    forget(fd);
    CHECK(host().snapshot().find("  id=") == std::string::npos);
    int again = open("/dev/iommu");
    CHECK(ioas(again) == 1);
}

FAKE_CASE("objects: the mock device's object cannot be destroyed while its device has a vdevice -> EBUSY [facts 5]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t v = viommu(fd, m.dev, nest_parent(fd, m.dev, io));
    vdevice(fd, v, m.dev, 7);
    abi::iommu_destroy cmd{};
    cmd.id = m.stdev;
    rejected(fd, cmd, EBUSY);
}

// ---- IOAS and HWPT ------------------------------------------------------------

FAKE_CASE("ioas: non-zero flags -> EOPNOTSUPP [kernel]") {
    int fd = open("/dev/iommu");
    abi::iommu_ioas_alloc cmd{};
    cmd.flags = 1;
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("hwpt: an unknown flag bit -> EOPNOTSUPP [facts 5]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    abi::iommu_hwpt_alloc cmd{};
    cmd.flags = 1u << 7;
    cmd.dev_id = m.dev;
    cmd.pt_id = io;
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("hwpt: non-zero __reserved -> EOPNOTSUPP [facts 5]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    abi::iommu_hwpt_alloc cmd{};
    cmd.flags = abi::IOMMU_HWPT_ALLOC_NEST_PARENT;
    cmd.dev_id = m.dev;
    cmd.pt_id = io;
    cmd.__reserved = 1;
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("hwpt: a missing dev_id -> ENOENT [facts 5]") {
    int fd = open("/dev/iommu");
    abi::iommu_hwpt_alloc cmd{};
    cmd.dev_id = 99;
    cmd.pt_id = ioas(fd);
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("hwpt: a missing pt_id -> ENOENT [facts 5]") {
    int fd = open("/dev/iommu");
    mock m = mock_device(fd, ioas(fd));
    abi::iommu_hwpt_alloc cmd{};
    cmd.dev_id = m.dev;
    cmd.pt_id = 99;
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("hwpt: NEST_PARENT over an IOAS gives a nesting parent that holds the IOAS [facts 5]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t hwpt = nest_parent(fd, m.dev, io);
    CHECK(hwpt > m.hwpt);
    CHECK(viommu(fd, m.dev, hwpt) > 0);
}

// ---- vIOMMU -------------------------------------------------------------------

struct viommu_setup {
    int fd;
    uint32_t ioas, hwpt;
    mock m;
};

static viommu_setup setup(fake_fixture& f) {
    viommu_setup s{};
    s.fd = f.open("/dev/iommu");
    s.ioas = f.ioas(s.fd);
    s.m = f.mock_device(s.fd, s.ioas);
    s.hwpt = f.nest_parent(s.fd, s.m.dev, s.ioas);
    return s;
}

FAKE_CASE("viommu: a flag other than KVM_FD -> EOPNOTSUPP [seed 001]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.flags = 1u << 1;
    rejected(s.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("viommu: type DEFAULT -> EOPNOTSUPP [facts 5]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt, abi::IOMMU_VIOMMU_TYPE_DEFAULT);
    rejected(s.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("viommu: a missing device -> ENOENT [facts 5]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(99, s.hwpt);
    rejected(s.fd, cmd, ENOENT);
}

FAKE_CASE("viommu: a type the device's IOMMU does not support -> EOPNOTSUPP [facts 5]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt, abi::IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
    rejected(s.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("viommu: a missing HWPT -> ENOENT [facts 5]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, 99);
    rejected(s.fd, cmd, ENOENT);
}

FAKE_CASE("viommu: an IOAS where a paging HWPT is expected -> ENOENT [facts 5]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.ioas);
    rejected(s.fd, cmd, ENOENT);
}

FAKE_CASE("viommu: a paging HWPT that is not a nesting parent -> EINVAL [facts 5]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.m.hwpt);  // the mock's automatic domain
    rejected(s.fd, cmd, EINVAL);
}

FAKE_CASE("viommu: the first failing check decides: bad flags and a missing device -> EOPNOTSUPP [facts 5]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(99, 99);
    cmd.flags = 1u << 4;
    rejected(s.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("viommu: an unsupported type beats a missing HWPT -> EOPNOTSUPP [facts 5]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, 99, abi::IOMMU_VIOMMU_TYPE_AMD);
    rejected(s.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("viommu: __reserved is not checked [facts 5]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.__reserved = 0xffff;
    CHECK(call(s.fd, cmd) == 0);
}

FAKE_CASE("viommu: selftest data of the wrong length -> EINVAL [facts 5]") {
    auto s = setup(*this);
    abi::iommu_viommu_selftest data{};
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.data_len = 8;
    cmd.data_uptr = reinterpret_cast<uintptr_t>(&data);
    rejected(s.fd, cmd, EINVAL);
}

FAKE_CASE("viommu: the selftest driver copies in_data to out_data [facts 5]") {
    auto s = setup(*this);
    abi::iommu_viommu_selftest data{};
    data.in_data = 0xc0ffee;
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.data_len = sizeof data;
    cmd.data_uptr = reinterpret_cast<uintptr_t>(&data);
    REQUIRE(call(s.fd, cmd) == 0);
    CHECK(data.out_data == 0xc0ffee);
}

FAKE_CASE("viommu: driver data inside the command struct is overwritten by the reply [facts 2.6]") {
    // The driver writes its data through data_uptr while it runs; the
    // kernel then copies its own copy of the command back over the caller's
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
    buffer.cmd.data_uptr = reinterpret_cast<uintptr_t>(&buffer.cmd.data_uptr);
    const abi::iommu_viommu_alloc sent = buffer.cmd;
    REQUIRE(call(s.fd, buffer.cmd) == 0);
    CHECK(buffer.cmd.out_viommu_id != 0);
    CHECK(buffer.cmd.data_uptr == sent.data_uptr);
    CHECK(buffer.cmd.kvm_vm_fd == sent.kvm_vm_fd);
    CHECK(buffer.cmd.__reserved2 == sent.__reserved2);
}

FAKE_CASE("viommu: the KVM flag with a fd that is not a VM -> EBADF [seed 001]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.flags = abi::IOMMU_VIOMMU_KVM_FD;
    cmd.kvm_vm_fd = s.fd;  // an iommufd, not a VM
    rejected(s.fd, cmd, EBADF);
}

FAKE_CASE("viommu: the KVM flag with an invalid fd -> EBADF [seed 001]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.flags = abi::IOMMU_VIOMMU_KVM_FD;
    cmd.kvm_vm_fd = -1;
    rejected(s.fd, cmd, EBADF);
}

FAKE_CASE("viommu: without the flag kvm_vm_fd is ignored [seed 001]") {
    auto s = setup(*this);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.kvm_vm_fd = -1;
    CHECK(call(s.fd, cmd) == 0);
}

FAKE_CASE("viommu: the vIOMMU holds the VM file, so closing the VM fd first is safe [seed 001]") {
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

FAKE_CASE("viommu: a device of another VM -> EINVAL [seed 001]") {
    auto s = setup(*this);
    int vm_a = vm(), vm_b = vm();
    REQUIRE(host().set_device_vm(s.fd, s.m.dev, vm_a) == 0);
    auto cmd = viommu_cmd(s.m.dev, s.hwpt);
    cmd.flags = abi::IOMMU_VIOMMU_KVM_FD;
    cmd.kvm_vm_fd = vm_b;
    rejected(s.fd, cmd, EINVAL);
}

// ---- vDEVICE ------------------------------------------------------------------

FAKE_CASE("vdevice: a missing vIOMMU -> ENOENT [facts 5]") {
    auto s = setup(*this);
    abi::iommu_vdevice_alloc cmd{};
    cmd.viommu_id = 99;
    cmd.dev_id = s.m.dev;
    rejected(s.fd, cmd, ENOENT);
}

FAKE_CASE("vdevice: a HWPT id where a vIOMMU id is expected -> ENOENT [facts 3]") {
    auto s = setup(*this);
    abi::iommu_vdevice_alloc cmd{};
    cmd.viommu_id = s.hwpt;
    cmd.dev_id = s.m.dev;
    rejected(s.fd, cmd, ENOENT);
}

FAKE_CASE("vdevice: a missing device -> ENOENT [facts 5]") {
    auto s = setup(*this);
    abi::iommu_vdevice_alloc cmd{};
    cmd.viommu_id = viommu(s.fd, s.m.dev, s.hwpt);
    cmd.dev_id = 99;
    rejected(s.fd, cmd, ENOENT);
}

FAKE_CASE("vdevice: a device behind another physical IOMMU -> EINVAL [facts 5]") {
    int fd = open("/dev/iommu");
    int smmu_a = host().add_iommu(uapikit::fake::iommu_kind::arm_smmuv3);
    int smmu_b = host().add_iommu(uapikit::fake::iommu_kind::arm_smmuv3);
    uint32_t dev_a = bound_device(fd, smmu_a), dev_b = bound_device(fd, smmu_b);
    uint32_t io = ioas(fd);
    uint32_t v = 0;
    {
        auto cmd = viommu_cmd(dev_a, nest_parent(fd, dev_a, io), abi::IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
        REQUIRE(call(fd, cmd) == 0);
        v = cmd.out_viommu_id;
    }
    abi::iommu_vdevice_alloc cmd{};
    cmd.viommu_id = v;
    cmd.dev_id = dev_b;
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("vdevice: a device that already has a vdevice -> EEXIST [facts 5]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    vdevice(s.fd, v, s.m.dev, 1);
    abi::iommu_vdevice_alloc cmd{};
    cmd.viommu_id = v;
    cmd.dev_id = s.m.dev;
    cmd.virt_id = 2;
    rejected(s.fd, cmd, EEXIST);
}

FAKE_CASE("vdevice: a virt_id already used in the vIOMMU -> EEXIST [facts 5]") {
    auto s = setup(*this);
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt);
    vdevice(s.fd, v, s.m.dev, 1);
    mock other = mock_device(s.fd, s.ioas);
    abi::iommu_vdevice_alloc cmd{};
    cmd.viommu_id = v;
    cmd.dev_id = other.dev;
    cmd.virt_id = 1;
    rejected(s.fd, cmd, EEXIST);
}

FAKE_CASE("vdevice: a vIOMMU with a vdevice -> EBUSY until the vdevice goes [facts 5]") {
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

FAKE_CASE("vdevice: the device's VM differs from the vIOMMU's -> EINVAL [seed 001]") {
    auto s = setup(*this);
    int vm_a = vm(), vm_b = vm();
    uint32_t v = viommu(s.fd, s.m.dev, s.hwpt, vm_a);
    mock other = mock_device(s.fd, s.ioas);
    REQUIRE(host().set_device_vm(s.fd, other.dev, vm_b) == 0);
    abi::iommu_vdevice_alloc cmd{};
    cmd.viommu_id = v;
    cmd.dev_id = other.dev;
    cmd.virt_id = 5;
    rejected(s.fd, cmd, EINVAL);
}

// ---- AMD HW-vIOMMU ------------------------------------------------------------

struct amd_setup {
    int fd;
    int iommu;
    uint32_t dev, hwpt;
};

static amd_setup amd(fake_fixture& f, uint32_t gids = 1u << 16) {
    amd_setup a{};
    a.fd = f.open("/dev/iommu");
    a.iommu = f.host().add_iommu(uapikit::fake::iommu_kind::amd, gids);
    a.dev = f.bound_device(a.fd, a.iommu);
    a.hwpt = f.nest_parent(a.fd, a.dev, f.ioas(a.fd));
    return a;
}

static int amd_viommu(fake_fixture& f, const amd_setup& a, abi::iommu_viommu_amd& data, uint32_t& id) {
    auto cmd = f.viommu_cmd(a.dev, a.hwpt, abi::IOMMU_VIOMMU_TYPE_AMD);
    cmd.data_len = sizeof data;
    cmd.data_uptr = reinterpret_cast<uintptr_t>(&data);
    int rc = f.call(a.fd, cmd);
    id = cmd.out_viommu_id;
    return rc;
}

FAKE_CASE("amd: kvmfd that is not a VM -> EINVAL [seed 000]") {
    auto a = amd(*this);
    abi::iommu_viommu_amd data{};
    data.kvmfd = a.fd;
    auto cmd = viommu_cmd(a.dev, a.hwpt, abi::IOMMU_VIOMMU_TYPE_AMD);
    cmd.data_len = sizeof data;
    cmd.data_uptr = reinterpret_cast<uintptr_t>(&data);
    rejected(a.fd, cmd, EINVAL);
}

FAKE_CASE("amd: driver data of the wrong length -> EINVAL [facts 5]") {
    auto a = amd(*this);
    abi::iommu_viommu_amd data{};
    data.kvmfd = vm();
    auto cmd = viommu_cmd(a.dev, a.hwpt, abi::IOMMU_VIOMMU_TYPE_AMD);
    cmd.data_len = 12;
    cmd.data_uptr = reinterpret_cast<uintptr_t>(&data);
    rejected(a.fd, cmd, EINVAL);
}

FAKE_CASE("amd: each guest gets its own GID and VF-MMIO offset [seed 000]") {
    auto a = amd(*this);
    abi::iommu_viommu_amd one{}, two{};
    one.kvmfd = vm();
    two.kvmfd = vm();
    uint32_t id1, id2;
    REQUIRE(amd_viommu(*this, a, one, id1) == 0);
    REQUIRE(amd_viommu(*this, a, two, id2) == 0);
    CHECK(one.out_vfmmio_mmap_offset != 0);
    CHECK(one.out_vfmmio_mmap_offset != two.out_vfmmio_mmap_offset);
}

FAKE_CASE("amd: GIDs exhausted on the IOMMU -> ENOSPC [seed 000]") {
    auto a = amd(*this, 1);
    abi::iommu_viommu_amd one{}, two{};
    one.kvmfd = vm();
    two.kvmfd = vm();
    uint32_t id;
    REQUIRE(amd_viommu(*this, a, one, id) == 0);
    auto cmd = viommu_cmd(a.dev, a.hwpt, abi::IOMMU_VIOMMU_TYPE_AMD);
    cmd.data_len = sizeof two;
    cmd.data_uptr = reinterpret_cast<uintptr_t>(&two);
    rejected(a.fd, cmd, ENOSPC);
}

FAKE_CASE("amd: a destroyed vIOMMU frees its GID for the next guest [seed 000]") {
    auto a = amd(*this, 1);
    abi::iommu_viommu_amd one{}, two{};
    one.kvmfd = vm();
    two.kvmfd = vm();
    uint32_t id;
    REQUIRE(amd_viommu(*this, a, one, id) == 0);
    abi::iommu_destroy gone{};
    gone.id = id;
    REQUIRE(call(a.fd, gone) == 0);
    REQUIRE(amd_viommu(*this, a, two, id) == 0);
    CHECK(two.out_vfmmio_mmap_offset == one.out_vfmmio_mmap_offset);
}

// ---- TSM map ------------------------------------------------------------------

struct tsm_setup {
    int fd;
    uint32_t vdev;
};

// A vdevice whose vIOMMU is tied to a VM with private memory at
// [1 MiB, 3 MiB) (two adjacent slots) and shared memory at [4 MiB, 5 MiB).
static tsm_setup tsm(fake_fixture& f, bool with_vm = true) {
    auto s = setup(f);
    int vm_fd = -1;
    if (with_vm) {
        vm_fd = f.vm();
        int gmem = f.guest_memfd(vm_fd, 2 << 20);
        REQUIRE(f.memslot(vm_fd, 0, 1 << 20, 1 << 20, gmem) == 0);
        REQUIRE(f.memslot(vm_fd, 1, 2 << 20, 1 << 20, gmem) == 0);
        REQUIRE(f.memslot(vm_fd, 2, 4 << 20, 1 << 20) == 0);
    }
    uint32_t v = f.viommu(s.fd, s.m.dev, s.hwpt, vm_fd);
    return {s.fd, f.vdevice(s.fd, v, s.m.dev, 1)};
}

static abi::iommu_vdevice_tsm_map map_cmd(uint32_t vdev, uint64_t start, uint64_t end) {
    abi::iommu_vdevice_tsm_map cmd{};
    cmd.vdevice_id = vdev;
    cmd.start_gpa = start;
    cmd.end_gpa = end;
    return cmd;
}

FAKE_CASE("tsm: non-zero flags -> EOPNOTSUPP [seed 002]") {
    auto t = tsm(*this);
    auto cmd = map_cmd(t.vdev, 1 << 20, 2 << 20);
    cmd.flags = 1;
    rejected(t.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("tsm: an id that is not a vdevice -> ENOENT [seed 002]") {
    auto t = tsm(*this);
    auto cmd = map_cmd(1, 1 << 20, 2 << 20);  // id 1 is the IOAS
    rejected(t.fd, cmd, ENOENT);
}

FAKE_CASE("tsm: a vIOMMU without a VM -> ENODEV [seed 002]") {
    auto t = tsm(*this, false);
    auto cmd = map_cmd(t.vdev, 1 << 20, 2 << 20);
    rejected(t.fd, cmd, ENODEV);
}

FAKE_CASE("tsm: a range not page-aligned -> EINVAL [seed 002]") {
    auto t = tsm(*this);
    auto cmd = map_cmd(t.vdev, (1 << 20) + 8, 2 << 20);
    rejected(t.fd, cmd, EINVAL);
}

FAKE_CASE("tsm: an empty range -> EINVAL [seed 002]") {
    auto t = tsm(*this);
    auto cmd = map_cmd(t.vdev, 1 << 20, 1 << 20);
    rejected(t.fd, cmd, EINVAL);
}

FAKE_CASE("tsm: a reversed range -> EINVAL [seed 002]") {
    auto t = tsm(*this);
    auto cmd = map_cmd(t.vdev, 2 << 20, 1 << 20);
    rejected(t.fd, cmd, EINVAL);
}

FAKE_CASE("tsm: a range running past the private memory -> EINVAL [seed 002]") {
    auto t = tsm(*this);
    auto cmd = map_cmd(t.vdev, 2 << 20, 4 << 20);  // [3 MiB, 4 MiB) has no slot
    rejected(t.fd, cmd, EINVAL);
}

FAKE_CASE("tsm: shared (non guest_memfd) memory -> EINVAL [seed 002]") {
    auto t = tsm(*this);
    auto cmd = map_cmd(t.vdev, 4 << 20, 5 << 20);
    rejected(t.fd, cmd, EINVAL);
}

FAKE_CASE("tsm: a range over two adjacent private slots is mapped and recorded [seed 002]") {
    auto t = tsm(*this);
    auto cmd = map_cmd(t.vdev, 1 << 20, 3 << 20);
    REQUIRE(call(t.fd, cmd) == 0);
    auto mapped = host().tsm_mappings(t.fd, t.vdev);
    REQUIRE(mapped.size() == 1);
    CHECK(mapped[0].start == 1u << 20);
    CHECK(mapped[0].end == 3u << 20);
}

// ---- KVM and the selftest mock --------------------------------------------------

FAKE_CASE("kvm: an unknown VM type -> EINVAL [kernel]") {
    int kvm_fd = open("/dev/kvm");
    std::string before = host().snapshot();
    CHECK(via().ioctl(kvm_fd, uapikit::fake::kvm::create_vm, reinterpret_cast<void*>(99ul)) == -EINVAL);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("kvm: a guest_memfd for a VM type without private memory -> EINVAL [facts 5]") {
    int vm_fd = vm(uapikit::fake::kvm::default_vm);
    uapikit::fake::kvm::create_guest_memfd_args args{};
    args.size = 1 << 20;
    CHECK(via().ioctl(vm_fd, uapikit::fake::kvm::create_guest_memfd, &args) == -EINVAL);
}

FAKE_CASE("kvm: a private memslot whose fd is not a guest_memfd -> EINVAL [kernel]") {
    int vm_fd = vm();
    std::string before = host().snapshot();
    CHECK(memslot(vm_fd, 0, 1 << 20, 1 << 20, vm_fd) == -EINVAL);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("mock: a mock domain on a missing IOAS -> ENOENT [facts 5]") {
    int fd = open("/dev/iommu");
    abi::iommu_test_cmd cmd{};
    cmd.op = abi::IOMMU_TEST_OP_MOCK_DOMAIN;
    cmd.id = 9;
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("mock: ids come as object, device, automatic HWPT; the HWPT is no nesting parent [facts 5]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    CHECK(m.stdev == io + 1);
    CHECK(m.dev == io + 2);
    CHECK(m.hwpt == io + 3);
}

FAKE_CASE("mock: after destroying the mock object its device is gone -> ENOENT [facts 5]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    abi::iommu_destroy cmd{};
    cmd.id = m.stdev;
    REQUIRE(call(fd, cmd) == 0);
    abi::iommu_hwpt_alloc hwpt{};
    hwpt.dev_id = m.dev;
    hwpt.pt_id = io;
    rejected(fd, hwpt, ENOENT);
}
