// Every generated typed call, run over the recording backend: it sends its
// request, with the size field set, each typed argument in the field the
// kernel's header names, fields that must be 0 left 0, and returns what the
// kernel writes back. The expected field for each argument is the kernel's
// (Linux 6.12 include/uapi/linux/iommufd.h, vfio.h, kvm.h, and the mainline
// iommufd.h for the later commands); the raw structs are only how the test
// reads the bytes.
#include "recording_backend.hpp"

#include <uapikit/generated/mainline_2026_calls.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/vfio_kvm.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <span>  // the calls take anything with data() and size(): spans here
#include <string>

namespace raw = uapikit::raw::proposed;
namespace kvm = uapikit::raw::linux_6_12_vfio_kvm;
using uapikit::testing::recording_backend;

namespace {

// Where a pointer field points.
template <typename T>
const T* pointed(std::uint64_t address) {
    return reinterpret_cast<const T*>(static_cast<std::uintptr_t>(address));
}

// Calls exercised below, by request, so the last test can count them.
std::set<std::string>& covered() {
    static std::set<std::string> names;
    return names;
}

template <typename T>
T sent(recording_backend& b, unsigned long request, const char* name) {
    REQUIRE(!b.calls.empty());
    CHECK(b.calls.back().request == request);
    covered().insert(name);
    return b.last<T>();
}

}  // namespace

TEST_CASE("destroy: any destroyable id, in `id`") {
    recording_backend b;
    REQUIRE(uapikit::destroy(b, uapikit::veventq_id{7}));
    auto c = sent<raw::iommu_destroy>(b, raw::IOMMU_DESTROY, "IOMMU_DESTROY");
    CHECK(c.size == 8);
    CHECK(c.id == 7);
}

TEST_CASE("ioas_alloc returns out_ioas_id; flags stay 0") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) { static_cast<raw::iommu_ioas_alloc*>(a)->out_ioas_id = 4; return 0; };
    auto ioas = uapikit::ioas_alloc(b);
    REQUIRE(ioas);
    CHECK(*ioas == uapikit::ioas_id{4});
    auto c = sent<raw::iommu_ioas_alloc>(b, raw::IOMMU_IOAS_ALLOC, "IOMMU_IOAS_ALLOC");
    CHECK(c.size == 12);
    CHECK(c.flags == 0);
}

TEST_CASE("ioas_allow_iovas: the span's address and length in allowed_iovas and num_iovas") {
    recording_backend b;
    raw::iommu_iova_range ranges[2] = {{0x1000, 0x1fff}, {0x100000, 0x1fffff}};
    REQUIRE(uapikit::ioas_allow_iovas(b, uapikit::ioas_id{3}, std::span<const raw::iommu_iova_range>(ranges)));
    auto c = sent<raw::iommu_ioas_allow_iovas>(b, raw::IOMMU_IOAS_ALLOW_IOVAS, "IOMMU_IOAS_ALLOW_IOVAS");
    CHECK(c.size == 24);
    CHECK(c.ioas_id == 3);
    CHECK(c.num_iovas == 2);
    CHECK(pointed<raw::iommu_iova_range>(c.allowed_iovas) == ranges);
    CHECK(c.__reserved == 0);
}

TEST_CASE("ioas_copy: typed flags, both IOAS ids, lengths and IOVAs; returns dst_iova") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) { static_cast<raw::iommu_ioas_copy*>(a)->dst_iova = 0x9000; return 0; };
    using f = uapikit::ioas_map_flags;
    auto iova = uapikit::ioas_copy(b, f::writeable | f::readable, uapikit::ioas_id{1}, uapikit::ioas_id{2}, 0x2000, 0, 0x5000);
    REQUIRE(iova);
    CHECK(*iova == 0x9000);
    auto c = sent<raw::iommu_ioas_copy>(b, raw::IOMMU_IOAS_COPY, "IOMMU_IOAS_COPY");
    CHECK(c.size == 40);
    CHECK(c.flags == (1u << 1 | 1u << 2));  // WRITEABLE, READABLE
    CHECK(c.dst_ioas_id == 1);
    CHECK(c.src_ioas_id == 2);
    CHECK(c.length == 0x2000);
    CHECK(c.src_iova == 0x5000);
}

