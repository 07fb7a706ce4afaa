// Devices: IOMMU_GET_HW_INFO of each kind of IOMMU, attaching devices of
// hardware IOMMUs, their reserved regions.
#include "semantics_fixture.hpp"

#include <cerrno>

using namespace uapikit::testing;

namespace {

abi::iommu_hw_info hw_info_cmd(uint32_t dev, void* data, uint32_t len, uint32_t type = 0) {
    abi::iommu_hw_info cmd{};
    cmd.dev_id = dev;
    cmd.data_len = len;
    cmd.data_uptr = address(data);
    if (type) {
        cmd.flags = abi::IOMMU_HW_INFO_FLAG_INPUT_TYPE;
        cmd.in_data_type = type;
    }
    return cmd;
}

}  // namespace

// ---- IOMMU_GET_HW_INFO ----------------------------------------------------------------

FAKE_CASE("hw_info: the mock reports its type, test register, dirty tracking and no PASID [6.12 selftest.c]") {
    int fd = open("/dev/iommu");
    mock m = mock_device(fd, ioas(fd));
    abi::iommu_test_hw_info info{};
    auto cmd = hw_info_cmd(m.dev, &info, sizeof info);
    REQUIRE(call(fd, cmd) == 0);
    CHECK(cmd.out_data_type == abi::IOMMU_HW_INFO_TYPE_SELFTEST);
    CHECK(cmd.data_len == sizeof info);
    CHECK(info.test_reg == abi::IOMMU_HW_INFO_SELFTEST_REGVAL);
    CHECK(cmd.out_capabilities == abi::IOMMU_HW_CAP_DIRTY_TRACKING);
    CHECK(cmd.out_max_pasid_log2 == 0);
}

FAKE_CASE("hw_info: a PASID-capable mock device reports MOCK_PASID_WIDTH bits [mainline selftest.c]") {
    int fd = open("/dev/iommu");
    mock m = mock_device(fd, ioas(fd), abi::MOCK_FLAGS_DEVICE_PASID);
    auto cmd = hw_info_cmd(m.dev, nullptr, 0);
    REQUIRE(call(fd, cmd) == 0);
    CHECK(cmd.out_max_pasid_log2 == abi::MOCK_PASID_WIDTH);
}

FAKE_CASE("hw_info: a buffer larger than the data gets zeros after it; a smaller one only its part [6.12 device.c]") {
    int fd = open("/dev/iommu");
    mock m = mock_device(fd, ioas(fd));
    struct {
        abi::iommu_test_hw_info info;
        uint64_t trailing;
    } larger;
    std::memset(static_cast<void*>(&larger), 0xaa, sizeof larger);
    auto cmd = hw_info_cmd(m.dev, &larger, sizeof larger);
    REQUIRE(call(fd, cmd) == 0);
    CHECK(larger.trailing == 0);
    CHECK(cmd.data_len == sizeof larger.info);
    abi::iommu_test_hw_info part;
    std::memset(static_cast<void*>(&part), 0xaa, sizeof part);
    auto small = hw_info_cmd(m.dev, &part, sizeof part.flags);
    REQUIRE(call(fd, small) == 0);
    CHECK(part.flags == 0);
    CHECK(part.test_reg == 0xaaaaaaaa);
}

FAKE_CASE("hw_info: asking for a type the IOMMU does not have -> EOPNOTSUPP [mainline device.c]") {
    int fd = open("/dev/iommu");
    mock m = mock_device(fd, ioas(fd));
    abi::iommu_test_hw_info info{};
    auto cmd = hw_info_cmd(m.dev, &info, sizeof info, abi::IOMMU_HW_INFO_TYPE_SELFTEST + 1);
    rejected(fd, cmd, EOPNOTSUPP);
    auto own = hw_info_cmd(m.dev, &info, sizeof info, abi::IOMMU_HW_INFO_TYPE_SELFTEST);
    CHECK(call(fd, own) == 0);
}

FAKE_CASE("hw_info: an unknown flag or non-zero __reserved -> EOPNOTSUPP [mainline device.c]") {
    int fd = open("/dev/iommu");
    mock m = mock_device(fd, ioas(fd));
    auto flags = hw_info_cmd(m.dev, nullptr, 0);
    flags.flags = 2;
    rejected(fd, flags, EOPNOTSUPP);
    auto reserved = hw_info_cmd(m.dev, nullptr, 0);
    reserved.__reserved[1] = 1;
    rejected(fd, reserved, EOPNOTSUPP);
}

