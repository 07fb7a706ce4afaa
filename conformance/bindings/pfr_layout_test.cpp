// The generated bindings of the proposed version against independent C
// declarations (independent_iommufd.h), field by field with Boost.PFR:
// same field count once named padding is set aside, same order, and each
// field of the same size at the same offset. The command table's min_size
// values are checked against offsets computed by hand from the kernel's
// structs (Linux 6.12 include/uapi/linux/iommufd.h; the proposals' threads
// for the rest).
#include "independent_iommufd.h"

#include <uapikit/generated/proposed.hpp>

#include <boost/pfr.hpp>
#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

namespace raw = uapikit::raw::proposed;

namespace {

struct FieldShape {
    std::size_t offset;
    std::size_t size;
    bool operator==(const FieldShape&) const = default;
};

// Offsets and sizes of every field PFR sees, padding members left out.
template <typename T>
std::vector<FieldShape> shapes() {
    T object{};
    std::vector<FieldShape> out;
    auto base = reinterpret_cast<const unsigned char*>(&object);
    boost::pfr::for_each_field(object, [&](const auto& field) {
        using F = std::remove_cvref_t<decltype(field)>;
        if constexpr (!uapikit::is_padding_v<F>)
            out.push_back({static_cast<std::size_t>(reinterpret_cast<const unsigned char*>(&field) - base), sizeof(F)});
    });
    return out;
}

template <typename Generated, typename Independent>
void same_layout(const char* name) {
    INFO(name);
    CHECK(sizeof(Generated) == sizeof(Independent));
    CHECK(alignof(Generated) == alignof(Independent));
    auto g = shapes<Generated>();
    auto i = shapes<Independent>();
    CHECK(g.size() == i.size());
    CHECK(g == i);
}

template <typename T>
bool all_bytes_zero() {
    T object{};
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, &object, sizeof(T));
    for (unsigned char b : bytes)
        if (b != 0) return false;
    return true;
}

}  // namespace

TEST_CASE("generated structs match the independent declarations field by field") {
    same_layout<raw::iommu_destroy, indep_destroy>("iommu_destroy");
    same_layout<raw::iommu_ioas_alloc, indep_ioas_alloc>("iommu_ioas_alloc");
    same_layout<raw::iommu_hwpt_alloc, indep_hwpt_alloc>("iommu_hwpt_alloc");
    same_layout<raw::iommu_viommu_alloc, indep_viommu_alloc>("iommu_viommu_alloc");
    same_layout<raw::iommu_vdevice_alloc, indep_vdevice_alloc>("iommu_vdevice_alloc");
    same_layout<raw::iommu_viommu_amd, indep_viommu_amd>("iommu_viommu_amd");
    same_layout<raw::iommu_vdevice_tsm_map, indep_tsm_map>("iommu_vdevice_tsm_map");
    same_layout<raw::iommu_viommu_selftest, indep_viommu_selftest>("iommu_viommu_selftest");
}

TEST_CASE("sizes of Linux 6.12 include/uapi/linux/iommufd.h, counted by hand") {
    CHECK(sizeof(raw::iommu_destroy) == 8);
    CHECK(sizeof(raw::iommu_ioas_alloc) == 12);
    CHECK(sizeof(raw::iommu_hwpt_alloc) == 48);
    CHECK(sizeof(raw::iommu_viommu_alloc) == 48);
    CHECK(offsetof(raw::iommu_viommu_alloc, kvm_vm_fd) == 40);
    CHECK(sizeof(raw::iommu_vdevice_alloc) == 24);
    CHECK(sizeof(raw::iommu_test_cmd) == 72);
    CHECK(offsetof(raw::iommu_test_cmd, last) == 64);
    CHECK(offsetof(raw::iommu_test_cmd, mock_domain.out_idev_id) == 24);
    CHECK(sizeof(raw::iommu_viommu_selftest) == 24);
}