TEST_CASE("ioas_iova_ranges asks, grows on EMSGSIZE and asks again, as the kernel documents") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) {
        auto* c = static_cast<raw::iommu_ioas_iova_ranges*>(a);
        if (c->num_iovas < 3) {  // too small: the kernel says how many, EMSGSIZE
            c->num_iovas = 3;
            return -EMSGSIZE;
        }
        auto* out = const_cast<raw::iommu_iova_range*>(pointed<raw::iommu_iova_range>(c->allowed_iovas));
        for (std::uint64_t i = 0; i < 3; ++i) out[i] = {i << 20, (i << 20) + 0xfff};
        c->out_iova_alignment = 4096;
        return 0;
    };
    auto r = uapikit::ioas_iova_ranges(b, uapikit::ioas_id{5});
    REQUIRE(r);
    CHECK(b.calls.size() == 2);
    CHECK(r->allowed_iovas.size() == 3);
    CHECK(r->allowed_iovas[2].start == (2u << 20));
    CHECK(r->iova_alignment == 4096);
    auto first = raw::iommu_ioas_iova_ranges{};
    std::memcpy(&first, b.calls.front().bytes.data(), sizeof first);
    CHECK(first.num_iovas == 0);  // the first ask has no room
    auto c = sent<raw::iommu_ioas_iova_ranges>(b, raw::IOMMU_IOAS_IOVA_RANGES, "IOMMU_IOAS_IOVA_RANGES");
    CHECK(c.ioas_id == 5);
    CHECK(c.num_iovas == 3);

    // Another error ends it at once.
    recording_backend e;
    e.fail_with = ENOENT;
    auto missing = uapikit::ioas_iova_ranges(e, uapikit::ioas_id{9});
    REQUIRE_FALSE(missing);
    CHECK(missing.error() == uapikit::error{ENOENT, "IOMMU_IOAS_IOVA_RANGES"});
    CHECK(e.calls.size() == 1);
}

TEST_CASE("ioas_map and ioas_map_file: memory or file, flags, IOVA in and out") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) { static_cast<raw::iommu_ioas_map*>(a)->iova = 0x40000; return 0; };
    static char page[4096];
    using f = uapikit::ioas_map_flags;
    auto iova = uapikit::ioas_map(b, f::readable, uapikit::ioas_id{2}, page, sizeof page, 0);
    REQUIRE(iova);
    CHECK(*iova == 0x40000);
    auto m = sent<raw::iommu_ioas_map>(b, raw::IOMMU_IOAS_MAP, "IOMMU_IOAS_MAP");
    CHECK(m.size == 40);
    CHECK(m.flags == 1u << 2);
    CHECK(m.ioas_id == 2);
    CHECK(m.user_va == reinterpret_cast<std::uintptr_t>(page));
    CHECK(m.length == 4096);
    CHECK(m.__reserved == 0);

    b.reply = nullptr;
    auto file_iova = uapikit::ioas_map_file(b, f::fixed_iova | f::writeable, uapikit::ioas_id{2}, 17, 0x3000, 0x1000, 0x80000);
    REQUIRE(file_iova);
    CHECK(*file_iova == 0x80000);  // FIXED_IOVA: the IOVA given
    auto mf = sent<raw::iommu_ioas_map_file>(b, raw::IOMMU_IOAS_MAP_FILE, "IOMMU_IOAS_MAP_FILE");
    CHECK(mf.size == 40);
    CHECK(mf.flags == (1u << 0 | 1u << 1));
    CHECK(mf.fd == 17);
    CHECK(mf.start == 0x3000);
    CHECK(mf.length == 0x1000);
    CHECK(mf.iova == 0x80000);
}

TEST_CASE("ioas_unmap returns the bytes unmapped") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) { static_cast<raw::iommu_ioas_unmap*>(a)->length = 0x2000; return 0; };
    auto unmapped = uapikit::ioas_unmap(b, uapikit::ioas_id{2}, 0x40000, ~0ULL);
    REQUIRE(unmapped);
    CHECK(*unmapped == 0x2000);
    auto c = sent<raw::iommu_ioas_unmap>(b, raw::IOMMU_IOAS_UNMAP, "IOMMU_IOAS_UNMAP");
    CHECK(c.size == 24);
    CHECK(c.iova == 0x40000);
    CHECK(c.length == ~0ULL);
}

TEST_CASE("option: typed option and operation, object id, value in and out") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) { static_cast<raw::iommu_option*>(a)->val64 = 1; return 0; };
    auto value = uapikit::option(b, uapikit::option_id::huge_pages, uapikit::option_op::get, 6, 0);
    REQUIRE(value);
    CHECK(*value == 1);
    auto c = sent<raw::iommu_option>(b, raw::IOMMU_OPTION, "IOMMU_OPTION");
    CHECK(c.size == 24);
    CHECK(c.option_id == 1);  // IOMMU_OPTION_HUGE_PAGES
    CHECK(c.op == 1);         // IOMMU_OPTION_OP_GET
    CHECK(c.object_id == 6);
    CHECK(c.__reserved == 0);
}

