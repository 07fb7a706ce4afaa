// QEMU's accelerated (nested) SMMUv3 for one device: a vIOMMU on a nesting
// parent, the abort and bypass STEs, a vdevice and a stage-1 HWPT when the
// guest installs an STE, an invalidation through the vIOMMU, a new stage-1
// HWPT put in place of the old one when the guest changes the STE, a
// vEVENTQ, and unplug in reverse. On uapikit's fake host (an ARM SMMUv3) by default.
#include "example_main.hpp"

int main(int argc, char** argv) {
    return vmm::run_example(
        argc, argv, "QEMU nested SMMUv3 (hw/arm/smmuv3-accel.c call order)",
        [](auto& sys, std::span<const char* const> cdevs, std::span<const vmm::ram_region> ram) {
            return vmm::qemu_nested_smmuv3(sys, cdevs.front(), ram);
        },
        [](uapikit::fake::host& host) {
            return std::vector<std::string>{vmm::cdev_path(host.add_device(host.add_iommu(uapikit::fake::iommu_kind::arm_smmuv3)))};
        });
}
