// The VMM flows of examples/vmm_flows.hpp over a recording system: every
// open, ioctl and close is logged, with plausible kernel answers, and the
// log must contain the call order of each VMM as its sources have it
// (QEMU hw/vfio/iommufd.c and backends/iommufd.c for passthrough,
// hw/arm/smmuv3-accel.c for nested SMMUv3; Cloud Hypervisor
// vmm/src/device_manager.rs), in that order. The examples themselves run on
// the fake (examples/meson.build); this proves the order without it.
#include "vmm_flows.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace raw = uapikit::raw::proposed;
namespace kvm = uapikit::raw::linux_6_12_vfio_kvm;

namespace {

std::string request_name(unsigned long request) {
    for (const auto& row : raw::commands)
        if (row.request == request) return row.name;
    static const std::map<unsigned long, const char*> glue = {
        {kvm::KVM_GET_API_VERSION, "KVM_GET_API_VERSION"},
        {kvm::KVM_CREATE_VM, "KVM_CREATE_VM"},
        {kvm::KVM_CREATE_DEVICE, "KVM_CREATE_DEVICE"},
        {kvm::KVM_SET_DEVICE_ATTR, "KVM_SET_DEVICE_ATTR"},
        {kvm::VFIO_DEVICE_BIND_IOMMUFD, "VFIO_DEVICE_BIND_IOMMUFD"},
        {kvm::VFIO_DEVICE_ATTACH_IOMMUFD_PT, "VFIO_DEVICE_ATTACH_IOMMUFD_PT"},
        {kvm::VFIO_DEVICE_DETACH_IOMMUFD_PT, "VFIO_DEVICE_DETACH_IOMMUFD_PT"}};
    auto it = glue.find(request);
    return it == glue.end() ? "?" : it->second;
}

// A system whose files are numbers and whose kernel answers each request
// with what a real one would write back.
struct recording_system {
    std::map<int, std::string> files;
    std::vector<std::string> log;
    int next_fd = 3;
    std::uint32_t next_id = 1;
    std::uint32_t hw_info_type = 1;  // what GET_HW_INFO says the IOMMU is (1: Intel VT-d)

    int open(std::string_view path) {
        files[next_fd] = std::string(path);
        log.push_back("open " + std::string(path));
        return next_fd++;
    }
    int close(int fd) {
        log.push_back("close " + files[fd]);
        files.erase(fd);
        return 0;
    }
    int ioctl(int fd, unsigned long request, void* arg) {
        std::string name = request_name(request);
        if (request == kvm::KVM_SET_DEVICE_ATTR)
            name += static_cast<kvm::kvm_device_attr*>(arg)->attr == kvm::KVM_DEV_VFIO_FILE_ADD ? " FILE_ADD" : " FILE_DEL";
        log.push_back(name);
        (void)fd;
        return answer(request, arg);
    }

    int new_file(const char* what) {
        files[next_fd] = what;
        return next_fd++;
    }

    int answer(unsigned long request, void* arg) {
        if (request == kvm::KVM_GET_API_VERSION) return 12;
        if (request == kvm::KVM_CREATE_VM) return new_file("vm");
        if (request == kvm::KVM_CREATE_DEVICE) static_cast<kvm::kvm_create_device*>(arg)->fd = static_cast<std::uint32_t>(new_file("kvm-vfio"));
        if (request == kvm::VFIO_DEVICE_BIND_IOMMUFD) static_cast<kvm::vfio_device_bind_iommufd*>(arg)->out_devid = next_id++;
        if (request == raw::IOMMU_IOAS_ALLOC) static_cast<raw::iommu_ioas_alloc*>(arg)->out_ioas_id = next_id++;
        if (request == raw::IOMMU_HWPT_ALLOC) static_cast<raw::iommu_hwpt_alloc*>(arg)->out_hwpt_id = next_id++;
        if (request == raw::IOMMU_VIOMMU_ALLOC) static_cast<raw::iommu_viommu_alloc*>(arg)->out_viommu_id = next_id++;
        if (request == raw::IOMMU_VDEVICE_ALLOC) static_cast<raw::iommu_vdevice_alloc*>(arg)->out_vdevice_id = next_id++;
        if (request == raw::IOMMU_VEVENTQ_ALLOC) {
            auto* c = static_cast<raw::iommu_veventq_alloc*>(arg);
            c->out_veventq_id = next_id++;
            c->out_veventq_fd = static_cast<std::uint32_t>(new_file("veventq"));
        }
        if (request == raw::IOMMU_GET_HW_INFO) {
            auto* c = static_cast<raw::iommu_hw_info*>(arg);
            c->out_data_type = hw_info_type;
            c->out_capabilities = 1;  // IOMMU_HW_CAP_DIRTY_TRACKING
        }
        if (request == raw::IOMMU_IOAS_IOVA_RANGES) {
            auto* c = static_cast<raw::iommu_ioas_iova_ranges*>(arg);
            if (c->num_iovas < 1) {
                c->num_iovas = 1;
                return -EMSGSIZE;
            }
            auto* out = reinterpret_cast<raw::iommu_iova_range*>(static_cast<std::uintptr_t>(c->allowed_iovas));
            out[0] = {0, (1ULL << 48) - 1};
            c->num_iovas = 1;
            c->out_iova_alignment = 4096;
        }
        return 0;
    }
};

// `expected` appears in `log` in this order (other calls may come between).
void in_order(const std::vector<std::string>& log, const std::vector<std::string>& expected) {
    std::size_t at = 0;
    for (const auto& want : expected) {
        while (at < log.size() && log[at] != want) ++at;
        INFO("expected next: " << want);
        std::string tail;
        for (std::size_t i = at < 8 ? 0 : at - 8; i < log.size() && i < at + 1; ++i) tail += log[i] + "\n";
        INFO("log up to there:\n" << tail);
        REQUIRE(at < log.size());
        ++at;
    }
}

vmm::ram_region ram[] = {{0x40000000, reinterpret_cast<void*>(0x7f0000000000), 2u << 20}};

}  // namespace