TEST_CASE("vfio_ioas: operation and IOAS id, returns the IOAS") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) { static_cast<raw::iommu_vfio_ioas*>(a)->ioas_id = 8; return 0; };
    auto ioas = uapikit::vfio_ioas(b, uapikit::ioas_id{}, uapikit::vfio_ioas_op::get);
    REQUIRE(ioas);
    CHECK(*ioas == uapikit::ioas_id{8});
    auto c = sent<raw::iommu_vfio_ioas>(b, raw::IOMMU_VFIO_IOAS, "IOMMU_VFIO_IOAS");
    CHECK(c.size == 12);
    CHECK(c.op == 0);  // IOMMU_VFIO_IOAS_GET
}

TEST_CASE("hwpt_alloc: pt_id takes an IOAS, a HWPT or a vIOMMU; driver data in data_uptr/data_len") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) { static_cast<raw::iommu_hwpt_alloc*>(a)->out_hwpt_id = 12; return 0; };
    raw::iommu_hwpt_arm_smmuv3 ste{};
    ste.ste[0] = 0xb;
    auto hwpt = uapikit::hwpt_alloc(b, uapikit::hwpt_alloc_flags::fault_id_valid, uapikit::device_id{1}, uapikit::viommu_id{9},
                                    uapikit::hwpt_data_type::arm_smmuv3, uapikit::const_bytes{ste}, uapikit::fault_id{5});
    REQUIRE(hwpt);
    CHECK(*hwpt == uapikit::hwpt_id{12});
    auto c = sent<raw::iommu_hwpt_alloc>(b, raw::IOMMU_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
    CHECK(c.size == 48);
    CHECK(c.flags == 1u << 2);  // FAULT_ID_VALID
    CHECK(c.dev_id == 1);
    CHECK(c.pt_id == 9);
    CHECK(c.data_type == 2);  // IOMMU_HWPT_DATA_ARM_SMMUV3
    CHECK(c.data_len == 16);
    CHECK(pointed<raw::iommu_hwpt_arm_smmuv3>(c.data_uptr) == &ste);
    CHECK(c.fault_id == 5);
    CHECK(c.__reserved == 0);
    CHECK(c.__reserved2 == 0);
}

TEST_CASE("get_hw_info: buffer, wanted type; returns length, type, PASID width, capabilities") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) {
        auto* c = static_cast<raw::iommu_hw_info*>(a);
        c->data_len = 40;
        c->out_data_type = 2;  // ARM SMMUv3
        c->out_max_pasid_log2 = 20;
        c->out_capabilities = 1;  // DIRTY_TRACKING
        return 0;
    };
    raw::iommu_hw_info_arm_smmuv3 smmu{};
    auto info = uapikit::get_hw_info(b, uapikit::hw_info_flags::input_type, uapikit::device_id{3}, uapikit::mutable_bytes{smmu},
                                     uapikit::hw_info_type::arm_smmuv3);
    REQUIRE(info);
    CHECK(info->data_len == 40);
    CHECK(info->data_type == uapikit::hw_info_type::arm_smmuv3);
    CHECK(info->max_pasid_log2 == 20);
    CHECK(uapikit::has(info->capabilities, uapikit::hw_capabilities::dirty_tracking));
    auto c = sent<raw::iommu_hw_info>(b, raw::IOMMU_GET_HW_INFO, "IOMMU_GET_HW_INFO");
    CHECK(c.size == 40);
    CHECK(c.flags == 1);  // IOMMU_HW_INFO_FLAG_INPUT_TYPE
    CHECK(c.dev_id == 3);
    CHECK(c.data_len == sizeof smmu);
    CHECK(pointed<raw::iommu_hw_info_arm_smmuv3>(c.data_uptr) == &smmu);
    CHECK(c.in_data_type == 2);
}

