// The KVM and VFIO numbers and layouts the fake declares by hand
// (fake/kvm_abi.hpp, fake/vfio_abi.hpp) against a scan of the real Linux
// 6.12 headers for x86_64 (linux/kvm.h, linux/vfio.h): an independent
// source, since the fake's values were written from the kernel's text.
#include "../support/run_command.hpp"

#include <uapikit/fake/kvm_abi.hpp>
#include <uapikit/fake/vfio_abi.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <map>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;
namespace kvm = uapikit::fake::kvm;
namespace vfio = uapikit::fake::vfio;

namespace {

// The scan of one header of the 6.12 tree, made once.
const json& scanned(const std::string& header) {
    static std::map<std::string, json> done;
    auto it = done.find(header);
    if (it != done.end()) return it->second;
    fs::path out = fs::temp_directory_path() / ("uapikit-scan-" + std::to_string(getpid()) + ".json");
    auto r = run_command({required_env("UAPIKIT_GEN"), "scan", header, "-I",
                          required_env("UAPIKIT_KERNEL_HEADERS") + "/x86/include", "--target", "x86_64-linux-gnu", "-o",
                          out.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json m = json::parse(read_file(out.string()));
    fs::remove(out);
    return done[header] = m["targets"]["x86_64-linux-gnu"];
}

// A macro's value, or an enumerator's (VFIO gives some numbers as enums).
std::uint64_t value(const std::string& header, const std::string& name) {
    const json& s = scanned(header);
    for (const auto& m : s["macros"])
        if (m["name"] == name) return m["value"].get<std::uint64_t>();
    for (const auto& e : s["enums"])
        for (const auto& c : e["constants"])
            if (c["name"] == name) return c["value"].get<std::uint64_t>();
    FAIL(name << " not in " << header);
    return 0;
}

const json& record(const std::string& header, const std::string& name) {
    for (const auto& r : scanned(header)["records"])
        if (r["name"] == name) return r;
    FAIL("struct " << name << " not in " << header);
    static json none;
    return none;
}

std::size_t size(const json& r) { return r["size"].get<std::size_t>(); }

std::size_t offset(const json& r, const std::string& field) {
    for (const auto& f : r["fields"])
        if (f["name"] == field) return f["offset_bits"].get<std::size_t>() / 8;
    FAIL("field " << field);
    return 0;
}

std::uint64_t kvm_value(const std::string& name) { return value("linux/kvm.h", name); }
std::uint64_t vfio_value(const std::string& name) { return value("linux/vfio.h", name); }

}  // namespace

TEST_CASE("the fake's KVM request numbers are Linux 6.12's") {
    CHECK(kvm::get_api_version == kvm_value("KVM_GET_API_VERSION"));
    CHECK(kvm::create_vm == kvm_value("KVM_CREATE_VM"));
    CHECK(kvm::check_extension == kvm_value("KVM_CHECK_EXTENSION"));
    CHECK(kvm::create_device == kvm_value("KVM_CREATE_DEVICE"));
    CHECK(kvm::set_device_attr == kvm_value("KVM_SET_DEVICE_ATTR"));
    CHECK(kvm::get_device_attr == kvm_value("KVM_GET_DEVICE_ATTR"));
    CHECK(kvm::has_device_attr == kvm_value("KVM_HAS_DEVICE_ATTR"));
    CHECK(kvm::create_guest_memfd == kvm_value("KVM_CREATE_GUEST_MEMFD"));
    CHECK(kvm::set_user_memory_region == kvm_value("KVM_SET_USER_MEMORY_REGION"));
    CHECK(kvm::set_user_memory_region2 == kvm_value("KVM_SET_USER_MEMORY_REGION2"));
}

TEST_CASE("the fake's KVM constants are Linux 6.12's") {
    CHECK(static_cast<std::uint64_t>(kvm::api_version) == kvm_value("KVM_API_VERSION"));
    CHECK(kvm::default_vm == kvm_value("KVM_X86_DEFAULT_VM"));
    CHECK(kvm::sw_protected_vm == kvm_value("KVM_X86_SW_PROTECTED_VM"));
    CHECK(kvm::mem_log_dirty_pages == kvm_value("KVM_MEM_LOG_DIRTY_PAGES"));
    CHECK(kvm::mem_readonly == kvm_value("KVM_MEM_READONLY"));
    CHECK(kvm::mem_guest_memfd == kvm_value("KVM_MEM_GUEST_MEMFD"));
    CHECK(kvm::cap_user_memory == kvm_value("KVM_CAP_USER_MEMORY"));
    CHECK(kvm::cap_nr_memslots == kvm_value("KVM_CAP_NR_MEMSLOTS"));
    CHECK(kvm::cap_device_ctrl == kvm_value("KVM_CAP_DEVICE_CTRL"));
    CHECK(kvm::cap_user_memory2 == kvm_value("KVM_CAP_USER_MEMORY2"));
    CHECK(kvm::cap_guest_memfd == kvm_value("KVM_CAP_GUEST_MEMFD"));
    CHECK(kvm::cap_vm_types == kvm_value("KVM_CAP_VM_TYPES"));
    CHECK(kvm::dev_type_vfio == kvm_value("KVM_DEV_TYPE_VFIO"));
    CHECK(kvm::create_device_test == kvm_value("KVM_CREATE_DEVICE_TEST"));
    CHECK(kvm::dev_vfio_file == kvm_value("KVM_DEV_VFIO_FILE"));
    CHECK(kvm::dev_vfio_file_add == kvm_value("KVM_DEV_VFIO_FILE_ADD"));
    CHECK(kvm::dev_vfio_file_del == kvm_value("KVM_DEV_VFIO_FILE_DEL"));
}

TEST_CASE("the fake's KVM structs have Linux 6.12's layout") {
    const json& cd = record("linux/kvm.h", "kvm_create_device");
    CHECK(sizeof(kvm::create_device_args) == size(cd));
    CHECK(offsetof(kvm::create_device_args, fd) == offset(cd, "fd"));
    CHECK(offsetof(kvm::create_device_args, flags) == offset(cd, "flags"));
    const json& attr = record("linux/kvm.h", "kvm_device_attr");
    CHECK(sizeof(kvm::device_attr) == size(attr));
    CHECK(offsetof(kvm::device_attr, group) == offset(attr, "group"));
    CHECK(offsetof(kvm::device_attr, attr) == offset(attr, "attr"));
    CHECK(offsetof(kvm::device_attr, addr) == offset(attr, "addr"));
    const json& gmem = record("linux/kvm.h", "kvm_create_guest_memfd");
    CHECK(sizeof(kvm::create_guest_memfd_args) == size(gmem));
    CHECK(offsetof(kvm::create_guest_memfd_args, flags) == offset(gmem, "flags"));
    const json& v1 = record("linux/kvm.h", "kvm_userspace_memory_region");
    CHECK(size(v1) == 32);  // the leading bytes of the second version, as the fake reads it
    const json& slot = record("linux/kvm.h", "kvm_userspace_memory_region2");
    CHECK(sizeof(kvm::memory_region2) == size(slot));
    for (const char* f : {"slot", "flags", "guest_phys_addr", "memory_size", "userspace_addr"})
        CHECK(offset(v1, f) == offset(slot, f));
    CHECK(offsetof(kvm::memory_region2, guest_phys_addr) == offset(slot, "guest_phys_addr"));
    CHECK(offsetof(kvm::memory_region2, memory_size) == offset(slot, "memory_size"));
    CHECK(offsetof(kvm::memory_region2, userspace_addr) == offset(slot, "userspace_addr"));
    CHECK(offsetof(kvm::memory_region2, guest_memfd_offset) == offset(slot, "guest_memfd_offset"));
    CHECK(offsetof(kvm::memory_region2, guest_memfd) == offset(slot, "guest_memfd"));
}

TEST_CASE("the fake's VFIO request numbers are Linux 6.12's") {
    CHECK(vfio::get_api_version == vfio_value("VFIO_GET_API_VERSION"));
    CHECK(vfio::check_extension == vfio_value("VFIO_CHECK_EXTENSION"));
    CHECK(vfio::set_iommu == vfio_value("VFIO_SET_IOMMU"));
    CHECK(vfio::device_get_info == vfio_value("VFIO_DEVICE_GET_INFO"));
    CHECK(vfio::device_get_region_info == vfio_value("VFIO_DEVICE_GET_REGION_INFO"));
    CHECK(vfio::device_get_irq_info == vfio_value("VFIO_DEVICE_GET_IRQ_INFO"));
    CHECK(vfio::device_reset == vfio_value("VFIO_DEVICE_RESET"));
    CHECK(vfio::iommu_get_info == vfio_value("VFIO_IOMMU_GET_INFO"));
    CHECK(vfio::iommu_map_dma == vfio_value("VFIO_IOMMU_MAP_DMA"));
    CHECK(vfio::iommu_unmap_dma == vfio_value("VFIO_IOMMU_UNMAP_DMA"));
    CHECK(vfio::iommu_dirty_pages == vfio_value("VFIO_IOMMU_DIRTY_PAGES"));
    CHECK(vfio::device_feature == vfio_value("VFIO_DEVICE_FEATURE"));
    CHECK(vfio::device_bind_iommufd == vfio_value("VFIO_DEVICE_BIND_IOMMUFD"));
    CHECK(vfio::device_attach_iommufd_pt == vfio_value("VFIO_DEVICE_ATTACH_IOMMUFD_PT"));
    CHECK(vfio::device_detach_iommufd_pt == vfio_value("VFIO_DEVICE_DETACH_IOMMUFD_PT"));
}

TEST_CASE("the fake's VFIO constants are Linux 6.12's") {
    CHECK(static_cast<std::uint64_t>(vfio::api_version) == vfio_value("VFIO_API_VERSION"));
    CHECK(vfio::type1_iommu == vfio_value("VFIO_TYPE1_IOMMU"));
    CHECK(vfio::type1v2_iommu == vfio_value("VFIO_TYPE1v2_IOMMU"));
    CHECK(vfio::dma_cc_iommu == vfio_value("VFIO_DMA_CC_IOMMU"));
    CHECK(vfio::type1_nesting_iommu == vfio_value("VFIO_TYPE1_NESTING_IOMMU"));
    CHECK(vfio::noiommu_iommu == vfio_value("VFIO_NOIOMMU_IOMMU"));
    CHECK(vfio::unmap_all == vfio_value("VFIO_UNMAP_ALL"));
    CHECK(vfio::update_vaddr == vfio_value("VFIO_UPDATE_VADDR"));
    CHECK(vfio::dma_map_flag_read == vfio_value("VFIO_DMA_MAP_FLAG_READ"));
    CHECK(vfio::dma_map_flag_write == vfio_value("VFIO_DMA_MAP_FLAG_WRITE"));
    CHECK(vfio::dma_unmap_flag_all == vfio_value("VFIO_DMA_UNMAP_FLAG_ALL"));
    CHECK(vfio::iommu_info_pgsizes == vfio_value("VFIO_IOMMU_INFO_PGSIZES"));
    CHECK(vfio::iommu_info_caps == vfio_value("VFIO_IOMMU_INFO_CAPS"));
    CHECK(vfio::cap_iova_range == vfio_value("VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE"));
    CHECK(vfio::cap_dma_avail == vfio_value("VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL"));
    CHECK(vfio::device_flags_reset == vfio_value("VFIO_DEVICE_FLAGS_RESET"));
    CHECK(vfio::device_flags_pci == vfio_value("VFIO_DEVICE_FLAGS_PCI"));
    CHECK(vfio::pci_num_regions == vfio_value("VFIO_PCI_NUM_REGIONS"));
    CHECK(vfio::pci_num_irqs == vfio_value("VFIO_PCI_NUM_IRQS"));
    CHECK(vfio::pci_config_region_index == vfio_value("VFIO_PCI_CONFIG_REGION_INDEX"));
    CHECK(vfio::region_info_flag_read == vfio_value("VFIO_REGION_INFO_FLAG_READ"));
    CHECK(vfio::region_info_flag_write == vfio_value("VFIO_REGION_INFO_FLAG_WRITE"));
    CHECK(vfio::irq_info_eventfd == vfio_value("VFIO_IRQ_INFO_EVENTFD"));
    CHECK(vfio::device_feature_mask == vfio_value("VFIO_DEVICE_FEATURE_MASK"));
    CHECK(vfio::device_feature_get == vfio_value("VFIO_DEVICE_FEATURE_GET"));
    CHECK(vfio::device_feature_set == vfio_value("VFIO_DEVICE_FEATURE_SET"));
    CHECK(vfio::device_feature_probe == vfio_value("VFIO_DEVICE_FEATURE_PROBE"));
}

TEST_CASE("the fake's VFIO structs have Linux 6.12's layout") {
    struct expect {
        const char* name;
        std::size_t size;
    };
    for (auto [name, bytes] : {expect{"vfio_iommu_type1_dma_map", sizeof(vfio::iommu_type1_dma_map)},
                               expect{"vfio_iommu_type1_info", sizeof(vfio::iommu_type1_info)},
                               expect{"vfio_info_cap_header", sizeof(vfio::info_cap_header)},
                               expect{"vfio_iova_range", sizeof(vfio::iova_range)},
                               expect{"vfio_iommu_type1_info_dma_avail", sizeof(vfio::dma_avail_cap)},
                               expect{"vfio_device_info", sizeof(vfio::device_info)},
                               expect{"vfio_region_info", sizeof(vfio::region_info)},
                               expect{"vfio_irq_info", sizeof(vfio::irq_info)},
                               expect{"vfio_device_bind_iommufd", sizeof(vfio::bind_iommufd_args)},
                               expect{"vfio_device_attach_iommufd_pt", sizeof(vfio::attach_iommufd_pt_args)},
                               expect{"vfio_device_detach_iommufd_pt", sizeof(vfio::detach_iommufd_pt_args)}}) {
        INFO(name);
        CHECK(bytes == size(record("linux/vfio.h", name)));
    }
    // The two with a flexible array: the fake declares what precedes it.
    CHECK(sizeof(vfio::iommu_type1_dma_unmap) == size(record("linux/vfio.h", "vfio_iommu_type1_dma_unmap")));
    CHECK(sizeof(vfio::device_feature_header) == size(record("linux/vfio.h", "vfio_device_feature")));
    const json& ranges = record("linux/vfio.h", "vfio_iommu_type1_info_cap_iova_range");
    CHECK(sizeof(vfio::cap_iova_range_head) == offset(ranges, "iova_ranges"));
    CHECK(offsetof(vfio::cap_iova_range_head, nr_iovas) == offset(ranges, "nr_iovas"));
    const json& info = record("linux/vfio.h", "vfio_iommu_type1_info");
    CHECK(offsetof(vfio::iommu_type1_info, iova_pgsizes) == offset(info, "iova_pgsizes"));
    CHECK(offsetof(vfio::iommu_type1_info, cap_offset) == offset(info, "cap_offset"));
    const json& region = record("linux/vfio.h", "vfio_region_info");
    CHECK(offsetof(vfio::region_info, size) == offset(region, "size"));
    CHECK(offsetof(vfio::region_info, offset) == offset(region, "offset"));
    const json& bind = record("linux/vfio.h", "vfio_device_bind_iommufd");
    CHECK(offsetof(vfio::bind_iommufd_args, iommufd) == offset(bind, "iommufd"));
    CHECK(offsetof(vfio::bind_iommufd_args, out_devid) == offset(bind, "out_devid"));
    const json& attach = record("linux/vfio.h", "vfio_device_attach_iommufd_pt");
    CHECK(offsetof(vfio::attach_iommufd_pt_args, pt_id) == offset(attach, "pt_id"));
}
