// The typed layer over a recording backend: each call fills exactly the raw
// struct the kernel expects (size set, flags, driver data length, pointer
// and type derived from the typed data), returns the outputs, and turns a
// failing ioctl into one error naming the command.
#include "recording_backend.hpp"

#include <uapikit/error_text.hpp>
#include <uapikit/iommufd.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace raw = uapikit::raw::proposed;

using uapikit::testing::recording_backend;

TEST_CASE("ioas_alloc sends IOMMU_IOAS_ALLOC with size set and returns the new id") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) { static_cast<raw::iommu_ioas_alloc*>(a)->out_ioas_id = 7; return 0; };
    auto ioas = uapikit::ioas_alloc(b);
    REQUIRE(ioas);
    CHECK(ioas->value() == 7);
    CHECK(b.calls.back().request == raw::IOMMU_IOAS_ALLOC);
    auto sent = b.last<raw::iommu_ioas_alloc>();
    CHECK(sent.size == 12);
    CHECK(sent.flags == 0);
}

TEST_CASE("alloc_nest_parent_hwpt always sets NEST_PARENT and adds typed flags") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) { static_cast<raw::iommu_hwpt_alloc*>(a)->out_hwpt_id = 3; return 0; };
    auto hwpt = uapikit::alloc_nest_parent_hwpt(b, uapikit::device_id{1}, uapikit::ioas_id{2}, uapikit::hwpt_flags::dirty_tracking);
    REQUIRE(hwpt);
    CHECK(hwpt->value() == 3);
    auto sent = b.last<raw::iommu_hwpt_alloc>();
    CHECK(sent.size == 48);
    CHECK(sent.flags == (1u << 0 | 1u << 1));  // NEST_PARENT, DIRTY_TRACKING (Linux 6.12 include/uapi/linux/iommufd.h)
    CHECK(sent.dev_id == 1);
    CHECK(sent.pt_id == 2);
    CHECK(sent.data_type == 0);
    CHECK(sent.__reserved == 0);
}

TEST_CASE("alloc_viommu derives type, data_len and data_uptr from the typed data and returns driver outputs") {
    recording_backend b;
    static const void* seen_data = nullptr;
    b.reply = [](unsigned long, void* a) {
        auto* cmd = static_cast<raw::iommu_viommu_alloc*>(a);
        cmd->out_viommu_id = 9;
        seen_data = reinterpret_cast<void*>(static_cast<std::uintptr_t>(cmd->data_uptr));
        static_cast<raw::iommu_viommu_amd*>(const_cast<void*>(seen_data))->out_vfmmio_mmap_offset = 0x1000;
        return 0;
    };
    uapikit::vm_fd vm{42};
    auto viommu = uapikit::alloc_viommu(b, uapikit::device_id{1}, uapikit::hwpt_id{3}, uapikit::amd_viommu_data{vm}, vm);
    REQUIRE(viommu);
    CHECK(viommu->id.value() == 9);
    CHECK(viommu->data.vfmmio_mmap_offset() == 0x1000);
    auto sent = b.last<raw::iommu_viommu_alloc>();
    CHECK(sent.size == 48);
    CHECK(sent.type == 3);                 // IOMMU_VIOMMU_TYPE_AMD (the AMD HW-vIOMMU series)
    CHECK(sent.flags == 1);                // IOMMU_VIOMMU_KVM_FD, bit 0 (the KVM VM fd series)
    CHECK(sent.kvm_vm_fd == 42);
    CHECK(sent.data_len == 16);            // sizeof iommu_viommu_amd (the AMD HW-vIOMMU series)
    CHECK(sent.dev_id == 1);
    CHECK(sent.hwpt_id == 3);
    CHECK(seen_data != nullptr);
}

TEST_CASE("without a VM fd the KVM flag is clear, and data-less drivers pass no data") {
    recording_backend b;
    auto viommu = uapikit::alloc_viommu(b, uapikit::device_id{1}, uapikit::hwpt_id{3}, uapikit::arm_smmuv3_viommu_data{});
    REQUIRE(viommu);
    auto sent = b.last<raw::iommu_viommu_alloc>();
    CHECK(sent.flags == 0);
    CHECK(sent.type == 1);  // IOMMU_VIOMMU_TYPE_ARM_SMMUV3
    CHECK(sent.data_len == 0);
    CHECK(sent.data_uptr == 0);
    CHECK(sent.kvm_vm_fd == 0);
}