TEST_CASE("hwpt_set_dirty_tracking and hwpt_get_dirty_bitmap") {
    recording_backend b;
    REQUIRE(uapikit::hwpt_set_dirty_tracking(b, uapikit::dirty_tracking_flags::enable, uapikit::hwpt_id{4}));
    auto s = sent<raw::iommu_hwpt_set_dirty_tracking>(b, raw::IOMMU_HWPT_SET_DIRTY_TRACKING, "IOMMU_HWPT_SET_DIRTY_TRACKING");
    CHECK(s.size == 16);
    CHECK(s.flags == 1);
    CHECK(s.hwpt_id == 4);

    std::uint64_t bitmap[4] = {};
    REQUIRE(uapikit::hwpt_get_dirty_bitmap(b, uapikit::hwpt_id{4}, uapikit::dirty_bitmap_flags::no_clear, 0x100000, 0x40000, 4096,
                                           std::span<std::uint64_t>(bitmap)));
    auto g = sent<raw::iommu_hwpt_get_dirty_bitmap>(b, raw::IOMMU_HWPT_GET_DIRTY_BITMAP, "IOMMU_HWPT_GET_DIRTY_BITMAP");
    CHECK(g.size == 48);
    CHECK(g.hwpt_id == 4);
    CHECK(g.flags == 1);  // NO_CLEAR
    CHECK(g.iova == 0x100000);
    CHECK(g.length == 0x40000);
    CHECK(g.page_size == 4096);
    CHECK(pointed<std::uint64_t>(g.data) == bitmap);
}

TEST_CASE("hwpt_invalidate: entries' address, entry size and count; returns how many were handled") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) { static_cast<raw::iommu_hwpt_invalidate*>(a)->entry_num = 1; return 0; };
    raw::iommu_viommu_arm_smmuv3_invalidate cmds[2] = {};
    auto handled = uapikit::hwpt_invalidate(b, uapikit::viommu_id{6}, std::span<const raw::iommu_viommu_arm_smmuv3_invalidate>(cmds),
                                            uapikit::invalidate_data_type::arm_smmuv3);
    REQUIRE(handled);
    CHECK(*handled == 1);
    auto c = sent<raw::iommu_hwpt_invalidate>(b, raw::IOMMU_HWPT_INVALIDATE, "IOMMU_HWPT_INVALIDATE");
    CHECK(c.size == 32);
    CHECK(c.hwpt_id == 6);
    CHECK(pointed<raw::iommu_viommu_arm_smmuv3_invalidate>(c.data_uptr) == cmds);
    CHECK(c.data_type == 1);  // IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3
    CHECK(c.entry_len == 16);
    CHECK(c.entry_num == 2);
}

// alloc_nested_hwpt and cache_invalidate (iommufd.hpp, hwpt_data.hpp) take
// the data type from the struct: the values are the kernel's enums
// (mainline include/uapi/linux/iommufd.h: IOMMU_HWPT_DATA_VTD_S1 1,
// IOMMU_HWPT_DATA_ARM_SMMUV3 2; IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 0,
// IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 1), the sizes its structs' (an
// SMMUv3 STE and command are two __le64; VT-d's stage 1 and its
// invalidation entry are two __aligned_u64 and two __u32, 24 bytes).
TEST_CASE("alloc_nested_hwpt and cache_invalidate: the data's struct gives its type, length and address") {
    recording_backend b;
    b.reply = [](unsigned long request, void* a) {
        if (request == raw::IOMMU_HWPT_ALLOC) static_cast<raw::iommu_hwpt_alloc*>(a)->out_hwpt_id = 31;
        else static_cast<raw::iommu_hwpt_invalidate*>(a)->entry_num = 2;
        return 0;
    };
    raw::iommu_hwpt_arm_smmuv3 ste{};
    auto nested = uapikit::alloc_nested_hwpt(b, uapikit::device_id{1}, uapikit::viommu_id{9}, ste);
    REQUIRE(nested);
    CHECK(*nested == uapikit::hwpt_id{31});
    auto a = sent<raw::iommu_hwpt_alloc>(b, raw::IOMMU_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
    CHECK(a.flags == 0);
    CHECK(a.dev_id == 1);
    CHECK(a.pt_id == 9);
    CHECK(a.data_type == 2);
    CHECK(a.data_len == 16);
    CHECK(pointed<raw::iommu_hwpt_arm_smmuv3>(a.data_uptr) == &ste);
    CHECK(a.fault_id == 0);

    raw::iommu_hwpt_vtd_s1 s1{};
    b.calls.clear();
    REQUIRE(uapikit::alloc_nested_hwpt(b, uapikit::device_id{1}, uapikit::hwpt_id{4}, s1, uapikit::hwpt_alloc_flags::fault_id_valid,
                                       uapikit::fault_id{5}));
    a = sent<raw::iommu_hwpt_alloc>(b, raw::IOMMU_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
    CHECK(a.pt_id == 4);
    CHECK(a.data_type == 1);
    CHECK(a.data_len == 24);
    CHECK(a.flags == 1u << 2);  // FAULT_ID_VALID
    CHECK(a.fault_id == 5);

    raw::iommu_viommu_arm_smmuv3_invalidate cmds[2] = {};
    b.calls.clear();
    auto handled = uapikit::cache_invalidate(b, uapikit::viommu_id{9}, std::span<const raw::iommu_viommu_arm_smmuv3_invalidate>(cmds));
    REQUIRE(handled);
    CHECK(*handled == 2);
    auto i = sent<raw::iommu_hwpt_invalidate>(b, raw::IOMMU_HWPT_INVALIDATE, "IOMMU_HWPT_INVALIDATE");
    CHECK(i.hwpt_id == 9);
    CHECK(i.data_type == 1);
    CHECK(i.entry_len == 16);
    CHECK(i.entry_num == 2);
    CHECK(pointed<raw::iommu_viommu_arm_smmuv3_invalidate>(i.data_uptr) == cmds);

    raw::iommu_hwpt_vtd_s1_invalidate vtd[1] = {};
    b.calls.clear();
    REQUIRE(uapikit::cache_invalidate(b, uapikit::hwpt_id{4}, vtd));  // a C array
    i = sent<raw::iommu_hwpt_invalidate>(b, raw::IOMMU_HWPT_INVALIDATE, "IOMMU_HWPT_INVALIDATE");
    CHECK(i.hwpt_id == 4);
    CHECK(i.data_type == 0);
    CHECK(i.entry_len == 24);
}

// The kernel writes entry_num back on failure too (Linux 6.12
// drivers/iommu/iommufd/hw_pagetable.c, iommufd_hwpt_invalidate()): the
// entries before the one that failed. A VMM reports the failing entry to
// its guest by that count.
TEST_CASE("hwpt_invalidate: `handled` gets the kernel's count of handled entries, on failure too") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) {
        static_cast<raw::iommu_hwpt_invalidate*>(a)->entry_num = 1;
        return -EIO;
    };
    raw::iommu_viommu_arm_smmuv3_invalidate cmds[3] = {};
    std::uint32_t handled = 99;
    auto r = uapikit::hwpt_invalidate(b, uapikit::viommu_id{6}, std::span<const raw::iommu_viommu_arm_smmuv3_invalidate>(cmds),
                                      uapikit::invalidate_data_type::arm_smmuv3, &handled);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == EIO);
    CHECK(handled == 1);
    b.reply = [](unsigned long, void* a) {
        static_cast<raw::iommu_hwpt_invalidate*>(a)->entry_num = 3;
        return 0;
    };
    auto ok = uapikit::hwpt_invalidate(b, uapikit::viommu_id{6}, std::span<const raw::iommu_viommu_arm_smmuv3_invalidate>(cmds),
                                       uapikit::invalidate_data_type::arm_smmuv3, &handled);
    REQUIRE(ok);
    CHECK(*ok == 3);
    CHECK(handled == 3);
}