FAKE_CASE("hw_info: an id that is not a device -> ENOENT [6.12 device.c]") {
    int fd = open("/dev/iommu");
    auto cmd = hw_info_cmd(ioas(fd), nullptr, 0);
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("hw_info: an ARM SMMUv3 device reports IOMMU_HW_INFO_TYPE_ARM_SMMUV3 and its IDRs [mainline uapi]") {
    int fd = open("/dev/iommu");
    uint32_t dev = bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3));
    abi::iommu_hw_info_arm_smmuv3 info{};
    auto cmd = hw_info_cmd(dev, &info, sizeof info);
    REQUIRE(call(fd, cmd) == 0);
    CHECK(cmd.out_data_type == abi::IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
    CHECK(cmd.data_len == sizeof info);
    CHECK(info.flags == 0);
    CHECK(info.idr[0] != 0);
}

FAKE_CASE("hw_info: an Intel VT-d device reports IOMMU_HW_INFO_TYPE_INTEL_VTD [6.12 uapi]") {
    int fd = open("/dev/iommu");
    uint32_t dev = bound_device(fd, host().add_iommu(iommu_kind::intel_vtd));
    abi::iommu_hw_info_vtd info{};
    auto cmd = hw_info_cmd(dev, &info, sizeof info);
    REQUIRE(call(fd, cmd) == 0);
    CHECK(cmd.out_data_type == abi::IOMMU_HW_INFO_TYPE_INTEL_VTD);
    CHECK(cmd.data_len == sizeof info);
    CHECK(info.cap_reg != 0);
}

FAKE_CASE("hw_info: an AMD device reports IOMMU_HW_INFO_TYPE_AMD [mainline uapi]") {
    int fd = open("/dev/iommu");
    uint32_t dev = bound_device(fd, host().add_iommu(iommu_kind::amd));
    abi::iommu_hw_info_amd info{};
    auto cmd = hw_info_cmd(dev, &info, sizeof info);
    REQUIRE(call(fd, cmd) == 0);
    CHECK(cmd.out_data_type == abi::IOMMU_HW_INFO_TYPE_AMD);
    CHECK(cmd.data_len == sizeof info);
}

// ---- devices of hardware IOMMUs --------------------------------------------------------

FAKE_CASE("attach: devices of two SMMUv3 instances cannot share a domain: each gets its own [6.12 device.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    int a_fd = -1, b_fd = -1;
    bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &a_fd);
    bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &b_fd);
    uint32_t pt_a = io, pt_b = io;
    REQUIRE(attach(a_fd, &pt_a) == 0);
    REQUIRE(attach(b_fd, &pt_b) == 0);
    CHECK(pt_a != pt_b);
    CHECK(pt_a != io);
}

FAKE_CASE("attach: a HWPT of another driver -> EINVAL [6.12 device.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);  // its automatic domain is the mock's
    int v = -1;
    bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &v);
    uint32_t pt = m.hwpt;
    std::string before = host().snapshot();
    CHECK(attach(v, &pt) == -EINVAL);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("attach: an SMMUv3 device reserves its MSI window in the IOAS [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    int v = -1;
    bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &v);
    uint32_t pt = io;
    REQUIRE(attach(v, &pt) == 0);
    abi::iommu_iova_range r[4]{};
    abi::iommu_ioas_iova_ranges cmd{};
    cmd.ioas_id = io;
    cmd.num_iovas = 4;
    cmd.allowed_iovas = address(r);
    REQUIRE(call(fd, cmd) == 0);
    REQUIRE(cmd.num_iovas == 2);
    CHECK(r[0].last == 0x8000000 - 1);
    CHECK(r[1].start == 0x8100000);
    CHECK(cmd.out_iova_alignment == 4096);
}

FAKE_CASE("attach: a device whose reserved region is already mapped -> EADDRINUSE [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    buffer b(4096);
    map(fd, io, b.address(), 4096, 0x8000000);
    int v = -1;
    bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &v);
    uint32_t pt = io;
    std::string before = host().snapshot();
    CHECK(attach(v, &pt) == -EADDRINUSE);
    CHECK(host().snapshot() == before);
}