TEST_CASE("the spelled-out type form accepts matching data") {
    recording_backend b;
    auto viommu = uapikit::alloc_viommu<uapikit::viommu_type::selftest>(b, uapikit::device_id{1}, uapikit::hwpt_id{3},
                                                                        uapikit::selftest_viommu_data{5});
    REQUIRE(viommu);
    auto sent = b.last<raw::iommu_viommu_alloc>();
    CHECK(sent.type == 0xdeadbeef);
    CHECK(sent.data_len == 24);
}

TEST_CASE("vdevice_alloc, vdevice_tsm_map and destroy fill their structs") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) {
        auto* cmd = static_cast<raw::iommu_vdevice_alloc*>(a);
        if (cmd->size == sizeof(raw::iommu_vdevice_alloc)) cmd->out_vdevice_id = 11;
        return 0;
    };
    auto vdev = uapikit::vdevice_alloc(b, uapikit::viommu_id{9}, uapikit::device_id{1}, 0x1234'5678'9abcULL);
    REQUIRE(vdev);
    CHECK(vdev->value() == 11);
    auto v = b.last<raw::iommu_vdevice_alloc>();
    CHECK(v.viommu_id == 9);
    CHECK(v.virt_id == 0x1234'5678'9abcULL);

    b.reply = nullptr;
    REQUIRE(uapikit::vdevice_tsm_map(b, uapikit::vdevice_id{11}, 0x10000, 0x20000));
    CHECK(b.calls.back().request == raw::IOMMU_VDEVICE_TSM_MAP);
    auto m = b.last<raw::iommu_vdevice_tsm_map>();
    CHECK(m.size == 32);
    CHECK(m.start_gpa == 0x10000);
    CHECK(m.end_gpa == 0x20000);
    CHECK(m.vdevice_id == 11);
    CHECK(m.flags == 0);

    REQUIRE(uapikit::destroy(b, uapikit::viommu_id{9}));
    CHECK(b.calls.back().request == raw::IOMMU_DESTROY);
    CHECK(b.last<raw::iommu_destroy>().id == 9);
}

TEST_CASE("a failing ioctl gives one error with the errno and the command's name") {
    recording_backend b;
    b.fail_with = EOPNOTSUPP;
    auto viommu = uapikit::alloc_viommu(b, uapikit::device_id{1}, uapikit::hwpt_id{3}, uapikit::arm_smmuv3_viommu_data{});
    REQUIRE_FALSE(viommu);
    CHECK(viommu.error().code() == EOPNOTSUPP);
    CHECK(std::strcmp(viommu.error().operation(), "IOMMU_VIOMMU_ALLOC") == 0);
    CHECK(uapikit::describe(viommu.error()).find("IOMMU_VIOMMU_ALLOC: ") == 0);
    CHECK(uapikit::describe(viommu.error()).find("(EOPNOTSUPP)") != std::string::npos);

    b.fail_with = ENOENT;
    auto gone = uapikit::destroy(b, uapikit::hwpt_id{99});
    REQUIRE_FALSE(gone);
    CHECK(gone.error() == uapikit::error{ENOENT, "IOMMU_DESTROY"});
}

TEST_CASE("the selftest mock device returns its three ids") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) {
        auto* cmd = static_cast<raw::iommu_test_cmd*>(a);
        cmd->mock_domain.out_stdev_id = 4;
        cmd->mock_domain.out_hwpt_id = 5;
        cmd->mock_domain.out_idev_id = 6;
        return 0;
    };
    auto mock = uapikit::selftest_mock_device(b, uapikit::ioas_id{2});
    REQUIRE(mock);
    CHECK(mock->object.value() == 4);
    CHECK(mock->hwpt.value() == 5);
    CHECK(mock->device.value() == 6);
    auto sent = b.last<raw::iommu_test_cmd>();
    CHECK(sent.size == 72);
    CHECK(sent.op == 2);  // IOMMU_TEST_OP_MOCK_DOMAIN
    CHECK(sent.id == 2);
}