TEST_CASE("fault_queue_alloc and veventq_alloc return an id and a file") {
    recording_backend b;
    b.reply = [](unsigned long request, void* a) {
        if (request == raw::IOMMU_FAULT_QUEUE_ALLOC) {
            auto* c = static_cast<raw::iommu_fault_alloc*>(a);
            c->out_fault_id = 13;
            c->out_fault_fd = 21;
        } else {
            auto* c = static_cast<raw::iommu_veventq_alloc*>(a);
            c->out_veventq_id = 14;
            c->out_veventq_fd = 22;
        }
        return 0;
    };
    auto fault = uapikit::fault_queue_alloc(b);
    REQUIRE(fault);
    CHECK(fault->fault_id == uapikit::fault_id{13});
    CHECK(fault->fault_fd == 21);
    auto f = sent<raw::iommu_fault_alloc>(b, raw::IOMMU_FAULT_QUEUE_ALLOC, "IOMMU_FAULT_QUEUE_ALLOC");
    CHECK(f.size == 16);
    CHECK(f.flags == 0);

    auto events = uapikit::veventq_alloc(b, uapikit::viommu_id{6}, uapikit::veventq_type::arm_smmuv3, 128);
    REQUIRE(events);
    CHECK(events->veventq_id == uapikit::veventq_id{14});
    CHECK(events->veventq_fd == 22);
    auto v = sent<raw::iommu_veventq_alloc>(b, raw::IOMMU_VEVENTQ_ALLOC, "IOMMU_VEVENTQ_ALLOC");
    CHECK(v.size == 32);
    CHECK(v.viommu_id == 6);
    CHECK(v.type == 1);  // IOMMU_VEVENTQ_TYPE_ARM_SMMUV3
    CHECK(v.veventq_depth == 128);
}

