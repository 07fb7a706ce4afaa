// QEMU's iommufd backend for one passthrough VFIO device: KVM-VFIO, bind,
// IOAS, hardware info, a HWPT with dirty tracking when the IOMMU has it,
// attach, IOVA ranges, guest RAM mapped, a migration's dirty bitmap, and the
// teardown. On uapikit's fake host (an Intel VT-d device) by default.
#include "example_main.hpp"

int main(int argc, char** argv) {
    return vmm::run_example(
        argc, argv, "QEMU passthrough (hw/vfio/iommufd.c call order)",
        [](auto& sys, std::span<const char* const> cdevs, std::span<const vmm::ram_region> ram) {
            return vmm::qemu_passthrough(sys, cdevs.front(), ram);
        },
        [](uapikit::fake::host& host) {
            return std::vector<std::string>{vmm::cdev_path(host.add_device(host.add_iommu(uapikit::fake::iommu_kind::intel_vtd)))};
        });
}