TEST_CASE("QEMU passthrough: bind, IOAS, hw info, HWPT, attach, ranges twice, map, dirty tracking, teardown") {
    recording_system sys;
    REQUIRE(vmm::qemu_passthrough(sys, "/dev/vfio/devices/vfio0", ram, vmm::steps(true)) == 0);
    in_order(sys.log, {"open /dev/iommu", "open /dev/vfio/devices/vfio0", "KVM_SET_DEVICE_ATTR FILE_ADD", "VFIO_DEVICE_BIND_IOMMUFD",
                       "IOMMU_IOAS_ALLOC", "IOMMU_GET_HW_INFO", "IOMMU_HWPT_ALLOC", "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
                       "IOMMU_IOAS_IOVA_RANGES", "IOMMU_IOAS_IOVA_RANGES", "IOMMU_IOAS_MAP", "IOMMU_HWPT_SET_DIRTY_TRACKING",
                       "IOMMU_HWPT_GET_DIRTY_BITMAP", "VFIO_DEVICE_DETACH_IOMMUFD_PT", "IOMMU_DESTROY", "IOMMU_DESTROY",
                       "KVM_SET_DEVICE_ATTR FILE_DEL", "close /dev/vfio/devices/vfio0"});
    // The KVM-VFIO device exists before the file is added to it.
    in_order(sys.log, {"KVM_CREATE_VM", "KVM_CREATE_DEVICE", "KVM_SET_DEVICE_ATTR FILE_ADD"});
}

TEST_CASE("QEMU nested SMMUv3: vIOMMU on the nest parent, abort and bypass, vdevice and stage 1, invalidate, STE change, unplug in reverse") {
    recording_system sys;
    sys.hw_info_type = 2;  // IOMMU_HW_INFO_TYPE_ARM_SMMUV3
    REQUIRE(vmm::qemu_nested_smmuv3(sys, "/dev/vfio/devices/vfio0", ram, vmm::steps(true)) == 0);
    in_order(sys.log, {"VFIO_DEVICE_BIND_IOMMUFD", "IOMMU_GET_HW_INFO", "IOMMU_HWPT_ALLOC", "IOMMU_VIOMMU_ALLOC",
                       "IOMMU_HWPT_ALLOC", "IOMMU_HWPT_ALLOC", "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "IOMMU_VDEVICE_ALLOC",
                       "IOMMU_HWPT_ALLOC", "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "IOMMU_HWPT_INVALIDATE",
                       // the guest changes its STE: new stage 1, attached, then the old one destroyed
                       "IOMMU_HWPT_ALLOC", "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "IOMMU_DESTROY",
                       // unplug: back to stage 2, stage-1 HWPT, vdevice, ..., bypass, abort, vIOMMU
                       "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "IOMMU_DESTROY", "IOMMU_DESTROY", "IOMMU_DESTROY", "IOMMU_DESTROY",
                       "IOMMU_DESTROY", "IOMMU_DESTROY"});
    in_order(sys.log, {"IOMMU_VIOMMU_ALLOC", "IOMMU_VEVENTQ_ALLOC", "close veventq", "IOMMU_DESTROY"});
}

TEST_CASE("QEMU nested SMMUv3 stops when the IOMMU is not an SMMUv3") {
    recording_system sys;  // GET_HW_INFO answers Intel VT-d
    CHECK(vmm::qemu_nested_smmuv3(sys, "/dev/vfio/devices/vfio0", ram, vmm::steps(true)) == 1);
    for (const auto& entry : sys.log) CHECK(entry != "IOMMU_VIOMMU_ALLOC");
}

TEST_CASE("Cloud Hypervisor: one IOAS, each device bound and attached to it, all RAM mapped, then teardown") {
    recording_system sys;
    const char* devices[] = {"/dev/vfio/devices/vfio0", "/dev/vfio/devices/vfio1"};
    REQUIRE(vmm::cloud_hypervisor(sys, std::span<const char* const>(devices), ram, vmm::steps(true)) == 0);
    in_order(sys.log, {"IOMMU_IOAS_ALLOC", "open /dev/vfio/devices/vfio0", "KVM_SET_DEVICE_ATTR FILE_ADD",
                       "VFIO_DEVICE_BIND_IOMMUFD", "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "open /dev/vfio/devices/vfio1",
                       "KVM_SET_DEVICE_ATTR FILE_ADD", "VFIO_DEVICE_BIND_IOMMUFD", "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
                       "IOMMU_IOAS_MAP", "VFIO_DEVICE_DETACH_IOMMUFD_PT", "KVM_SET_DEVICE_ATTR FILE_DEL",
                       "close /dev/vfio/devices/vfio0", "VFIO_DEVICE_DETACH_IOMMUFD_PT", "KVM_SET_DEVICE_ATTR FILE_DEL",
                       "close /dev/vfio/devices/vfio1", "IOMMU_DESTROY"});
    int hwpt_allocs = 0;
    for (const auto& entry : sys.log) hwpt_allocs += entry == "IOMMU_HWPT_ALLOC";
    CHECK(hwpt_allocs == 0);  // attached to the IOAS: the kernel makes the HWPT
}