TEST_CASE("the typed kinds carry the selftest driver's types, which iommufd_test.h defines as macros") {
    // Values from mainline tools/testing/selftests/iommu/iommufd_test.h.
    CHECK(static_cast<std::uint32_t>(uapikit::hwpt_data_type::selftest) == 0xdead);
    CHECK(static_cast<std::uint32_t>(uapikit::invalidate_data_type::selftest) == 0xdeadbeef);
    CHECK(static_cast<std::uint32_t>(uapikit::hw_info_type::selftest) == 0xfeedbeef);
    CHECK(static_cast<std::uint32_t>(uapikit::veventq_type::selftest) == 0xbeefbeef);
    CHECK(static_cast<std::uint32_t>(uapikit::hw_queue_type::selftest) == 0xdeadbeef);
    recording_backend b;
    auto events = uapikit::veventq_alloc(b, uapikit::viommu_id{6}, uapikit::veventq_type::selftest, 2);
    REQUIRE(events);
    CHECK(sent<raw::iommu_veventq_alloc>(b, raw::IOMMU_VEVENTQ_ALLOC, "IOMMU_VEVENTQ_ALLOC").type == 0xbeefbeef);
}

TEST_CASE("viommu_alloc: flags, type, device, parent, driver data the driver may write back, KVM fd") {
    recording_backend b;
    b.reply = [](unsigned long, void* a) { static_cast<raw::iommu_viommu_alloc*>(a)->out_viommu_id = 15; return 0; };
    raw::iommu_viommu_selftest data{};
    auto viommu = uapikit::viommu_alloc(b, uapikit::viommu_flags::kvm_fd, uapikit::viommu_type::selftest, uapikit::device_id{2},
                                        uapikit::hwpt_id{3}, uapikit::mutable_bytes{data}, 9);
    REQUIRE(viommu);
    CHECK(*viommu == uapikit::viommu_id{15});
    auto c = sent<raw::iommu_viommu_alloc>(b, raw::IOMMU_VIOMMU_ALLOC, "IOMMU_VIOMMU_ALLOC");
    CHECK(c.size == 48);
    CHECK(c.flags == 1);
    CHECK(c.type == 0xdeadbeef);
    CHECK(c.dev_id == 2);
    CHECK(c.hwpt_id == 3);
    CHECK(c.data_len == 24);
    CHECK(pointed<raw::iommu_viommu_selftest>(c.data_uptr) == &data);
    CHECK(c.kvm_vm_fd == 9);
    CHECK(c.__reserved == 0);
}

TEST_CASE("vdevice_alloc, ioas_change_process, hw_queue_alloc, vdevice_tsm_map") {
    recording_backend b;
    b.reply = [](unsigned long request, void* a) {
        if (request == raw::IOMMU_VDEVICE_ALLOC) static_cast<raw::iommu_vdevice_alloc*>(a)->out_vdevice_id = 16;
        if (request == raw::IOMMU_HW_QUEUE_ALLOC) static_cast<raw::iommu_hw_queue_alloc*>(a)->out_hw_queue_id = 17;
        return 0;
    };
    auto vdev = uapikit::vdevice_alloc(b, uapikit::viommu_id{6}, uapikit::device_id{2}, 0x88);
    REQUIRE(vdev);
    CHECK(*vdev == uapikit::vdevice_id{16});
    auto v = sent<raw::iommu_vdevice_alloc>(b, raw::IOMMU_VDEVICE_ALLOC, "IOMMU_VDEVICE_ALLOC");
    CHECK(v.size == 24);
    CHECK(v.viommu_id == 6);
    CHECK(v.dev_id == 2);
    CHECK(v.virt_id == 0x88);

    REQUIRE(uapikit::ioas_change_process(b));
    auto p = sent<raw::iommu_ioas_change_process>(b, raw::IOMMU_IOAS_CHANGE_PROCESS, "IOMMU_IOAS_CHANGE_PROCESS");
    CHECK(p.size == 8);
    CHECK(p.__reserved == 0);

    auto queue = uapikit::hw_queue_alloc(b, uapikit::viommu_id{6}, uapikit::hw_queue_type::tegra241_cmdqv, 0, 0x80000000, 0x1000);
    REQUIRE(queue);
    CHECK(*queue == uapikit::hw_queue_id{17});
    auto q = sent<raw::iommu_hw_queue_alloc>(b, raw::IOMMU_HW_QUEUE_ALLOC, "IOMMU_HW_QUEUE_ALLOC");
    CHECK(q.size == 40);
    CHECK(q.viommu_id == 6);
    CHECK(q.type == 1);  // IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV
    CHECK(q.index == 0);
    CHECK(q.nesting_parent_iova == 0x80000000);
    CHECK(q.length == 0x1000);

    REQUIRE(uapikit::vdevice_tsm_map(b, *vdev, 0x100000, 0x200000));
    auto t = sent<raw::iommu_vdevice_tsm_map>(b, raw::IOMMU_VDEVICE_TSM_MAP, "IOMMU_VDEVICE_TSM_MAP");
    CHECK(t.size == 32);
    CHECK(t.vdevice_id == 16);
    CHECK(t.start_gpa == 0x100000);
    CHECK(t.end_gpa == 0x200000);
}