TEST_CASE("sizes of every upstream argument struct (the same on x86_64 and i386)") {
    // 40: map, map_file, copy, hw_info, viommu_alloc without the KVM fd, hw_queue_alloc.
    CHECK(sizeof(raw::iommu_ioas_map) == 40);
    CHECK(sizeof(raw::iommu_ioas_map_file) == 40);
    CHECK(sizeof(raw::iommu_ioas_copy) == 40);
    CHECK(sizeof(raw::iommu_hw_info) == 40);
    CHECK(sizeof(raw::iommu_hw_queue_alloc) == 40);
    CHECK(sizeof(raw::iommu_hwpt_get_dirty_bitmap) == 48);
    CHECK(sizeof(raw::iommu_ioas_iova_ranges) == 32);
    CHECK(sizeof(raw::iommu_hwpt_invalidate) == 32);
    CHECK(sizeof(raw::iommu_veventq_alloc) == 32);
    CHECK(sizeof(raw::iommu_ioas_allow_iovas) == 24);
    CHECK(sizeof(raw::iommu_ioas_unmap) == 24);
    CHECK(sizeof(raw::iommu_option) == 24);
    CHECK(sizeof(raw::iommu_iova_range) == 16);
    CHECK(sizeof(raw::iommu_hwpt_set_dirty_tracking) == 16);
    CHECK(sizeof(raw::iommu_fault_alloc) == 16);
    CHECK(sizeof(raw::iommu_vfio_ioas) == 12);
    CHECK(sizeof(raw::iommu_ioas_change_process) == 8);
    // GET_HW_INFO's type is one __u32 with two names (input and output).
    CHECK(offsetof(raw::iommu_hw_info, in_data_type) == 24);
    CHECK(offsetof(raw::iommu_hw_info, out_data_type) == 24);
    CHECK(offsetof(raw::iommu_hw_info, out_capabilities) == 32);
}

TEST_CASE("implicit padding is a named member and every byte starts at zero") {
    // iommu_test_cmd ends at `last` (68) and is 72 bytes: 4 bytes of tail padding.
    CHECK(uapikit::is_padding_v<decltype(raw::iommu_test_cmd::uapikit_padding_at_68)>);
    CHECK(sizeof(raw::iommu_test_cmd::uapikit_padding_at_68) == 4);
    CHECK(all_bytes_zero<raw::iommu_test_cmd>());
    CHECK(all_bytes_zero<raw::iommu_viommu_alloc>());
    CHECK(all_bytes_zero<raw::iommu_hwpt_alloc>());
}

TEST_CASE("request numbers (_IO(';', 0x80 + n)) and the command table") {
#if defined(__x86_64__) || defined(__aarch64__)
    CHECK(raw::IOMMU_DESTROY == 0x3b80);
    CHECK(raw::IOMMU_VIOMMU_ALLOC == 0x3b90);
    CHECK(raw::IOMMU_VDEVICE_ALLOC == 0x3b91);
    CHECK(raw::IOMMU_TEST_CMD == 0x3b80 + 32);
    CHECK(raw::IOMMU_VDEVICE_TSM_MAP == 0x3b97);
#endif
    struct Expected {
        const char* name;
        std::size_t min_size;
    };
    // min_size = end of the last required field: the fields the kernel's
    // table names (Linux 6.12 drivers/iommu/iommufd/main.c and its later
    // rows; vdevice_id for TSM map), their offsets added up by hand from the
    // struct layouts: e.g. IOAS_MAP's iova sits at 32 after four __u32 and
    // two __aligned_u64, so it ends at 40.
    const Expected expected[] = {
        {"IOMMU_DESTROY", 8},          {"IOMMU_IOAS_ALLOC", 12},
        {"IOMMU_IOAS_ALLOW_IOVAS", 24}, {"IOMMU_IOAS_COPY", 40},
        {"IOMMU_IOAS_IOVA_RANGES", 32}, {"IOMMU_IOAS_MAP", 40},
        {"IOMMU_IOAS_UNMAP", 24},       {"IOMMU_OPTION", 24},
        {"IOMMU_VFIO_IOAS", 12},        {"IOMMU_HWPT_ALLOC", 24},
        {"IOMMU_GET_HW_INFO", 32},      {"IOMMU_HWPT_SET_DIRTY_TRACKING", 16},
        {"IOMMU_HWPT_GET_DIRTY_BITMAP", 48}, {"IOMMU_HWPT_INVALIDATE", 32},
        {"IOMMU_FAULT_QUEUE_ALLOC", 16}, {"IOMMU_IOAS_MAP_FILE", 40},
        {"IOMMU_VIOMMU_ALLOC", 24},     {"IOMMU_VDEVICE_ALLOC", 24},
        {"IOMMU_IOAS_CHANGE_PROCESS", 8}, {"IOMMU_VEVENTQ_ALLOC", 28},
        {"IOMMU_HW_QUEUE_ALLOC", 40},   {"IOMMU_VDEVICE_TSM_MAP", 28},
        {"IOMMU_TEST_CMD", 68}};
    REQUIRE(std::size(raw::commands) == std::size(expected));
    for (const auto& e : expected) {
        INFO(e.name);
        const uapikit::command_info* row = nullptr;
        for (const auto& c : raw::commands)
            if (std::strcmp(c.name, e.name) == 0) row = &c;
        REQUIRE(row != nullptr);
        CHECK(row->min_size == e.min_size);
        CHECK(row->min_size <= row->size);
        CHECK((row->request & 0xff00) == 0x3b00);
    }
    CHECK(uapikit::command_traits<raw::iommu_viommu_alloc>::request == raw::IOMMU_VIOMMU_ALLOC);
}