// struct iommu_test_cmd (mainline tools/testing/selftests/iommu/iommufd_test.h):
// size at 0, op at 4, id at 8, then the union at 16. IOMMU_TEST_OP_TRIGGER_IOPF
// is the enum's 15th value and TRIGGER_VEVENT its 17th (it starts at
// IOMMU_TEST_OP_ADD_RESERVED = 1); trigger_iopf is {dev_id, pasid, grpid,
// perm: __u32; addr: __u64} and trigger_vevent {dev_id: __u32}.
TEST_CASE("the selftest's fault and event triggers send the mock's op and the device") {
    recording_backend b;
    auto bytes = [&] { return b.calls.back().bytes; };
    auto u32_at = [&](std::size_t at) {
        std::uint32_t v;
        std::memcpy(&v, bytes().data() + at, 4);
        return v;
    };
    REQUIRE(uapikit::selftest_trigger_iopf(b, uapikit::device_id{7}, 0x123000, 3, 5, 9));
    REQUIRE(bytes().size() == 72);
    CHECK(u32_at(4) == 15);
    CHECK(u32_at(16) == 7);  // dev_id
    CHECK(u32_at(20) == 5);  // pasid
    CHECK(u32_at(24) == 9);  // grpid
    CHECK(u32_at(28) == 3);  // perm
    std::uint64_t addr;
    std::memcpy(&addr, bytes().data() + 32, 8);
    CHECK(addr == 0x123000);
    REQUIRE(uapikit::selftest_trigger_vevent(b, uapikit::device_id{8}));
    CHECK(u32_at(4) == 17);
    CHECK(u32_at(16) == 8);
}

TEST_CASE("results of ids stay small and trivially copyable") {
    CHECK(sizeof(uapikit::result<uapikit::viommu_id>) == 8 + sizeof(void*));  // id, errno, name
    CHECK(std::is_trivially_copyable_v<uapikit::result<uapikit::viommu_id>>);
    CHECK(sizeof(uapikit::result<void>) == 4 + sizeof(void*) + (sizeof(void*) - 4));
}

namespace {

// Counts live objects, so assignment that leaks or destroys twice shows.
struct counted {
    static inline int live = 0;
    int value;
    explicit counted(int v) : value(v) { ++live; }
    counted(const counted& o) : value(o.value) { ++live; }
    counted(counted&& o) noexcept : value(o.value) { ++live; }
    counted& operator=(const counted&) = delete;
    ~counted() { --live; }
};

// Its copy throws: an assignment from one must leave nothing to destroy twice.
struct throws_on_copy {
    static inline int live = 0;
    throws_on_copy() { ++live; }
    throws_on_copy(const throws_on_copy&) { throw 1; }
    throws_on_copy(throws_on_copy&&) noexcept { ++live; }
    throws_on_copy& operator=(const throws_on_copy&) = delete;
    ~throws_on_copy() { --live; }
};

}  // namespace

TEST_CASE("results are assignable: a value over an error, an error over a value, a value over a value") {
    uapikit::result<uapikit::ioas_id> id = uapikit::failure{{ENOENT, "IOMMU_IOAS_ALLOC"}};
    id = uapikit::ioas_id{3};
    REQUIRE(id);
    CHECK(id->value() == 3);
    id = uapikit::failure{{EBUSY, "IOMMU_DESTROY"}};
    REQUIRE_FALSE(id);
    CHECK(id.error().code() == EBUSY);
    CHECK(std::strcmp(id.error().operation(), "IOMMU_DESTROY") == 0);

    {
        uapikit::result<counted> a = counted{1};
        uapikit::result<counted> b = uapikit::failure{{EINVAL, "x"}};
        CHECK(counted::live == 1);
        b = a;  // copy a value over an error
        CHECK(counted::live == 2);
        CHECK(b->value == 1);
        a = uapikit::failure{{EPERM, "y"}};  // an error over a value destroys the value
        CHECK(counted::live == 1);
        CHECK(a.error().code() == EPERM);
        a = counted{5};
        b = std::move(a);  // a value over a value: the old one goes
        CHECK(counted::live == 2);
        CHECK(b->value == 5);
    }
    CHECK(counted::live == 0);

    {
        uapikit::result<throws_on_copy> held = throws_on_copy{};
        const uapikit::result<throws_on_copy> other = throws_on_copy{};
        CHECK(throws_on_copy::live == 2);
        CHECK_THROWS(held = other);  // the old value is gone, the copy never made
        CHECK(throws_on_copy::live == 1);
        CHECK_FALSE(held);  // left holding an error, not a half-made value
    }
    CHECK(throws_on_copy::live == 0);

    // A result in a loop variable, reassigned each round, as a VMM's retry loop does.
    uapikit::result<void> last = uapikit::failure{{EAGAIN, "IOMMU_IOAS_MAP"}};
    for (int attempt = 0; attempt < 2 && !last; ++attempt) last = {};
    CHECK(last);
}