TEST_CASE("mainline-2026 has IOAS_NOIOMMU_GET_PA (0x95); its viommu_alloc takes no flags") {
    namespace ml = uapikit::raw::mainline_2026;
    recording_backend b;
    b.reply = [](unsigned long, void* a) {
        auto* c = static_cast<ml::iommu_ioas_noiommu_get_pa*>(a);
        c->out_phys = 0x12345000;
        c->length = 0x1000;
        return 0;
    };
    auto pa = uapikit::mainline_2026::ioas_noiommu_get_pa(b, uapikit::ioas_id{2}, 0x40000, 0);
    REQUIRE(pa);
    CHECK(pa->length == 0x1000);
    CHECK(pa->phys == 0x12345000);
    CHECK(b.calls.back().request == ml::IOMMU_IOAS_NOIOMMU_GET_PA);
    covered().insert("IOMMU_IOAS_NOIOMMU_GET_PA");
    auto c = b.last<ml::iommu_ioas_noiommu_get_pa>();
    CHECK(c.size == 40);
    CHECK(c.ioas_id == 2);
    CHECK(c.iova == 0x40000);
#if defined(__x86_64__)
    CHECK(ml::IOMMU_IOAS_NOIOMMU_GET_PA == 0x3b95);
#endif
    b.reply = nullptr;
    REQUIRE(uapikit::mainline_2026::viommu_alloc(b, uapikit::viommu_type::arm_smmuv3, uapikit::device_id{1}, uapikit::hwpt_id{2},
                                                 uapikit::mutable_bytes{}));
    CHECK(b.last<ml::iommu_viommu_alloc>().size == 40);  // no KVM fd in mainline
}

TEST_CASE("VFIO cdev calls: bind returns the device id, attach returns the HWPT, detach") {
    recording_backend b;
    b.reply = [](unsigned long request, void* a) {
        if (request == kvm::VFIO_DEVICE_BIND_IOMMUFD) static_cast<kvm::vfio_device_bind_iommufd*>(a)->out_devid = 3;
        if (request == kvm::VFIO_DEVICE_ATTACH_IOMMUFD_PT) static_cast<kvm::vfio_device_attach_iommufd_pt*>(a)->pt_id = 20;
        return 0;
    };
    auto dev = uapikit::vfio_device_bind_iommufd(b, 11);
    REQUIRE(dev);
    CHECK(*dev == uapikit::device_id{3});
    auto bind = sent<kvm::vfio_device_bind_iommufd>(b, kvm::VFIO_DEVICE_BIND_IOMMUFD, "VFIO_DEVICE_BIND_IOMMUFD");
    CHECK(bind.argsz == 16);
    CHECK(bind.flags == 0);
    CHECK(bind.iommufd == 11);
#if defined(__x86_64__)
    CHECK(kvm::VFIO_DEVICE_BIND_IOMMUFD == 0x3b76);
    CHECK(kvm::VFIO_DEVICE_ATTACH_IOMMUFD_PT == 0x3b77);
    CHECK(kvm::VFIO_DEVICE_DETACH_IOMMUFD_PT == 0x3b78);
#endif
    auto hwpt = uapikit::vfio_device_attach_iommufd_pt(b, uapikit::ioas_id{2});  // to an IOAS: the kernel makes the HWPT
    REQUIRE(hwpt);
    CHECK(*hwpt == uapikit::hwpt_id{20});
    auto attach = sent<kvm::vfio_device_attach_iommufd_pt>(b, kvm::VFIO_DEVICE_ATTACH_IOMMUFD_PT, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
    CHECK(attach.argsz == 12);
    CHECK(attach.pt_id == 2);
    REQUIRE(uapikit::vfio_device_detach_iommufd_pt(b));
    CHECK(sent<kvm::vfio_device_detach_iommufd_pt>(b, kvm::VFIO_DEVICE_DETACH_IOMMUFD_PT, "VFIO_DEVICE_DETACH_IOMMUFD_PT").argsz == 8);
}

TEST_CASE("KVM calls: API version, VM, KVM-VFIO device and its file attributes, guest_memfd, memslot") {
    recording_backend b;
    b.reply = [](unsigned long request, void* a) {
        if (request == kvm::KVM_GET_API_VERSION) return 12;
        if (request == kvm::KVM_CREATE_VM || request == kvm::KVM_CREATE_GUEST_MEMFD) return 30;
        if (request == kvm::KVM_CREATE_DEVICE) static_cast<kvm::kvm_create_device*>(a)->fd = 31;
        return 0;
    };
    auto version = uapikit::kvm_get_api_version(b);
    REQUIRE(version);
    CHECK(*version == 12);
    CHECK(b.calls.back().request == kvm::KVM_GET_API_VERSION);
    covered().insert("KVM_GET_API_VERSION");
    auto vm = uapikit::kvm_create_vm(b, 0);
    REQUIRE(vm);
    CHECK(*vm == 30);
    covered().insert("KVM_CREATE_VM");

    b.argument_size = sizeof(kvm::kvm_create_device);
    auto device = uapikit::kvm_create_device(b, uapikit::kvm_device_type::vfio);
    REQUIRE(device);
    CHECK(*device == 31);
    auto cd = sent<kvm::kvm_create_device>(b, kvm::KVM_CREATE_DEVICE, "KVM_CREATE_DEVICE");
    CHECK(cd.type == 4);  // KVM_DEV_TYPE_VFIO
    CHECK(cd.flags == 0);

    b.argument_size = sizeof(kvm::kvm_device_attr);
    REQUIRE(uapikit::kvm_vfio_file_add(b, 40));
    auto add = sent<kvm::kvm_device_attr>(b, kvm::KVM_SET_DEVICE_ATTR, "KVM_SET_DEVICE_ATTR");
    CHECK(add.group == 1);  // KVM_DEV_VFIO_FILE
    CHECK(add.attr == 1);   // KVM_DEV_VFIO_FILE_ADD
    CHECK(add.addr != 0);
    REQUIRE(uapikit::kvm_vfio_file_del(b, 40));
    CHECK(b.last<kvm::kvm_device_attr>().attr == 2);  // KVM_DEV_VFIO_FILE_DEL

    b.argument_size = sizeof(kvm::kvm_create_guest_memfd);
    auto gmem = uapikit::kvm_create_guest_memfd(b, 0x400000, 0);
    REQUIRE(gmem);
    CHECK(*gmem == 30);
    CHECK(sent<kvm::kvm_create_guest_memfd>(b, kvm::KVM_CREATE_GUEST_MEMFD, "KVM_CREATE_GUEST_MEMFD").size == 0x400000);

    b.argument_size = sizeof(kvm::kvm_userspace_memory_region2);
    REQUIRE(uapikit::kvm_set_user_memory_region2(b, 1, 1u << 2, 0x100000, 0x400000, nullptr, 0, 30));
    auto slot = sent<kvm::kvm_userspace_memory_region2>(b, kvm::KVM_SET_USER_MEMORY_REGION2, "KVM_SET_USER_MEMORY_REGION2");
    CHECK(slot.slot == 1);
    CHECK(slot.flags == 4);  // KVM_MEM_GUEST_MEMFD
    CHECK(slot.guest_phys_addr == 0x100000);
    CHECK(slot.memory_size == 0x400000);
    CHECK(slot.guest_memfd == 30);
}

TEST_CASE("a failing call names its request; every generated call was run above") {
    recording_backend b;
    b.fail_with = EBUSY;
    auto gone = uapikit::destroy(b, uapikit::hw_queue_id{3});
    REQUIRE_FALSE(gone);
    CHECK(gone.error() == uapikit::error{EBUSY, "IOMMU_DESTROY"});

    // Every command of proposed's command table but the selftest's (21
    // upstream and TSM map), IOAS_NOIOMMU_GET_PA of mainline-2026 (22
    // upstream in all), and the three VFIO and six KVM calls.
    std::set<std::string> expected;
    for (const auto& row : raw::commands)
        if (std::strcmp(row.name, "IOMMU_TEST_CMD") != 0) expected.insert(row.name);
    for (const auto* name : {"IOMMU_IOAS_NOIOMMU_GET_PA", "VFIO_DEVICE_BIND_IOMMUFD", "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
                             "VFIO_DEVICE_DETACH_IOMMUFD_PT", "KVM_GET_API_VERSION", "KVM_CREATE_VM", "KVM_CREATE_DEVICE",
                             "KVM_SET_DEVICE_ATTR", "KVM_CREATE_GUEST_MEMFD", "KVM_SET_USER_MEMORY_REGION2"})
        expected.insert(name);
    CHECK(expected.size() == 22 + 1 + 9);
    for (const auto& name : expected) {
        INFO(name);
        CHECK(covered().count(name) == 1);
    }
}
